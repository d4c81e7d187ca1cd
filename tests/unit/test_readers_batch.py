"""Councils read together (`read_councils`, issue 15) get exactly what reading each alone gives:
the same records, quarantine, repairs and notes, nothing carried from one council to another."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpis.errors import InputError
from kpis.records.readers import read_council, read_councils
from tests.unit.test_readers import ANNEX, CHILD, EP_HEADER, make_council

CP = (f"{CHILD},Child Protection Plan Start Date,Child Protection Plan End Date,"
      "Number of Previous Child Protection Plans\n")


def _same(a, b) -> None:  # noqa: ANN001 - two ReadResults
    for t, df in a.records.tables().items():
        pd.testing.assert_frame_equal(df, getattr(b.records, t), check_exact=True, obj=t)
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine, check_exact=True)
    pd.testing.assert_frame_equal(a.repairs, b.repairs, check_exact=True)
    assert (a.notes, a.rows_in, a.rows_kept, a.merged, a.rows_read, a.extract_date) == (
        b.notes, b.rows_in, b.rows_kept, b.merged, b.rows_read, b.extract_date)


def test_councils_read_together_as_alone(tmp_path: Path) -> None:
    # A: row 2 of its CP file has a placeholder end date: read as open, a repair logged.
    # B: the same file name, row 2 has an impossible start date (quarantined) and the same
    #    placeholder: B's repair goes with its row, A's stays. Both send the same referral
    #    row (C1, 03/04/2019) and allocation: a copy only within a council, so each keeps its
    #    own. A's one episode of C1 (from 01/01/2019) stays open; B's open episode of its C1
    #    is closed at B's next one (01/05/2019), not A's.
    # C: its CP file lacks the number of previous plans (other column types: parsed in
    #    a stack of its own) and
    #    its List 3 is sent twice, identical rows: the later copy is quarantined.
    # D: its List 3 lacks the referral date, which an indicator needs: D cannot be read.
    a = make_council(tmp_path / "A", annex={
        "Child Protection.csv": CP + "C1,M,01/02/2010,03/05/2019,31/12/9999,1\n"})
    b = make_council(tmp_path / "B", annex={
        "Child Protection.csv": CP + "C1,M,01/02/2010,31/02/2019,31/12/9999,1\n"
                                     "C2,F,01/02/2011,04/05/2019,,0\n"}, ssda={
        "episodes.csv": EP_HEADER + "C1,01/03/2019,S,C2,N1,U1,PR1,,,,,,\n"
                                    "C1,01/05/2019,P,C2,N1,U1,PR1,,,,,,\n"})
    c = make_council(tmp_path / "C", annex={
        "Child Protection.csv": f"{CHILD},Child Protection Plan Start Date,"
                                "Child Protection Plan End Date\nC1,M,01/02/2010,03/05/2019,\n",
        "List_3b.csv": ANNEX["List_3.csv"]})
    d = make_council(tmp_path / "D", annex={
        "List_3.csv": f"{CHILD},Referral NFA?\nC1,M,01/02/2010,N\n"})
    together = read_councils([a, b, c, d])
    for path, got in zip((a, b, c), together, strict=False):
        _same(got, read_council(path))
    ra, rb, rc, rd = together
    assert isinstance(rd, InputError) and rd.column == "Date of referral"
    assert "List_3.csv" in str(rd.file)
    assert ra.repairs[["action", "detail"]].values.tolist() == [[
        "placeholder_date_blank", "Child Protection.csv row 2: Child Protection Plan End Date "
        "31/12/9999 read as blank (open)"]]
    assert ra.records.cp_plans["end_date"].isna().tolist() == [True]
    assert rb.repairs[["child_id", "action", "detail"]].values.tolist() == [[
        "C1", "open_closed_at_next_decom", "DECOM 2019-03-01: open, DEC set to 2019-05-01"]]
    assert ra.records.episodes["dec"].isna().tolist() == [True]
    assert rb.records.episodes["dec"].astype("string").tolist() == ["2019-05-01", pd.NA]
    assert [len(r.records.sw_episodes) for r in (ra, rb, rc)] == [1, 1, 1]
    assert rb.quarantine[["file", "row", "column", "value", "reason"]].assign(
        file=lambda q: q["file"].str.replace(r".*[/\\]", "", regex=True)).values.tolist() == [
        ["Child Protection.csv", 2, "Child Protection Plan Start Date", "31/02/2019",
         "unparseable date"]]
    assert rb.records.cp_plans["child_id"].tolist() == ["C2"]
    assert [len(r.records.referrals) for r in (ra, rb, rc)] == [1, 1, 1]
    assert rc.quarantine[["row", "reason"]].values.tolist() == [[2, "duplicate row"]]
    assert rc.quarantine["file"].str.endswith("List_3b.csv").all()
    assert rc.records.cp_plans["end_date"].isna().all()
    assert rc.records.cp_plans["previous_plans"].isna().all()
    assert ra.records.cp_plans["previous_plans"].tolist() == [1]
