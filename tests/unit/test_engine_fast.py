"""The engine's Arrow shortcuts (issue 15) give what the pandas forms gave: hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import event_frame, text
from kpis.records.indicators.context import Vocab, _labels


def test_text_cleans_each_code_and_blanks_missing() -> None:
    s = pd.Series([" x1", None, "e11 ", "X1"], dtype="string")
    assert text(s).tolist() == ["X1", "", "E11", "X1"]
    assert text(s).dtype == object
    assert text(pd.Series([None, None], dtype=object)).tolist() == ["", ""]


def test_labels_match_factorize_and_vocab_codes() -> None:
    s = pd.Series([" Team A", None, "Team B", " Team A", ""], dtype="string")
    codes, uniques = _labels(s)
    assert codes.tolist() == [0, -1, 1, 0, 2]
    assert list(uniques) == [" Team A", "Team B", ""]
    v = Vocab()  # 0 unallocated, 1 unknown; then the labels as first seen (stripped)
    assert v.encode(s).tolist() == [2, 0, 3, 2, 0]
    assert v.labels[2:] == ["Team A", "Team B"]


def test_event_frame_breakdown_is_text_like_an_inferred_column() -> None:
    ev = event_frame(np.array([0, 1, 1]), breakdown="rolling 12 months", child=np.array([5, 6, 7]),
                     team=np.zeros(3), worker=np.zeros(3), in_numerator=np.array([1, 0, 1]))
    want = pd.Series(["rolling 12 months"] * 3, name="breakdown")  # pandas' own "str" column
    pd.testing.assert_series_equal(ev["breakdown"], want)
    assert ev["num"].tolist() == [1.0, 0.0, 1.0]
    empty = event_frame(np.array([], dtype=np.int64), breakdown="", child=np.array([]),
                        team=np.array([]), worker=np.array([]), in_numerator=np.array([]))
    assert len(empty) == 0 and empty["breakdown"].dtype == object
