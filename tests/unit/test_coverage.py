"""Coverage of the scorecard (issue 13): every printed line says whether `kpis compute` computes
it from child-level records, and if not, which source it needs (catalogue/coverage.csv)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from kpis.records.engine import PAIRS
from kpis.scorecard.clean import build

RAW = Path(__file__).resolve().parents[2] / "data" / "raw"


def coverage() -> pd.DataFrame:
    path = resources.files("kpis").joinpath("data", "catalogue", "coverage.csv")
    with path.open(encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def test_every_scorecard_line_has_one_coverage_row() -> None:
    lines = build(RAW)[0][["indicator_id", "breakdown"]].drop_duplicates()
    cov = coverage()
    assert not cov.duplicated(["indicator_id", "breakdown"]).any()
    keys = set(map(tuple, cov[["indicator_id", "breakdown"]].to_numpy()))
    assert keys == set(map(tuple, lines.to_numpy()))


def test_computed_column_agrees_with_the_engine() -> None:
    cov = coverage()
    engine = {(i, b) for i, b in PAIRS}
    said = {(r.indicator_id, r.breakdown) for r in cov.itertuples() if r.computed == "yes"}
    assert said == {k for k in map(tuple, cov[["indicator_id", "breakdown"]].to_numpy())
                    if k in engine}
    assert set(cov["computed"]) <= {"yes", "no"}
    assert (cov["source"].str.len() > 0).all()


def test_41_scorecard_lines_computed() -> None:
    cov = coverage()
    assert (cov["computed"] == "yes").sum() == 41
    assert cov.set_index("indicator_id").loc["pep_up_to_date", "source"].iloc[0] == \
        "virtual school: PEPs"
