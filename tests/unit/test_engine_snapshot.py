"""Issue 13 indicators from Annex A snapshots (lists 6-9), SSDA903 OC3 and reviews, and the
allocation measures — every figure worked by hand. Extract date 2020-06-30 (the latest Annex A
date in each fixture), so the snapshot month is June 2020."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import fig

from kpis.records.engine import compute, drilldown, records_from

JUNE = "2020-06"


def cla_row(child: str, start: str, **kw: object) -> dict:
    return {"child_id": child, "start_date": start, "team": "T1", "worker": "W1", **kw}


@pytest.fixture
def lists() -> object:
    return records_from(
        "C",
        # the latest Annex A date: a contact on 2020-06-30 -> the extract date
        contacts=[{"child_id": "Z", "contact_date": "2020-06-30"}],
        # list 6: A open, seen 2020-05-20 (41 days: within 49) -> yes; B open, seen 2020-05-01
        # (60 days) -> no; C opened 2020-06-10, not seen yet (20 days) -> not overdue -> yes;
        # D closed 2020-06-01 -> out; E open but on a CP plan -> out (measured in list 7).
        cin=[{"child_id": "A", "start_date": "2019-01-01", "last_seen": "2020-05-20",
              "team": "T1", "worker": "W1"},
             {"child_id": "B", "start_date": "2018-06-01", "last_seen": "2020-05-01",
              "team": "T2", "worker": "W2"},
             {"child_id": "C", "start_date": "2020-06-10", "team": "T2", "worker": "W2"},
             {"child_id": "D", "start_date": "2019-01-01", "end_date": "2020-06-01",
              "last_seen": "2020-01-01"},
             {"child_id": "E", "start_date": "2019-01-01", "last_seen": "2020-01-01"}],
        # list 7: E (plan 2020-01-15, visited 2020-06-05 = 25 days: yes; RCPC: review
        # 2020-04-10 -> due 2020-10-10: yes); F (plan 2019-01-01, visited 2020-05-30 = 31 days:
        # no; last review 2019-12-20 -> due 2020-06-20 < 2020-06-30: overdue); G (plan
        # 2020-04-15, no review yet -> due 2020-07-15: up to date; not visited, 76 days: no).
        cp_plans=[{"child_id": "E", "start_date": "2020-01-15", "last_visit": "2020-06-05",
                   "latest_review": "2020-04-10", "team": "T1", "worker": "W1"},
                  {"child_id": "F", "start_date": "2019-01-01", "last_visit": "2020-05-30",
                   "latest_review": "2019-12-20", "team": "T1", "worker": "W1"},
                  {"child_id": "G", "start_date": "2020-04-15", "team": "T1",
                   "worker": "W3"}],
        # list 8 (extract 2020-06-30):
        # H dob 2017-01-01 (3, under 5), in care since 2019-01-01, HA 2020-02-01 (within 6
        #   months: yes), dental 2019-05-01 (14 months: no), visit 2020-06-01 (29 days: yes),
        #   missing 2, RI offered Y accepted N
        # I dob 2008-01-01 (12), since 2018-03-01, HA 2019-08-01 (11 months, within 12: yes),
        #   dental 2020-01-01 (yes), visit 2020-05-01 (60 days: no), missing 1, RI Y / Y
        # J dob 2010-01-01, since 2020-06-20: 7 working days -> out of health; not visited, 10
        #   days: yes; out of dental (< 12 months)
        # K dob 2019-06-01 (1, under 5), since 2019-07-01, HA 2019-11-01 (8 months: no),
        #   dental none -> out of dental (< 12 months); visit 2020-06-29 yes
        # L ceased 2020-05-01: out of every cohort but the return-interview one (missing 1,
        #   RI offered N)
        cla=[cla_row("H", "2019-01-01", dob="2017-01-01", last_health_assessment="2020-02-01",
                     last_dental_check="2019-05-01", last_visit="2020-06-01", missing_12m=2,
                     return_interview_offered=True, return_interview_accepted=False),
             cla_row("I", "2018-03-01", dob="2008-01-01", last_health_assessment="2019-08-01",
                     last_dental_check="2020-01-01", last_visit="2020-05-01", missing_12m=1,
                     return_interview_offered=True, return_interview_accepted=True),
             cla_row("J", "2020-06-20", dob="2010-01-01", missing_12m=0),
             cla_row("K", "2019-07-01", dob="2019-06-01", last_health_assessment="2019-11-01",
                     last_visit="2020-06-29"),
             cla_row("L", "2018-01-01", dob="2005-01-01", end_date="2020-05-01",
                     missing_12m=1, return_interview_offered=False)],
        # list 9: M eligible (in care), review 2020-02-01 (within 6 months) yes; N eligible,
        # 2019-11-01 no; O former relevant 2020-06-01 yes; P relevant, none -> no
        care_leavers=[
            {"child_id": "M", "eligibility": "Eligible", "pathway_plan_review": "2020-02-01"},
            {"child_id": "N", "eligibility": "Eligible", "pathway_plan_review": "2019-11-01"},
            {"child_id": "O", "eligibility": "Former relevant",
             "pathway_plan_review": "2020-06-01"},
            {"child_id": "P", "eligibility": "Relevant"}],
    )


def test_visits(lists: object) -> None:
    assert fig(lists, "visits_cin", JUNE) == pytest.approx((2, 3, 200 / 3))
    assert fig(lists, "visits_cin", JUNE, "team", "T2") == (1, 2, 50.0)
    assert fig(lists, "visits_cp", JUNE) == pytest.approx((1, 3, 100 / 3))
    assert fig(lists, "visits_cla", JUNE) == (3, 4, 75.0)


def test_rcpc_and_pathway_plans(lists: object) -> None:
    assert fig(lists, "rcpc_up_to_date", JUNE) == pytest.approx((2, 3, 200 / 3))
    assert fig(lists, "cla_pwp", JUNE) == (1, 2, 50.0)
    assert fig(lists, "care_leavers_pwp", JUNE) == (1, 2, 50.0)


def test_health_and_dental(lists: object) -> None:
    # health cohort H, I, K (J under 20 working days); on time H, I
    assert fig(lists, "health_assessments_cla", JUNE) == pytest.approx((2, 3, 200 / 3))
    assert fig(lists, "health_assessments_under5", JUNE) == (1, 2, 50.0)
    assert fig(lists, "health_assessments_over5", JUNE) == (1, 1, 100.0)
    # dental cohort H, I (12+ months); I yes
    assert fig(lists, "dental_assessments", JUNE) == (1, 2, 50.0)


def test_return_interviews(lists: object) -> None:
    # missing in 12 months: H, I, L; accepted I; offered H, I
    assert fig(lists, "missing_return_interview", JUNE) == pytest.approx((1, 3, 100 / 3))
    assert fig(lists, "missing_return_interview", JUNE, breakdown="offered") == \
        pytest.approx((2, 3, 200 / 3))


def test_snapshot_only_in_the_extract_month(lists: object) -> None:
    out = compute(lists, pd.DatetimeIndex(["2020-05-31", "2020-06-30"]),
                  levels=["council"], indicators=["visits_cla"])
    may = out[out["period"] == "2020-05"].iloc[0]
    assert may["denominator"] == 0 and "extract" in may["note"]


def test_snapshot_drilldown(lists: object) -> None:
    d = drilldown(lists, "visits_cla", JUNE).set_index("child_id").sort_index()
    assert list(d.index) == ["H", "I", "J", "K"]
    assert d["in_numerator"].to_dict() == {"H": True, "I": False, "J": True, "K": True}
    assert d.loc["I", "days_since"] == 60


def test_snapshot_column_absent_gives_no_rows() -> None:
    r = records_from("C", cla=[cla_row("H", "2019-01-01")])
    assert fig(r, "dental_assessments", JUNE)[:2] == (0, 0)


def test_extract_date_column_gives_a_monthly_series() -> None:
    # two stacked monthly extracts of list 8: May (seen 2020-05-10: 21 days, yes) and June
    # (same visit: 51 days, no)
    r = records_from("C", cla=[
        cla_row("H", "2019-01-01", last_visit="2020-05-10", extract_date="2020-05-31"),
        cla_row("H", "2019-01-01", last_visit="2020-05-10", extract_date="2020-06-30")])
    assert fig(r, "visits_cla", "2020-05") == (1, 1, 100.0)
    assert fig(r, "visits_cla", JUNE) == (0, 1, 0.0)


def test_stacked_monthly_extracts_read_from_files(tmp_path: object) -> None:
    # List 8 as two stacked monthly extracts with an "Extract Date" column, read by the readers:
    # May's extract (visit 2020-05-10, 21 days before 2020-05-31) on time, June's not (51 days).
    from pathlib import Path

    from kpis.records.readers import read_council

    folder = Path(tmp_path) / "annex_a"
    folder.mkdir()
    (folder / "list8.csv").write_text(
        "Child Unique ID,Gender,Date of Birth,Date Started to be Looked After,"
        "Date of Last Social Work Visit,Extract Date\n"
        "A1,M,01/01/2010,01/01/2019,10/05/2020,31/05/2020\n"
        "A1,M,01/01/2010,01/01/2019,10/05/2020,30/06/2020\n", encoding="utf-8")
    (folder / "list1.csv").write_text("Child Unique ID,Gender,Date of Birth,Date of Contact\n"
                                      "A1,M,01/01/2010,30/06/2020\n", encoding="utf-8")
    rec = read_council(Path(tmp_path)).records
    assert fig(rec, "visits_cla", "2020-05") == (1, 1, 100.0)
    assert fig(rec, "visits_cla", JUNE) == (0, 1, 0.0)
