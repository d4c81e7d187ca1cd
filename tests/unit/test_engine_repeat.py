"""Repeat work: re-referrals, repeat CP plans, returns to care — hand-worked fixtures."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from helpers import fig

from kpis.records.engine import drilldown, records_from
from kpis.records.tables import Records


def ref(child: str, date: str, team: str = "T1", worker: str = "w1") -> dict:
    return {"child_id": child, "referral_date": date, "team": team, "worker": worker}


@pytest.fixture
def referrals() -> Records:
    return records_from("C", referrals=[
        ref("A", "2019-03-15"), ref("A", "2020-03-15"),  # exactly 12 months later -> re-referral
        ref("B", "2019-02-28"), ref("B", "2020-02-29"),  # 29 Feb 2020 - 12 months = 28 Feb 2019
        ref("C", "2019-02-27", "T2"), ref("C", "2020-02-29", "T2"),  # 1 day too early -> not
        ref("D", "2020-03-16", "T2"),  # first referral -> not
        ref("E", "2019-03-14", "T2"), ref("E", "2020-03-15", "T2"),  # 12 months + 1 day -> not
    ])


def test_re_referrals(referrals: Records) -> None:
    # Month-end 2020-03-31, window 2019-04-01..2020-03-31. Referrals in it:
    # A 2020-03-15 (re), B 2020-02-29 (re), C 2020-02-29, D 2020-03-16, E 2020-03-15 -> 2 / 5
    assert fig(referrals, "re_referrals", "2020-03") == (2, 5, 40.0)
    # team T1: A, B -> 2/2; team T2: C, D, E -> 0/3
    assert fig(referrals, "re_referrals", "2020-03", "team", "T1") == (2, 2, 100.0)
    assert fig(referrals, "re_referrals", "2020-03", "team", "T2") == (0, 3, 0.0)


def test_re_referral_after_leap_day() -> None:
    # 2021-02-28 - 12 months = 2020-02-28, so a previous referral on 2020-02-29 is within.
    # Month-end 2021-03-31: window 2020-04-01..2021-03-31 holds only the 2021 referral -> 1/1
    r = records_from("C", referrals=[ref("F", "2020-02-29"), ref("F", "2021-02-28")])
    assert fig(r, "re_referrals", "2021-03") == (1, 1, 100.0)


def test_re_referrals_drilldown(referrals: Records) -> None:
    d = drilldown(referrals, "re_referrals", "2020-03")
    assert sorted(d["child_id"]) == ["A", "B", "C", "D", "E"]
    assert sorted(d.loc[d["in_numerator"], "child_id"]) == ["A", "B"]
    assert d.loc[d["child_id"] == "B", "previous_referral"].iloc[0] == pd.Timestamp("2019-02-28")
    t1 = drilldown(referrals, "re_referrals", "2020-03", "team", "T1")
    assert sorted(t1["child_id"]) == ["A", "B"] and t1["in_numerator"].all()


def plan(child: str, start: str, end: str | None = None, prev: float | None = None) -> dict:
    return {"child_id": child, "start_date": start, "end_date": end, "previous_plans": prev,
            "team": "T1", "worker": "w1"}


def test_repeat_cp() -> None:
    r = records_from("C", cp_plans=[
        plan("A", "2018-05-01", "2018-12-01"), plan("A", "2020-03-10"),  # 2nd plan -> repeat
        plan("B", "2019-06-01", prev=1),  # earlier plan elsewhere/earlier (census field) -> repeat
        plan("C", "2019-10-01", prev=0),  # first -> not
        plan("D", "2020-03-20", prev=0),  # first -> not
        plan("E", "2020-03-25"),  # first, previous_plans unknown -> not
    ])
    # 12 months to 2020-03-31 (from 2019-04-01): A(2020), B, C, D, E -> repeats A, B = 2/5
    assert fig(r, "repeat_cp", "2020-03", breakdown="rolling 12 months") == (2, 5, 40.0)
    # headline, in month (March 2020): A (repeat), D, E -> 1/3
    n, d, v = fig(r, "repeat_cp", "2020-03")
    assert (n, d) == (1, 3) and math.isclose(v, 100 / 3)


def ep(child: str, decom: str, rne: str, dec: str | None = None, rec: str | None = None,
       place: str = "U1", urn: str = "c1", ls: str = "C2") -> dict:
    return {"child_id": child, "decom": decom, "rne": rne, "dec": dec, "rec": rec,
            "place": place, "urn": urn, "ls": ls}


@pytest.fixture
def returns() -> Records:
    return records_from(
        "C",
        episodes=[
            # A: period 1 ends 2019-04-01; period 2 starts 2020-04-01, exactly 12 months later
            ep("A", "2018-01-01", "S", "2019-04-01", "E11"), ep("A", "2020-04-01", "S"),
            # B: previous period ended 2018-01-01, > 12 months before 2019-06-01 -> not a return;
            # period 2 has two episodes (X1 then P) but is one period
            ep("B", "2017-01-01", "S", "2018-01-01", "E1"),
            ep("B", "2019-06-01", "S", "2019-08-01", "X1"), ep("B", "2019-08-01", "P"),
            # C: first ever period (not a return), then back in care 2 months later (return)
            ep("C", "2019-09-01", "S", "2019-10-01", "E4A"), ep("C", "2019-12-01", "S"),
        ],
        sw_episodes=[{"child_id": "A", "sw_id": "w1", "start": "2020-04-01"}],
        workers=[{"worker_id": "w1", "team": "T1", "fte": 1.0, "start_date": "2015-01-01"}],
    )


def test_returns_to_care(returns: Records) -> None:
    # Month-end 2020-04-30, window 2019-05-01..2020-04-30. Periods starting in it:
    # A 2020-04-01 (return), B 2019-06-01 (not), C 2019-09-01 (not), C 2019-12-01 (return) -> 2/4
    assert fig(returns, "returns_to_care", "2020-04") == (2, 4, 50.0)
    # single month (April 2020): A only -> 1/1
    assert fig(returns, "returns_to_care", "2020-04", breakdown="single month") == (1, 1, 100.0)
    # attribution at the month-end: A allocated to w1 (team T1); B and C unallocated
    assert fig(returns, "returns_to_care", "2020-04", "team", "T1") == (1, 1, 100.0)
    assert fig(returns, "returns_to_care", "2020-04", "team", "unallocated") \
        == pytest.approx((1, 3, 100 / 3))
    assert fig(returns, "returns_to_care", "2020-04", "worker", "unallocated")[:2] == (1, 3)


def test_returns_to_care_drilldown(returns: Records) -> None:
    d = drilldown(returns, "returns_to_care", "2020-04")
    assert len(d) == 4 and d["num"].sum() == 2 and d["den"].sum() == 4
    a = d[d["child_id"] == "A"].iloc[0]
    assert a["previous_period_end"] == pd.Timestamp("2019-04-01") and a["in_numerator"]


def test_undated_plan_is_not_an_earlier_plan() -> None:
    # A has a plan row with no start date and one starting 2020-06-10 (previous_plans unknown):
    # the undated row is not known to be earlier -> not a repeat, as in repeat_cp_all.
    r = records_from("C", cp_plans=[plan("A", None), plan("A", "2020-06-10")])
    assert fig(r, "repeat_cp", "2020-06") == (0, 1, 0.0)
    assert fig(r, "repeat_cp_all", "2020-06") == (0, 1, 0.0)
