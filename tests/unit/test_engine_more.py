"""Open CP plans (repeat plans, plans under 2 years) and children looked after (Section 20,
missing from care) — hand-worked fixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import fig

from kpis.records.engine import REGISTRY, compute, drilldown, records_from
from kpis.records.tables import Records

JUNE = "2020-06"  # month-end 2020-06-30




def plan(child: str, start: str | None, end: str | None = None, prev: int | None = None,
         team: str = "T1", worker: str = "w1") -> dict:
    return {"child_id": child, "start_date": start, "end_date": end, "previous_plans": prev,
            "team": team, "worker": worker}


def ep(child: str, decom: str, rne: str, ls: str = "C2", dec: str | None = None,
       rec: str | None = None) -> dict:
    return {"child_id": child, "decom": decom, "rne": rne, "ls": ls, "place": "U1",
            "urn": "c1", "dec": dec, "rec": rec}


def mis(child: str, start: str, kind: str = "M") -> dict:
    return {"child_id": child, "missing_type": kind, "start": start, "end": start}


# ---- repeat_cp_all ------------------------------------------------------------------------------

@pytest.fixture
def plans() -> Records:
    return records_from("C", cp_plans=[
        # A: an earlier plan in the data (ended 2018) + current plan -> repeat
        plan("A", "2018-01-01", "2018-12-01"), plan("A", "2020-01-10"),
        # B: only plan in the data, but the list says 1 previous plan -> repeat
        plan("B", "2020-02-01", prev=1),
        # C: first plan -> not a repeat
        plan("C", "2019-09-01", prev=0, team="T2", worker="w2"),
        # D: plan ended on the month-end itself -> not open at it: out of the cohort
        plan("D", "2019-01-01", "2020-06-30", prev=3, team="T2", worker="w2"),
        # E: plan starting on the month-end -> open (start <= month-end); no count -> not repeat
        plan("E", "2020-06-30", team="T2", worker="w2"),
        # F: two overlapping open plans -> counted once, on the later one (T2); it has an earlier
        # plan start in the data -> repeat
        plan("F", "2019-10-01", team="T1"), plan("F", "2020-03-01", team="T2", worker="w3"),
        # G: an undated plan row (not known to be earlier) + a first plan -> not repeat
        plan("G", None, team="T2", worker="w2"), plan("G", "2020-01-01", prev=0, team="T2",
                                                       worker="w2"),
        # H: plan starts after the month-end -> out
        plan("H", "2020-07-01", prev=2),
    ])


def test_repeat_cp_all(plans: Records) -> None:
    # Cohort at 2020-06-30: A, B, C, E, F, G = 6 (D ended on the month-end, H not started);
    # numerator A (earlier plan), B (previous_plans 1), F (earlier overlapping plan) = 3
    assert fig(plans, "repeat_cp_all", JUNE) == (3, 6, 50.0)
    # team T1: A, B -> 2/2; T2: C, E, F (current plan's team), G -> 1/4
    assert fig(plans, "repeat_cp_all", JUNE, "team", "T1") == (2, 2, 100.0)
    assert fig(plans, "repeat_cp_all", JUNE, "team", "T2") == (1, 4, 25.0)
    assert fig(plans, "repeat_cp_all", JUNE, "worker", "w3") == (1, 1, 100.0)


def test_repeat_cp_all_previous_month(plans: Records) -> None:
    # 2020-05-31: A, B, C, D, F, G open (E, H not started) = 6; repeat A, B, D (previous_plans
    # 3), F = 4
    assert fig(plans, "repeat_cp_all", "2020-05") == (4, 6, pytest.approx(400 / 6))


def test_repeat_cp_all_drilldown(plans: Records) -> None:
    d = drilldown(plans, "repeat_cp_all", JUNE).set_index("child_id").sort_index()
    assert list(d.index) == ["A", "B", "C", "E", "F", "G"]
    assert d["in_numerator"].to_dict() == {"A": True, "B": True, "C": False, "E": False,
                                           "F": True, "G": False}
    assert d.loc["F", "plan_start"] == pd.Timestamp("2020-03-01")
    assert d.loc["F", "team"] == "T2"
    assert d["earlier_plans_in_data"].to_dict() == {"A": 1, "B": 0, "C": 0, "E": 0, "F": 1,
                                                    "G": 0}
    assert d.loc["B", "previous_plans"] == 1
    assert (d["num"].sum(), d["den"].sum()) == (3, 6)


# ---- cp_plan_under_2y ---------------------------------------------------------------------------

@pytest.fixture
def durations() -> Records:
    return records_from("C", cp_plans=[
        plan("A", "2018-06-30"),  # exactly 2 years before 2020-06-30 -> not under 2 years
        plan("B", "2018-07-01"),  # 2 years on 2020-07-01 > month-end -> under 2 years
        plan("C", "2017-01-01", team="T2"),  # 3.5 years -> not
        plan("D", "2019-05-01", "2020-06-30"),  # ended on the month-end -> not open: out
        plan("E", "2020-06-01", team="T2"),  # under
        plan("F", "2016-01-01", "2018-01-01"),  # long closed -> out
    ])


def test_cp_plan_under_2y(durations: Records) -> None:
    # Cohort A, B, C, E = 4; numerator B, E = 2
    assert fig(durations, "cp_plan_under_2y", JUNE) == (2, 4, 50.0)
    assert fig(durations, "cp_plan_under_2y", JUNE, "team", "T1") == (1, 2, 50.0)
    assert fig(durations, "cp_plan_under_2y", JUNE, "team", "T2") == (1, 2, 50.0)
    # 2020-05-31: A (1y11m), B, D (open), C -> cohort A, B, C, D; numerator A, B, D = 3
    assert fig(durations, "cp_plan_under_2y", "2020-05") == (3, 4, 75.0)


def test_cp_plan_under_2y_leap_day() -> None:
    # 2020-02-29 + 2 years = 2022-02-28: under 2 years at 2022-01-31, not at 2022-02-28
    r = records_from("C", cp_plans=[plan("L", "2020-02-29")])
    assert fig(r, "cp_plan_under_2y", "2022-01") == (1, 1, 100.0)
    assert fig(r, "cp_plan_under_2y", "2022-02") == (0, 1, 0.0)


def test_cp_plan_under_2y_drilldown(durations: Records) -> None:
    d = drilldown(durations, "cp_plan_under_2y", JUNE).set_index("child_id").sort_index()
    assert d["in_numerator"].to_dict() == {"A": False, "B": True, "C": False, "E": True}
    assert d.loc["A", "two_years_on"] == pd.Timestamp("2020-06-30")


# ---- cla_s20 ------------------------------------------------------------------------------------

@pytest.fixture
def legal() -> Records:
    return records_from(
        "C",
        episodes=[
            # A: care order, then legal status change only (RNE L) to V2 on 2020-03-01
            ep("A", "2019-01-01", "S", "C2", "2020-03-01", "X1"), ep("A", "2020-03-01", "L", "V2"),
            # B: V2, then RNE L to C2 on 2020-02-01 -> C2 now
            ep("B", "2019-05-01", "S", "V2", "2020-02-01", "X1"), ep("B", "2020-02-01", "L", "C2"),
            # C: V2, ceased on the month-end itself -> not looked after at it
            ep("C", "2018-01-01", "S", "V2", "2020-06-30", "E11"),
            # D: short breaks only (V3) -> out of the cohort
            ep("D", "2020-01-01", "S", "V3"),
            # E: V2 starting on the month-end -> looked after at it
            ep("E", "2020-06-30", "S", "V2"),
            # F: care order throughout
            ep("F", "2017-04-01", "S", "C2"),
        ],
        sw_episodes=[{"child_id": "A", "sw_id": "w1", "start": "2019-01-01"}],
        workers=[{"worker_id": "w1", "team": "T1", "fte": 1.0, "start_date": "2015-01-01"}],
    )


def test_cla_s20(legal: Records) -> None:
    # 2020-06-30: cohort A, B, E, F = 4 (C ceased on the month-end, D short breaks);
    # V2 now: A (after the RNE L change), E = 2
    assert fig(legal, "cla_s20", JUNE) == (2, 4, 50.0)
    # A is allocated to w1 (team T1); the others are unallocated
    assert fig(legal, "cla_s20", JUNE, "team", "T1") == (1, 1, 100.0)
    assert fig(legal, "cla_s20", JUNE, "team", "unallocated") == (1, 3, pytest.approx(100 / 3))
    # 2020-02-29: A still C2 (change on 1 March), B already C2, C V2, F C2; D short breaks,
    # E not yet -> cohort A, B, C, F = 4; numerator C = 1
    assert fig(legal, "cla_s20", "2020-02") == (1, 4, 25.0)


def test_cla_s20_drilldown(legal: Records) -> None:
    d = drilldown(legal, "cla_s20", JUNE).set_index("child_id").sort_index()
    assert d["ls"].to_dict() == {"A": "V2", "B": "C2", "E": "V2", "F": "C2"}
    assert d.loc["A", "rne"] == "L"
    assert d.loc["A", "episode_start"] == pd.Timestamp("2020-03-01")


# ---- cla_missing --------------------------------------------------------------------------------

@pytest.fixture
def missing() -> Records:
    # Month-end 2020-06-30: the 12 months to it are 2019-07-01 .. 2020-06-30
    return records_from(
        "C",
        episodes=[
            ep("A", "2019-01-01", "S"), ep("B", "2019-01-01", "S"), ep("C", "2019-01-01", "S"),
            ep("D", "2019-01-01", "S"), ep("E", "2019-01-01", "S"),
            # F: left care 2019-12-31 -> looked after during the 12 months, not at month-end
            ep("F", "2019-03-01", "S", dec="2019-12-31", rec="E11"),
            # G: short breaks only -> out of both cohorts, missing or not
            ep("G", "2020-01-01", "S", "V3"),
            # H: ceased on the window's first day: looked after that day, as DfE counts -> in
            ep("H", "2018-01-01", "S", dec="2019-07-01", rec="E11"),
            # I: ceased the day before the window -> out, though missing then
            ep("I", "2018-01-01", "S", dec="2019-06-30", rec="E11"),
        ],
        missing=[
            mis("A", "2020-01-15"), mis("A", "2020-03-01"),  # 2 incidents -> counted once
            mis("B", "2019-07-01"),  # first day of the window -> in
            mis("C", "2019-06-29"),  # 12 months + 1 day before the month-end -> out
            mis("D", "2019-06-30"),  # exactly 12 months before: window starts 1 July -> out
            mis("E", "2020-05-01", "A"),  # away without authorisation, not missing -> no
            mis("F", "2019-10-01"),  # while in care, before leaving -> in (headline)
            mis("G", "2020-02-01"),  # short-break child -> out
            mis("I", "2019-06-15"),  # not in the cohort
            mis("Z", "2020-04-01"),  # no such child in the episodes -> ignored
        ],
    )


def test_cla_missing(missing: Records) -> None:
    # Headline cohort (looked after in the 12 months, not short breaks only):
    # A, B, C, D, E, F, H = 7; numerator A, B, F = 3
    assert fig(missing, "cla_missing", JUNE) == pytest.approx((3, 7, 300 / 7))
    # At month-end: A, B, C, D, E = 5 (F, H left; G short breaks); numerator A, B = 2
    assert fig(missing, "cla_missing", JUNE, breakdown="looked after at month-end") == \
        (2, 5, 40.0)


def test_cla_missing_counts_only_type_m() -> None:
    r = records_from("C", episodes=[ep("E", "2019-01-01", "S")],
                     missing=[mis("E", "2020-05-01", "A"), mis("E", "2020-05-02", " a ")])
    assert fig(r, "cla_missing", JUNE) == (0, 1, 0.0)


def test_cla_missing_drilldown(missing: Records) -> None:
    d = drilldown(missing, "cla_missing", JUNE).set_index("child_id").sort_index()
    assert list(d.index) == ["A", "B", "C", "D", "E", "F", "H"]
    assert d["missing_incidents_in_window"].to_dict() == {"A": 2, "B": 1, "C": 0, "D": 0,
                                                          "E": 0, "F": 1, "H": 0}
    assert d.loc["A", "latest_missing_start"] == pd.Timestamp("2020-03-01")
    assert pd.isna(d.loc["C", "latest_missing_start"])
    assert (d["num"].sum(), d["den"].sum()) == (3, 7)
    d2 = drilldown(missing, "cla_missing", JUNE, breakdown="looked after at month-end")
    assert sorted(d2["child_id"]) == ["A", "B", "C", "D", "E"]


# ---- all four together --------------------------------------------------------------------------

NEW = ["repeat_cp_all", "cp_plan_under_2y", "cla_s20", "cla_missing"]


def test_new_ids_registered_with_catalogue_metadata() -> None:
    assert set(NEW) <= set(REGISTRY)
    r = records_from("C", cp_plans=[plan("A", "2020-01-01")],
                     episodes=[ep("B", "2020-01-01", "S")])
    out = compute(r, pd.DatetimeIndex(["2020-06-30"]), levels=["council"], indicators=NEW)
    assert set(out["indicator_id"]) == set(NEW)
    count = (out["indicator_id"] == "cla_s20") & (out["breakdown"] == "number of children")
    assert count.sum() == 1 and out.loc[count, "unit"].tolist() == ["children"]
    assert (out.loc[~count, "unit"] == "percent").all()
    assert out.set_index("indicator_id")["domain"].to_dict()["cla_missing"] == "Missing"
    assert (out["note"] != "").all()


def test_empty_records_give_empty_cohorts() -> None:
    out = compute(records_from("C"), pd.DatetimeIndex(["2020-06-30"]), indicators=NEW)
    council = out[out["level"] == "council"]
    assert len(council) == 6  # cla_missing and cla_s20 ("number of children") have breakdowns
    assert (council["denominator"] == 0).all() and council["value"].isna().all()
    assert np.all(council["note"] == "no children in cohort")
