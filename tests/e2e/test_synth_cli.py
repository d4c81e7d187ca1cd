"""`kpis synth --out DIR` never destroys a user's files (issue 15): it writes only into a new or
empty folder, or one it wrote before (its marker lists the files), refuses anything else with
exit 2 and one line; what it writes follows the umask."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHORT = ["--start", "2020-01-01", "--end", "2020-03-31"]


def _synth(out: Path, umask: int = 0o022) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kpis.cli", "synth", "--out", str(out), *SHORT],
                          cwd=ROOT, capture_output=True, text=True, umask=umask,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})


def _refused(done: subprocess.CompletedProcess, words: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_folder_with_other_files_is_refused_and_left_alone(tmp_path: Path) -> None:
    mine = tmp_path / "project"
    (mine / "notes").mkdir(parents=True)
    (mine / "notes" / "plan.txt").write_text("my plan")
    (mine / "data.csv").write_text("a,b\n1,2\n")
    _refused(_synth(mine), "holds files kpis synth did not write (data.csv and 1 more)")
    assert sorted(p.relative_to(mine).as_posix() for p in mine.rglob("*")) == [
        "data.csv", "notes", "notes/plan.txt"]
    assert (mine / "notes" / "plan.txt").read_text() == "my plan"
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    _refused(_synth(a_file), "--out is a file")
    assert a_file.read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "project"]


def test_new_folder_then_its_own_folder_again_then_refused_once_a_user_file_is_added(
        tmp_path: Path) -> None:
    out = tmp_path / "synthetic"
    first = _synth(out, umask=0o002)
    assert first.returncode == 0, first.stderr
    marker = json.loads((out / ".kpis-synth.json").read_text())
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert marker["written_by"] == "kpis synth" and marker["arguments"]["seed"] == 2020
    assert sorted([*marker["files"], ".kpis-synth.json"]) == written
    assert "annex_a.xlsx" in written
    # umask 002: files rw-rw-r--, folders rwxrwxr-x (not mkstemp's 0600 nor mkdtemp's 0700)
    assert {(p.stat().st_mode & 0o777) for p in out.rglob("*") if p.is_file()} == {0o664}
    assert {(p.stat().st_mode & 0o777) for p in [out, *out.rglob("*")] if p.is_dir()} == {0o775}
    again = _synth(out)  # a folder it wrote: replaced
    assert again.returncode == 0, again.stderr
    (out / "my_analysis.xlsx").write_text("mine")
    _refused(_synth(out), "(my_analysis.xlsx)")
    assert (out / "my_analysis.xlsx").read_text() == "mine"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _synth(empty).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "synthetic"]
