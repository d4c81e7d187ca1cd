"""The scorecard's empty benchmark column filled from the published national figures.

Appendix 1's "Benchmarking" column is blank for most lines and, where it has a number, does
not say what it is (`unspecified`). `add_published_benchmarks` adds, for every scorecard line
whose indicator has a published equivalent (`national_measures.csv`, relation `same` or
`complement`; a `related` measure is a different definition, never a benchmark) and whose
benchmark is blank or `unspecified`, one tidy row:

- `kind` `benchmark`; `comparator` naming what it is and for which year, e.g.
  `statistical neighbours 2021 mean, 2019-20` (the mean of the council's 10 neighbours in
  DfE's 2021 model, as LAIT shows it, for the year to 31 March 2020), or `England, 2019-20`
  when no neighbour has a figure that year;
- the year: the latest published reporting year that ends on or before the last day of the
  scorecard's latest month (`latest_period`), so a June 2020 scorecard is compared with the
  year to 31 March 2020 (CIN census, SSDA903), 30 September 2019 (workforce census) or the
  2018/19 school year (absence);
- `source` naming the published file and table (from `benchmarks.csv`), `note` how many
  neighbours counted, `flag` `published benchmark`.

A named benchmark the scorecard already has (e.g. `inadequate LAs`) is kept and nothing is
added beside it; an `unspecified` figure is kept too (as its own column of the distance table),
and the published one, named, becomes the headline (kpis.scorecard.distance ranks a comparator
that begins with `statistical neighbours` or `England` with that comparator).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.national.years import year_label

FLAG = "published benchmark"
KEY = ["indicator_id", "breakdown"]


def _month_end(period: str) -> pd.Timestamp:
    return pd.Timestamp(f"{period}-01") + pd.offsets.MonthEnd(0)


def _candidates(benchmarks: pd.DataFrame, model: int, statistic: str,
                latest_end: pd.Timestamp) -> pd.DataFrame:
    """The neighbours' statistic (else England's value) for each indicator's latest published
    year ending on or before `latest_end`."""
    b = benchmarks.copy()
    b["breakdown"] = b["breakdown"].fillna("").astype(str)
    b = b[pd.to_datetime(b["period_end"]) <= latest_end]
    sn = b[(b["comparator"] == f"statistical neighbours {model}")
           & (b["statistic"] == statistic) & b["value"].notna()]
    eng = b[(b["comparator"] == "England") & (b["statistic"] == "value") & b["value"].notna()]
    both = pd.concat([sn.assign(_pref=0), eng.assign(_pref=1)])
    # latest year first, then neighbours before England
    both = both.sort_values(["period", "_pref"], ascending=[False, True], kind="stable")
    pick = both.drop_duplicates(KEY)
    council = b[(b["comparator"] == "council") & (b["statistic"] == "value")]
    src = council.drop_duplicates([*KEY, "period"]).set_index([*KEY, "period"])["source"]
    pick = pick.assign(council_source=pd.MultiIndex.from_frame(
        pick[[*KEY, "period"]]).map(src))
    return pick


def add_published_benchmarks(scorecard: pd.DataFrame, benchmarks: pd.DataFrame,
                             catalogue: pd.DataFrame, latest_period: str,
                             model: int = 2021, statistic: str = "mean") -> pd.DataFrame:
    """The tidy scorecard with a published benchmark row added for every line whose
    benchmark is blank or `unspecified` (see the module docstring). Pure: `benchmarks` is
    `benchmarks.csv` (`kpis.national.benchmarks.benchmarks_for`), `catalogue` is
    `national_measures.csv` (`kpis.national.catalogue.national_measures`)."""
    if benchmarks.empty or not latest_period:
        return scorecard.copy()
    sc = scorecard.copy()
    breakdown = sc["breakdown"].fillna("").astype(str)
    lines = sc.assign(breakdown=breakdown).drop_duplicates(KEY)
    usable = catalogue[catalogue["relation"].isin(["same", "complement"])]
    year_type = usable.drop_duplicates("indicator_id").set_index("indicator_id")["year_type"]
    lines = lines[lines["indicator_id"].isin(usable["indicator_id"])]
    named = sc[sc["kind"].eq("benchmark") & sc["value"].notna()
               & ~sc["comparator"].fillna("").isin(["", "unspecified"])]
    has_named = pd.MultiIndex.from_arrays([named["indicator_id"],
                                           named["breakdown"].fillna("").astype(str)])
    lines = lines[~pd.MultiIndex.from_frame(lines[KEY]).isin(has_named)]
    pick = _candidates(benchmarks, model, statistic, _month_end(latest_period))
    add = lines[[*KEY, "domain", "indicator", "unit"]].merge(pick, on=KEY, how="inner")
    if add.empty:
        return sc
    years = [year_label(p, year_type.get(i, "financial"))
             for p, i in zip(add["period"], add["indicator_id"], strict=True)]
    is_sn = add["comparator"].ne("England")
    what = np.where(is_sn, add["comparator"] + f" {statistic}", add["comparator"])
    n = add["n_councils"].astype("Int64").astype(str)
    rows = pd.DataFrame({
        "indicator_id": add["indicator_id"], "domain": add["domain"],
        "indicator": add["indicator"], "breakdown": add["breakdown"], "kind": "benchmark",
        "comparator": [f"{w}, {y}" for w, y in zip(what, years, strict=True)],
        "period": "", "value": add["value"].astype(float).round(1), "unit": add["unit"],
        "note": np.where(is_sn, "published: " + n + f" of the {model} model's 10 neighbours "
                         "with a figure", "published: no neighbour had a figure"),
        "source": "benchmarks.csv (" + add["council_source"].fillna("published data")
        + "), year " + pd.Series(years, index=add.index),
        "flag": FLAG,
    })
    rows = rows.reindex(columns=sc.columns)
    return pd.concat([sc, rows], ignore_index=True)
