"""The one reader of the tidy scorecard that `kpis clean` writes (contract: docs/contracts.md)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

TEXT_COLUMNS = ("indicator_id", "domain", "indicator", "breakdown", "kind", "comparator",
                "period", "unit", "note", "source", "flag")


def read_scorecard(path: str | Path, raw_dir: str | Path | None = None) -> pd.DataFrame:
    """The one reader of the tidy scorecard (CSV or parquet): text columns as text, `value`
    float. It never writes: when `path` is missing and `raw_dir` is given, the scorecard is
    built in memory from the raw files (kpis.scorecard.clean.build), so a notebook runs on a fresh
    checkout without touching data/processed."""
    path = Path(path)
    if not path.exists() and raw_dir is not None:
        from kpis.scorecard import clean

        log.info("%s is missing: building the scorecard in memory from %s", path, raw_dir)
        df = clean.build(Path(raw_dir))[0]
    elif path.suffix == ".parquet":
        df = pd.read_parquet(path)
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in TEXT_COLUMNS:
        if col in df.columns:
            df[col] = df[col].astype("string").fillna("").astype(str)
    df["value"] = pd.to_numeric(df["value"].replace("", np.nan), errors="coerce").astype(float)
    return df
