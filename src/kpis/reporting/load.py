"""What a notebook loads: the scorecard with its distance table, and the computed series."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from kpis.scorecard import distance
from kpis.scorecard.tidy import read_scorecard

log = logging.getLogger(__name__)


def load_inputs(
    scorecard_path: str | Path,
    raw_dir: str | Path = "../data/raw",
    distance_path: str | Path = "",
    baseline_period: str = distance.BASELINE_PERIOD,
    latest_period: str = distance.LATEST_PERIOD,
    comparator: str = "",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scorecard, distance table). A precomputed distance table (written once by
    `kpis report`) is used when `distance_path` names an existing file; otherwise it is
    computed here with the given periods and comparator."""
    sc = read_scorecard(scorecard_path, raw_dir)
    if distance_path and Path(distance_path).exists():
        dist = distance.read_distance(distance_path)
        dist.attrs.update(baseline_period=baseline_period, latest_period=latest_period)
    else:
        dist = distance.distance_table(sc, baseline_period, latest_period, comparator=comparator)
    return sc, dist


def load_computed(computed_path: str | Path) -> pd.DataFrame | None:
    """The computed monthly series (contract: computed indicators) or None when not given.
    Worker-level rows are dropped here: reports show the council and teams only."""
    if not computed_path or not Path(computed_path).exists():
        return None
    df = pd.read_csv(computed_path, dtype=str, keep_default_na=False)
    for col in ("value", "numerator", "denominator"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col].replace("", np.nan), errors="coerce").astype(float)
    return df[df["level"].isin(["council", "team"])].reset_index(drop=True)
