"""Where the derived published tables live (`data/external/`) and how they are read and written.

The tables are committed with the project, so a fresh clone has them without `../shared`.
`kpis benchmarks import` rewrites only the tables its files rebuild, all at once
(temporary files, then rename); `PROVENANCE.md` is written by hand and never touched.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from kpis.files import write_all

log = logging.getLogger(__name__)

TABLES = {
    "published": "published.parquet",
    "neighbours": "statistical_neighbours.csv",
    "judgements": "ofsted_judgements.csv",
    "la_codes": "la_codes.csv",
}


def external_dir(start: str | Path | None = None) -> Path:
    """`data/external` of the project: under `start` (default: the working directory) if it
    has one, else the source tree's (`src/kpis/national/../../../data/external`)."""
    here = Path(start) if start is not None else Path.cwd()
    if (here / "data" / "external" / TABLES["published"]).exists():
        return here / "data" / "external"
    return Path(__file__).resolve().parents[3] / "data" / "external"


def load(name: str, directory: str | Path | None = None) -> pd.DataFrame:
    """Read one table; `value` stays float with NaN where DfE printed a symbol."""
    path = Path(directory) if directory is not None else external_dir()
    path = path / TABLES[name]
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    dtypes = {"symbol": str, "symbol_meaning": str, "new_la_code": str, "closeness": str}
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False,
                       na_values={"value": [""], "region_code": [""], "la_code": [""]})


def load_all(directory: str | Path | None = None) -> dict[str, pd.DataFrame]:
    return {name: load(name, directory) for name in TABLES}


def save(tables: dict[str, pd.DataFrame], directory: str | Path) -> list[Path]:
    """Write the given tables together: all or none."""
    directory = Path(directory)
    writers = {}
    for name, df in tables.items():
        target = directory / TABLES[name]
        if target.suffix == ".parquet":
            writers[target] = (lambda tmp, df=df: df.to_parquet(tmp, index=False))
        else:
            writers[target] = (lambda tmp, df=df: df.to_csv(tmp, index=False))
    write_all(writers)
    for target in writers:
        os.chmod(target, 0o644)
        log.debug("wrote %s", target)
    return list(writers)
