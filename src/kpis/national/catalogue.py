"""The data files that say which published measure stands for which catalogue indicator.

All of them live in `src/kpis/data/catalogue/` so that next year's changes are edits to data:
- `national_measures.csv`: indicator_id (+breakdown) -> LAIT measure code, how they relate
  (`same`, `complement` = 100 minus the published figure, `related` = a near but different
  definition), the published measure's polarity, its year type and whether LAIT shows
  quartile bands for it;
- `ees_measures.csv`: which column (and rows) of an explore-education-statistics CSV carry
  each measure;
- `dfe_symbols.csv`: DfE's symbols for a missing figure and what they mean;
- `region_codes.csv`: LAIT's codes for England (970) and the regions (980-990);
- `reconciliation_reasons.csv`: known reasons a scorecard figure differs from the published one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "data" / "catalogue"


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(CATALOGUE_DIR / name, dtype=str, keep_default_na=False)


def national_measures() -> pd.DataFrame:
    """indicator_id, breakdown, measure, relation, polarity, year_type, no_quartile, title, note."""
    df = _read("national_measures.csv")
    df["no_quartile"] = df["no_quartile"].str.upper().eq("Y")
    return df


def ees_measures() -> pd.DataFrame:
    return _read("ees_measures.csv")


def dfe_symbols() -> dict[str, str]:
    df = _read("dfe_symbols.csv")
    return dict(zip(df["symbol"], df["meaning"], strict=True))


def region_codes() -> pd.DataFrame:
    """region_code (int), region_name, and one row per alias (`alias`)."""
    df = _read("region_codes.csv")
    df["region_code"] = df["region_code"].astype(int)
    df["alias"] = df["aliases"].str.split(";")
    return df.explode("alias").drop(columns="aliases")


def reconciliation_reasons() -> pd.DataFrame:
    return _read("reconciliation_reasons.csv")
