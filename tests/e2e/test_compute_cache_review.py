"""Red-team review of `kpis compute`'s council cache (issue 15): each test is a way found to
make a cached run differ from `--no-cache` (a wrong answer), crash with a traceback, delete a
file kpis did not write, or run code that someone else put in the cache folder.

Every test here failed on main at 2ff267e (each says what it shows) and passes since the
cache was made private and keyed per file (kpis.records.cache). The councils are the tiny
hand-made ones of tests/unit/test_readers.py (`make_council`). Tests that need a second user
(a colleague sharing the output folder) run `kpis compute` as another uid in a subprocess and
are skipped when the test process cannot switch user (not root) or that user cannot run kpis.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_readers import make_council

import kpis
from kpis.cli import main
from kpis.records import cache
from kpis.records.batch import compute_dir

ARGS = ["--from", "2019-06", "--to", "2019-06", "--levels", "council"]
SRC = Path(kpis.__file__).resolve().parents[1]  # the kpis under test (a worktree's src/)
#: two uids other than the test's own: a colleague who ran kpis first, and the user now
COLLEAGUE, USER = 1001, 65534
RUN = "import sys; from kpis.cli import main; sys.exit(main(sys.argv[1:]))"


def _kpis(argv: list[str], cwd: Path, uid: int | None = None) -> subprocess.CompletedProcess:
    """`kpis ...` in a subprocess (as `uid` when given), output captured."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]), "HOME": str(cwd)}
    who = {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}
    return subprocess.run([sys.executable, "-c", RUN, *argv], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=600, **who)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder every user can work in (as a team's shared drive), removed afterwards; skips
    the test when it cannot run kpis as two other users."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run kpis as two other users")
    place = Path(tempfile.mkdtemp(prefix="kpis-cache-review-"))
    place.chmod(0o777)
    try:
        for uid in (COLLEAGUE, USER):
            probe = _kpis(["--help"], place, uid)
            if probe.returncode != 0:
                pytest.skip(f"uid {uid} cannot run kpis here: {probe.stderr[-300:]}")
        yield place
    finally:
        shutil.rmtree(place, ignore_errors=True)


def _councils(inp: Path) -> Path:
    make_council(inp / "LA1")
    make_council(inp / "LA2")
    for p in [inp, *inp.rglob("*")]:
        p.chmod(0o777 if p.is_dir() else 0o666)
    return inp


def test_a_file_the_user_cannot_read_that_is_not_data_is_no_crash(shared: Path) -> None:
    """The key reads every file under the council folder, the readers only CSV, workbooks and
    XML: a colleague's private notes file (not data, unreadable by this user) in the council
    folder is no matter to `--no-cache` but a PermissionError traceback, exit 1, with the cache
    (found: `kpis compute` as uid 65534 with a root-owned 0600 notes.txt in LA1)."""
    inp = _councils(shared / "in")
    notes = inp / "LA1" / "private notes.txt"
    notes.write_text("a colleague's notes, not data")
    notes.chmod(0o600)  # owned by root: the user cannot read it
    fresh = _kpis(["compute", "--input", "in", "--out", "fresh/f.csv", "--no-cache", *ARGS],
                  shared, USER)
    assert fresh.returncode == 0, fresh.stderr
    cached = _kpis(["compute", "--input", "in", "--out", "out/f.csv", *ARGS], shared, USER)
    assert "Traceback" not in cached.stderr
    assert cached.returncode == 0, cached.stderr[-500:]
    assert (shared / "out" / "f.csv").read_bytes() == (shared / "fresh" / "f.csv").read_bytes()


