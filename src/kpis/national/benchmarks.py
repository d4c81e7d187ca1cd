"""Benchmarks for one council from the published national figures: `benchmarks.csv`.

One row per figure: `indicator_id, breakdown, period, period_end, comparator, statistic, value,
n_councils, source`.

- `council`: `value`; `rank` (1 = best by the published measure's polarity, `n_councils` = how
  many councils have a figure that year); `quartile band` coded 1-4 in `value` (1 = A = best,
  4 = D), the letter in `source`.
- `England`, `region`: DfE's published `value` (not recomputed).
- `statistical neighbours 2021`, `statistical neighbours 2025`: `mean` (as LAIT),
  `median` (as DfE's outcomes and enablers dashboard), `min`, `max` of the council's 10
  neighbours in that model; a neighbour with no published figure (a symbol, or a council that
  did not exist that year) is left out and `n_councils` says how many counted.
- `inadequate LAs`, `good/outstanding LAs`: the same statistics over councils with that
  overall effectiveness in Ofsted's latest judgements (as at the date in
  `ofsted_judgements.csv`, applied to every year; the council itself left out).

Rank and quartile band follow LAIT (`R/fn_analysis.R`, `calculate_rank` and
`calculate_quartile_band`, dfe-analytical-services/local-authority-interactive-tool, read
April 2026, none of its code kept):
- the field is every local authority (LA number below 970, pre-reorganisation councils
  included) with a numeric figure for that measure and year;
- rank: ascending values for polarity Low (lower is better), descending for High; ties share
  the lowest rank (R `ties.method = "min"`: 10, 12, 12, 15 -> 1, 2, 2, 4); no figure, no rank;
- quartile band: cut points are the 25th, 50th and 75th percentiles of the field by R's
  default `quantile` (type 7: linear interpolation between order statistics, as numpy's
  default); for Low polarity A = value <= Q1, B = Q1 < value <= Q2, C = Q2 < value <= Q3,
  D = above Q3; for High polarity D = value <= Q1, C = (Q1, Q2], B = (Q2, Q3], A = above Q3.
  A value equal to a cut point falls in the band below it numerically (A for Low, D for
  High at Q1), as in LAIT;
- measures with no polarity (LAIT `-`), or marked `No_Quartile = N` in LAIT's dictionary
  (`no_quartile = Y` in `national_measures.csv`), get neither.
A `complement` indicator (e.g. CP plans under 2 years = 100 - published 2 years or more) is
ranked and banded on the published measure, then reported as 100 - value (min and max swap).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from kpis.files import write_csv
from kpis.national import catalogue as cat
from kpis.national import store

log = logging.getLogger(__name__)

COLUMNS = ["indicator_id", "breakdown", "period", "period_end", "comparator", "statistic",
           "value", "n_councils", "source"]
BANDS = np.array(["A", "B", "C", "D"])
GROUPS = {"inadequate LAs": ["Inadequate"], "good/outstanding LAs": ["Good", "Outstanding"]}


def rank_best_first(values: pd.Series, polarity: str) -> pd.Series:
    """LAIT's rank: 1 = best; ties take the lowest rank; NaN stays NaN."""
    return values.rank(method="min", ascending=(polarity == "lower"), na_option="keep")


def quartile_band(value: float, field: pd.Series, polarity: str) -> str | None:
    """LAIT's quartile band of `value` among `field` (see the module docstring)."""
    field = field.dropna()
    if np.isnan(value) or field.empty or polarity not in {"lower", "higher"}:
        return None
    q1, q2, q3 = np.percentile(field.to_numpy(), [25, 50, 75])
    position = int(value > q1) + int(value > q2) + int(value > q3)  # 0 = at or below Q1
    return str(BANDS[position] if polarity == "lower" else BANDS[3 - position])


def _band_position(df: pd.DataFrame) -> pd.Series:
    """Vectorised `quartile_band` as 0..3 from columns value, q1, q2, q3 (NaN value -> NaN)."""
    pos = ((df["value"] > df["q1"]).astype(int) + (df["value"] > df["q2"]).astype(int)
           + (df["value"] > df["q3"]).astype(int))
    return pos.where(df["value"].notna())


