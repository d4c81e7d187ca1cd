"""XmR charts with Making Data Count rules (kpis.stats.spc), on constructed series.

Most series start with a 12-point baseline B = [12, 10] * 6, worked by hand once here:
    centre  = (6*12 + 6*10) / 12 = 11
    moving ranges: 11 of |12-10| = 2  -> mean mR = 2
    limits  = 11 ± 2.66*2 = 11 ± 5.32  -> lower 5.68, upper 16.32
    2-sigma = 11 ± 1.77*2 = 11 ± 3.54  -> 7.46 and 14.54
B ends on 10 (below the centre), so a run after it starts fresh.
"""

import numpy as np
import pandas as pd
import pytest

from kpis.stats.spc import IN_MONTH, R12, SPC_COLUMNS, WINDOWS, spc_table, xmr

B = [12, 10] * 6


def periods(n: int, start: str = "2019-01") -> list[str]:
    return [str(p) for p in pd.period_range(start, periods=n, freq="M")]


def run(values, **kw):
    kw.setdefault("baseline_points", 12)
    return xmr(values, periods(len(values)), **kw)


def flagged(out) -> list[int]:
    return list(np.flatnonzero(out["special_cause"].to_numpy()))


def test_centre_limits_and_two_sigma_worked_example():
    # [10, 12, 11, 13, 14]: mean 60/5 = 12; mR 2,1,2,1 -> 1.5; limits 12 ± 3.99
    out = xmr([10, 12, 11, 13, 14], periods(5))
    assert out["centre"].tolist() == pytest.approx([12.0] * 5)
    assert out["lower"].iloc[0] == pytest.approx(8.01)
    assert out["upper"].iloc[0] == pytest.approx(15.99)
    assert out["trial_limits"].all()  # 5 < 12 points
    assert not out["special_cause"].any()
    assert set(out["variation"]) == {"common cause"}


def test_baseline_limits_of_B():
    out = run(B)
    assert out["centre"].iloc[0] == pytest.approx(11)
    assert out["lower"].iloc[0] == pytest.approx(5.68)
    assert out["upper"].iloc[0] == pytest.approx(16.32)
    assert not out["trial_limits"].any()  # exactly 12 points: not trial
    assert flagged(out) == []


def test_outside_limits_alone():
    # 17 > 16.32; the next point 10 is inside; no run, trend or 2-of-3 (only one beyond 14.54)
    out = run(B + [17, 10], polarity="lower")
    assert flagged(out) == [12]
    assert out["rules"].iloc[12] == "above upper limit"
    assert out["variation"].iloc[12] == "concern"  # high, and lower is better
    assert out["in_baseline"].tolist() == [True] * 12 + [False] * 2


def test_variation_follows_polarity():
    for pol, word in (("higher", "improvement"), ("lower", "concern"), ("neither", "neither")):
        assert run(B + [17], polarity=pol)["variation"].iloc[12] == word
    assert run(B + [4], polarity="higher")["variation"].iloc[12] == "concern"  # 4 < 5.68


def test_run_of_seven_alone_and_option_six():
    # 11.5 is above the centre 11, below the 2-sigma line 14.54; equal values make no trend
    out = run(B + [11.5] * 7)
    assert flagged(out) == list(range(12, 19))
    assert set(out["rules"].iloc[12:]) == {"run of 7 above centre"}
    assert flagged(run(B + [11.5] * 6)) == []  # 6 points: no run of 7
    six = run(B + [11.5] * 6, run_length=6)
    assert flagged(six) == list(range(12, 18))
    assert set(six["rules"].iloc[12:]) == {"run of 6 above centre"}


def test_run_below_centre():
    out = run(B + [10.5] * 7, polarity="higher")
    # B ends on 10, also below 11: the run is B's last point + 7 = 8 points, all flagged
    assert flagged(out) == list(range(11, 19))
    assert set(out["variation"].iloc[11:]) == {"concern"}


def test_point_on_the_centre_line_breaks_a_run():
    # 3 above, one exactly on the centre (11), 3 above: two runs of 3, no signal
    out = run(B + [11.5] * 3 + [11] + [11.5] * 3)
    assert flagged(out) == []


def test_trend_of_seven_alone():
    # 9 .. 12.5 rising; sides - - - - + + + (no run of 7), all inside 7.46 .. 14.54
    rise = [9.0, 9.5, 10.0, 10.5, 11.5, 12.0, 12.5]
    out = run(B + rise, polarity="higher")
    assert flagged(out) == list(range(12, 19))
    assert set(out["rules"].iloc[12:]) == {"trend of 7 rising"}
    assert set(out["variation"].iloc[12:]) == {"improvement"}
    assert flagged(run(B + rise[1:])) == []  # 6 rising points: not a trend of 7
    assert flagged(run(B + rise[1:], trend_length=6)) == list(range(12, 18))


