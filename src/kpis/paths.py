"""Default folders, relative to the project folder (where `kpis` is run): one place.

The CLI's defaults and the report builder's derived paths all come from here.
"""

from __future__ import annotations

from pathlib import Path

RAW = Path("data/raw")
PROCESSED = Path("data/processed")
SYNTHETIC = Path("data/synthetic")
REPORTS = Path("reports")
NOTEBOOKS = Path("notebooks")

#: Files kpis writes into `PROCESSED` (by `kpis clean` and `kpis report`).
SCORECARD_CSV = "scorecard.csv"
DISTANCE = "distance.parquet"
COMPUTED_SYNTHETIC = "computed_synthetic.csv"
BENCHMARKS = "benchmarks.csv"
SPC = "spc.csv"


def synthetic_beside(processed: Path) -> Path:
    """The synthetic council's folder that goes with a processed folder (data/synthetic beside
    data/processed)."""
    return Path(processed).parent / SYNTHETIC.name
