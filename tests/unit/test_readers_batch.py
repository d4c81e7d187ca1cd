"""Councils read together (`read_councils`, issue 15) get exactly what reading each alone gives:
the same records, quarantine, repairs and notes, nothing carried from one council to another."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

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


L8 = f"{CHILD},Date Started to be Looked After,Date of Last Social Work Visit\n"


def test_notes_come_table_by_table(tmp_path: Path) -> None:
    """A list no indicator needs that lacks a required column is noted in its place among
    the tables, after the notes on an earlier list's dated extracts (as read before batches)."""
    c = make_council(tmp_path / "N1", annex={
        "List 6 CIN.csv": f"{CHILD},CIN Closure Date\nC1,M,01/02/2010,01/01/2020\n",
        "list8_2020-05.csv": L8 + "A1,M,01/01/2010,01/01/2019,10/05/2020\n",
        "list8_2020-06.csv": L8 + "A1,M,01/01/2010,01/01/2019,10/05/2020\n"})
    notes = [n for n in read_council(c).notes if n.startswith(("cin", "cla"))]
    assert [n.split(":")[0] for n in notes] == ["cin not read (no indicator needs it yet)",
                                                "cla"]
    assert notes[1].startswith("cla: 2 dated extracts of one Annex A list (2020-05")


def test_any_error_is_its_councils_own(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """An error that is not an InputError (a bug, say) while reading one council of a batch:
    that council's result is the error, the others are read; the run stops at the first
    council that failed, in council order (b2's missing column before c3's error)."""
    import kpis.records.readers as readers
    from kpis.records.batch import compute_dir

    a1 = make_council(tmp_path / "in" / "a1")
    b2 = make_council(tmp_path / "in" / "b2", annex={
        "List_3.csv": f"{CHILD},Referral NFA?\nC1,M,01/02/2010,N\n"})
    c3 = make_council(tmp_path / "in" / "c3")
    d4 = make_council(tmp_path / "in" / "d4")
    real = readers.find_sources

    def broken(path: Path):  # noqa: ANN202
        if path.name == "c3":
            raise RuntimeError("a bug in c3")
        return real(path)

    monkeypatch.setattr(readers, "find_sources", broken)
    got = read_councils([a1, b2, c3, d4])
    assert [type(r).__name__ for r in got] == ["ReadResult", "InputError", "RuntimeError",
                                               "ReadResult"]
    _same(got[3], read_council(d4))
    with pytest.raises(InputError) as err:
        compute_dir(tmp_path / "in", "2019-06", "2019-06", levels=("council",), jobs=1)
    assert Path(err.value.file).parent.parent.name == "b2"


def test_a_step_for_the_whole_batch_failing_reads_each_alone(tmp_path: Path,
                                                             monkeypatch) -> None:  # noqa: ANN001
    """The episode repairs fail for one council's episodes: read together, that failure
    would be the batch's; each council is then read alone, and only that one fails."""
    import kpis.records.readers as readers

    a1 = make_council(tmp_path / "a1")
    b2 = make_council(tmp_path / "b2", ssda={
        "episodes.csv": EP_HEADER + "C9,01/01/2019,S,C2,N1,U1,PR1,,,,,,\n"})
    real = readers.repair_episodes

    def broken(ep: pd.DataFrame):  # noqa: ANN202
        if "C9" in set(ep["child_id"].dropna()):
            raise RuntimeError("a bug with C9")
        return real(ep)

    monkeypatch.setattr(readers, "repair_episodes", broken)
    ra, rb = read_councils([a1, b2])
    assert isinstance(rb, RuntimeError) and str(rb) == "a bug with C9"
    _same(ra, read_council(a1))


def test_a_column_named_like_the_row_numbers_is_an_input_error(tmp_path: Path) -> None:
    c = make_council(tmp_path / "c", annex={
        "List 1 - Contacts.csv": f"{CHILD},Date of Contact,_sheet_row\nC1,M,01/02/2010,"
                                 "03/04/2019,x\n"})
    with pytest.raises(InputError) as err:
        read_council(c)
    assert err.value.column == "_sheet_row"
    assert Path(err.value.file).name == "List 1 - Contacts.csv"
