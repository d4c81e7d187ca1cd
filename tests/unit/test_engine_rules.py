"""Issue 13: four counting rules put right, each worked by hand at month-end 2020-03-31
(12-month window 2019-04-01 .. 2020-03-31)."""

from __future__ import annotations

import pytest
from helpers import fig

from kpis.records.engine import records_from


def _ep(child: str, decom: str, rne: str, place: str, urn: str, dec: str | None,
        rec: str | None, ls: str = "C2") -> dict:
    return {"child_id": child, "decom": decom, "rne": rne, "place": place, "urn": urn,
            "dec": dec, "rec": rec, "ls": ls}


def test_ni62_placement_held_at_window_start_counts_when_first_day_episode_is_not_a_move(
) -> None:
    # A: placed with carer c1 since 2018; on the window's first day (2019-04-01) a legal-status
    # change (RNE L, same placement); moves (P) on 2019-06-01 and 2019-09-01.
    # Placements in the window: c1 (held at the start) + c2 + c3 = 3 -> numerator.
    # B: same, but the first-day episode is a temporary placement's return to the same carer
    # c1 after a T1 stay that began before the window: c1 + c2 + c3 = 3.
    # C: same, but the first-day episode is placement for adoption with the existing carer
    # (RNE T into A5): c1 (=A5 carer) + one move only = 2 -> not numerator.
    rec = records_from("C", episodes=[
        _ep("A", "2018-01-01", "S", "U1", "c1", "2019-04-01", "X1"),
        _ep("A", "2019-04-01", "L", "U1", "c1", "2019-06-01", "X1"),
        _ep("A", "2019-06-01", "P", "U2", "c2", "2019-09-01", "X1"),
        _ep("A", "2019-09-01", "P", "U3", "c3", None, None),
        _ep("B", "2018-01-01", "S", "U1", "c1", "2019-03-20", "X1"),
        _ep("B", "2019-03-20", "P", "T1", "t9", "2019-04-01", "X1"),
        _ep("B", "2019-04-01", "P", "U1", "c1", "2019-06-01", "X1"),
        _ep("B", "2019-06-01", "P", "U2", "c2", "2019-09-01", "X1"),
        _ep("B", "2019-09-01", "P", "U3", "c3", None, None),
        _ep("C", "2018-01-01", "S", "U4", "c1", "2019-04-01", "X1"),
        _ep("C", "2019-04-01", "T", "A5", "c1", "2019-09-01", "X1"),
        _ep("C", "2019-09-01", "P", "U3", "c3", None, None),
    ])
    assert fig(rec, "placements_3plus", "2020-03") == pytest.approx((2, 3, 100 * 2 / 3))


def test_cla_missing_counts_child_who_ceased_on_the_first_day_of_the_year() -> None:
    # A: looked after 2018-01-01 .. ceased 2019-04-01 (DEC = the window's first day): looked
    #    after during the year (DfE) -> in the cohort; missing 2019-04-01 -> numerator.
    # B: one-day episode 2019-04-01 .. 2019-04-01: in the cohort (same rule), no missing.
    # C: ceased 2019-03-31: before the window -> out.
    # D: looked after at the month-end, no missing.
    rec = records_from("C", episodes=[
        _ep("A", "2018-01-01", "S", "U1", "c1", "2019-04-01", "E11"),
        _ep("B", "2019-04-01", "S", "U1", "c2", "2019-04-01", "E11"),
        _ep("C", "2018-01-01", "S", "U1", "c3", "2019-03-31", "E11"),
        _ep("D", "2019-01-01", "S", "U1", "c4", None, None),
    ], missing=[{"child_id": "A", "missing_type": "M", "start": "2019-04-01",
                 "end": "2019-04-02"}])
    assert fig(rec, "cla_missing", "2020-03") == pytest.approx((1, 3, 100 / 3))


def test_returns_to_care_leave_out_short_break_only_periods() -> None:
    # A: period 1 (C2) ended 2019-08-01; period 2 starts 2019-10-01 (C2): a return -> 1 of 1.
    # B: short breaks only (V3): 2019-05-01..2019-05-03 then 2019-06-01..2019-06-03: neither
    #    period is a period of care for this measure -> out of cohort.
    # C: short break (V3) ended 2019-07-01, then a full period (C2) from 2019-11-01: the short
    #    break is not a previous period of care -> in cohort, not a return.
    rec = records_from("C", episodes=[
        _ep("A", "2019-01-01", "S", "U1", "a1", "2019-08-01", "E11"),
        _ep("A", "2019-10-01", "S", "U1", "a1", None, None),
        _ep("B", "2019-05-01", "S", "U1", "b1", "2019-05-03", "E8", ls="V3"),
        _ep("B", "2019-06-01", "S", "U1", "b1", "2019-06-03", "E8", ls="V3"),
        _ep("C", "2019-06-01", "S", "U1", "c1", "2019-07-01", "E8", ls="V3"),
        _ep("C", "2019-11-01", "S", "U1", "c1", None, None),
    ])
    assert fig(rec, "returns_to_care", "2020-03") == (1, 2, 50.0)


def test_caseload_counts_a_co_worked_child_for_each_worker() -> None:
    # Workers W1 (1.0 FTE) and W2 (1.0 FTE) in post. Child X is allocated to W1 from 2020-01-01
    # and co-worked by W2 from 2020-02-01 (both open at 2020-03-31); child Y with W2 only.
    # Census: W1 holds 1 case, W2 holds 2: 3 cases / 2.0 FTE = 1.5 per FTE.
    rec = records_from(
        "C",
        workers=[{"worker_id": "W1", "team": "T", "fte": 1.0, "agency": False,
                  "start_date": "2019-01-01"},
                 {"worker_id": "W2", "team": "T", "fte": 1.0, "agency": False,
                  "start_date": "2019-01-01"}],
        sw_episodes=[{"child_id": "X", "sw_id": "W1", "start": "2020-01-01"},
                     {"child_id": "X", "sw_id": "W2", "start": "2020-02-01"},
                     {"child_id": "Y", "sw_id": "W2", "start": "2020-01-01"}])
    assert fig(rec, "caseload_per_fte", "2020-03") == (3, 2.0, 1.5)
    assert fig(rec, "caseload_per_fte", "2020-03", "worker", "W1") == (1, 1.0, 1.0)
