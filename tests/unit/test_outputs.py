"""Staleness from declared dependencies (kpis.reporting.outputs) and the report set as data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kpis.errors import InputError
from kpis.reporting import outputs, plan

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scorecard_small.csv"


def _age(path: Path, seconds: float) -> None:
    t = path.stat().st_mtime - seconds
    os.utime(path, (t, t))


def test_scorecard_stale_when_missing_or_older_than_a_raw_file(tmp_path: Path) -> None:
    raw, proc = tmp_path / "raw", tmp_path / "proc"
    raw.mkdir()
    proc.mkdir()
    sc = outputs.declared(raw, proc)["scorecard"]
    assert sc.stale()  # missing
    shutil.copy(FIXTURE, proc / "scorecard.csv")
    assert not sc.stale()
    (raw / "appendix1_scorecard.csv").write_text("x\n")
    _age(proc / "scorecard.csv", 10)
    assert sc.stale()  # a raw file is newer


def test_scorecard_depends_on_its_modules_and_package_data(tmp_path: Path) -> None:
    sc = outputs.declared(tmp_path, tmp_path)["scorecard"]
    names = {f.name for f in sc.files()}
    assert {"clean.py", "cells.py", "schemas.py", "distance.py", "catalogue.py",
            "indicators.csv", "cell_words.csv"} <= names
    computed = outputs.declared(tmp_path, tmp_path / "proc")["computed"]
    with pytest.raises(InputError, match="synthetic.*not found"):
        computed.files()  # the synthetic council is not there yet


def test_missing_dependency_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder not found"):
        outputs.declared(tmp_path / "no-raw", tmp_path)["scorecard"].stale()
    with pytest.raises(InputError, match="module not found"):
        outputs.module("kpis.no_such_module")


def test_touching_a_declared_module_makes_the_output_stale(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("x\n")
    dep = outputs.Dep(tmp_path / "pkg", "**/*.py", what="module")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("")
    out = outputs.Output("out", target, (dep,))
    _age(tmp_path / "pkg" / "m.py", 10)
    assert not out.stale()
    os.utime(tmp_path / "pkg" / "m.py")
    _age(target, 5)
    assert out.stale()


def test_report_set_is_data() -> None:
    reports = {r["name"]: r for r in plan.report_set()}
    assert list(reports)[0] == "overview"
    dives = [n for n, r in reports.items() if r["notebook"] == "deep_dive"]
    assert dives == ["repeat_work", "stability", "workforce"]
    assert reports["workforce"]["parameters"]["indicator_ids"] == [
        "caseload_per_fte", "caseload_18_or_fewer", "caseload_22_or_fewer", "agency_rate"]
    assert all(reports[n]["computed"] for n in [*dives, "child_level"])
