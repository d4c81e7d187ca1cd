"""`kpis report` rebuilds only what changed (issue 15): nothing changed -> up to date, nothing
written; a touched file with the same bytes changes nothing; one notebook edited -> only its
reports run, the others are copied from the last build and marked reused; a failed notebook's
executed copy is kept; --force runs everything."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "scorecard_small.csv"


def _edit(notebook: Path, old: str, new: str) -> None:
    text = notebook.read_text()
    assert old in text
    notebook.write_text(text.replace(old, new, 1))


def _statuses(out: Path) -> dict[str, str]:
    manifest = json.loads((out / "manifest.json").read_text())
    return {r["name"]: r["status"] for r in manifest["reports"]}


@pytest.mark.slow
def test_only_what_changed_is_rebuilt(tmp_path: Path) -> None:
    raw, proc, out, nbs = (tmp_path / n for n in ("raw", "processed", "reports", "notebooks"))
    raw.mkdir()
    proc.mkdir()
    shutil.copy(FIXTURE, proc / "scorecard.csv")
    shutil.copytree(ROOT / "notebooks", nbs)

    def report(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kpis.cli", "report", "--raw", str(raw), "--processed",
             str(proc), "--out", str(out), "--notebooks", str(nbs), "--no-synthetic",
             "--only", "overview", "--only", "domain-repeat", *extra],
            cwd=ROOT, capture_output=True, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})

    first = report()
    assert first.returncode == 0, first.stdout + first.stderr
    assert _statuses(out) == {"overview": "ok", "domain-repeat-work": "ok"}
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir()}

    for p in nbs.glob("*.ipynb"):  # touched: new mtimes, same bytes
        os.utime(p)
    same = report()
    assert same.returncode == 0, same.stderr
    assert "up to date: nothing changed" in same.stdout and "start" not in same.stdout
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir()} == before

    _edit(nbs / "domain.ipynb", "## ", "## Edited: ")  # one notebook's heading changes
    one = report()
    assert one.returncode == 0, one.stdout + one.stderr
    assert "reused overview (unchanged)" in one.stdout
    assert "start  domain-repeat-work" in one.stdout and "start  overview" not in one.stdout
    assert _statuses(out) == {"overview": "reused", "domain-repeat-work": "ok"}
    assert (out / "overview.html").read_bytes() == before["overview.html"][1]
    assert (out / "overview.ipynb").read_bytes() == before["overview.ipynb"][1]
    assert "Edited: " in (out / "domain-repeat-work.html").read_text()
    page = (out / "build.html").read_text()
    assert page.count("Reused (inputs unchanged since the last build)") == 1
    assert "0 report(s) failed" not in (out / "index.html").read_text()

    _edit(nbs / "overview.ipynb", "findings.overview_findings(dist)",
          "findings.no_such_function(dist)")
    broken = report()
    assert broken.returncode == 1 and "failed: overview" in broken.stderr
    assert _statuses(out) == {"overview": "failed", "domain-repeat-work": "reused"}
    kept = (out / "overview.ipynb").read_text()  # the executed copy, kept to inspect
    assert "no_such_function" in kept and "AttributeError" in kept
    assert not (out / "overview.html").exists()

    _edit(nbs / "overview.ipynb", "findings.no_such_function(dist)",
          "findings.overview_findings(dist)")
    forced = report("--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "reused" not in forced.stdout.replace("0 reused", "")
    assert _statuses(out) == {"overview": "ok", "domain-repeat-work": "ok"}
