"""The indicator catalogue and the list of domains: data files shipped with the package.

`data/indicators.csv` holds one row per indicator: a stable `indicator_id`, its domain, the name
as printed in Appendix 1, unit, polarity (higher / lower / neither is better), the national
definition it follows (or "local"), and the data return it comes from. `data/domains.csv` lists
the domains in the scorecard's order. Both change with the national definitions, so they are
data, not code.
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

POLARITIES = ("higher", "lower", "neither")
#: A council's extra indicator definitions (its config's `indicators` file), appended to the
#: package's catalogue; set by `kpis report --council` for the notebooks it runs.
EXTRA_ENV = "KPIS_EXTRA_INDICATORS"


@cache
def _read(name: str) -> pd.DataFrame:
    path = resources.files("kpis").joinpath("data", *name.split("/"))
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def indicators() -> pd.DataFrame:
    """The indicator catalogue (a copy; all columns text, `in_appendix` as bool)."""
    df = _read("catalogue/indicators.csv").copy()
    extra = os.environ.get(EXTRA_ENV)
    if extra:
        more = _extra(extra)
        df = pd.concat([df, more[~more["indicator_id"].isin(df["indicator_id"])]],
                       ignore_index=True)
    df["in_appendix"] = df["in_appendix"].eq("yes")
    return df


@cache
def _extra(path: str) -> pd.DataFrame:
    """An extra catalogue file: the package catalogue's columns (InputError otherwise)."""
    from kpis.errors import InputError

    df = pd.read_csv(Path(path), dtype=str, keep_default_na=False)
    need = list(_read("catalogue/indicators.csv").columns)
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(path, f"missing column {missing[0]!r} (an indicators file has the "
                               f"columns of src/kpis/data/catalogue/indicators.csv)",
                         column="indicators")
    bad = df[~df["polarity"].isin(POLARITIES)]
    if len(bad):
        raise InputError(path, f"polarity {bad['polarity'].iloc[0]!r} is not one of "
                               f"{', '.join(POLARITIES)}", row=int(bad.index[0]) + 2,
                         column="polarity")
    return df[need]


def domains() -> pd.DataFrame:
    """Domains in scorecard order, with a URL-safe `slug` and `in_appendix` flag."""
    df = _read("catalogue/domains.csv").copy()
    df["order"] = df["order"].astype(int)
    df["in_appendix"] = df["in_appendix"].eq("yes")
    return df.sort_values("order").reset_index(drop=True)


def polarity(indicator_ids: pd.Series | pd.Index, breakdowns: pd.Series | pd.Index
             ) -> pd.Series:
    """Polarity of each (indicator, breakdown): the indicator's, unless `data/breakdowns.csv`
    says a breakdown runs the other way (the share of initial visits *closed not seen* is
    better lower, though initial-visit timeliness is better higher). Unknown ids: "neither"."""
    ids = pd.Series(list(indicator_ids), dtype=object)
    bds = pd.Series(list(breakdowns), dtype=object).fillna("")
    base = ids.map(indicators().set_index("indicator_id")["polarity"]).fillna("neither")
    over = _read("catalogue/breakdowns.csv").set_index(["indicator_id", "breakdown"])["polarity"]
    keyed = pd.Series(list(zip(ids, bds, strict=True)), dtype=object).map(over.to_dict())
    return keyed.fillna(base).reset_index(drop=True)


def indicator(indicator_id: str) -> pd.Series:
    """One catalogue row by id; KeyError names the id if it is not catalogued."""
    cat = indicators().set_index("indicator_id")
    if indicator_id not in cat.index:
        raise KeyError(f"indicator_id {indicator_id!r} is not in the catalogue")
    return cat.loc[indicator_id]


def windows(kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """What one month's figure of each computed series is made of (`data/catalogue/windows.csv`:
    indicator_id, breakdown, window), keyed by (indicator_id, breakdown). Every window must be
    one of `kinds` (kpis.stats.spc's); a row that is not raises ValueError naming it."""
    df = _read("catalogue/windows.csv")
    bad = df[~df["window"].isin(kinds)]
    if len(bad):
        raise ValueError(f"catalogue/windows.csv row {int(bad.index[0]) + 2}: window "
                         f"{bad['window'].iloc[0]!r} is not one of {', '.join(kinds)}")
    dup = df[df.duplicated(["indicator_id", "breakdown"])]
    if len(dup):
        raise ValueError(f"catalogue/windows.csv row {int(dup.index[0]) + 2}: "
                         f"({dup['indicator_id'].iloc[0]}, {dup['breakdown'].iloc[0]!r}) twice")
    return dict(zip(zip(df["indicator_id"], df["breakdown"], strict=True), df["window"],
                    strict=True))
