"""Issue 13: care leavers (OC3), CLA reviews (903), allocation measures, CIN plans, DfE social
worker stability, section 20 count and the ASYE caseload line — worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import fig

from kpis.records.engine import drilldown, records_from


def _ep(child: str, decom: str, dec: str | None = None, rec: str | None = None,
        ls: str = "C2") -> dict:
    return {"child_id": child, "decom": decom, "rne": "S", "place": "U1", "urn": child,
            "dec": dec, "rec": rec, "ls": ls}


def test_care_leavers_oc3() -> None:
    # OC3 reference day: latest 903 date 2021-03-31 (X's episode) -> March 2021.
    # A 19 (dob 2001-06-01): YES, F2 (EET), B1 (suitable)
    # B 20 (dob 2000-05-01): NO, G4 (NEET), B2 (unsuitable)
    # C 17 (dob 2003-07-01): YES, F1, Z1 (suitable)
    # D 21 (dob 1999-04-01, 22nd birthday 2021-04-01 after the day): REFU, blank, blank
    # E died: out of every cohort
    rec = records_from("C", episodes=[_ep("X", "2021-03-31")], oc3=[
        {"child_id": "A", "dob": "2001-06-01", "in_touch": "YES", "activ": "F2", "accom": "B1"},
        {"child_id": "B", "dob": "2000-05-01", "in_touch": "NO", "activ": "G4", "accom": "B2"},
        {"child_id": "C", "dob": "2003-07-01", "in_touch": "YES", "activ": "F1", "accom": "Z1"},
        {"child_id": "D", "dob": "1999-04-01", "in_touch": "REFU"},
        {"child_id": "E", "dob": "2001-01-01", "in_touch": "DIED"}])
    m = "2021-03"
    assert fig(rec, "care_leavers_in_touch", m) == (2, 4, 50.0)
    assert fig(rec, "care_leavers_suitable_accom_all", m) == (2, 4, 50.0)
    assert fig(rec, "care_leavers_eet_all", m) == (2, 4, 50.0)
    # 19-21: A, B, D
    assert fig(rec, "care_leavers_suitable_accom_19_21", m) == pytest.approx((1, 3, 100 / 3))
    assert fig(rec, "care_leavers_eet_19_21", m) == pytest.approx((1, 3, 100 / 3))
    assert fig(rec, "care_leavers_eet_all", "2021-02")[:2] == (0, 0)  # one return, one month
    d = drilldown(rec, "care_leavers_eet_19_21", m)
    assert sorted(d["child_id"]) == ["A", "B", "D"]


def test_cla_reviews() -> None:
    # Month-end 2020-06-30.
    # A looked after 2020-06-10: first review due 20 working days later (2020-07-08): up to
    #   date though none held.
    # B from 2020-05-01 (due 2020-06-02: 20 working days; bank holidays 8 and 25 May): no
    #   review -> no.
    # C from 2019-01-01: reviews 2019-01-20, 2019-04-15, 2020-01-10 -> due 2020-07-10: yes.
    # D from 2019-01-01: reviews 2019-01-20, 2019-04-15, 2019-10-10 -> due 2020-04-10: no.
    # E from 2020-03-01: one review 2020-03-20 -> due 2020-06-20: no.
    # F: a review from an earlier period of care (2018) does not count: period from
    #   2020-04-01, no review in it -> due 2020-04-30: no.
    rec = records_from("C", episodes=[
        _ep("A", "2020-06-10"), _ep("B", "2020-05-01"), _ep("C", "2019-01-01"),
        _ep("D", "2019-01-01"), _ep("E", "2020-03-01"),
        _ep("F", "2018-01-01", "2018-06-01", "E11"), _ep("F", "2020-04-01")],
        reviews=[{"child_id": "C", "review": d} for d in
                 ("2019-01-20", "2019-04-15", "2020-01-10")] +
                [{"child_id": "D", "review": d} for d in
                 ("2019-01-20", "2019-04-15", "2019-10-10")] +
                [{"child_id": "E", "review": "2020-03-20"},
                 {"child_id": "F", "review": "2018-02-01"}])
    assert fig(rec, "cla_reviews", "2020-06") == pytest.approx((2, 6, 100 / 3))
    d = drilldown(rec, "cla_reviews", "2020-06").set_index("child_id")
    assert d.loc["B", "next_review_due"] == pd.Timestamp("2020-06-02")
    assert d.loc["F", "reviews_in_period"] == 0


def test_unallocated_and_manager() -> None:
    # Month-end 2020-06-30. Open cases: A (CP plan from 2020-01-01; allocation ended
    # 2020-06-01 -> unallocated 29 days: counted); B (plan from 2020-06-20, never allocated:
    # 10 days: not yet); C (plan from 2020-01-01, allocated to manager M1 since 2020-05-01:
    # 60 days -> manager count); D (allocated to M1 since 2020-06-25: 5 days, not counted);
    # E (looked after from 2019-01-01, allocated to worker W1: neither).
    rec = records_from(
        "C",
        cp_plans=[{"child_id": c, "start_date": s} for c, s in
                  (("A", "2020-01-01"), ("B", "2020-06-20"), ("C", "2020-01-01"),
                   ("D", "2020-01-01"))],
        episodes=[_ep("E", "2019-01-01")],
        workers=[{"worker_id": "M1", "team": "T", "fte": 1.0, "agency": False,
                  "start_date": "2015-01-01", "role": "Team Manager"},
                 {"worker_id": "W1", "team": "T", "fte": 1.0, "agency": False,
                  "start_date": "2015-01-01", "role": "Social Worker"}],
        sw_episodes=[{"child_id": "A", "sw_id": "W1", "start": "2020-01-01",
                      "end": "2020-06-01"},
                     {"child_id": "C", "sw_id": "M1", "start": "2020-05-01"},
                     {"child_id": "D", "sw_id": "W1", "start": "2020-01-01",
                      "end": "2020-06-25"},
                     {"child_id": "D", "sw_id": "M1", "start": "2020-06-25"},
                     {"child_id": "E", "sw_id": "W1", "start": "2019-01-01"}])
    n, d, v = fig(rec, "unallocated_2wk", "2020-06")
    assert (n, d, v) == (1, 5, 1)  # a count: value = the number of children
    n, d, v = fig(rec, "manager_allocated_2wk", "2020-06")
    assert (n, d, v) == (1, 3, 1)
    assert fig(rec, "manager_allocated_2wk", "2020-06", "worker", "M1")[0] == 1


def test_cin_plan_under_1y() -> None:
    # Month-end 2020-06-30: A started 2019-07-01 (< 1 year: yes); B 2019-06-30 (exactly a year:
    # no); C 2020-01-01 but looked after (list 8 open) -> out; D closed 2020-06-15 -> out.
    rec = records_from(
        "C",
        cin=[{"child_id": "A", "start_date": "2019-07-01"},
             {"child_id": "B", "start_date": "2019-06-30"},
             {"child_id": "C", "start_date": "2020-01-01"},
             {"child_id": "D", "start_date": "2020-01-01", "end_date": "2020-06-15"}],
        cla=[{"child_id": "C", "start_date": "2020-02-01"}])
    assert fig(rec, "cin_plan_under_1y", "2020-06") == (1, 2, 50.0)


def test_sw_3plus_dfe_and_s20_count_and_asye() -> None:
    # A looked after, 3 workers in the 12 months -> DfE numerator; B 1 worker.
    rec = records_from(
        "C", episodes=[_ep("A", "2019-01-01"), _ep("B", "2019-01-01", ls="V2")],
        sw_episodes=[{"child_id": "A", "sw_id": w, "start": s, "end": e} for w, s, e in
                     (("W1", "2019-01-01", "2019-10-01"), ("W2", "2019-10-01", "2020-01-01"),
                      ("W3", "2020-01-01", None))] +
                    [{"child_id": "B", "sw_id": "W3", "start": "2019-01-01"}],
        workers=[{"worker_id": "W3", "team": "T", "fte": 0.5, "agency": False,
                  "start_date": "2015-01-01", "role": "ASYE"},
                 {"worker_id": "W2", "team": "T", "fte": 1.0, "agency": False,
                  "start_date": "2015-01-01", "role": "Social Worker"}])
    assert fig(rec, "sw_3plus_12m", "2020-06") == (1, 2, 50.0)
    assert fig(rec, "cla_s20", "2020-06", breakdown="number of children") == (1, 2, 1)
    # W3 (ASYE) holds 2 children / 0.5 FTE = 4: 18 or fewer
    assert fig(rec, "caseload_18_or_fewer", "2020-06", breakdown="ASYE") == (1, 1, 100.0)


def test_cla_change_18m() -> None:
    # Month-end 2020-06-30; 18 months before: 2018-12-31. C ceased on 2018-12-31 itself: not
    # looked after at it. E: short breaks (V3): out.
    rec = records_from("C", episodes=[
        _ep("A", "2018-01-01"), _ep("B", "2018-06-01", "2019-05-01", "E11"),
        _ep("C", "2018-01-01", "2018-12-31", "E11"), _ep("D", "2019-03-01"),
        _ep("E", "2019-03-01", ls="V3"), _ep("F", "2018-06-01")])
    # then: A, B, F = 3; now: A, D, F = 3 -> 0% (numerator now, denominator then)
    assert fig(rec, "cla_change_18m", "2020-06") == (3.0, 3.0, 0.0)
    rec2 = records_from("C", episodes=[
        _ep("A", "2018-01-01"), _ep("B", "2018-06-01", "2019-05-01", "E11"),
        _ep("D", "2019-03-01"), _ep("G", "2020-01-01")])
    # then: A, B = 2; now: A, D, G = 3 -> +50%
    assert fig(rec2, "cla_change_18m", "2020-06") == (3.0, 2.0, 50.0)
