"""Staleness by content (kpis.reporting.hashes, outputs.Output.record), scratch folders and
their sweep (kpis.stopping), and stop exit codes (kpis.stopping)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kpis import stopping
from kpis.reporting import outputs
from kpis.reporting.hashes import Store


def _output(tmp_path: Path) -> tuple[outputs.Output, Path, Path]:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    dep = pkg / "m.py"
    dep.write_text("x = 1\n")
    target = tmp_path / "out.csv"
    target.write_text("built\n")
    out = outputs.Output("out", target, (outputs.Dep(pkg, "**/*.py", what="module"),),
                         tmp_path / "store.json")
    return out, dep, target


def _set_mtime(path: Path, t: float) -> None:
    os.utime(path, (t, t))


def test_touched_dependency_with_the_same_bytes_is_not_a_change(tmp_path: Path) -> None:
    out, dep, target = _output(tmp_path)
    out.record()
    _set_mtime(dep, target.stat().st_mtime + 100)  # newer than the target, same bytes
    assert not out.stale()


def test_edit_with_an_old_mtime_is_a_change(tmp_path: Path) -> None:
    out, dep, target = _output(tmp_path)
    out.record()
    old = dep.stat().st_mtime
    dep.write_text("x = 2\n")  # same size, different bytes, and the mtime put back
    _set_mtime(dep, old - 100)
    assert out.stale()


def test_new_dependency_file_is_a_change_and_a_hand_made_target_falls_back_to_time(
        tmp_path: Path) -> None:
    out, dep, target = _output(tmp_path)
    out.record()
    (dep.parent / "n.py").write_text("")
    assert out.stale()
    out.record()
    assert not out.stale()
    target.write_text("edited by hand\n")  # not what kpis built: decided by time
    _set_mtime(target, dep.stat().st_mtime - 100)
    assert out.stale()  # older than its dependencies
    _set_mtime(target, dep.stat().st_mtime + 100)
    assert not out.stale()  # newer: kept, and recorded, so from now on content decides
    _set_mtime(target, dep.stat().st_mtime - 100)
    assert not out.stale()
    dep.write_text("x = 3\n")
    _set_mtime(dep, target.stat().st_mtime - 100)
    assert out.stale()


def test_store_rehashes_only_changed_files_and_merges_saves(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("abc")
    one, two = Store(tmp_path / "s.json"), Store(tmp_path / "s.json")
    # sha256("abc"), worked out with `printf abc | sha256sum`
    assert one.file(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    one.set_output("first", {"deps": "1", "target": "2"})
    two.set_output("second", {"deps": "3", "target": "4"})
    one.save()
    two.save()
    data = json.loads((tmp_path / "s.json").read_text())
    assert set(data["outputs"]) == {"first", "second"}
    assert data["files"][str(f.resolve())][3] == one.file(f)


def test_scratch_folder_respects_the_umask_and_dead_processes_are_swept(tmp_path: Path) -> None:
    target = tmp_path / "reports"
    old = os.umask(0o002)
    try:
        made = stopping.scratch_dir(target, "reports")
    finally:
        os.umask(old)
    assert made.stat().st_mode & 0o777 == 0o775  # not mkdtemp's 0700
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = made.parent / f"kpis-reports-{dead}-abc123"
    stale.mkdir()
    mine = made.parent / f"kpis-reports-{os.getpid()}-abc123"
    mine.mkdir()
    try:
        stopping.sweep(made.parent)
        assert not stale.exists() and mine.exists() and made.exists()
    finally:
        for p in (made, mine, stale):
            if p.exists():
                p.rmdir()


def test_exit_codes() -> None:
    assert stopping.exit_code(KeyboardInterrupt()) == 130
    assert stopping.exit_code(stopping.Terminated()) == 143


def test_synthetic_folder_from_before_markers_is_replaced_only_if_every_file_is_ours(
        tmp_path: Path) -> None:
    import pytest

    from kpis.errors import InputError
    from kpis.synth.generate import check_out, mark

    old = tmp_path / "synthetic"
    (old / "annex_a").mkdir(parents=True)
    (old / "annex_a" / "list_1.csv").write_text("x")
    (old / "workforce.csv").write_text("y")
    names = {"annex_a/list_1.csv", "annex_a/list_3.csv", "workforce.csv"}
    check_out(old, names)  # every file is one the generator writes
    with pytest.raises(InputError, match=r"did not write \(annex_a/list_1.csv and 1 more\)"):
        check_out(old)  # no marker, nothing expected
    (old / "annex_a" / "mine.xlsx").write_text("z")
    with pytest.raises(InputError, match=r"\(annex_a/mine.xlsx\)"):
        check_out(old, names)
    (old / "annex_a" / "mine.xlsx").unlink()
    mark(old, [old / "annex_a" / "list_1.csv", old / "workforce.csv"], {"seed": 1})
    check_out(old)  # marked: its own files
