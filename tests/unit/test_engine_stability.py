"""Stability: 3+ placements (NI 62), long-term stability (NI 63), social worker changes."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import fig

from kpis.records.engine import drilldown, records_from
from kpis.records.tables import Records


def ep(child: str, decom: str, rne: str, place: str = "U1", urn: str = "c1",
       dec: str | None = None, rec: str | None = None, ls: str = "C2") -> dict:
    return {"child_id": child, "decom": decom, "rne": rne, "place": place, "urn": urn,
            "dec": dec, "rec": rec, "ls": ls}


def chain(child: str, *eps: tuple, end: str | None = None, rec: str = "E11",
          ls: str = "C2") -> list[dict]:
    """Consecutive episodes (decom, rne, place, urn): each ends (X1) when the next starts."""
    rows = []
    for i, (decom, rne, place, urn) in enumerate(eps):
        last = i == len(eps) - 1
        dec = end if last else eps[i + 1][0]
        rows.append(ep(child, decom, rne, place, urn, dec, (rec if end else None) if last
                       else "X1", ls))
    return rows


@pytest.fixture
def placements() -> Records:
    return records_from("C", episodes=[
        # A: placed before the window (1) + 2 moves (P) in it = 3 -> numerator
        *chain("A", ("2018-01-01", "S", "U1", "c1"), ("2019-05-01", "P", "U2", "c2"),
               ("2019-09-01", "P", "U3", "c3")),
        # B: 1 + legal-status change only (RNE L: not a placement) + 1 move = 2
        *chain("B", ("2018-01-01", "S", "U1", "c1"), ("2019-05-01", "L", "U1", "c1"),
               ("2019-09-01", "P", "U2", "c2")),
        # C: 1 + temporary placement T1 (not counted) + return to the same carer c1 (not
        # counted) + 1 move = 2 (would be 4 without the temporary-placement rules)
        *chain("C", ("2018-01-01", "S", "U1", "c1"), ("2019-05-01", "P", "T1", "t9"),
               ("2019-05-15", "P", "U1", "c1"), ("2019-10-01", "P", "U2", "c2")),
        # D: 1 + 1 move + placed for adoption with the existing carer c2 (RNE T into A5: not a
        # change) = 2
        *chain("D", ("2018-01-01", "S", "U4", "c1"), ("2019-06-01", "P", "U5", "c2"),
               ("2019-12-01", "T", "A5", "c2")),
        # E: 3 placements but ceased on the month-end itself -> not looked after at it: out
        *chain("E", ("2019-05-01", "S", "U1", "c1"), ("2019-07-01", "P", "U2", "c2"),
               ("2019-09-01", "P", "U3", "c3"), end="2020-03-31"),
        # F: starts on the window's first day (counted once, not twice) + 2 moves = 3
        *chain("F", ("2019-04-01", "S", "U1", "c1"), ("2019-06-01", "P", "U2", "c2"),
               ("2019-08-01", "P", "U3", "c3")),
        # G: short breaks only (legal status V3) -> excluded from the cohort
        *chain("G", ("2020-01-01", "S", "U1", "c1"), ls="V3"),
    ])


def test_placements_3plus(placements: Records) -> None:
    # Month-end 2020-03-31, window 2019-04-01..2020-03-31.
    # Cohort A, B, C, D, F (E ceased on the month-end, G short breaks) = 5; numerator A, F = 2
    assert fig(placements, "placements_3plus", "2020-03") == (2, 5, 40.0)
    # no allocations: every child is attributed to "unallocated", never dropped
    assert fig(placements, "placements_3plus", "2020-03", "team", "unallocated") == (2, 5, 40.0)


def test_placements_drilldown(placements: Records) -> None:
    d = drilldown(placements, "placements_3plus", "2020-03").set_index("child_id")
    assert d["placements_in_window"].to_dict() == {"A": 3, "B": 2, "C": 2, "D": 2, "F": 3}
    assert d.loc["F", "placed_at_window_start"] == 0
    assert d.loc["A", "placed_at_window_start"] == 1


@pytest.fixture
def long_term() -> Records:
    return records_from(
        "C",
        children=[{"child_id": c, "dob": dob} for c, dob in [
            ("A", "2008-01-01"), ("B", "2008-01-01"), ("C", "2004-03-31"), ("D", "2004-04-01"),
            ("E", "2012-01-01"), ("F", "2012-01-01"), ("G", "2010-01-01"), ("H", "2010-01-01")]],
        episodes=[
            *chain("A", ("2015-01-01", "S", "U1", "c1")),  # same placement 5 years -> num
            *chain("B", ("2015-01-01", "S", "U1", "c1"), ("2019-01-01", "P", "U2", "c2")),  # not
            # C: 16 exactly on 2020-03-31 -> out of the cohort
            *chain("C", ("2010-01-01", "S", "U1", "c1")),
            # D: 15 (16 on 2020-04-01); RNE L and T keep the same carer -> placement since 2010
            *chain("D", ("2010-01-01", "S", "U1", "c1"), ("2019-01-01", "L", "U1", "c1"),
                   ("2019-06-01", "T", "U2", "c1")),
            # E: placed for adoption 2019-06-01 (10 months) after a placement from 2018-01-01:
            # together 2 years 3 months >= 2 years -> num
            *chain("E", ("2017-01-01", "S", "U4", "c1"), ("2018-01-01", "P", "U5", "c2"),
                   ("2019-06-01", "P", "A4", "c3")),
            # F: the same, previous placement from 2018-06-01: 1 year 10 months -> not
            *chain("F", ("2017-01-01", "S", "U4", "c1"), ("2018-06-01", "P", "U5", "c2"),
                   ("2019-06-01", "P", "A4", "c3")),
            # G: in care from 2017-10-01: 2.5 years reached 2020-04-01 -> out of the cohort
            *chain("G", ("2017-10-01", "S", "U1", "c1")),
            # H: in care from 2017-09-30: 2.5 years reached 2020-03-30 -> in; same placement
            *chain("H", ("2017-09-30", "S", "U1", "c1")),
        ])


def test_long_term_stability(long_term: Records) -> None:
    # Month-end 2020-03-31: cohort A, B, D, E, F, H = 6; numerator A, D, E, H = 4
    n, d, v = fig(long_term, "long_term_stability", "2020-03")
    assert (n, d) == (4, 6) and v == pytest.approx(400 / 6)
    dd = drilldown(long_term, "long_term_stability", "2020-03")
    assert sorted(dd["child_id"]) == ["A", "B", "D", "E", "F", "H"]
    assert sorted(dd.loc[dd["in_numerator"], "child_id"]) == ["A", "D", "E", "H"]
    assert dd.set_index("child_id").loc["D", "placement_start"] == pd.Timestamp("2010-01-01")


def test_child_of_16_leaves_cohort_next_month(long_term: Records) -> None:
    # 2020-04-30: D turned 16 on 2020-04-01 -> out; G reached 2.5 years on 2020-04-01 -> in
    # (same placement since 2017-10-01 >= 2 years -> num). Cohort A, B, E, F, G, H = 6;
    # numerator A, E, G, H (F's previous placement reached 2 years on 2020-06-01) = 4
    assert fig(long_term, "long_term_stability", "2020-04")[:2] == (4, 6)


def sw(child: str, worker: str, start: str, end: str | None = None) -> dict:
    return {"child_id": child, "sw_id": worker, "start": start, "end": end}


@pytest.fixture
def workers_history() -> Records:
    return records_from(
        "C",
        episodes=[ep(c, "2019-01-01", "S") for c in ("A", "B", "C")],
        sw_episodes=[
            # A: 4 workers in the 12 months; in the last 6 months (from 2019-10-01): w3, w4
            sw("A", "w1", "2019-01-01", "2019-05-01"), sw("A", "w2", "2019-05-01", "2019-08-01"),
            sw("A", "w3", "2019-08-01", "2019-12-01"), sw("A", "w4", "2019-12-01"),
            # B: w1 ended the day before the window (2019-03-31) -> not counted; w2 twice counts
            # once; w3 -> 2 workers. In 6 months: w3 only
            sw("B", "w1", "2018-01-01", "2019-03-31"), sw("B", "w2", "2019-03-31", "2019-06-01"),
            sw("B", "w2", "2019-06-01", "2019-09-01"), sw("B", "w3", "2019-09-01"),
            # C: looked after, never allocated -> 0 workers, "unallocated"
            # D: not looked after; allocated w1 -> only in the 6-month "all children" cohort
            sw("D", "w1", "2019-06-01"),
            # E: not looked after; 4 workers in the last 6 months
            sw("E", "w1", "2019-10-01", "2019-11-01"), sw("E", "w2", "2019-11-01", "2019-12-01"),
            sw("E", "w3", "2019-12-01", "2020-01-01"), sw("E", "w4", "2020-01-01"),
        ],
        workers=[{"worker_id": w, "team": t, "fte": 1.0, "start_date": "2015-01-01"}
                 for w, t in [("w1", "T1"), ("w2", "T1"), ("w3", "T2"), ("w4", "T2")]],
    )


def test_sw_changes_12m_cla(workers_history: Records) -> None:
    # Month-end 2020-03-31, children looked after: A (4 workers), B (2), C (0) -> <=3: B, C
    n, d, v = fig(workers_history, "sw_changes_12m_cla", "2020-03")
    assert (n, d) == (2, 3) and v == pytest.approx(200 / 3)
    n, d, v = fig(workers_history, "sw_more_than_3_12m", "2020-03")
    assert (n, d) == (1, 3) and v == pytest.approx(100 / 3)
    # A is with w4 (T2), B with w3 (T2), C unallocated
    assert fig(workers_history, "sw_changes_12m_cla", "2020-03", "team", "T2") == (1, 2, 50.0)
    assert fig(workers_history, "sw_changes_12m_cla", "2020-03", "team", "unallocated") \
        == (1, 1, 100.0)


def test_sw_changes_6m_all(workers_history: Records) -> None:
    # allocated at 2020-03-31: A (w3, w4 = 2), B (w3 = 1), D (w1 = 1), E (4) -> 3/4
    assert fig(workers_history, "sw_changes_6m_all", "2020-03") == (3, 4, 75.0)
    d = drilldown(workers_history, "sw_changes_6m_all", "2020-03").set_index("child_id")
    assert d["social_workers_in_window"].to_dict() == {"A": 2, "B": 1, "D": 1, "E": 4}


def four_workers(first_ends: str) -> Records:
    """Child A in care since 2018 with w1 until `first_ends`, then w2, w3 and w4."""
    return records_from(
        "C", episodes=[ep("A", "2018-01-01", "S")],
        sw_episodes=[sw("A", "w1", "2018-01-01", first_ends),
                     sw("A", "w2", first_ends, "2019-12-01"),
                     sw("A", "w3", "2019-12-01", "2020-03-01"), sw("A", "w4", "2020-03-01")])


def test_allocation_ending_on_the_windows_first_day_is_not_in_it() -> None:
    # Month-end 2020-06-30: the 12 months run 2019-07-01 .. 2020-06-30. An allocation's end date
    # is the first day it no longer covers, so w1 (ended 2019-07-01) is outside: 3 workers.
    assert fig(four_workers("2019-07-01"), "sw_changes_12m_cla", "2020-06") == (1, 1, 100.0)
    # a day later w1 would still have covered 2019-07-01: 4 workers
    assert fig(four_workers("2019-07-02"), "sw_more_than_3_12m", "2020-06") == (1, 1, 100.0)


def test_temporary_placement_does_not_break_long_term_stability() -> None:
    # A: with carer c1 since 2016-01-01, a week's respite (T1) in March 2019, then back to c1.
    # At 2020-06-30 A is under 16, in care 4.5 years, and with the same carer since 2016:
    # the temporary placement and the return are not a change of placement -> numerator.
    # B: the same, but after the temporary placement moves to a new carer c2 on 2019-03-08:
    # placement since 2019-03-08 (1 year 3 months) -> not.
    r = records_from(
        "C",
        children=[{"child_id": c, "dob": "2010-01-01"} for c in ("A", "B")],
        episodes=[*chain("A", ("2016-01-01", "S", "U1", "c1"), ("2019-03-01", "P", "T1", "t1"),
                         ("2019-03-08", "P", "U1", "c1")),
                  *chain("B", ("2016-01-01", "S", "U1", "c1"), ("2019-03-01", "P", "T1", "t1"),
                         ("2019-03-08", "P", "U1", "c2"))])
    assert fig(r, "long_term_stability", "2020-06") == (1, 2, 50.0)
    dd = drilldown(r, "long_term_stability", "2020-06").set_index("child_id")
    assert dd.loc["A", "placement_start"] == pd.Timestamp("2016-01-01")
    # and neither counts as 3+ placements: A has 1 (the return is not new), B has 2
    assert fig(r, "placements_3plus", "2020-06")[:2] == (0, 2)
