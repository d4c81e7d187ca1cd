"""Timeliness: assessments in 45 working days, ICPCs in 15, CP plans ending after 2+ years."""

from __future__ import annotations

import pytest
from helpers import fig

from kpis.records.engine import drilldown, records_from
from kpis.records.tables import Records


def asmt(child: str, start: str | None, auth: str, team: str = "T1") -> dict:
    return {"child_id": child, "start_date": start, "auth_date": auth, "team": team,
            "worker": "w1"}


@pytest.fixture
def assessments() -> Records:
    return records_from("C", assessments=[
        # Fri 20 Dec 2019 -> Fri 3 Jan 2020: 20, 23, 24, 27, 30, 31 Dec, 2 Jan = 7 -> within
        asmt("A", "2019-12-20", "2020-01-03"),
        asmt("B", "2020-01-10", "2020-01-10", "T2"),  # same day = 0 working days -> within
        # Mon 3 Jun 2019 -> Mon 5 Aug 2019: 9 whole weeks, no bank holiday = 45 -> within
        asmt("C", "2019-06-03", "2019-08-05"),
        asmt("D", "2019-06-03", "2019-08-06"),  # 46 -> not within
        asmt("E", "2019-02-01", "2019-03-29"),  # authorised before the window -> out
        asmt("F", "2020-02-10", "2020-02-01"),  # authorised before it started -> excluded
        asmt("G", None, "2020-02-01"),  # no start date -> excluded
    ])


def test_assessment_45wd(assessments: Records) -> None:
    # Month-end 2020-03-31, window 2019-04-01..2020-03-31: A, B, C within; D not -> 3/4
    assert fig(assessments, "assessment_45wd", "2020-03") == (3, 4, 75.0)
    assert fig(assessments, "assessment_45wd", "2020-03", "team", "T2") == (1, 1, 100.0)
    d = drilldown(assessments, "assessment_45wd", "2020-03").set_index("child_id")
    assert d["working_days"].to_dict() == {"A": 7, "B": 0, "C": 45, "D": 46}


def s47(child: str, strategy: str | None, icpc: str | None, unnecessary: bool = False) -> dict:
    return {"child_id": child, "strategy_date": strategy, "icpc_date": icpc,
            "icpc_unnecessary": unnecessary, "team": "T1", "worker": "w1"}


def test_icpc_15wd() -> None:
    r = records_from("C", s47=[
        s47("A", "2020-02-03", "2020-02-24"),  # Mon -> Mon three weeks later: 15 -> within
        s47("B", "2020-02-03", "2020-02-25"),  # 16 -> not
        s47("C", "2020-02-10", "2020-02-05"),  # ICPC before the strategy discussion: excluded
        s47("D", "2020-02-10", None, True),  # ICPC unnecessary: no ICPC, not in the cohort
        # Fri 20 Dec 2019 -> Tue 14 Jan 2020: Dec 20, 23, 24, 27, 30, 31 (6), Jan 2, 3 (8),
        # Jan 6-10 (13), Jan 13 (14) -> 14 -> within
        s47("E", "2019-12-20", "2020-01-14"),
    ])
    # Month-end 2020-03-31: cohort A, B, E; within A, E -> 2/3
    n, d, v = fig(r, "icpc_15wd", "2020-03")
    assert (n, d) == (2, 3) and v == pytest.approx(200 / 3)
    assert drilldown(r, "icpc_15wd", "2020-03").set_index("child_id")["working_days"].to_dict() \
        == {"A": 15, "B": 16, "E": 14}


def cp(child: str, start: str, end: str | None) -> dict:
    return {"child_id": child, "start_date": start, "end_date": end, "team": "T1",
            "worker": "w1"}


def test_cp_plans_ended_2y_plus() -> None:
    r = records_from("C", cp_plans=[
        cp("A", "2018-02-28", "2020-02-28"),  # exactly 2 years -> counts
        cp("B", "2018-03-01", "2020-02-29"),  # 2 years reached 2020-03-01 -> not
        cp("C", "2020-02-29", "2022-02-28"),  # leap start: + 2 years = 2022-02-28 -> counts
        cp("D", "2017-01-01", None),  # open plan -> not in the cohort
        cp("E", "2016-01-01", "2019-03-31"),  # ended before the window -> out
    ])
    # Month-end 2020-03-31: A, B end in the window -> 1/2
    assert fig(r, "cp_plans_ended_2y_plus", "2020-03") == (1, 2, 50.0)
    # Month-end 2022-03-31: C -> 1/1
    assert fig(r, "cp_plans_ended_2y_plus", "2022-03") == (1, 1, 100.0)
