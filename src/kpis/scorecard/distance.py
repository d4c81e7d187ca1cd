"""Distance travelled: where each indicator was at inspection, where it is now, and how far from
its target and comparators. Pure functions on the tidy scorecard (docs/contracts.md).

One row per indicator and breakdown (`distance_table`). The rules, all parameters:

Baseline
    The `actual` at `baseline_period` (default 2017-03). If there is none (or its value is NaN)
    and `inspection_fallback` is true (the default), the figure printed in Appendix 1's
    Inspection column for that period (kind `inspection`) is used instead and `baseline_source`
    says so ("inspection finding 2017-03"). Otherwise the baseline is missing and
    `baseline_source` is "none" (or "tbc: <note>" when the source gave no number).
Latest
    The `actual` at `latest_period` (default 2020-06). When the same period has several actuals
    (Appendix 1 and a narrative figure), Appendix 1 wins, then the first in file order.
Change
    `change` = latest - baseline in the indicator's unit (percentage points for percentages);
    `change_pct` = change / |baseline| x 100 (NaN when the baseline is 0).
Direction of travel (`direction`)
    "no material change" when |change| < `pp_threshold` (default 1 point) for unit `percent`,
    or |change_pct| < `rel_threshold` (default 5 %) for every other unit (a zero baseline counts
    as material unless the latest is also 0). Otherwise "improved" / "worsened" by the catalogue
    polarity, or "changed" for polarity `neither`. Missing figures give "no baseline",
    "no latest value" or "no data".
Target (`target_status`)
    "met" when latest >= target (higher is better) or latest <= target (lower is better),
    else "not met"; "no target", "no latest value", or "no polarity" (polarity `neither`).
    `gap_to_target` = latest - target (signed, in the unit).
Benchmarks
    Every comparator gets its own column `benchmark: <comparator>`; `benchmark_gaps` gives the
    long form. The headline `benchmark` is the `comparator` asked for, or the first present of
    `COMPARATOR_PREFERENCE` (a comparator that begins with one of them, such as the published
    'statistical neighbours 2021 mean, 2019-20' of kpis.national.scorecard_fill, ranks with
    it). `benchmark_position` is "better" / "worse" by polarity, "in line"
    within the materiality threshold, "no benchmark" or "no polarity".
RAG (`rag`, with `rag_reason`)
    - Not rated: no latest value, or polarity `neither`, or neither target nor benchmark.
    - Green: target met (or, with no target, at least in line with the headline benchmark).
    - Amber: not Green, but within `amber_pp` points (percentages, default 5) or `amber_rel` %
      (other units, default 10 %) of the target (of the benchmark if there is no target) and
      not worsened since the baseline, or improved since the baseline.
    - Red: otherwise: short of the target by more than the tolerance and not improved, or
      short of it and worsened (close to the target but moving away from it is Red).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kpis import catalogue

BASELINE_PERIOD = "2017-03"
LATEST_PERIOD = "2020-06"
COMPARATOR_PREFERENCE = (
    "statistical neighbours",
    "England",
    "unspecified",
    "inadequate LAs",
    "good/outstanding LAs",
)
KEY = ["indicator_id", "breakdown"]
RAG_ORDER = ("Red", "Amber", "Green", "Not rated")
DIRECTIONS = (
    "improved",
    "worsened",
    "changed",
    "no material change",
    "no baseline",
    "no latest value",
    "no data",
)


def _prepare(scorecard: pd.DataFrame) -> pd.DataFrame:
    """Normalise text columns (NaN -> "") and rank rows: Appendix 1 before narrative figures."""
    df = scorecard.copy()
    for col in ("breakdown", "comparator", "period", "note", "source", "flag", "unit"):
        if col not in df.columns:
            df[col] = ""
        df[col] = df[col].astype("string").fillna("")
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    df["_order"] = np.arange(len(df))
    df["_rank"] = (~df["source"].str.startswith("appendix1")).astype(int)
    return df.sort_values(["_rank", "_order"], kind="stable")


def _pick(df: pd.DataFrame, mask: pd.Series, name: str) -> pd.DataFrame:
    """First row per key among `mask` rows, preferring rows with a number."""
    sub = df.loc[mask].copy()
    sub["_nan"] = sub["value"].isna().astype(int)
    sub = sub.sort_values(["_nan", "_rank", "_order"], kind="stable")
    sub = sub.drop_duplicates(KEY)
    return sub.set_index(KEY)[["value", "note"]].rename(
        columns={"value": name, "note": f"{name}_note"}
    )


def _material(change: pd.Series, rel: pd.Series, percent: pd.Series, base: pd.Series,
              pp_threshold: float, rel_threshold: float) -> pd.Series:
    """True where a change counts as material (see module docstring)."""
    by_pp = change.abs() >= pp_threshold
    by_rel = rel.abs() >= rel_threshold
    zero_base = base.eq(0) & change.ne(0)
    return pd.Series(np.where(percent, by_pp, by_rel | zero_base), index=change.index)


def target_status(value: pd.Series, target: pd.Series, polarity: pd.Series | np.ndarray,
                  no_value: str = "no latest value") -> np.ndarray:
    """The target rule, the one place it is written: "met" when value >= target (higher is
    better) or value <= target (lower is better), else "not met"; "no target" (no target),
    `no_value` (no value to judge) or "no polarity" (polarity `neither`), in that order."""
    pol = np.asarray(polarity, dtype=object)
    value, target = np.asarray(value, dtype=float), np.asarray(target, dtype=float)
    with np.errstate(invalid="ignore"):
        met = np.where(pol == "higher", value >= target, value <= target)
    return np.select([np.isnan(target), np.isnan(value), pol == "neither", met],
                     ["no target", no_value, "no polarity", "met"], default="not met")


def _preference(comparator: str) -> int:
    """Rank of a comparator in COMPARATOR_PREFERENCE; a named published benchmark such as
    'statistical neighbours 2021 mean, 2019-20' ranks with the comparator it begins with."""
    for i, p in enumerate(COMPARATOR_PREFERENCE):
        if comparator == p or comparator.startswith(p + " ") or comparator.startswith(p + ","):
            return i
    return len(COMPARATOR_PREFERENCE)


def _with_benchmarks(out: pd.DataFrame, scorecard: pd.DataFrame, latest_period: str,
                     comparator: str, pp_threshold: float, rel_threshold: float
                     ) -> pd.DataFrame:
    """Benchmarks: one wide column per comparator plus the headline comparator's figure, gap
    and position."""
    bench = benchmark_gaps(scorecard, latest_period=latest_period, pp_threshold=pp_threshold,
                           rel_threshold=rel_threshold)
    wide = bench.pivot_table(index=KEY, columns="comparator", values="benchmark",
                             aggfunc="first")
    present = sorted(wide.columns, key=lambda c: (_preference(c), c))
    wide = wide.reindex(columns=present)
    order = [comparator] if comparator else []
    order += [c for c in present if c != comparator]
    head = bench.assign(
        _pref=bench["comparator"].map({c: i for i, c in enumerate(order)}).fillna(len(order))
    ).sort_values("_pref", kind="stable").drop_duplicates(KEY).set_index(KEY)
    if comparator:
        head = head[head["comparator"].eq(comparator)]
    out = out.join(wide.add_prefix("benchmark: "))
    out["benchmark"] = head["benchmark"].reindex(out.index)
    out["benchmark_comparator"] = head["comparator"].reindex(out.index).fillna("")
    out["gap_to_benchmark"] = out["latest"] - out["benchmark"]
    out["benchmark_position"] = head["position"].reindex(out.index).fillna("no benchmark")

    return out


def _with_rag(out: pd.DataFrame, amber_pp: float, amber_rel: float) -> pd.DataFrame:
    """RAG and its reason (rules in the module docstring)."""
    percent = out["unit"].eq("percent")
    no_base, no_latest = out["baseline"].isna(), out["latest"].isna()
    tol = np.where(percent, amber_pp, np.nan)
    ref = out["target"].where(out["target"].notna(), out["benchmark"])
    ref_gap = (out["latest"] - ref).abs()
    rel_gap = ref_gap / ref.abs().replace(0, np.nan) * 100
    near = np.where(percent, ref_gap <= tol, rel_gap <= amber_rel)
    has_target = out["target"].notna()
    has_ref = has_target | out["benchmark"].notna()
    bench_ok = out["benchmark_position"].isin(["better", "in line"])
    green = np.where(has_target, out["target_status"].eq("met"), bench_ok)
    improved = out["direction"].eq("improved")
    worsened = out["direction"].eq("worsened")
    near = near & ~worsened  # close to the target but moving away from it is not Amber
    unrated = no_latest | out["polarity"].eq("neither") | ~has_ref
    ref_word = np.where(has_target, "target", "benchmark")
    tol_txt = np.where(percent, f"{amber_pp:g} points", f"{amber_rel:g}%")
    out["rag"] = np.select(
        [unrated, green, near | improved], ["Not rated", "Green", "Amber"], default="Red"
    )
    out["rag_reason"] = np.select(
        [no_latest, out["polarity"].eq("neither"), ~has_ref, green & has_target, green,
         near, improved, no_base],
        ["no latest value", "no polarity (neither higher nor lower is better)",
         "no target or benchmark", "target met", "at least in line with the benchmark",
         pd.Series("within ", index=out.index) + tol_txt + " of the " + ref_word,
         pd.Series("improved since the baseline, short of the ", index=out.index) + ref_word,
         pd.Series("short of the ", index=out.index) + ref_word + ", no baseline to compare"],
        default=pd.Series("short of the ", index=out.index) + ref_word + np.where(
            worsened, " and worsened since the baseline", " and not improved"),
    )

    return out


def distance_table(
    scorecard: pd.DataFrame,
    baseline_period: str = BASELINE_PERIOD,
    latest_period: str = LATEST_PERIOD,
    comparator: str = "",
    pp_threshold: float = 1.0,
    rel_threshold: float = 5.0,
    amber_pp: float = 5.0,
    amber_rel: float = 10.0,
    inspection_fallback: bool = True,
) -> pd.DataFrame:
    """One row per indicator and breakdown: baseline, latest, change, direction, target, RAG.

    Rules and thresholds are in the module docstring. Rows follow domain order (domains.csv),
    then the order of first appearance in `scorecard`.
    """
    df = _prepare(scorecard)
    keys = (
        df.sort_values("_order")
        .drop_duplicates(KEY)[[*KEY, "domain", "indicator", "unit", "_order"]]
        .set_index(KEY)
    )
    kind = df["kind"]
    actual_base = _pick(df, kind.eq("actual") & df["period"].eq(baseline_period), "baseline")
    insp = _pick(
        df, kind.eq("inspection") & df["period"].isin([baseline_period, ""]), "inspection"
    )
    latest = _pick(df, kind.eq("actual") & df["period"].eq(latest_period), "latest")
    target = _pick(df, kind.eq("target"), "target")
    out = keys.join([actual_base, insp, latest, target])

    ids = out.index.get_level_values("indicator_id")
    out["polarity"] = catalogue.polarity(
        ids, out.index.get_level_values("breakdown")).to_numpy()

    # Baseline with its source
    has_actual = out["baseline"].notna()
    use_insp = inspection_fallback & ~has_actual & out["inspection"].notna()
    tbc = ~has_actual & ~use_insp & out["baseline_note"].fillna("").ne("")
    out["baseline_source"] = np.select(
        [has_actual, use_insp, tbc],
        [f"actual {baseline_period}", f"inspection finding {baseline_period}",
         "tbc: " + out["baseline_note"].fillna("").astype(str)],
        default="none",
    )
    out["baseline"] = out["baseline"].where(has_actual, out["inspection"].where(use_insp))

    # Change and direction
    percent = out["unit"].eq("percent")
    out["change"] = out["latest"] - out["baseline"]
    base_abs = out["baseline"].abs().replace(0, np.nan)
    out["change_pct"] = out["change"] / base_abs * 100
    material = _material(out["change"], out["change_pct"], percent, out["baseline"],
                         pp_threshold, rel_threshold)
    higher, lower = out["polarity"].eq("higher"), out["polarity"].eq("lower")
    up, down = out["change"] > 0, out["change"] < 0
    no_base, no_latest = out["baseline"].isna(), out["latest"].isna()
    out["direction"] = np.select(
        [no_base & no_latest, no_latest, no_base, ~material,
         (higher & up) | (lower & down), (higher & down) | (lower & up)],
        ["no data", "no latest value", "no baseline", "no material change",
         "improved", "worsened"],
        default="changed",
    )

    # Target
    gap_t = out["latest"] - out["target"]
    out["gap_to_target"] = gap_t
    out["target_status"] = target_status(out["latest"], out["target"], out["polarity"])

    out = _with_benchmarks(out, scorecard, latest_period, comparator, pp_threshold,
                           rel_threshold)
    out = _with_rag(out, amber_pp, amber_rel)

    # Order: domain order, then first appearance
    dom_order = catalogue.domains().set_index("domain")["order"]
    out["_dom"] = out["domain"].map(dom_order).fillna(99)
    out = out.sort_values(["_dom", "_order"], kind="stable").reset_index()
    cols = [
        "indicator_id", "domain", "indicator", "breakdown", "unit", "polarity",
        "baseline", "baseline_source", "latest", "change", "change_pct", "direction",
        "target", "gap_to_target", "target_status",
        "benchmark", "benchmark_comparator", "gap_to_benchmark", "benchmark_position",
        "rag", "rag_reason", "latest_note",
    ]
    wide_cols = [c for c in out.columns if c.startswith("benchmark: ")]
    res = out[cols + wide_cols].copy()
    for c in ("breakdown", "latest_note", "benchmark_comparator"):
        res[c] = res[c].fillna("").astype(str)
    res.attrs.update(baseline_period=baseline_period, latest_period=latest_period,
                     pp_threshold=pp_threshold, rel_threshold=rel_threshold,
                     amber_pp=amber_pp, amber_rel=amber_rel)
    return res


def benchmark_gaps(
    scorecard: pd.DataFrame,
    latest_period: str = LATEST_PERIOD,
    pp_threshold: float = 1.0,
    rel_threshold: float = 5.0,
) -> pd.DataFrame:
    """Long table: one row per indicator, breakdown and comparator with the latest value,
    the benchmark, `gap` = latest - benchmark and `position` (better / worse / in line /
    no latest value / no polarity) judged with the catalogue polarity and the same materiality
    thresholds as the direction of travel."""
    df = _prepare(scorecard)
    bench = df[df["kind"].eq("benchmark") & df["value"].notna()]
    bench = bench.drop_duplicates([*KEY, "comparator"])[
        [*KEY, "comparator", "value", "unit"]
    ].rename(columns={"value": "benchmark"})
    bench["comparator"] = bench["comparator"].replace("", "unspecified")
    latest = _pick(df, df["kind"].eq("actual") & df["period"].eq(latest_period), "latest")
    bench = bench.join(latest["latest"], on=KEY)
    bench["polarity"] = catalogue.polarity(bench["indicator_id"],
                                           bench["breakdown"]).to_numpy()
    bench["gap"] = bench["latest"] - bench["benchmark"]
    rel = bench["gap"] / bench["benchmark"].abs().replace(0, np.nan) * 100
    material = _material(bench["gap"], rel, bench["unit"].eq("percent"), bench["benchmark"],
                         pp_threshold, rel_threshold)
    good = (bench["polarity"].eq("higher") & (bench["gap"] > 0)) | (
        bench["polarity"].eq("lower") & (bench["gap"] < 0)
    )
    bench["position"] = np.select(
        [bench["latest"].isna(), bench["polarity"].eq("neither"), ~material, good],
        ["no latest value", "no polarity", "in line", "better"],
        default="worse",
    )
    return bench.reset_index(drop=True)


def domain_summary(dist: pd.DataFrame) -> pd.DataFrame:
    """Counts per domain (in domain order): indicators, improved, worsened, no material change,
    no comparison (missing baseline or latest), targets met / with a target, and RAG counts."""
    d = dist.assign(
        improved=dist["direction"].eq("improved"),
        worsened=dist["direction"].eq("worsened"),
        no_change=dist["direction"].isin(["no material change", "changed"]),
        no_comparison=dist["direction"].isin(["no baseline", "no latest value", "no data"]),
        target_met=dist["target_status"].eq("met"),
        with_target=dist["target_status"].isin(["met", "not met"]),
        red=dist["rag"].eq("Red"), amber=dist["rag"].eq("Amber"),
        green=dist["rag"].eq("Green"), not_rated=dist["rag"].eq("Not rated"),
    )
    cols = ["improved", "worsened", "no_change", "no_comparison", "target_met", "with_target",
            "red", "amber", "green", "not_rated"]
    g = d.groupby("domain", sort=False)
    out = g[cols].sum().astype(int)
    out.insert(0, "indicators", g.size())
    out = out.rename(columns={"no_change": "no material change", "no_comparison": "no comparison",
                              "target_met": "targets met", "with_target": "with a target",
                              "not_rated": "not rated"})
    out.columns = [c.replace("_", " ") for c in out.columns]
    dom_order = catalogue.domains().set_index("domain")["order"]
    return out.loc[sorted(out.index, key=lambda x: dom_order.get(x, 99))]


def series(scorecard: pd.DataFrame, indicator_ids: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """Every actual (and inspection) figure of the given indicators in period order, with its
    source: the timeline behind a workforce-style comparison. Exact duplicates of the same
    figure from two sources are kept once (Appendix 1 preferred) with both sources listed."""
    df = _prepare(scorecard)
    df = df[df["indicator_id"].isin(list(indicator_ids)) & df["kind"].isin(["actual"])
            & df["period"].ne("")]
    if df.empty:
        return df.drop(columns=["_order", "_rank"]).assign(sources="")
    grp = [*KEY, "period", "value"]
    srcs = df.groupby(grp, dropna=False, sort=False)["source"].agg("; ".join).rename("sources")
    first = df.drop_duplicates(grp).join(srcs, on=grp)
    first["_id"] = first["indicator_id"].map({k: i for i, k in enumerate(indicator_ids)})
    first = first.sort_values(["_id", "breakdown", "period", "_rank"], kind="stable")
    return first.drop(columns=["_order", "_rank", "_id"]).reset_index(drop=True)


def read_distance(path: str | Path) -> pd.DataFrame:
    """Read a distance table written by `kpis report` (parquet, or CSV)."""
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    return df
