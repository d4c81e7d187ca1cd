"""Computed figures against the published scorecard, worked by hand."""

import math

import pandas as pd
import pytest

from kpis.reporting import compare


def computed_row(iid, name, value, num, den, breakdown="", level="council", unit="percent",
                 period="2020-06", note="rolling 12 months to month-end"):
    return {"indicator_id": iid, "domain": "d", "indicator": name, "breakdown": breakdown,
            "kind": "actual", "comparator": "", "period": period, "value": value, "unit": unit,
            "note": note, "source": "kpis compute", "flag": "", "council": "Synth",
            "level": level, "org_unit": "Synth", "numerator": num, "denominator": den}


def card_row(iid, kind, value, period="", breakdown=""):
    return {"indicator_id": iid, "breakdown": breakdown, "kind": kind, "comparator": "",
            "period": period, "value": value}


@pytest.fixture
def table():
    computed = pd.DataFrame([
        # re-referrals: 2,021 of 6,143 = 32.9%; Appendix 1 says 32%, target 24 (lower better)
        computed_row("re_referrals", "Re-referrals", 100 * 2021 / 6143, 2021, 6143),
        computed_row("re_referrals", "Re-referrals", 40.0, 4, 10, level="team"),
        computed_row("re_referrals", "Re-referrals", 30.0, 3, 10, period="2020-05"),
        # long-term stability 132/217 = 60.8% vs 60%, target 65 (higher better): not met
        computed_row("long_term_stability", "LTS", 100 * 132 / 217, 132, 217),
        # placements: 50% vs 17.5 -> 32.5 points above
        computed_row("placements_3plus", "3+", 50.0, 1, 2),
        # caseload 2,558 children / 192.3 FTE = 13.3 vs 14
        computed_row("caseload_per_fte", "Caseload", 2558 / 192.3, 2558, 192.3,
                     unit="children per FTE"),
        # no published figure for the 12-month breakdown
        computed_row("repeat_cp", "Repeat CP", 33.0, 203, 615, breakdown="rolling 12 months"),
    ])
    scorecard = pd.DataFrame([
        card_row("re_referrals", "actual", 32.0, "2020-06"),
        card_row("re_referrals", "actual", 24.0, "2017-03"),
        card_row("re_referrals", "target", 24.0),
        card_row("long_term_stability", "actual", 60.0, "2020-06"),
        card_row("long_term_stability", "target", 65.0),
        card_row("placements_3plus", "actual", 17.5, "2020-06"),
        card_row("caseload_per_fte", "actual", 14.0, "2020-06"),
    ])
    return compare.computed_vs_scorecard(computed, scorecard, "2020-06")


def test_one_row_per_council_figure_of_the_month(table):
    assert len(table) == 5  # team row and May row left out
    assert list(table.columns) == compare.COLUMNS


def test_re_referrals(table):
    r = table.set_index("indicator_id").loc["re_referrals"]
    assert r["computed"] == pytest.approx(32.899, abs=1e-3)
    assert r["published"] == 32.0
    assert r["difference"] == pytest.approx(0.899, abs=1e-3)
    assert r["target_status"] == "not met"  # lower is better: 32.9 > 24
    assert r["note"] == "within 3 points"


def test_polarity_and_notes(table):
    t = table.set_index(["indicator_id", "breakdown"])
    assert t.loc[("long_term_stability", ""), "target_status"] == "not met"  # 60.8 < 65
    assert t.loc[("placements_3plus", ""), "note"] == "32.5 points above the published figure"
    assert t.loc[("caseload_per_fte", ""), "note"] == \
        "0.7 children per FTE below the published figure"
    rc = t.loc[("repeat_cp", "rolling 12 months")]
    assert math.isnan(rc["published"]) and rc["note"] == "no published figure"
    assert rc["target_status"] == "no target"


def test_findings_and_readable(table):
    text = compare.comparison_findings(table)
    assert "5 indicators were computed" not in text  # 4 headline + 1 breakdown
    assert "4 indicators were computed from the child-level records of Synth for 2020-06; " \
           "4 figures (with breakdowns) also have a published figure" in text
    assert "2 of the 3 percentages are within 3 points" in text
    assert "3+ (50.0% against 17.5%, 1 of 2)" in text
    readable = compare.readable(table)
    row = readable[readable["Indicator"].eq("Caseload")].iloc[0]
    assert (row["Numerator"], row["Denominator"], row["Computed"]) == ("2,558", "192.3", "13.3")
    assert readable.loc[readable["Breakdown"].eq("rolling 12 months"), "Published"].iloc[0] == ""
