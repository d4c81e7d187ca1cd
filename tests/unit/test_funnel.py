"""Funnel-plot limits (kpis.stats.funnel) against hand-worked binomial quantiles.

Binomial(10, 0.5): P(R = k) = C(10, k)/1024 with C(10, k) = 1, 10, 45, 120, 210, 252, ...;
cumulative counts (×1/1024): 1, 11, 56, 176, 386, 638, 848, 968, 1013, 1023, 1024.
Spiegelhalter's limit for tail p: r_p = smallest r with F(r) >= p;
α = (F(r_p) - p) / P(R = r_p); limit = (r_p - α) / n.
"""

import numpy as np
import pandas as pd
import pytest

from kpis.stats.funnel import classify, exact_limit, funnel, limits, overdispersion


def test_exact_limits_binomial_10_half_by_hand():
    # p = 0.025 -> 25.6/1024: r = 2 (56 >= 25.6 > 11); α = (56 - 25.6)/45 = 0.675556
    assert exact_limit(0.025, [10], 0.5)[0] == pytest.approx((2 - 30.4 / 45) / 10)  # 0.13244
    # p = 0.975 -> 998.4/1024: r = 8 (1013 >= 998.4 > 968); α = (1013 - 998.4)/45
    assert exact_limit(0.975, [10], 0.5)[0] == pytest.approx((8 - 14.6 / 45) / 10)  # 0.76756
    # p = 0.001 -> 1.024/1024: r = 1 (11 >= 1.024 > 1); α = (11 - 1.024)/10 = 0.9976
    assert exact_limit(0.001, [10], 0.5)[0] == pytest.approx(0.00024)
    # p = 0.999 -> 1022.976/1024: r = 9 (1023 >= 1022.976 > 1013); α = 0.024/10
    assert exact_limit(0.999, [10], 0.5)[0] == pytest.approx(0.89976)


def test_exact_limits_binomial_5_fifth_by_hand():
    # Binomial(5, 0.2): P = 0.32768, 0.4096, 0.2048, 0.0512, 0.0064, 0.00032
    # cumulative 0.32768, 0.73728, 0.94208, 0.99328, 0.99968, 1
    # lower 95%: r = 0, α = (0.32768 - 0.025)/0.32768 = 0.9237 -> (0 - 0.9237)/5 < 0 -> 0
    assert exact_limit(0.025, [5], 0.2)[0] == 0
    # upper 95%: r = 3, α = (0.99328 - 0.975)/0.0512 = 0.357031 -> (3 - 0.357031)/5
    assert exact_limit(0.975, [5], 0.2)[0] == pytest.approx(0.5285938, abs=1e-6)


def test_limits_table_columns_and_degenerate_cases():
    t = limits(0.5, [10, 0])
    assert list(t.columns) == ["denominator", "lower95", "upper95", "lower998", "upper998"]
    assert t["upper95"].iloc[0] == pytest.approx(0.7675556, abs=1e-6)
    assert np.isnan(t["upper95"].iloc[1])  # no cases, no limit
    assert limits(0.0, [10])["upper998"].iloc[0] == 0.0


def test_classify_on_the_limit_is_within():
    assert classify([0.5, 0.8, 0.1, np.nan], [0.1] * 4, [0.5] * 4).tolist() == [
        "within", "above", "within", ""]
    assert classify([0.05], [0.1], [0.5]).tolist() == ["below"]


def test_winsorised_phi_by_hand():
    # 10 units of n = 100, centre 300/1000 = 0.3, s = sqrt(0.21/100) = 0.0458258
    # z: 20/100 -> -0.1/s = -2.18218, 40/100 -> +2.18218, eight at 0
    # 10th percentile (linear): position 0.9 between -2.18218 and 0 -> -0.218218; 90th +0.218218
    # winsorised phi = 2 * 0.218218² / 10 = 2 * 0.047619 / 10 = 0.0095238
    od = overdispersion([30] * 8 + [20, 40], [100] * 10, 0.3)
    assert od.phi == pytest.approx(0.0095238, rel=1e-4)
    assert od.tau2 == 0.0  # 10 * phi = 0.095 < I - 1 = 9
    assert od.z[8] == pytest.approx(-2.18218, rel=1e-5)


