"""Ctrl-C, SIGTERM and SIGKILL during `kpis report` and `kpis synth` (issue 15): the exit code,
no traceback, no process left (workers, Jupyter kernels), no scratch folder, and the previous
outputs as they were. Not timed: every wait is generous, only the outcome is checked."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from kpis import stopping

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "scorecard_small.csv"
PREVIOUS = "<html><body>the previous build</body></html>"


def _tagged(token: str) -> list[psutil.Process]:
    """Live processes started for this test (they carry its token in their environment)."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get("KPIS_TEST_TOKEN") == token and \
                    p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def _none_left(token: str, within: float = 60.0) -> list[psutil.Process]:
    deadline = time.monotonic() + within
    while (left := _tagged(token)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def _scratch(target: Path, pid: int) -> list[Path]:
    """Scratch folders process `pid` made for `target` that are still there (in the system
    temporary folder or .kpis-build/ beside the target)."""
    bases = {Path(tempfile.gettempdir()), target.parent / stopping.LOCAL}
    return [p for b in bases if b.is_dir() for p in b.glob(f"kpis-*-{pid}-*")]


def _start(args: list[str], token: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "KPIS_TEST_TOKEN": token, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-m", "kpis.cli", *args], cwd=ROOT, env=env,
                            stdout=open(log, "w"), stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _wait_for(log: Path, text: str, proc: subprocess.Popen, within: float = 600.0) -> None:
    deadline = time.monotonic() + within
    while text not in log.read_text():
        assert proc.poll() is None, f"finished before {text!r}: {log.read_text()[-1000:]}"
        assert time.monotonic() < deadline, f"no {text!r} in {within} s"
        time.sleep(0.2)


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    raw, proc, out = tmp_path / "raw", tmp_path / "processed", tmp_path / "reports"
    for d in (raw, proc, out):
        d.mkdir()
    shutil.copy(FIXTURE, proc / "scorecard.csv")
    (out / "index.html").write_text(PREVIOUS)
    return {"raw": raw, "processed": proc, "out": out}


def _signal_when(proc: subprocess.Popen, ready: Callable[[], None], sig: int) -> str:
    """Once `ready()` returns (and a second more), send `sig`; the process's stderr. Whatever
    happens, nothing of the process group outlives the test."""
    try:
        ready()
        time.sleep(1.0)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return err or ""


def _report_args(p: dict[str, Path]) -> list[str]:
    return ["report", "--raw", str(p["raw"]), "--processed", str(p["processed"]), "--out",
            str(p["out"]), "--no-synthetic", "--only", "domain", "--jobs", "2"]


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_report_stops_on_signal(project: dict[str, Path], tmp_path: Path, sig: int,
                                code: int) -> None:
    token = uuid.uuid4().hex
    log = tmp_path / "stdout.txt"
    proc = _start(_report_args(project), token, log)
    # once notebooks are running in the workers' kernels
    err = _signal_when(proc, lambda: _wait_for(log, "start", proc), sig)
    assert proc.returncode == code, err
    assert "Traceback" not in err and err.strip().splitlines() == [
        "interrupted: nothing written, previous outputs left as they were"], err
    assert _none_left(token) == []
    assert (project["out"] / "index.html").read_text() == PREVIOUS
    assert sorted(p.name for p in project["out"].iterdir()) == ["index.html"]
    assert _scratch(project["out"], proc.pid) == []
    assert not list(project["out"].parent.glob(".reports*"))


@pytest.mark.slow
def test_killed_report_leaves_no_process_and_the_next_run_sweeps(
        project: dict[str, Path], tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    log = tmp_path / "stdout.txt"
    proc = _start(_report_args(project), token, log)
    # SIGKILL: no clean-up code runs in the parent
    _signal_when(proc, lambda: _wait_for(log, "start", proc), signal.SIGKILL)
    # the workers see their parent gone and kill their kernels; kernels watch their worker
    assert _none_left(token) == []
    assert (project["out"] / "index.html").read_text() == PREVIOUS
    assert not [p for p in project["out"].parent.iterdir() if p.name.startswith(".")]
    left = _scratch(project["out"], proc.pid)
    assert len(left) == 1 and not left[0].is_relative_to(project["out"].parent)
    new = stopping.scratch_dir(project["out"], "reports")  # what the next run does first
    assert not left[0].exists()  # swept: the process that made it is gone
    new.rmdir()


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_synth_stops_on_signal(tmp_path: Path, sig: int, code: int) -> None:
    out = tmp_path / "councils"
    token = uuid.uuid4().hex
    log = tmp_path / "stdout.txt"
    proc = _start(["synth", "--out", str(out), "--councils", "4"], token, log)

    def simulating() -> None:  # its workers are simulating
        deadline = time.monotonic() + 120
        while len(_tagged(token)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)

    err = _signal_when(proc, simulating, sig)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert _none_left(token) == []
    assert not out.exists() and _scratch(out, proc.pid) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stdout.txt"]


@pytest.mark.slow
def test_compute_stops_on_sigterm(tmp_path: Path) -> None:
    from kpis.synth.generate import generate

    councils = tmp_path / "councils"
    generate(councils, seed=7, councils=4, annex_format="csv", workers=2)
    out = tmp_path / "figures.csv"
    out.write_text("the previous figures\n")
    token = uuid.uuid4().hex
    log = tmp_path / "stdout.txt"
    proc = _start(["compute", "--input", str(councils), "--out", str(out), "--jobs", "2"],
                  token, log)
    try:
        deadline = time.monotonic() + 120
        while len(_tagged(token)) < 3 and time.monotonic() < deadline:  # parent + 2 workers
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert _none_left(token) == []
    assert out.read_text() == "the previous figures\n"
    # councils finished before the signal are kept in the cache for the next run, whole: no
    # temporary file is left there (kpis.records.cache)
    kept = tmp_path / ".figures.csv.kpis-cache"
    assert sorted(p.name for p in tmp_path.iterdir() if p != kept) == ["councils",
                                                                       "figures.csv",
                                                                       "stdout.txt"]
    assert not kept.exists() or all(p.suffix == ".council" for p in kept.iterdir())
