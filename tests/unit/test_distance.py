"""Distance travelled on hand-worked rows (tests/fixtures/scorecard_small.csv)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kpis.scorecard import distance

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scorecard_small.csv"


@pytest.fixture(scope="module")
def scorecard() -> pd.DataFrame:
    return pd.read_csv(FIXTURE, dtype={"period": str}, keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def dist(scorecard: pd.DataFrame) -> pd.DataFrame:
    return distance.distance_table(scorecard)


def row(dist: pd.DataFrame, iid: str, breakdown: str = "") -> pd.Series:
    hit = dist[dist["indicator_id"].eq(iid) & dist["breakdown"].eq(breakdown)]
    assert len(hit) == 1, (iid, breakdown)
    return hit.iloc[0]


def test_re_referrals_lower_is_better_worsened(dist: pd.DataFrame) -> None:
    r = row(dist, "re_referrals")
    assert (r["baseline"], r["latest"]) == (24, 32)
    assert r["change"] == pytest.approx(8)
    assert r["change_pct"] == pytest.approx(33.333, abs=1e-3)
    assert r["direction"] == "worsened"
    assert r["target_status"] == "not met"
    assert r["gap_to_target"] == pytest.approx(8)
    assert r["benchmark"] == pytest.approx(19.7)
    assert r["benchmark_comparator"] == "unspecified"
    assert r["gap_to_benchmark"] == pytest.approx(12.3)
    assert r["benchmark_position"] == "worse"
    assert r["rag"] == "Red"


def test_higher_is_better_improved_and_met(dist: pd.DataFrame) -> None:
    r = row(dist, "visits_cin")
    assert r["direction"] == "improved"
    assert r["target_status"] == "met"
    assert r["rag"] == "Green"


def test_lower_is_better_count_improved_but_not_met_is_amber(dist: pd.DataFrame) -> None:
    r = row(dist, "no_activity")  # 26 -> 10 children, target 0
    assert r["direction"] == "improved"
    assert r["change_pct"] == pytest.approx(-61.538, abs=1e-3)
    assert r["target_status"] == "not met"
    assert r["rag"] == "Amber"


def test_missing_baseline_is_a_state_not_a_zero(dist: pd.DataFrame) -> None:
    r = row(dist, "contact_decision_24h")
    assert math.isnan(r["baseline"]) and math.isnan(r["change"])
    assert r["direction"] == "no baseline"
    assert r["baseline_source"] == "none"
    assert r["target_status"] == "met"  # 92 against 90, higher is better
    assert r["rag"] == "Green"


def test_tbc_latest_is_not_rated(dist: pd.DataFrame) -> None:
    r = row(dist, "contact_outcome_48h")
    assert r["direction"] == "no data"
    assert r["target_status"] == "no latest value"
    assert r["rag"] == "Not rated"
    assert r["latest_note"] == "tbc"


def test_inspection_figure_as_baseline_is_labelled(scorecard: pd.DataFrame) -> None:
    with_fallback = row(distance.distance_table(scorecard), "repeat_cp_all")
    assert with_fallback["baseline"] == pytest.approx(33.3)
    assert with_fallback["baseline_source"] == "inspection finding 2017-03"
    assert with_fallback["direction"] == "worsened"
    without = row(distance.distance_table(scorecard, inspection_fallback=False), "repeat_cp_all")
    assert without["direction"] == "no baseline"


def test_thresholds_are_parameters(scorecard: pd.DataFrame) -> None:
    # caseload 16 -> 14 per FTE is -12.5%: material at 5%, not at 20%
    assert row(distance.distance_table(scorecard), "caseload_per_fte")["direction"] == "improved"
    loose = distance.distance_table(scorecard, rel_threshold=20)
    assert row(loose, "caseload_per_fte")["direction"] == "no material change"
    # re-referrals +8 points: material at 1 point, not at 10
    assert row(distance.distance_table(scorecard, pp_threshold=10), "re_referrals")[
        "direction"] == "no material change"


def test_close_to_target_but_worsened_is_red(dist: pd.DataFrame) -> None:
    r = row(dist, "placements_3plus")  # 13.2 -> 17.5 against 12.7: 4.8 points short, worsened
    assert r["direction"] == "worsened"
    assert r["rag"] == "Red"
    assert r["rag_reason"] == "short of the target and worsened since the baseline"


def test_amber_within_tolerance_of_target_and_not_worsened() -> None:
    # Timelines of visits to children in care: 92% -> 92% against a target of 95%: 3 points
    # short, no material change -> Amber
    sc = pd.DataFrame({
        "indicator_id": ["visits_cla"] * 3, "domain": ["Seeing and Working with Children"] * 3,
        "indicator": ["Timelines of visits to children in care"] * 3, "breakdown": [""] * 3,
        "kind": ["actual", "actual", "target"], "comparator": [""] * 3,
        "period": ["2017-03", "2020-06", ""], "value": [92.0, 92.0, 95.0],
        "unit": ["percent"] * 3, "note": [""] * 3, "source": ["x"] * 3, "flag": [""] * 3})
    r = distance.distance_table(sc).iloc[0]
    assert r["direction"] == "no material change"
    assert r["rag"] == "Amber"
    assert r["rag_reason"] == "within 5 points of the target"


def test_neither_polarity(dist: pd.DataFrame) -> None:
    r = row(dist, "audit_grades", "requires improvement")
    assert r["polarity"] == "neither"
    assert r["rag"] == "Not rated"


def test_neither_polarity_direction_is_changed() -> None:
    sc = pd.DataFrame({
        "indicator_id": ["audit_grades"] * 2, "domain": ["Quality Assurance"] * 2,
        "indicator": ["Case-file audit grades"] * 2, "breakdown": ["requires improvement"] * 2,
        "kind": ["actual"] * 2, "comparator": [""] * 2, "period": ["2017-03", "2020-06"],
        "value": [20.0, 33.0], "unit": ["percent"] * 2, "note": [""] * 2,
        "source": ["x"] * 2, "flag": [""] * 2,
    })
    r = distance.distance_table(sc).iloc[0]
    assert r["direction"] == "changed"
    assert r["target_status"] == "no target"


def test_benchmarks_wide_and_long(dist: pd.DataFrame, scorecard: pd.DataFrame) -> None:
    r = row(dist, "sw_changes_12m_cla")
    assert r["benchmark: inadequate LAs"] == 66
    assert r["benchmark: good/outstanding LAs"] == 75
    long = distance.benchmark_gaps(scorecard)
    sw = long[long["indicator_id"].eq("sw_changes_12m_cla")].set_index("comparator")
    assert sw.loc["good/outstanding LAs", "gap"] == pytest.approx(-16)
    assert (sw["position"] == "worse").all()
    picked = row(distance.distance_table(scorecard, comparator="good/outstanding LAs"),
                 "sw_changes_12m_cla")
    assert picked["benchmark"] == 75


def test_appendix_preferred_over_narrative_duplicate(dist: pd.DataFrame) -> None:
    r = row(dist, "unallocated_2wk")  # 88 in both sources, 0 now, target 0
    assert (r["baseline"], r["latest"], r["direction"], r["rag"]) == (88, 0, "improved", "Green")


def test_domain_summary_counts(dist: pd.DataFrame) -> None:
    s = distance.domain_summary(dist)
    assert s.loc["Repeat Work", "worsened"] == 4
    # Red: re-referrals and repeat CP plans (8 points short of target), returns to care
    # (17 -> 22, worsened, 5 points worse than the benchmark of 17)
    assert s.loc["Repeat Work", "red"] == 3
    assert s["indicators"].sum() == len(dist)
    assert list(s.index)[0] == "Decision Making and Allocation"


def test_series_dedupes_sources(scorecard: pd.DataFrame) -> None:
    s = distance.series(scorecard, ["agency_rate"])
    assert list(s["period"]) == ["2018-09", "2020-06", "2021-09"]
    assert list(s["value"]) == [50, 29, 20]
    assert "NF16" in s.iloc[0]["sources"]
