"""Workforce: caseload per FTE, caseload thresholds, agency rate — hand-worked fixture."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import fig

from kpis.records.engine import compute, drilldown, records_from
from kpis.records.tables import Records


def worker(wid: str, team: str, fte: float, agency: bool, start: str = "2015-01-01",
           end: str | None = None) -> dict:
    return {"worker_id": wid, "team": team, "fte": fte, "agency": agency, "start_date": start,
            "end_date": end, "role": "social worker"}


def cases(wid: str, n: int, start: str = "2019-01-01") -> list[dict]:
    return [{"child_id": f"{wid}-{i}", "sw_id": wid, "start": start} for i in range(n)]


@pytest.fixture
def workforce() -> Records:
    return records_from(
        "C",
        workers=[
            worker("wa", "T1", 0.5, False),  # 9 children / 0.5 FTE = 18 per FTE
            worker("wb", "T1", 1.0, True),  # 19 children (incl. X)
            worker("wc", "T2", 1.0, False),  # 23 children
            worker("wd", "T2", 0.8, True),  # no children: not case-holding; in agency rate
            worker("we", "T2", 1.0, False, end="2020-03-31"),  # left on the month-end
            worker("wf", "T1", 1.0, False, start="2020-04-01"),  # not started yet
        ],
        sw_episodes=[
            *cases("wa", 8), *cases("wb", 18), *cases("wc", 23), *cases("we", 5),
            # X is allocated to wa (since 2019-01-01) and co-worked by wb (since 2019-06-01):
            # a case of each worker, as the census counts (wa 8 + X = 9, wb 18 + X = 19)
            {"child_id": "X", "sw_id": "wa", "start": "2019-01-01"},
            {"child_id": "X", "sw_id": "wb", "start": "2019-06-01"},
        ],
    )


def test_caseload_per_fte(workforce: Records) -> None:
    # Month-end 2020-03-31. Case-holding workers in post: wa (9, 0.5), wb (19, 1.0), wc (23, 1.0)
    # cases 9 + 19 + 23 = 51 (X counted for wa and wb); FTE 2.5 -> 20.4.
    # we's 5 children: worker not in post -> out.
    n, d, v = fig(workforce, "caseload_per_fte", "2020-03")
    assert (n, d) == (51, 2.5) and v == pytest.approx(20.4)
    # team T1: (9 + 19) / 1.5; worker wa: 9 / 0.5 = 18
    assert fig(workforce, "caseload_per_fte", "2020-03", "team", "T1")[2] == pytest.approx(28 / 1.5)
    assert fig(workforce, "caseload_per_fte", "2020-03", "worker", "wa") == (9, 0.5, 18.0)


def test_caseload_thresholds(workforce: Records) -> None:
    # per FTE: wa 18 (<= 18 and <= 22), wb 19 (<= 22), wc 23 (neither) -> 1/3 and 2/3
    n, d, _ = fig(workforce, "caseload_18_or_fewer", "2020-03")
    assert (n, d) == (1, 3)
    n, d, _ = fig(workforce, "caseload_22_or_fewer", "2020-03")
    assert (n, d) == (2, 3)
    assert fig(workforce, "caseload_18_or_fewer", "2020-03", "worker", "wa") == (1, 1, 100.0)


def test_agency_rate(workforce: Records) -> None:
    # in post: wa 0.5, wb 1.0 (agency), wc 1.0, wd 0.8 (agency) -> 1.8 / 3.3
    n, d, v = fig(workforce, "agency_rate", "2020-03")
    assert n == pytest.approx(1.8) and d == pytest.approx(3.3)
    assert v == pytest.approx(100 * 1.8 / 3.3)
    # team T2: wd 0.8 agency of wc 1.0 + wd 0.8
    assert fig(workforce, "agency_rate", "2020-03", "team", "T2")[2] == pytest.approx(80 / 1.8)


def test_caseload_drilldown(workforce: Records) -> None:
    d = drilldown(workforce, "caseload_per_fte", "2020-03", "worker", "wb")
    children = d[d["child_id"].notna()]
    assert len(children) == 19 and "X" in set(children["child_id"])
    assert d["num"].sum() == 19 and d["den"].sum() == 1.0
    assert "X" in set(drilldown(workforce, "caseload_per_fte", "2020-03", "worker",
                                "wa")["child_id"].dropna())


def test_no_workers_in_post_keeps_row() -> None:
    r = records_from("C", workers=[worker("wa", "T1", 1.0, False, start="2021-01-01")],
                     sw_episodes=cases("wa", 1, "2020-01-01"))
    out = compute(r, pd.DatetimeIndex(["2020-03-31"]), levels=["council"],
                  indicators=["caseload_per_fte"])
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["numerator"], row["denominator"]) == (0, 0) and pd.isna(row["value"])
    assert "no case-holding workers" in row["note"]