def test_an_entry_a_colleague_wrote_in_a_shared_folder_is_no_crash(shared: Path) -> None:
    """A colleague ran the same compute into a team folder the user can write (the cache
    folder made writable for the team, entries 0644 under the colleague's umask 022); the
    user's run finds the entries, and `load`'s os.utime on a file it does not own and cannot
    write is a PermissionError traceback, exit 1, nothing written."""
    _councils(shared / "in")
    (shared / "out").mkdir(mode=0o777)
    (shared / "out").chmod(0o777)
    first = _kpis(["compute", "--input", "in", "--out", "out/f.csv", *ARGS], shared, COLLEAGUE)
    assert first.returncode == 0, first.stderr
    folder = cache.folder_for(shared / "out" / "f.csv")
    entries = sorted(folder.glob("*.council"))
    assert len(entries) == 2 and all(p.stat().st_uid == COLLEAGUE for p in entries)
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in entries)
    folder.chmod(0o777)  # the team may write in it
    for p in (shared / "out").glob("f*.csv"):
        p.chmod(0o666)
    before = (shared / "out" / "f.csv").read_bytes()
    mine = _kpis(["compute", "--input", "in", "--out", "out/f.csv", *ARGS], shared, USER)
    assert "Traceback" not in mine.stderr
    assert mine.returncode == 0, mine.stderr[-500:]
    assert (shared / "out" / "f.csv").read_bytes() == before


def test_pickles_someone_else_can_write_are_not_loaded(tmp_path: Path) -> None:
    """Entries are pickles, and unpickling runs code. In a shared folder (/tmp, a team drive)
    anyone can make `.FILE.kpis-cache/` before the user's first run, world-writable and their
    own; the user's run writes its entries there (named by key), the other user swaps one for
    a pickle of their choosing, and the user's next run executes it. (The docstring's "whoever
    can write in that folder can already replace the outputs" does not hold in a sticky /tmp,
    where the outputs are the user's own and cannot be replaced by others.) Reproduced by hand
    as uid 1001 against root: the payload ran as root. Here: the folder is world-writable (and
    another user's, when root); kpis must not unpickle from it."""
    inp = tmp_path / "in"
    make_council(inp / "LA1")
    out = tmp_path / "out" / "f.csv"
    assert main(["compute", "--input", str(inp), "--out", str(out), *ARGS]) == 0
    folder = cache.folder_for(out)
    marker = tmp_path / "code from the cache ran"

    class Payload:
        def __reduce__(self) -> tuple:
            return (os.mkdir, (str(marker),))  # returns None: a miss, so the run goes on

    for p in folder.glob("*.council"):
        p.write_bytes(zlib.compress(pickle.dumps(Payload())))
    folder.chmod(0o777)
    if os.geteuid() == 0:
        os.chown(folder, COLLEAGUE, COLLEAGUE)
    main(["compute", "--input", str(inp), "--out", str(out), *ARGS])
    assert not marker.exists(), "kpis unpickled an entry from a folder others can write"


def test_pruning_leaves_files_kpis_did_not_write(tmp_path: Path) -> None:
    """`prune` removes any `*.council` and any hidden `.*.tmp` file older than the run, by
    name, whoever wrote it: with the cache folder a symlink to one of the user's folders (kept
    on a bigger disk), their `Gloucestershire.council` and `.draft.tmp` are deleted. The
    project rule: never delete a file kpis did not write."""
    inp = tmp_path / "in"
    make_council(inp / "LA1")
    out = tmp_path / "out" / "f.csv"
    out.parent.mkdir()
    mine = tmp_path / "bigger disk"
    mine.mkdir()
    theirs = [mine / "Gloucestershire.council", mine / ".draft.tmp"]
    hour_ago = time.time() - 3600
    for p in theirs:
        p.write_text("the user's")
        os.utime(p, (hour_ago, hour_ago))
    cache.folder_for(out).symlink_to(mine, target_is_directory=True)
    assert main(["compute", "--input", str(inp), "--out", str(out), *ARGS]) == 0
    assert [p.exists() for p in theirs] == [True, True]
    assert len(list(mine.glob("*.council"))) == 2  # kpis' entry beside the user's file