def test_tau2_by_hand_and_adjusted_limits():
    # y = 10, 50 (four each), 30, 30 of 100: centre 0.3; z = ±0.2/s = ±4.36436 (eight), 0 (two)
    # percentiles: 10th at position 0.9 between two -4.36436 -> unchanged; phi = 8 * 19.0476/10
    # = 15.2381; I*phi = 152.381. w = 1/s² = 476.190 each: sum 4761.90, sum w²/sum w = 476.190
    # tau2 = (152.381 - 9) / (4761.90 - 476.19) = 143.381 / 4285.71 = 0.0334556
    units = pd.DataFrame({"org_unit": list("ABCDEFGHIJ"),
                          "numerator": [10, 50] * 4 + [30, 30], "denominator": [100] * 10})
    od = overdispersion(units["numerator"], units["denominator"], 0.3)
    assert od.phi == pytest.approx(15.2381, rel=1e-5)
    assert od.tau2 == pytest.approx(0.0334556, rel=1e-5)
    f = funnel(units)
    assert f.method == "additive" and f.centre == pytest.approx(0.3)
    # at n = 100: sd = sqrt(0.0021 + 0.0334556) = 0.188562; 1.959964 * 0.188562 = 0.369574
    assert f.units["upper95"].iloc[0] == pytest.approx(66.9574, abs=1e-3)
    assert f.units["lower95"].iloc[0] == 0.0  # 0.3 - 0.3696 clipped at 0
    assert set(f.units["position"]) == {"within the limits"}
    # without the adjustment, 50% of 100 is far above the exact 99.8% limit (about 44%)
    plain = funnel(units, adjust="never")
    assert plain.method == "exact"
    assert plain.units.loc[plain.units["numerator"] == 50, "band998"].eq("above").all()
    assert plain.units.loc[plain.units["numerator"] == 10, "position"].eq(
        "below the 99.8% limit").all()


def test_team_of_four_is_not_flagged_beside_a_big_team():
    # the example: 3 of 4 (75%) beside 60 of 200 (30%); centre 63/204 = 0.308824
    # Binomial(4, 0.308824): θ² = 0.095372, θ³ = 0.029453, θ⁴ = 0.0090958
    # P(R <= 3) = 1 - θ⁴ = 0.9909042 >= 0.975; P(R = 3) = 4 θ³ (1 - θ) = 0.081430, so
    # P(R <= 2) = 0.909474 < 0.975 -> r = 3; α = (0.9909042 - 0.975)/0.081430 = 0.195311
    # -> upper 95% limit (3 - 0.195311)/4 = 0.701172: 75% is above it.
    # 99.8%: P(R <= 3) < 0.999 -> r = 4; α = (1 - 0.999)/0.0090958 = 0.109941
    # -> (4 - 0.109941)/4 = 0.972515: 75% is within
    units = pd.DataFrame({"org_unit": ["Small", "Big"], "numerator": [3, 60],
                          "denominator": [4, 200]})
    f = funnel(units, adjust="never")
    small = f.units.iloc[0]
    assert small["centre"] == pytest.approx(100 * 63 / 204)
    assert small["upper95"] == pytest.approx(70.1172, abs=1e-3)
    assert small["upper998"] == pytest.approx(97.2515, abs=1e-3)
    assert small["position"] == "above the 95% limit"
    assert f.units["position"].iloc[1] == "within the limits"


def test_curve_is_drawn_to_beyond_the_largest_team():
    units = pd.DataFrame({"org_unit": ["A", "B"], "numerator": [5, 20],
                          "denominator": [50, 100]})
    f = funnel(units, adjust="never")
    assert f.curve["denominator"].min() == 1 and f.curve["denominator"].max() == 110
    assert (f.curve["upper998"] >= f.curve["upper95"]).all()
