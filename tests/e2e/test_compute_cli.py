"""`kpis compute` end to end on tiny hand-built input: exit codes, outputs, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_readers import CHILD, make_council

from kpis.cli import main
from kpis.errors import InputError
from kpis.records.batch import compute_dir, side_paths, write_result

CONTRACT = ["indicator_id", "domain", "indicator", "breakdown", "kind", "comparator", "period",
            "value", "unit", "note", "source", "flag", "council", "level", "org_unit",
            "numerator", "denominator"]


def test_compute_writes_figures_quarantine_and_repairs(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    make_council(tmp_path / "in" / "LA1")
    make_council(tmp_path / "in" / "LA2", ssda={
        "episodes.csv": "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,"
                        "REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
                        "C1,01/01/2019,S,C2,N1,U1,PR1,,,,,,\n"
                        "C1,01/06/2019,P,C2,N1,U3,PR1,,,,,,\n"})
    out = tmp_path / "out" / "figures.csv"
    code = main(["compute", "--input", str(tmp_path / "in"), "--out", str(out),
                 "--from", "2019-06", "--to", "2019-08", "--levels", "council,team"])
    assert code == 0
    fig = pd.read_csv(out, keep_default_na=False)
    assert list(fig.columns) == CONTRACT
    assert set(fig["council"]) == {"LA1", "LA2"}
    assert set(fig["period"]) == {"2019-06", "2019-07", "2019-08"}
    assert set(fig["level"]) <= {"council", "team"}
    q_path, r_path = side_paths(out)
    assert q_path.name == "figures.quarantine.csv" and q_path.exists()
    repairs = pd.read_csv(r_path)
    assert repairs["action"].tolist() == ["open_closed_at_next_decom"]
    assert repairs["council"].tolist() == ["LA2"]
    printed = capsys.readouterr().out
    assert "2 council(s)" in printed and "open_closed_at_next_decom 1" in printed


def test_compute_parquet(tmp_path: Path) -> None:
    make_council(tmp_path / "in")
    out = tmp_path / "figures.parquet"
    assert main(["compute", "--input", str(tmp_path / "in"), "--out", str(out),
                 "--from", "2019-06", "--to", "2019-06", "--levels", "council"]) == 0
    assert set(pd.read_parquet(out)["level"]) == {"council"}
    assert (tmp_path / "figures.repairs.csv").exists()


def test_missing_required_column_exits_2(tmp_path: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    annex = {"List_3.csv": f"{CHILD},Referral NFA?\nC1,M,01/02/2010,N\n"}
    make_council(tmp_path / "in", annex=annex)
    out = tmp_path / "out" / "figures.csv"
    code = main(["compute", "--input", str(tmp_path / "in"), "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "List_3.csv" in err and "'Date of referral'" in err
    assert not out.exists() and not any(p.exists() for p in side_paths(out))


def test_bad_month_and_level_exit_2(tmp_path: Path) -> None:
    make_council(tmp_path / "in")
    out = tmp_path / "f.csv"
    assert main(["compute", "--input", str(tmp_path / "in"), "--out", str(out),
                 "--from", "June 2020"]) == 2
    assert main(["compute", "--input", str(tmp_path / "in"), "--out", str(out),
                 "--levels", "council,region"]) == 2
    assert main(["compute", "--input", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert not out.exists()


def test_compute_dir_api(tmp_path: Path) -> None:
    make_council(tmp_path / "in")
    res = compute_dir(tmp_path / "in", "2019-06", "2019-07", levels=("council",))
    assert set(res.figures["period"]) == {"2019-06", "2019-07"}
    assert res.quarantine.empty and "council" in res.quarantine.columns
    assert res.rows_read["in"]["referrals"] == 1


@pytest.fixture(scope="module")
def three_councils(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kpis.synth.generate import generate

    out = tmp_path_factory.mktemp("synth3")
    generate(out, seed=1, councils=3, scale=0.05, start="2019-04-01", end="2021-03-31",
             annex_format="csv", workers=1)
    return out


@pytest.mark.parametrize("start,end", [("2020-04", "2021-03"), ("2020-10", None)])
def test_jobs_2_gives_identical_output(three_councils: Path, tmp_path: Path,
                                       start: str, end: str | None) -> None:
    one = compute_dir(three_councils, start, end, levels=("council", "team"), jobs=1)
    two = compute_dir(three_councils, start, end, levels=("council", "team"), jobs=2)
    assert one.timings["jobs"] == 1 and two.timings["jobs"] == 2
    assert list(two.rows_read) == ["LA801", "LA802", "LA803"] == list(one.rows_read)
    assert two.rows_read == one.rows_read
    assert list(pd.unique(two.figures["council"])) == ["LA801", "LA802", "LA803"]
    if end is None:
        assert two.figures["period"].max() == "2021-03"
    for a, b in ((one.figures, two.figures), (one.quarantine, two.quarantine),
                 (one.repairs, two.repairs)):
        pd.testing.assert_frame_equal(a, b)
    paths = {}
    for name, res in (("one", one), ("two", two)):
        paths[name] = write_result(res, tmp_path / name / "figures.csv")
    for p1, p2 in zip(paths["one"], paths["two"], strict=True):
        assert p1.read_bytes() == p2.read_bytes()
    assert len(one.figures) and len(one.repairs)


@pytest.mark.parametrize("jobs", [1, 2])
def test_input_error_keeps_location(tmp_path: Path, jobs: int) -> None:
    """A council that cannot be read stops the run with its own file and column, whether it
    was read in a worker or in a batch with others (jobs=1: LA1, LA2 and LA3 read together)."""
    make_council(tmp_path / "in" / "LA1")
    annex = {"List_3.csv": f"{CHILD},Referral NFA?\nC1,M,01/02/2010,N\n"}
    make_council(tmp_path / "in" / "LA2", annex=annex)
    make_council(tmp_path / "in" / "LA3", annex={"List_3.csv": None})
    with pytest.raises(InputError) as err:
        compute_dir(tmp_path / "in", "2019-06", "2019-06", levels=("council",), jobs=jobs)
    assert err.value.column == "Date of referral"
    assert Path(err.value.file).relative_to(tmp_path).as_posix() == "in/LA2/annex_a/List_3.csv"


def test_out_through_a_symbolic_link_keeps_the_link(tmp_path: Path) -> None:
    """`--out` naming a link (say, to a shared folder): the file it points to gets the
    figures, the link stays a link, and the logs go beside the name given (before: the link
    was replaced by a plain file and the shared file kept its old content)."""
    make_council(tmp_path / "in" / "LA1")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "figures.csv").write_text("old\n")
    link = tmp_path / "out" / "figures.csv"
    link.parent.mkdir()
    link.symlink_to(shared / "figures.csv")
    assert main(["compute", "--input", str(tmp_path / "in"), "--out", str(link),
                 "--from", "2019-06", "--to", "2019-06", "--levels", "council",
                 "--no-cache"]) == 0
    assert link.is_symlink() and link.resolve() == (shared / "figures.csv").resolve()
    fig = pd.read_csv(shared / "figures.csv", keep_default_na=False)
    assert list(fig.columns) == CONTRACT and set(fig["period"]) == {"2019-06"}
    assert [p.name for p in shared.iterdir()] == ["figures.csv"]  # no temporary file left
    assert sorted(p.name for p in link.parent.iterdir()) == [
        "figures.csv", "figures.quarantine.csv", "figures.repairs.csv"]
