"""Coverage of the scorecard (issue 13): every printed line says whether `kpis compute` computes
it from child-level records, and if not, which source it needs (catalogue/coverage.csv)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from kpis.records.engine import COMPUTED_PAIRS, PAIRS
from kpis.records.indicators import audits
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
    engine = {(i, b) for i, b in COMPUTED_PAIRS}
    said = {(r.indicator_id, r.breakdown) for r in cov.itertuples() if r.computed == "yes"}
    assert said == {k for k in map(tuple, cov[["indicator_id", "breakdown"]].to_numpy())
                    if k in engine}
    assert set(cov["computed"]) <= {"yes", "no"}
    assert (cov["source"].str.len() > 0).all()


def test_48_scorecard_lines_computed() -> None:
    """41 before issue 13's last part; + placed outside the council, + more than 20 miles,
    + the five quality-assurance lines issue 14 computes from the audit file."""
    cov = coverage()
    assert (cov["computed"] == "yes").sum() == 48
    said = cov.set_index(["indicator_id", "breakdown"])
    for key in [("cla_out_of_county", ""), ("cla_placed_20miles", ""), ("audits_per_month", ""),
                ("audit_grades", "good"), ("audit_grades", "requires improvement"),
                ("audit_grades", "inadequate"), ("audits_per_practitioner", "")]:
        assert said.loc[key, "computed"] == "yes", key
    assert "audit file" in said.loc[("audit_grades", "good"), "source"]
    assert "centroid file" in said.loc[("cla_placed_20miles", ""), "source"]
    assert cov.set_index("indicator_id").loc["pep_up_to_date", "source"].iloc[0] == \
        "virtual school: PEPs"


def test_audit_pairs_are_what_the_audit_indicators_produce() -> None:
    """The audit pairs counted as computed are the ones audit_indicators really writes (on the
    hand-made council of test_audits_indicators), with a figure for June 2020."""
    from test_audits_indicators import _council

    out = audits.audit_indicators(_council(), month_ends=["2020-06-30"])
    got = set(zip(out["indicator_id"], out["breakdown"], strict=True))
    assert set(audits.PAIRS) == got
    scorecard = {("audits_per_month", ""), ("audit_grades", "good"),
                 ("audit_grades", "requires improvement"), ("audit_grades", "inadequate"),
                 ("audits_per_practitioner", "")}
    council = out[out["level"] == "council"].set_index(["indicator_id", "breakdown"])
    assert council.loc[list(scorecard), "value"].notna().all()
    assert not scorecard & set(PAIRS)  # not registry indicators: the engine adds them apart