def _describe(values: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    ok = values.dropna(subset=["value"])
    g = ok.groupby(keys)["value"]
    return pd.DataFrame({"mean": g.mean(), "median": g.median(), "min": g.min(),
                         "max": g.max(), "n": g.size()}).reset_index()


def _long(stats: pd.DataFrame, comparator: str, source: str) -> pd.DataFrame:
    rows = stats.melt(id_vars=["measure", "period", "n"], value_vars=["mean", "median", "min",
                                                                     "max"],
                      var_name="statistic", value_name="value")
    rows["comparator"] = comparator
    rows["n_councils"] = rows["n"]
    rows["source"] = source
    return rows.drop(columns="n")


def benchmarks_for(la_code: int, published: pd.DataFrame, neighbours: pd.DataFrame,
                   judgements: pd.DataFrame, catalogue: pd.DataFrame,
                   la_codes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every benchmark figure for council `la_code` (pure; the tables from `kpis.national.store`
    and `catalogue.national_measures()`)."""
    la_code = int(la_code)
    measures = catalogue.drop_duplicates("measure").set_index("measure")
    pub = published[published["preferred"] & published["measure"].isin(measures.index)]
    pub = pub[["measure", "area_code", "area_level", "period", "period_end", "value",
               "source_file", "source_table"]].copy()
    pub["src"] = pub["source_table"] + " (" + pub["source_file"] + ")"
    las = pub[pub["area_level"] == "la"]
    parts: list[pd.DataFrame] = []

    # council value, rank, quartile band
    polarity = las["measure"].map(measures["polarity"])
    las = las.assign(polarity=polarity)
    key = las["value"].where(las["polarity"] == "lower", -las["value"])
    las = las.assign(rank=key.groupby([las["measure"], las["period"]])
                     .rank(method="min", ascending=True, na_option="keep"))
    n_field = las.dropna(subset=["value"]).groupby(["measure", "period"]).size().rename("n")
    qs = (las.dropna(subset=["value"]).groupby(["measure", "period"])["value"]
          .quantile([0.25, 0.5, 0.75]).unstack())
    qs.columns = ["q1", "q2", "q3"]
    own = las[las["area_code"] == la_code].join(n_field, on=["measure", "period"])
    own = own.join(qs, on=["measure", "period"])
    parts.append(own.assign(comparator="council", statistic="value", n_councils=1,
                            source=own["src"]))
    rankable = own["polarity"].isin(["lower", "higher"]) & own["value"].notna()
    r = own[rankable]
    parts.append(r.assign(comparator="council", statistic="rank", value=r["rank"],
                          n_councils=r["n"],
                          source="rank among councils with a figure, 1 = best (LAIT rule); "
                          + r["src"]))
    qb = r[~r["measure"].map(measures["no_quartile"]).astype(bool)]
    pos = _band_position(qb)
    band = np.where(qb["polarity"] == "lower", pos, 3 - pos).astype(int)
    parts.append(qb.assign(comparator="council", statistic="quartile band",
                           value=(band + 1).astype(float), n_councils=qb["n"],
                           source=["quartile band " + BANDS[b] + " (1 = A = best; LAIT rule); "
                                   + s for b, s in zip(band, qb["src"], strict=True)]))

    # England and region as published
    eng = pub[pub["area_code"] == 970]
    parts.append(eng.assign(comparator="England", statistic="value", n_councils=np.nan,
                            source=eng["src"]))
    region = _region_of(la_code, la_codes)
    if region is not None:
        reg = pub[pub["area_code"] == region]
        parts.append(reg.assign(comparator="region", statistic="value", n_councils=np.nan,
                                source=reg["src"]))

    # statistical neighbours, Ofsted groups
    for model, sn in neighbours[neighbours["la_code"] == la_code].groupby("model"):
        members = las[las["area_code"].isin(sn["neighbour_code"])]
        parts.append(_long(_describe(members, ["measure", "period"]),
                           f"statistical neighbours {model}",
                           f"{model} model's 10 neighbours; councils with no figure left out"))
    if not judgements.empty:
        for comparator, grades in GROUPS.items():
            codes = judgements.loc[judgements["overall_effectiveness"].isin(grades), "la_code"]
            members = las[las["area_code"].isin(codes) & (las["area_code"] != la_code)]
            as_at = ", ".join(sorted(judgements["as_at"].astype(str).unique()))
            parts.append(_long(_describe(members, ["measure", "period"]), comparator,
                               f"councils judged {' or '.join(grades)} by Ofsted as at {as_at}"))

    out = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    ends = pub.drop_duplicates(["measure", "period"]).set_index(["measure", "period"])
    out["period_end"] = pd.MultiIndex.from_frame(out[["measure", "period"]]).map(
        ends["period_end"])
    out = catalogue[["indicator_id", "breakdown", "measure", "relation"]].merge(out, on="measure")
    out = _complement(out)
    out["value"] = out["value"].astype(float).round(6)
    out["n_councils"] = out["n_councils"].astype("Int64")
    order = {"council": 0, "England": 1, "region": 2, "statistical neighbours 2021": 3,
             "statistical neighbours 2025": 4, "inadequate LAs": 5, "good/outstanding LAs": 6}
    stat_order = {"value": 0, "rank": 1, "quartile band": 2, "mean": 3, "median": 4, "min": 5,
                  "max": 6}
    out = out.assign(_c=out["comparator"].map(order), _s=out["statistic"].map(stat_order))
    out = out.sort_values(["indicator_id", "breakdown", "period", "_c", "_s"], kind="stable")
    return out[COLUMNS].reset_index(drop=True)


def _complement(out: pd.DataFrame) -> pd.DataFrame:
    comp = out["relation"].eq("complement")
    level = comp & out["statistic"].isin(["value", "mean", "median", "min", "max"])
    out.loc[level, "value"] = 100 - out.loc[level, "value"]
    swap_min = comp & out["statistic"].eq("min")
    swap_max = comp & out["statistic"].eq("max")
    out.loc[swap_min, "statistic"] = "max"
    out.loc[swap_max, "statistic"] = "min"
    out.loc[comp, "source"] = "100 - published; " + out.loc[comp, "source"]
    return out


def _region_of(la_code: int, la_codes: pd.DataFrame | None) -> int | None:
    if la_codes is None or la_codes.empty:
        return None
    hit = la_codes.loc[la_codes["la_code"] == la_code, "region_code"].dropna()
    return int(hit.iloc[0]) if len(hit) else None


def write_benchmarks(la_code: int,
                     out_path: str | Path = "data/processed/benchmarks.csv",
                     external: str | Path | None = None) -> pd.DataFrame:
    """Build `benchmarks.csv` for `la_code` from `data/external/` (temporary file, then rename)."""
    tables = store.load_all(external)
    if int(la_code) not in set(tables["la_codes"]["la_code"].dropna().astype(int)):
        from kpis.errors import InputError
        raise InputError(store.external_dir() / store.TABLES["la_codes"],
                         f"no council with LA code {la_code}", column="la_code")
    df = benchmarks_for(int(la_code), tables["published"], tables["neighbours"],
                        tables["judgements"], cat.national_measures(), tables["la_codes"])
    write_csv(df, out_path)
    log.info("wrote %s (%d rows)", out_path, len(df))
    return df
