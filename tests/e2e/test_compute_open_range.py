"""`kpis compute --from` without `--to` (issue 15): the months run to the latest date in any
council. Each council is computed to its own latest date first; only a council whose data end
in an earlier month is read again, and the result is the run with that --to given."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_readers import CHILD, make_council

from kpis.cli import main
from kpis.records import batch
from kpis.records.batch import compute_dir

#: referrals on 03/04/2019 and 10/06/2019: this council's data end in June 2019 (the other
#: hand-made councils' latest date is the 03/04/2019 referral: April)
TO_JUNE = {"List_3.csv": f"{CHILD},Date of referral,Referral NFA?,Allocated Team,"
                         "Allocated Worker\nC1,M,01/02/2010,03/04/2019,N,T1,W1\n"
                         "C1,M,01/02/2010,10/06/2019,N,T1,W1\n"}
LEVELS = ("council", "team")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The council folders `compute_dir` reads (jobs=1: in this process), one entry a read."""
    seen: list[str] = []
    real = batch.read_councils

    def spy(paths: list[Path], **kw: object) -> list[object]:
        seen.extend(Path(p).name for p in paths)
        return real(paths, **kw)

    monkeypatch.setattr(batch, "read_councils", spy)
    return seen


def _same(a: batch.ComputeResult, b: batch.ComputeResult) -> None:
    pd.testing.assert_frame_equal(a.figures, b.figures, check_exact=True)
    pd.testing.assert_frame_equal(a.quarantine, b.quarantine, check_exact=True)
    pd.testing.assert_frame_equal(a.repairs, b.repairs, check_exact=True)
    assert a.rows_read == b.rows_read
    assert a.accounts == b.accounts


def test_councils_ending_in_the_same_month_are_read_once(tmp_path: Path,
                                                         reads: list[str]) -> None:
    inp = tmp_path / "in"
    make_council(inp / "LA1", annex=TO_JUNE)
    make_council(inp / "LA2", annex=TO_JUNE)
    got = compute_dir(inp, "2019-04", None, levels=LEVELS, jobs=1)
    assert reads == ["LA1", "LA2"]  # (before: LA1, LA2 to find the date, then both again)
    assert sorted(got.figures["period"].unique()) == ["2019-04", "2019-05", "2019-06"]
    _same(got, compute_dir(inp, "2019-04", "2019-06", levels=LEVELS, jobs=1))


def test_a_council_whose_data_end_earlier_is_read_again(tmp_path: Path,
                                                        reads: list[str]) -> None:
    inp = tmp_path / "in"
    make_council(inp / "LA1")  # data end in April 2019
    make_council(inp / "LA2", annex=TO_JUNE)
    got = compute_dir(inp, "2019-04", None, levels=LEVELS, jobs=1)
    assert reads == ["LA1", "LA2", "LA1"]  # LA1 again, for May and June
    la1 = got.figures[got.figures["council"] == "LA1"]
    assert sorted(la1["period"].unique()) == ["2019-04", "2019-05", "2019-06"]
    assert got.accounts["LA1"]["months"] == ("2019-04", "2019-06")
    _same(got, compute_dir(inp, "2019-04", "2019-06", levels=LEVELS, jobs=1))


def test_a_council_whose_data_end_before_from(tmp_path: Path, reads: list[str]) -> None:
    """LA1's data end in April, before --from 2019-05: it has no range of its own, and is
    computed for the run's, May to June, as with --to 2019-06."""
    inp = tmp_path / "in"
    make_council(inp / "LA1")
    make_council(inp / "LA2", annex=TO_JUNE)
    got = compute_dir(inp, "2019-05", None, levels=LEVELS, jobs=2)
    la1 = got.figures[got.figures["council"] == "LA1"]
    assert sorted(la1["period"].unique()) == ["2019-05", "2019-06"]
    _same(got, compute_dir(inp, "2019-05", "2019-06", levels=LEVELS, jobs=2))


def test_the_cache_keeps_both_ranges(tmp_path: Path, reads: list[str]) -> None:
    """Run again with nothing changed: every council reused, nothing read, the same figures;
    LA1 (read twice the first time) is reused for its own range and for the run's."""
    inp = tmp_path / "in"
    make_council(inp / "LA1")
    make_council(inp / "LA2", annex=TO_JUNE)
    folder = tmp_path / "cache"
    first = compute_dir(inp, "2019-04", None, levels=LEVELS, jobs=1, cache_dir=folder)
    assert reads == ["LA1", "LA2", "LA1"] and first.timings["reused"] == 0
    entries = sorted(p.name for p in folder.iterdir())
    assert len(entries) == 5  # each council's latest date and own result; LA1's run result
    again = compute_dir(inp, "2019-04", None, levels=LEVELS, jobs=1, cache_dir=folder)
    assert reads == ["LA1", "LA2", "LA1"] and again.timings["reused"] == 2
    assert sorted(p.name for p in folder.iterdir()) == entries  # (all used: none pruned)
    pd.testing.assert_frame_equal(first.figures, again.figures, check_exact=True)


def test_data_that_end_before_from_is_an_input_error(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    inp = tmp_path / "in"
    make_council(inp / "LA1")
    make_council(inp / "LA2")
    out = tmp_path / "figures.csv"
    assert main(["compute", "--input", str(inp), "--out", str(out), "--from", "2019-07"]) == 2
    err = capsys.readouterr().err
    assert "error: --from: the data end on 03/04/2019, before --from 2019-07" in err
    assert "Traceback" not in err and not out.exists()