def test_falling_trend_and_equal_points_break_a_trend():
    fall = [12.5, 12.0, 11.5, 10.5, 10.0, 9.5, 9.0]
    out = run(B + fall, polarity="higher")
    # B ends 12, 10 -> 12.5 rises, so the falling trend is the 7 new points
    assert flagged(out) == list(range(12, 19))
    assert set(out["rules"].iloc[12:]) == {"trend of 7 falling"}
    assert set(out["variation"].iloc[12:]) == {"concern"}
    tie = [12.5, 12.0, 11.5, 11.5, 10.0, 9.5, 9.0]  # a repeated value: neither up nor down
    assert flagged(run(B + tie)) == []


def test_two_of_three_beyond_two_sigma_alone():
    # 15 > 14.54 (inside 16.32); 15, 11.5, 15 is 2 of 3 above; then 10.5 ends it
    out = run(B + [15, 11.5, 15, 10.5], polarity="higher")
    assert flagged(out) == [12, 14]
    assert out["rules"].iloc[12] == "2 of 3 above 2-sigma"
    assert out["variation"].iloc[14] == "improvement"
    # the two 15s four points apart: no window of 3 holds both
    assert flagged(run(B + [15, 11.5, 10.5, 15])) == []
    # one beyond each 2-sigma line (15 high, 7 low): not the same side
    assert flagged(run(B + [15, 7, 11.5])) == []
    # below: 7 < 7.46 twice in three points
    low = run(B + [7, 11.5, 7, 11.5], polarity="lower")
    assert flagged(low) == [12, 14]
    assert low["rules"].iloc[12] == "2 of 3 below 2-sigma"
    assert low["variation"].iloc[12] == "improvement"


def test_limits_clipped_to_percent_range():
    # [0, 4] * 6: centre 2, mR 4, limits 2 ± 10.64 -> lower -8.64 clipped to 0, upper 12.64
    out = run([0, 4] * 6 + [0], bounds=(0, 100))
    assert out["lower"].iloc[0] == 0
    assert out["upper"].iloc[0] == pytest.approx(12.64)
    assert not out["special_cause"].iloc[12]  # 0 sits on the clipped limit: inside
    # [100, 96] * 6: centre 98, upper 98 + 10.64 -> clipped to 100, lower 87.36
    hi = run([100, 96] * 6, bounds=(0, 100))
    assert hi["upper"].iloc[0] == 100
    assert hi["lower"].iloc[0] == pytest.approx(87.36)


def test_trial_limits_under_twelve_points():
    assert run(B[:11])["trial_limits"].all()
    assert not run(B)["trial_limits"].any()


def test_rebasing_is_a_parameter_never_automatic():
    shifted = B + [22, 20] * 6
    # no rebase: one baseline of 24 points. centre (12*6 + 10*6 + 22*6 + 20*6)/24 = 16;
    # moving ranges 22 of 2 and one |10 - 22| = 12 -> (44 + 12)/23 = 2.43478
    flat = xmr(shifted, periods(24))
    assert flat["centre"].tolist() == pytest.approx([16.0] * 24)
    assert flat["upper"].iloc[0] == pytest.approx(16 + 2.66 * 56 / 23)
    # the first 12 are a run below 16, the last 12 a run above: all special cause
    assert flat["special_cause"].all()
    # rebased at the 13th month (2020-01): segment 2 is [22, 20] * 6 -> centre 21, mR 2
    reb = xmr(shifted, periods(24), rebase_at=["2020-01"])
    assert reb["segment"].tolist() == [0] * 12 + [1] * 12
    assert reb["centre"].tolist() == pytest.approx([11.0] * 12 + [21.0] * 12)
    assert reb["upper"].iloc[12] == pytest.approx(26.32)  # jump 10 -> 22 not a moving range
    assert not reb["special_cause"].any()


def test_baseline_end_freezes_the_limits():
    # baseline = 2019 (B); 2020 judged against 5.68 .. 16.32: 22 and 20 are outside
    out = xmr(B + [22, 20], periods(14), baseline_end="2019-12", polarity="higher")
    assert out["in_baseline"].tolist() == [True] * 12 + [False, False]
    assert out["centre"].iloc[13] == pytest.approx(11)
    assert flagged(out) == [12, 13]
    assert out["rules"].iloc[12] == "above upper limit; 2 of 3 above 2-sigma"


def test_assurance_against_target():
    base = run(B, polarity="higher", target=20)  # 20 above the upper limit 16.32
    assert set(base["assurance"]) == {"consistently fails"}
    assert set(run(B, polarity="higher", target=5)["assurance"]) == {"consistently passes"}
    assert set(run(B, polarity="higher", target=11)["assurance"]) == {"hit and miss"}
    assert set(run(B, polarity="lower", target=20)["assurance"]) == {"consistently passes"}
    assert set(run(B, polarity="lower", target=5)["assurance"]) == {"consistently fails"}
    assert set(run(B, polarity="higher")["assurance"]) == {""}
    assert set(run(B, polarity="neither", target=20)["assurance"]) == {""}


