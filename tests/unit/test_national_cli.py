"""`kpis benchmarks import|build`: exit codes, one-line errors, nothing half-written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "national"
SRC = Path(__file__).resolve().parents[2] / "src"


def _kpis(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys; from kpis.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", *args], cwd=cwd,
                          capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})


def test_import_then_build(tmp_path: Path) -> None:
    files = [str(FIX / n) for n in ("bds_long_extract.parquet", "sn_model_2025_wide.csv",
                                    "New_Statistical_Neighbour_Groupings_April_2021.csv",
                                    "la_code_list.xlsx",
                                    "LA_Inspection_Outcomes_as_at_31_March_2025.ods")]
    out = tmp_path / "external"
    r = _kpis("benchmarks", "import", *files, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "la_codes.csv", "ofsted_judgements.csv", "published.parquet",
        "statistical_neighbours.csv"]
    bm = tmp_path / "benchmarks.csv"
    r = _kpis("benchmarks", "build", "--la", "916", "--external", str(out), "--out", str(bm),
              cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(bm, keep_default_na=False)
    row = df[(df.indicator_id == "re_referrals") & (df.period == 2020)
             & (df.comparator == "council") & (df.statistic == "value")]
    assert row["value"].astype(float).tolist() == [30.0]  # LAIT ReReferral 2020, 916


def test_bad_files_exit_2_one_line_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "external"
    r = _kpis("benchmarks", "import", str(FIX / "README.md"), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "README.md" in r.stderr
    assert not out.exists()
    bad = tmp_path / "c1_children_in_need_referrals_and_rereferrals_x.csv"
    shutil.copy(FIX / "c1_children_in_need_referrals_and_rereferrals_extract.csv", bad)
    text = bad.read_text().replace("22.7", "2z.7", 1)
    bad.write_text(text)
    r = _kpis("benchmarks", "import", str(bad), "--out", str(out), cwd=tmp_path)
    assert r.returncode == 2
    assert "column 'rereferral_percent'" in r.stderr and bad.name in r.stderr
    assert not out.exists()


def test_unknown_council_exit_2(tmp_path: Path) -> None:
    r = _kpis("benchmarks", "build", "--la", "123", "--out", str(tmp_path / "b.csv"),
              cwd=tmp_path)
    assert r.returncode == 2 and "no council with LA code 123" in r.stderr
    assert not (tmp_path / "b.csv").exists()
