"""`kpis compute` reuses a council whose files, options and kpis are unchanged (issue 15) and
computes again the one that changed; what it reuses is what it would have computed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_readers import CHILD, make_council

from kpis.cli import main
from kpis.records import cache
from kpis.records.batch import compute_dir

ARGS = ["--from", "2019-06", "--to", "2019-06", "--levels", "council"]
#: LA2's referrals after its second file arrives: C1 referred again on 10/06/2019
REFERRED_AGAIN = (f"{CHILD},Date of referral,Referral NFA?,Allocated Team,Allocated Worker\n"
                  "C1,M,01/02/2010,03/04/2019,N,T1,W1\nC1,M,01/02/2010,10/06/2019,N,T1,W1\n")


@pytest.fixture
def two_councils(tmp_path: Path) -> Path:
    """Two tiny hand-made councils, LA1 and LA2, under tmp_path/in."""
    inp = tmp_path / "in"
    make_council(inp / "LA1")
    make_council(inp / "LA2")
    return inp


def _compute(inp: Path, out: Path, capsys: pytest.CaptureFixture, *extra: str) -> str:
    assert main(["compute", "--input", str(inp), "--out", str(out), *ARGS, *extra]) == 0
    return capsys.readouterr().out


def _re_referrals(out: Path, council: str) -> tuple[float, float, float]:
    f = pd.read_csv(out)
    row = f[(f["council"] == council) & (f["indicator_id"] == "re_referrals")].iloc[0]
    return row["value"], row["numerator"], row["denominator"]


def _entries(out: Path) -> list[str]:
    return sorted(p.name for p in cache.folder_for(out).iterdir())


def test_second_run_reuses_and_a_changed_council_is_computed_again(
        tmp_path: Path, two_councils: Path, capsys: pytest.CaptureFixture) -> None:
    inp = two_councils
    out = tmp_path / "out" / "figures.csv"
    first = _compute(inp, out, capsys)
    assert "reused:" not in first
    entries = _entries(out)
    assert len(entries) == 2 and all(e.endswith(".council") for e in entries)
    before = out.read_bytes()

    second = _compute(inp, out, capsys)
    assert "reused: 2 of 2 council(s)" in second
    assert out.read_bytes() == before
    assert _entries(out) == entries

    # LA2 sends a corrected referrals file: C1 referred again within 12 months (hand-worked:
    # June 2019's re-referral rate goes from 0 of 1 to 1 of 2)
    assert _re_referrals(out, "LA2") == (0.0, 0.0, 1.0)
    (inp / "LA2" / "annex_a" / "List_3.csv").write_text(REFERRED_AGAIN, encoding="utf-8")
    third = _compute(inp, out, capsys)
    assert "reused: 1 of 2 council(s)" in third
    assert _re_referrals(out, "LA2") == (50.0, 1.0, 2.0)
    assert _re_referrals(out, "LA1") == (0.0, 0.0, 1.0)
    after = _entries(out)
    assert len(after) == 2 and len(set(after) & set(entries)) == 1  # LA2's old entry went

    fresh = tmp_path / "fresh" / "figures.csv"
    _compute(inp, fresh, capsys, "--no-cache")
    assert out.read_bytes() == fresh.read_bytes()
    for side in ("quarantine", "repairs"):
        name = f"figures.{side}.csv"
        assert (out.parent / name).read_bytes() == (fresh.parent / name).read_bytes()
    assert not cache.folder_for(fresh).exists()


def test_other_options_or_a_damaged_entry_are_not_reused(
        tmp_path: Path, two_councils: Path, capsys: pytest.CaptureFixture) -> None:
    inp = two_councils
    out = tmp_path / "figures.csv"
    _compute(inp, out, capsys)
    folder = cache.folder_for(out)
    entries = _entries(out)
    (folder / "my notes.txt").write_text("not kpis'")  # someone else's file stays
    # another month: nothing reused, and the entries of the month before are removed
    assert main(["compute", "--input", str(inp), "--out", str(out), "--from", "2019-07",
                 "--to", "2019-07", "--levels", "council"]) == 0
    assert "reused:" not in capsys.readouterr().out
    now = _entries(out)
    assert "my notes.txt" in now and not set(now) & set(entries)
    # a damaged entry is computed again, with the same figures
    before = out.read_bytes()
    damaged = next(p for p in folder.iterdir() if p.suffix == ".council")
    damaged.write_bytes(damaged.read_bytes()[:40])
    assert main(["compute", "--input", str(inp), "--out", str(out), "--from", "2019-07",
                 "--to", "2019-07", "--levels", "council"]) == 0
    printed = capsys.readouterr().out
    assert "reused: 1 of 2 council(s)" in printed
    assert out.read_bytes() == before


def test_reused_result_is_the_computed_one(tmp_path: Path) -> None:
    """compute_dir with a cache: the reused frames equal the computed ones, dtypes and all."""
    inp = tmp_path / "in"
    make_council(inp / "LA1")
    make_council(inp / "LA2", annex={"List_3.csv": REFERRED_AGAIN})
    folder = tmp_path / "cache"
    one = compute_dir(inp, "2019-04", "2019-09", levels=("council", "team"), jobs=1,
                      cache_dir=folder)
    two = compute_dir(inp, "2019-04", "2019-09", levels=("council", "team"), jobs=2,
                      cache_dir=folder)
    none = compute_dir(inp, "2019-04", "2019-09", levels=("council", "team"), jobs=1)
    assert one.timings["reused"] == 0 and two.timings["reused"] == 2
    for res in (two, none):
        pd.testing.assert_frame_equal(one.figures, res.figures)
        pd.testing.assert_frame_equal(one.quarantine, res.quarantine)
        pd.testing.assert_frame_equal(one.repairs, res.repairs)
        assert one.rows_read == res.rows_read
    # --from without --to: the first pass (latest date) is reused too
    a = compute_dir(inp, "2019-04", None, levels=("council",), jobs=1, cache_dir=folder)
    b = compute_dir(inp, "2019-04", None, levels=("council",), jobs=1, cache_dir=folder)
    assert a.timings["reused"] == 0 and b.timings["reused"] == 2
    pd.testing.assert_frame_equal(a.figures, b.figures)


def test_a_cache_that_cannot_be_kept_is_only_a_warning(
        tmp_path: Path, two_councils: Path, capsys: pytest.CaptureFixture) -> None:
    inp = two_councils
    out = tmp_path / "figures.csv"
    cache.folder_for(out).write_text("a file where the cache folder would go")
    assert main(["compute", "--input", str(inp), "--out", str(out), *ARGS]) == 0
    said = capsys.readouterr()
    printed = said.out + said.err
    assert printed.count("not keeping councils for the next run") == 1
    assert "not a folder" in printed
    assert out.exists()
    assert cache.folder_for(out).read_text() == "a file where the cache folder would go"


def test_a_run_stopped_inside_a_batch_keeps_the_councils_it_finished(
        tmp_path: Path, two_councils: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LA1 and LA2 are read as one batch (jobs=1); the run stops while computing LA2: LA1 is
    in the cache already, and the next run reuses it and computes only LA2."""
    from kpis.records import engine

    real = engine.compute
    done: list[str] = []

    def stop_at_la2(records, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if records.council == "LA2":
            raise KeyboardInterrupt
        done.append(records.council)
        return real(records, *args, **kwargs)

    folder = tmp_path / "cache"
    monkeypatch.setattr(engine, "compute", stop_at_la2)
    with pytest.raises(KeyboardInterrupt):
        compute_dir(two_councils, "2019-06", "2019-06", levels=("council",), jobs=1,
                    cache_dir=folder)
    assert done == ["LA1"] and len(list(folder.glob("*.council"))) == 1
    monkeypatch.setattr(engine, "compute", real)
    again = compute_dir(two_councils, "2019-06", "2019-06", levels=("council",), jobs=1,
                        cache_dir=folder)
    assert again.timings["reused"] == 1
    assert [a["reused"] for a in again.accounts.values()] == [True, False]


def test_a_council_that_cannot_be_read_leaves_the_ones_before_it_cached(
        tmp_path: Path) -> None:
    """LA1 and LA2 in one batch (jobs=1), LA2 lacks a column its referrals need: the run stops
    with LA2's error, and LA1, computed before it, is in the cache for the next run."""
    from kpis.errors import InputError

    inp = tmp_path / "in"
    make_council(inp / "LA1")
    make_council(inp / "LA2", annex={"List_3.csv": f"{CHILD},Referral NFA?\nC1,M,01/02/2010,N\n"})
    folder = tmp_path / "cache"
    with pytest.raises(InputError) as err:
        compute_dir(inp, "2019-06", "2019-06", levels=("council",), jobs=1, cache_dir=folder)
    assert err.value.column == "Date of referral"
    assert len(list(folder.glob("*.council"))) == 1
