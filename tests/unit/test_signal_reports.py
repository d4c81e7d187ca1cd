"""Signal from noise in the reports (issue 12): XmR alt text, the team table with Wilson
intervals and suppression, the funnel chart's words, and the disclosure setting. Values worked
by hand in the comments."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kpis.reporting import alt_text, plan, signal  # noqa: E402
from kpis.stats.spc import xmr  # noqa: E402
from kpis.stats.suppression import Disclosure, settings, suppress_rows  # noqa: E402

BOARD = settings()
MANAGERS = settings(suppress=False)


def periods(n: int) -> list[str]:
    return [str(p) for p in pd.period_range("2019-01", periods=n, freq="M")]


# 12 baseline points alternating 12, 10: centre 11, mean moving range 2, limits
# 11 ± 2.66 × 2 = 5.68 to 16.32; 2-sigma lines 11 ± 3.54. Then 17 (above the upper limit:
# improvement when higher is better) and 4 (below the lower limit: concern). The target 20 is
# above the upper limit, so the process consistently fails it.
SERIES = [12, 10] * 6 + [17, 4]


def test_xmr_alt_text_names_limits_months_outside_latest_and_assurance() -> None:
    rows = xmr(SERIES, periods(14), polarity="higher", baseline_points=12, target=20)
    text = alt_text.xmr("Repeat CP plans (in month)", rows, "percent", 20.0)
    assert text == (
        "Repeat CP plans (in month), monthly January 2019 to February 2020: special cause "
        "variation (1 point of improvement, 1 point of concern) around a centre of 11%, "
        "process limits 5.7% to 16.3%; 1 point above the upper limit (January 2020); 1 point "
        "below the lower limit (February 2020). Latest, February 2020: 4%, special cause, "
        "concern; consistently fails against the 20% target.")


def test_xmr_alt_text_says_trial_limits_and_hides_a_suppressed_latest_value() -> None:
    rows = xmr([12, 10] * 4, periods(8), polarity="lower")
    text = alt_text.xmr("Returns to care (single month)", rows, "percent",
                        hidden={"2019-08"})
    assert "common cause variation only around a centre of 11%" in text
    assert "(trial limits: 8 baseline points, fewer than 12)" in text
    assert "no point outside the limits" in text
    assert "Latest, August 2019: not shown: small numbers, common cause variation." in text
    assert "10%" not in text  # the suppressed month's value is not written


def _teams() -> pd.DataFrame:
    return pd.DataFrame({
        "org_unit": ["Team B", "Team A", "Team C", "Team D"],
        "numerator": [30.0, 5.0, 12.0, 0.0], "denominator": [60.0, 8.0, 150.0, 0.0],
        "value": [50.0, 62.5, 8.0, float("nan")],
        "position": ["within the limits", "above the 95% limit", "below the 95% limit",
                     "no cases"],
        "indicator_id": "x", "breakdown": "", "period": "2020-06", "level": "team"})


COUNCIL = pd.DataFrame({"org_unit": ["Council"], "numerator": [47.0], "denominator": [218.0],
                        "value": [21.6], "indicator_id": "x", "breakdown": "",
                        "period": "2020-06", "level": "council"})


def test_team_flags_primary_and_next_smallest_as_secondary() -> None:
    # Team A: 5 of 8 is small (primary). One team hidden beside a shown council total would be
    # total minus the others, so the next smallest non-zero numerator (Team C, 12) goes too;
    # Team D's zero is not suppressed.
    t = _teams()
    flags = signal.team_flags(t, COUNCIL, BOARD)
    assert dict(zip(t["org_unit"], flags.reindex(t.index), strict=True)) == {
        "Team B": "", "Team A": "primary", "Team C": "secondary", "Team D": ""}
    assert signal.team_flags(t, COUNCIL, MANAGERS).eq("").all()


def test_team_table_wilson_small_numbers_and_suppression() -> None:
    t = _teams()
    tab = signal.team_table(t, signal.team_flags(t, COUNCIL, BOARD), "percent", BOARD)
    # name order, not ranked; 30 of 60: p = 0.5, Wilson centre 0.5, half-width
    # 1.96 × sqrt(0.25/60 + 1.96²/(4 × 60²)) / (1 + 1.96²/60) = 0.1227 -> 38% to 62%
    assert tab.to_dict("records") == [
        {"Team": "Team A", "Rate": "c", "Children": "c", "Wilson 95% interval": "c",
         "Small numbers": "c", "Against the funnel limits": "c"},
        {"Team": "Team B", "Rate": "50%", "Children": "30 of 60",
         "Wilson 95% interval": "38% to 62%", "Small numbers": "small numbers",
         "Against the funnel limits": "within the limits"},
        {"Team": "Team C", "Rate": "c", "Children": "c", "Wilson 95% interval": "c",
         "Small numbers": "c", "Against the funnel limits": "c"},
        {"Team": "Team D", "Rate": "no cases", "Children": "0 of 0", "Wilson 95% interval": "",
         "Small numbers": "", "Against the funnel limits": "no cases"}]
    # managers: everything shown; 5 of 8: centre (0.625 + 0.2401)/1.4802 = 0.5844, half
    # 1.96 × sqrt(0.0293 + 0.0150)/1.4802 = 0.2787 -> 31% to 86%; 12 of 150 has N >= 100:
    # no interval, not small numbers
    tab = signal.team_table(t, signal.team_flags(t, COUNCIL, MANAGERS), "percent", MANAGERS)
    a, c = tab.iloc[0], tab.iloc[2]
    assert (a["Rate"], a["Children"], a["Wilson 95% interval"]) == ("62.5%", "5 of 8",
                                                                    "31% to 86%")
    assert (c["Rate"], c["Children"], c["Wilson 95% interval"], c["Small numbers"]) == (
        "8%", "12 of 150", "", "")


def test_team_funnel_leaves_out_pseudo_and_suppressed_teams_and_counts_them() -> None:
    teams = pd.DataFrame({
        "org_unit": ["Small", "Big", "Mid", "unallocated"],
        "numerator": [3.0, 60.0, 25.0, 2.0], "denominator": [4.0, 200.0, 90.0, 3.0],
        "value": [75.0, 30.0, 27.8, 66.7], "indicator_id": "x", "breakdown": "",
        "period": "2020-06", "level": "team"})
    council = pd.DataFrame({"org_unit": ["Council"], "numerator": [90.0],
                            "denominator": [297.0], "value": [30.3], "indicator_id": "x",
                            "breakdown": "", "period": "2020-06", "level": "council"})
    chart, table = signal.team_funnel(teams, council, "Re-referrals", "2020-06", BOARD)
    # Small (3 of 4) is primary, Mid (25, the next smallest numerator) secondary: only Big
    # is drawn; the council rate 90/297 = 30.3% is the centre
    assert chart.alt.startswith("Re-referrals by team, June 2020 (funnel plot): council rate "
                                "30.3%; 1 team drawn")
    assert "2 teams not drawn (small numbers suppressed, or no cases)" in chart.alt
    assert "Small" not in chart.alt and "Mid" not in chart.alt
    assert "unallocated" not in set(table["Team"]) and len(table) == 3
    assert table.set_index("Team").loc["Small"].eq("c").all()
    assert "2 teams not drawn" in chart.caption
    chart.figure.clear()
    chart, _ = signal.team_funnel(teams, council, "Re-referrals", "2020-06", MANAGERS)
    assert "3 teams drawn" in chart.alt


def test_settings_and_suppress_rows() -> None:
    assert settings() == Disclosure(True, 5) and not settings(False).suppress
    for bad in ({"threshold": -1}, {"threshold": 2.5}, {"suppress": "false"}):
        with pytest.raises(ValueError, match="suppress"):
            settings(**bad)
    t = pd.DataFrame({"Numerator": ["1,988", "3", "0", "40"], "Denominator": ["6,009", "40",
                                                                             "0", "5"],
                      "Rate": ["33.1", "7.5", "", "800"]})
    out = suppress_rows(t, "Numerator", "Denominator", ["Numerator", "Denominator", "Rate"],
                        BOARD)
    assert out["Rate"].tolist() == ["33.1", "c", "", "c"]
    assert out["Numerator"].tolist() == ["1,988", "c", "0", "c"]
    assert suppress_rows(t, "Numerator", "Denominator", ["Rate"], MANAGERS).equals(t)
    assert suppress_rows(t, "Numerator", "Denominator", ["Rate"],
                         settings(threshold=2))["Rate"].tolist() == ["33.1", "7.5", "", "800"]


def test_suppress_parameter_from_the_command_line_is_a_bool() -> None:
    # the notebooks' parameters cell says `suppress = True` (a Python literal, not JSON)
    assert plan.coerce("false", "True") is False and plan.coerce("true", "True") is True
    assert plan.coerce("3", "5") == 3
