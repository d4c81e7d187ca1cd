"""What a notebook loads: the scorecard with its distance table, and the computed series, and
the words that describe them (from data: `scorecard.yml` beside the raw scorecard, and the
`kpis-synthetic.yml` that `kpis synth` writes into a council it generates)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from kpis.scorecard import distance
from kpis.scorecard.tidy import read_scorecard

log = logging.getLogger(__name__)

#: The file beside a raw scorecard that says whose it is and which periods it compares.
DESCRIPTION = "scorecard.yml"
#: The file `kpis synth` writes into a generated council (a council's own extract has none).
SYNTHETIC_MARK = "kpis-synthetic.yml"


def _yaml(path: Path) -> dict:
    import yaml

    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def describe(raw_dir: str | Path) -> dict:
    """The raw scorecard's description (council, about, baseline_period, latest_period,
    inspection), or {} when the folder has none."""
    return _yaml(Path(raw_dir) / DESCRIPTION) if raw_dir else {}


def la_code(raw_dir: str | Path, given: int | str | None = None) -> int | str | None:
    """The council's DfE LA code: `given` when set, else the raw scorecard description's
    `la_code` (data/raw/scorecard.yml), else None (no published comparison, no population)."""
    if given not in (None, "", 0, "0"):
        return given
    return describe(raw_dir).get("la_code") or None


def records_about(folder: str | Path) -> dict:
    """What a folder of records says about itself: {name, description} from kpis-synthetic.yml
    (a generated council), or {} for a council's own extract."""
    return _yaml(Path(folder) / SYNTHETIC_MARK)


def computed_about(computed_path: str | Path) -> str:
    """The description of the records behind a computed series: the generated council's own
    words when the series is the one `kpis report` computes from it, else ""."""
    from kpis import paths

    p = Path(computed_path) if computed_path else None
    if p is None or p.name != paths.COMPUTED_SYNTHETIC:
        return ""
    return str(records_about(paths.synthetic_beside(p.parent)).get("description", ""))


def resolve_periods(scorecard: pd.DataFrame, raw_dir: str | Path, baseline_period: str = "",
                    latest_period: str = "") -> tuple[str, str]:
    """(baseline, latest): the given months, else the scorecard description's, else the first
    and last months with actual figures."""
    d = describe(raw_dir)
    months = sorted(scorecard.loc[scorecard["kind"].eq("actual") & scorecard["value"].notna(),
                                  "period"].unique())
    base = baseline_period or str(d.get("baseline_period") or (months[0] if months else ""))
    last = latest_period or str(d.get("latest_period") or (months[-1] if months else ""))
    return base, last


def load_inputs(
    scorecard_path: str | Path,
    raw_dir: str | Path = "../data/raw",
    distance_path: str | Path = "",
    baseline_period: str = "",
    latest_period: str = "",
    comparator: str = "",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scorecard, distance table). A precomputed distance table (written once by
    `kpis report`) is used when `distance_path` names an existing file; otherwise it is
    computed here with the given periods and comparator. Empty periods: `resolve_periods`.
    The table's attrs hold the periods used."""
    sc = read_scorecard(scorecard_path, raw_dir)
    baseline_period, latest_period = resolve_periods(sc, raw_dir, baseline_period,
                                                     latest_period)
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
