"""Wilson 95% intervals (kpis.stats.intervals) against published and hand-worked values."""

import numpy as np
import pandas as pd
import pytest

from kpis.stats.intervals import describe, is_small, wilson, with_intervals


def test_eight_of_ten_by_hand():
    # p = 0.8, n = 10, z² = 3.8415: denominator 1 + 0.38415 = 1.38415
    # centre (0.8 + 0.19207) / 1.38415 = 0.71674
    # half 1.96 * sqrt(0.016 + 0.0096037) / 1.38415 = 1.96 * 0.160012 / 1.38415 = 0.22658
    lo, hi = wilson([8], [10])
    assert lo[0] == pytest.approx(0.4902, abs=5e-5)
    assert hi[0] == pytest.approx(0.9433, abs=5e-5)


def test_zero_and_all_of_ten():
    # 0/10: centre = half = 0.19207 / 1.38415 = 0.13877 -> 0 to 0.2775; 10/10 mirrors it
    lo, hi = wilson([0, 10], [10, 10])
    assert lo.tolist() == pytest.approx([0.0, 0.7225], abs=5e-5)
    assert hi.tolist() == pytest.approx([0.2775, 1.0], abs=5e-5)


@pytest.mark.parametrize(("r", "n", "lo", "hi"), [
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (score)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_newcombe_published_values(r, n, lo, hi):
    a, b = wilson([r], [n])
    assert a[0] == pytest.approx(lo, abs=5e-5)
    assert b[0] == pytest.approx(hi, abs=5e-5)


def test_zero_denominator_is_nan_and_bad_numerator_refused():
    lo, hi = wilson([0], [0])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    with pytest.raises(ValueError, match="between 0 and the denominator"):
        wilson([11], [10])


def test_small_numbers_in_words():
    assert describe([8, 31, 0], [10, 100, 0]) == [
        "80% (49% to 94%), 8 of 10, small numbers", "31%", "no cases"]
    assert is_small([99, 100, np.nan]).tolist() == [True, False, False]


def test_with_intervals_on_the_computed_table():
    df = pd.DataFrame({"numerator": [8.0, 81.0], "denominator": [10.0, 263.0]})
    out = with_intervals(df)
    assert out["ci_lower"].tolist() == pytest.approx([49.02, 25.53], abs=5e-3)
    assert out["ci_upper"].tolist() == pytest.approx([94.33, 36.62], abs=5e-3)
    assert out["small_numbers"].tolist() == [True, False]
