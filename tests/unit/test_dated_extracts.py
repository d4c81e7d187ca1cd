"""A folder of monthly Annex A extracts without an "Extract Date" column: each dated by its file
or folder name, or by the council config's `extract_dates` (kpis.records.readers.extracts)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpis.records.readers import read_council
from kpis.records.readers.extracts import date_in_name
from tests.unit.test_engine_snapshot import JUNE, fig

LIST8 = ("Child Unique ID,Gender,Date of Birth,Date Started to be Looked After,"
         "Date of Last Social Work Visit\n")
# A1 in care since 2019, last visited 2020-05-10: 21 days before 31 May (within the scorecard's
# 6 weeks, yes), 51 days before 30 June (no). B2 only in June's extract, visited 2020-06-20
# (10 days, yes). So May 1 of 1, June 1 of 2.
MAY = LIST8 + "A1,M,01/01/2010,01/01/2019,10/05/2020\n"
JUNE_ROWS = MAY + "B2,F,01/01/2012,01/03/2020,20/06/2020\n"


def _council(root: Path, may: str, june: str) -> Path:
    for rel, text in ((may, MAY), (june, JUNE_ROWS)):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    (root / "contacts.csv").write_text("Child Unique ID,Gender,Date of Birth,Date of Contact\n"
                                       "A1,M,01/01/2010,30/06/2020\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(("name", "want"), [
    ("annexa_2020-06-30.xlsx", "2020-06-30"), ("AnnexA_20200531.csv", "2020-05-31"),
    ("list8_2020_06.csv", "2020-06-30"), ("2020-02", "2020-02-29"), ("202011", "2020-11-30"),
    ("2020.06", "2020-06-30"),  # a folder named with a dot: not an extension
    ("list8.csv", None), ("annexa_2020-05_to_2020-06.csv", None),  # two dates: not used
    ("annexa_2020-02-30.csv", None),  # no such day, and not a month either
])
def test_date_in_name(name: str, want: str | None) -> None:
    got = date_in_name(name)
    assert (got.strftime("%Y-%m-%d") if got is not None else None) == want


def test_extracts_dated_by_file_name_give_a_monthly_series(tmp_path: Path) -> None:
    r = read_council(_council(tmp_path, "annex_a/list8_2020-05.csv",
                              "annex_a/list8_2020-06.csv"))
    assert fig(r.records, "visits_cla", "2020-05") == (1, 1, 100.0)
    assert fig(r.records, "visits_cla", JUNE) == (1, 2, 50.0)
    assert r.quarantine.empty  # A1 in both months is two rows, not a duplicate
    assert any("2 dated extracts" in n and "2020-05-31 to 2020-06-30" in n for n in r.notes)


def test_extracts_dated_by_folder_name(tmp_path: Path) -> None:
    r = read_council(_council(tmp_path, "2020-05/cla.csv", "2020-06/cla.csv"))
    assert fig(r.records, "visits_cla", "2020-05") == (1, 1, 100.0)
    assert fig(r.records, "visits_cla", JUNE) == (1, 2, 50.0)


def test_extracts_dated_by_config_entry(tmp_path: Path) -> None:
    root = _council(tmp_path, "may/cla.csv", "june/cla.csv")
    dates = {"may/cla.csv": pd.Timestamp("2020-05-31"), "june/cla.csv": pd.Timestamp("2020-06-30")}
    r = read_council(root, extract_dates=dates)
    assert fig(r.records, "visits_cla", "2020-05") == (1, 1, 100.0)
    assert fig(r.records, "visits_cla", JUNE) == (1, 2, 50.0)


def test_undated_extracts_are_one_extract_and_said_so(tmp_path: Path) -> None:
    r = read_council(_council(tmp_path, "may/cla.csv", "june/cla.csv"))
    note = [n for n in r.notes if "not all dated" in n]
    assert note and "cla.csv" in note[0] and "extract_dates" in note[0]
    assert fig(r.records, "visits_cla", "2020-05")[:2] == (0, 0)  # no May extract known
