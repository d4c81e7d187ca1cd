"""Issue 13: the default synthetic council (small scale) gives a figure for every scorecard
line coverage.csv marks computed, in its last month — through `kpis compute` as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from kpis.synth.generate import generate

ROOT = Path(__file__).resolve().parents[2]


def test_synthetic_council_computes_every_covered_line(tmp_path: Path) -> None:
    council = tmp_path / "council"
    generate(council, seed=2020, scale=0.15, start="2019-04-01", end="2021-03-31")
    out = tmp_path / "figures.csv"
    done = subprocess.run([sys.executable, "-m", "kpis.cli", "compute", "--input", str(council),
                           "--out", str(out), "--levels", "council", "--from", "2021-03",
                           "--to", "2021-03"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    fig = pd.read_csv(out, keep_default_na=False, na_values=[""])
    last = fig[(fig["period"] == "2021-03") & (fig["level"] == "council")]
    cov = pd.read_csv(ROOT / "src" / "kpis" / "data" / "catalogue" / "coverage.csv",
                      dtype=str, keep_default_na=False)
    want = cov[cov["computed"] == "yes"][["indicator_id", "breakdown"]]
    got = want.merge(last.astype({"breakdown": str}).fillna({"breakdown": ""}),
                     on=["indicator_id", "breakdown"], how="left")
    missing = got[got["value"].isna() | (got["denominator"] <= 0)]
    assert missing.empty, missing[["indicator_id", "breakdown", "note", "flag"]]
    assert len(got) >= 40
    # the snapshot lists and 903 reviews were read: these come from them
    have = set(zip(got["indicator_id"], got["breakdown"], strict=True))
    assert {("visits_cla", ""), ("cla_reviews", ""), ("care_leavers_pwp", "")} <= have