def test_files_are_framed_in_the_key(tmp_path: Path) -> None:
    """`council_key` feeds name and bytes of each file into one hash with no lengths: a file
    whose bytes end in "\\n<next file's name>\\0<its bytes>" hashes like the two files. Here:
    LA1 with an empty `zz.txt` (last in name order), then without it and with "\\nzz.txt\\0"
    appended to workers.csv (the last data file): same key, so the cached run reuses the
    first figures; `--no-cache` reads one more (blank) row and quarantines one row (hand-
    checked: rows in 9 -> 11, quarantine 0 -> 1, workers.csv row 4 `fte` missing value).
    Needs a NUL byte in a file, which workbooks (zip) hold; hashing each file's digest and
    length would close it."""
    inp = tmp_path / "in"
    la1 = make_council(inp / "LA1")
    folder = tmp_path / "cache"
    (la1 / "zz.txt").write_bytes(b"")
    first = compute_dir(inp, "2019-06", "2019-06", levels=("council",), jobs=1,
                        cache_dir=folder)
    assert first.accounts["LA1"]["rows_in"] == 9
    (la1 / "zz.txt").unlink()
    workers = la1 / "workforce" / "workers.csv"
    workers.write_bytes(workers.read_bytes() + b"\nzz.txt\0")
    fresh = compute_dir(inp, "2019-06", "2019-06", levels=("council",), jobs=1)
    assert fresh.accounts["LA1"]["rows_in"] == 11 and len(fresh.quarantine) == 1
    again = compute_dir(inp, "2019-06", "2019-06", levels=("council",), jobs=1,
                        cache_dir=folder)
    assert again.accounts["LA1"]["rows_in"] == fresh.accounts["LA1"]["rows_in"]
    pd.testing.assert_frame_equal(again.quarantine, fresh.quarantine)


def test_an_entry_removed_while_it_is_read_is_only_a_miss(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`load` reads the entry, unpickles it, then os.utime()s it: if the entry goes in between
    (another run to the same --out with other options prunes it; the user empties the cache
    folder), FileNotFoundError escapes as a traceback. Simulated by removing the entry as it is
    unpickled."""
    inp = tmp_path / "in"
    make_council(inp / "LA1")
    folder = tmp_path / "cache"
    first = compute_dir(inp, "2019-06", "2019-06", levels=("council",), jobs=1,
                        cache_dir=folder)
    real = pickle.loads

    def loads_while_pruned(data: bytes) -> object:
        for p in folder.glob("*.council"):
            p.unlink()
        return real(data)

    monkeypatch.setattr(cache.pickle, "loads", loads_while_pruned)
    again = compute_dir(inp, "2019-06", "2019-06", levels=("council",), jobs=1,
                        cache_dir=folder)
    pd.testing.assert_frame_equal(again.figures, first.figures)


@pytest.mark.parametrize("package", ["python-calamine", "pyyaml"])
def test_the_key_covers_the_libraries_the_readers_use(
        package: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workbooks are read by python-calamine (readers.discover: engine="calamine") and the
    column maps by PyYAML, but only pandas, NumPy, pyarrow and holidays are in the key: after
    `pip install -U python-calamine` a council's workbook is reused as the old version read
    it."""
    real = cache.metadata.version
    before = cache.code_digest.__wrapped__()
    monkeypatch.setattr(cache.metadata, "version",
                        lambda name: "0.0.0.other" if name == package else real(name))
    assert cache.code_digest.__wrapped__() != before


def test_an_entry_used_by_a_run_is_not_pruned_by_it(tmp_path: Path) -> None:
    """`prune` compares each entry's mtime (set by `load`'s os.utime, from the kernel's coarse
    file clock) with `since` (time.time() at the start of the run): an entry loaded within a
    clock tick (a few ms) of the start gets an mtime *before* `since` and is removed by the run
    that used it, so the next run computes again (seen: 7 of 40 back-to-back compute_dir calls
    on one small council; on a network drive whose clock is behind, every run). Not a wrong
    answer, a silent loss of the cache. Probabilistic: it cannot fail once used entries are
    kept by name (the keys this run loaded or stored) rather than by clock (now the case: five
runs suffice)."""
    inp = tmp_path / "in"
    make_council(inp / "LA1")
    folder = tmp_path / "cache"
    compute_dir(inp, "2019-06", "2019-06", levels=("council",), jobs=1, cache_dir=folder)
    reused = [compute_dir(inp, "2019-06", "2019-06", levels=("council",), jobs=1,
                          cache_dir=folder).timings["reused"] for _ in range(5)]
    assert reused == [1.0] * 5
