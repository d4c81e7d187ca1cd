"""Audit indicators on a hand-made council, every figure worked out by hand (issue 14)."""

from __future__ import annotations

import pandas as pd
import pytest

from kpis.records.engine import records_from
from kpis.records.indicators.audits import audit_indicators, practitioners_missed


def _council():
    """Three practitioners in post since 2019-01-01 (W1, W2 in team A; W3 in team B), each
    holding a child since then. June 2020 audits: W1 twice (good; RI moderated down to
    inadequate), W2 once (inadequate), plus one in March 2020 of W1 (outstanding, moderated
    the same). No audit of team B since 2019."""
    workers = [{"worker_id": w, "team": t, "fte": 1.0, "start_date": "2019-01-01"}
               for w, t in (("W1", "A"), ("W2", "A"), ("W3", "B"))]
    sw = [{"child_id": f"C{i}", "sw_id": w, "start": "2019-01-01"}
          for i, w in enumerate(("W1", "W2", "W3"))]
    audits = [
        {"audit_id": "1", "completed_date": "2020-06-03", "child_id": "C0", "worker": "W1",
         "team": "A", "audit_type": "case file", "grade": "good"},
        {"audit_id": "2", "completed_date": "2020-06-10", "child_id": "C0", "worker": "W1",
         "team": "A", "audit_type": "thematic", "grade": "requires improvement",
         "moderated_grade": "inadequate"},
        {"audit_id": "3", "completed_date": "2020-06-30", "child_id": "C1", "worker": "W2",
         "team": "A", "audit_type": "case file", "grade": "inadequate"},
        {"audit_id": "4", "completed_date": "2020-03-15", "child_id": "C0", "worker": "W1",
         "team": "A", "audit_type": "case file", "grade": "outstanding",
         "moderated_grade": "outstanding"},
        {"audit_id": "5", "completed_date": "2019-02-01", "child_id": "C2", "worker": "W3",
         "team": "B", "audit_type": "case file", "grade": "good"},
    ]
    return records_from("Small", workers=workers, sw_episodes=sw, audits=audits)


@pytest.fixture(scope="module")
def out() -> pd.DataFrame:
    return audit_indicators(_council(), month_ends=["2020-03-31", "2020-06-30"])


def fig(out: pd.DataFrame, iid: str, period: str = "2020-06", breakdown: str = "",
        level: str = "council", unit: str = "Small") -> pd.Series:
    r = out[(out["indicator_id"] == iid) & (out["period"] == period)
            & (out["breakdown"] == breakdown) & (out["level"] == level)
            & (out["org_unit"] == unit)]
    assert len(r) == 1, (iid, period, breakdown, level, unit)
    return r.iloc[0]


def test_audits_per_month(out: pd.DataFrame) -> None:
    assert fig(out, "audits_per_month")["value"] == 3  # audits 1, 2, 3
    assert fig(out, "audits_per_month", breakdown="thematic")["value"] == 1
    assert fig(out, "audits_per_month", "2020-03")["value"] == 1
    assert fig(out, "audits_per_month", level="team", unit="A")["value"] == 3
    assert fig(out, "audits_per_month", level="team", unit="B")["value"] == 0


def test_grade_mix(out: pd.DataFrame) -> None:
    # June: good 1, RI 1, inadequate 1 of 3 -> 33.3% each; March: outstanding counts as good
    good = fig(out, "audit_grades", breakdown="good")
    assert (good["numerator"], good["denominator"]) == (1, 3)
    assert good["value"] == pytest.approx(100 / 3)
    assert fig(out, "audit_grades", "2020-03", "good")["value"] == 100
    assert fig(out, "audit_grades", breakdown="inadequate")["value"] == pytest.approx(100 / 3)


def test_practitioners_audited_twice(out: pd.DataFrame) -> None:
    # cohort at June 2020: W1, W2, W3 (in post since 2019-01-01, before 2019-06-30, holding a
    # child). Audits 1 Jul 2019 - 30 Jun 2020: W1 3, W2 1, W3 0 (W3's was Feb 2019)
    # -> 1 of 3 audited twice = 33.3%; 4 audits / 3 practitioners = 1.33 a year
    f = fig(out, "practitioners_audited_2plus")
    assert (f["numerator"], f["denominator"]) == (1, 3)
    assert fig(out, "audits_per_practitioner")["value"] == pytest.approx(4 / 3)
    assert fig(out, "practitioners_audited_2plus", level="team", unit="A")["value"] == 50
    assert fig(out, "practitioners_audited_2plus", level="team", unit="B")["value"] == 0


def test_who_was_missed() -> None:
    m = practitioners_missed(_council(), "2020-06")
    assert m[["worker", "team", "audits"]].values.tolist() == [["W2", "A", 1], ["W3", "B", 0]]
    assert str(m.loc[m["worker"] == "W3", "last_audit"].iloc[0].date()) == "2019-02-01"


def test_team_coverage(out: pd.DataFrame) -> None:
    # teams with someone in post: A, B; audited April-June 2020: A only -> 50%
    f = fig(out, "audit_team_coverage")
    assert (f["numerator"], f["denominator"], f["value"]) == (1, 2, 50)


def test_moderated_down(out: pd.DataFrame) -> None:
    # April-June 2020: one moderated audit (2), marked down RI -> inadequate -> 100%;
    # January-March 2020: audit 4, moderated the same -> 0%
    assert fig(out, "audits_moderated_down")["value"] == 100
    assert fig(out, "audits_moderated_down", "2020-03")["value"] == 0


def test_contract_columns(out: pd.DataFrame) -> None:
    from kpis.records.engine import OUTPUT_COLUMNS

    assert list(out.columns) == OUTPUT_COLUMNS
    assert set(out["kind"]) == {"actual"} and set(out["source"]) == {"kpis compute"}
    assert set(out["level"]) == {"council", "team"}


def test_every_audit_series_is_classified_for_spc(out: pd.DataFrame) -> None:
    """Audit series are charted or not by their window (data/catalogue/windows.csv): the monthly
    counts and grade mix are in-month, the practitioner measures rolling 12 months, team coverage
    and moderation rolling 3 months (the docstring's counting rules)."""
    from kpis.stats.spc import IN_MONTH, R3, R12, WINDOWS, spc_table

    pairs = set(zip(out["indicator_id"], out["breakdown"], strict=True))
    assert pairs <= set(WINDOWS)
    assert WINDOWS[("audits_per_month", "thematic")] == IN_MONTH
    assert WINDOWS[("audit_grades", "inadequate")] == IN_MONTH
    assert WINDOWS[("audits_per_practitioner", "")] == R12
    assert WINDOWS[("audit_team_coverage", "")] == R3
    charted = spc_table(out)
    assert set(charted["indicator_id"]) <= {"audits_per_month", "audit_grades"}


def test_worker_level_alone_computes_without_audit_rows() -> None:
    """The audit indicators have council and team levels only: asked for worker level alone
    they give no rows (before: "No objects to concatenate" from compute)."""
    from kpis.records.engine import compute

    records = _council()
    assert audit_indicators(records, ["2020-06-30"], levels=("worker",)).empty
    got = compute(records, ["2020-06-30"], levels=("worker",))
    assert set(got["level"]) <= {"worker"}
    assert not got["indicator_id"].str.startswith("audit").any()
    # three practitioners, one child each, in June 2020: 1.0 per FTE at worker level
    per_fte = got[got["indicator_id"] == "caseload_per_fte"]
    assert sorted(per_fte["org_unit"]) == ["W1", "W2", "W3"]
    assert per_fte["value"].tolist() == [1.0, 1.0, 1.0]