def test_conflicting_signals_at_one_point_are_concern():
    # a run of 8 below (B's last 10 + 7 new) while the last 7 rise: low and high at once
    rise = [7.6, 8.0, 8.5, 9.0, 9.5, 10.0, 10.5]
    out = run(B + rise, polarity="higher")
    assert out["direction"].iloc[12] == "both"
    assert out["variation"].iloc[12] == "concern"


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="YYYY-MM"):
        xmr([1, 2], ["2020-1", "2020-02"])
    with pytest.raises(ValueError, match="increasing"):
        xmr([1, 2], ["2020-02", "2020-01"])
    with pytest.raises(ValueError, match="missing"):
        xmr([1, float("nan")], ["2020-01", "2020-02"])


def computed_rows(ind, bd, unit, values, level="council", org="Kent", flags=None):
    n = len(values)
    return pd.DataFrame({
        "indicator_id": ind, "breakdown": bd, "unit": unit, "period": periods(n),
        "value": values, "level": level, "org_unit": org, "council": "Kent",
        "flag": flags if flags is not None else [""] * n,
        "numerator": 1.0, "denominator": 10.0})


def test_spc_table_charts_council_in_month_series_only():
    comp = pd.concat([
        computed_rows("repeat_cp", "", "percent", B + [17],
                      flags=["partial history"] + [""] * 12),
        computed_rows("repeat_cp", "rolling 12 months", "percent", B + [17]),
        computed_rows("repeat_cp", "", "percent", B + [17], level="team", org="Team A"),
        computed_rows("returns_to_care", "single month", "percent", [5.0, float("nan"), 7.0]),
    ], ignore_index=True)
    out = spc_table(comp, polarity={"repeat_cp": "lower", "returns_to_care": "lower"},
                    targets={("repeat_cp", ""): 20.0}, baseline_points=12)
    assert list(out.columns) == SPC_COLUMNS
    rc = out[out["indicator_id"] == "repeat_cp"]
    assert set(rc["breakdown"]) == {""} and set(rc["level"]) == {"council"}
    # the partial-history first point is left out: 12 points B[1:] + [17] (five 12s, six
    # 10s, 17), all baseline: centre (60 + 60 + 17)/12 = 137/12 = 11.4167; moving ranges
    # ten of 2 and |10 - 17| = 7 -> 27/11 = 2.4545; upper 11.4167 + 2.66 * 2.4545 = 17.9458
    assert len(rc) == 12 and rc["period"].iloc[0] == "2019-02"
    assert rc["centre"].iloc[0] == pytest.approx(137 / 12)
    assert rc["upper"].iloc[0] == pytest.approx(137 / 12 + 2.66 * 27 / 11)
    # 17 is inside 17.9458 and alone beyond the 2-sigma line 11.4167 + 1.77 * 2.4545 = 15.76
    assert not rc["special_cause"].any()
    assert set(rc["assurance"]) == {"consistently passes"}  # target 20 > upper, lower better
    rtc = out[out["indicator_id"] == "returns_to_care"]
    assert rtc["period"].tolist() == ["2019-01", "2019-03"]  # the NaN month is no point
    # in-month only by default; month-end stocks on request
    stock = computed_rows("agency_rate", "", "percent", B)
    assert spc_table(stock, polarity={}).empty
    assert len(spc_table(stock, polarity={}, windows=(IN_MONTH, "month-end stock"))) == 12


def test_spc_table_assurance_by_hand():
    # B + [17]: limits 5.68 .. 16.32 from the 12-point baseline; target 20 above the upper
    # limit and lower is better -> consistently passes
    out = spc_table(computed_rows("repeat_cp", "", "percent", B + [17]),
                    polarity={"repeat_cp": "lower"}, targets={"repeat_cp": 20.0},
                    baseline_points=12)
    assert set(out["assurance"]) == {"consistently passes"}
    assert out["variation"].iloc[-1] == "concern"


def test_every_engine_series_has_a_window_that_agrees_with_its_note():
    try:
        from kpis.records.engine import IN_MONTH as E_IN
        from kpis.records.engine import R12 as E_R12
        from kpis.records.engine import REGISTRY
    except ImportError:
        from kpis.engine import IN_MONTH as E_IN
        from kpis.engine import R12 as E_R12
        from kpis.engine import REGISTRY
    pairs = {(i, b): note for i, spec in REGISTRY.items() for b, note in spec.notes.items()}
    assert set(pairs) <= set(WINDOWS)
    # nothing stale: every other row of windows.csv is an audit series (test_audits_indicators)
    others = {i for i, _ in set(WINDOWS) - set(pairs)}
    assert others == {"audits_per_month", "audit_grades", "audits_per_practitioner",
                      "practitioners_audited_2plus", "audits_moderated_down",
                      "audit_team_coverage"}
    for pair, note in pairs.items():
        if note == E_IN:
            assert WINDOWS[pair] == IN_MONTH, pair
        if note.startswith(E_R12):
            assert WINDOWS[pair] == R12, pair
