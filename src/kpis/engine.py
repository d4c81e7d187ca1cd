"""Monthly indicators from child-level records (`kpis compute`) and their drill-down.

    compute(records, month_ends=None, levels=("council", "team", "worker")) -> tidy DataFrame
    drilldown(records, indicator_id, period, level="council", org_unit=None) -> child-level rows

Each indicator function in `kpis.indicators.*` returns an *event frame* (one row per cohort
member per month-end, flagged `in_numerator`, with weights `num`/`den`; see
kpis.indicators._base). `compute` sums those weights by month-end and org unit; `drilldown`
returns the rows of one figure. The figure and its drill-down therefore come from the same code.

Output rows follow docs/contracts.md ("Computed indicators"): kind "actual", comparator "",
period "YYYY-MM" of the month-end, source "kpis compute", flag "". Value = 100 * numerator /
denominator for percent indicators and numerator / denominator (children per FTE) for
`caseload_per_fte`; NaN when the denominator is 0 (the row is kept with numerator 0 and
denominator 0, and `note` says why).

Which rows exist: at council level every indicator, breakdown and month-end; at team level every
team that appears in an indicator's rows (in any month computed) for every month-end; at worker
level only workers with at least one cohort row in that month (workers come and go).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpis import catalogue
from kpis.indicators import repeat, stability, timeliness, workforce
from kpis.indicators._base import NAT, OPEN, Context, days
from kpis.records import Records

OUTPUT_COLUMNS = ["indicator_id", "domain", "indicator", "breakdown", "kind", "comparator",
                  "period", "value", "unit", "note", "source", "flag", "council", "level",
                  "org_unit", "numerator", "denominator"]
LEVELS = ("council", "team", "worker")
NO_CHILDREN = "no children in cohort"
NO_WORKERS = "no case-holding workers in post"

R12 = "rolling 12 months to month-end"
IN_MONTH = "calendar month to month-end"


@dataclass(frozen=True)
class Spec:
    """How to compute one indicator: the function, the note per breakdown, the empty note."""

    func: Callable[[Context], pd.DataFrame]
    notes: dict[str, str]
    empty_note: str = NO_CHILDREN


REGISTRY: dict[str, Spec] = {
    "re_referrals": Spec(repeat.re_referrals, {"": R12}),
    "repeat_cp": Spec(repeat.repeat_cp, {"": R12, "in month": IN_MONTH}),
    "returns_to_care": Spec(repeat.returns_to_care, {"": R12, "in month": IN_MONTH}),
    "placements_3plus": Spec(stability.placements_3plus, {
        "": "looked after at month-end; placements in the 12 months to month-end"}),
    "long_term_stability": Spec(stability.long_term_stability, {
        "": "under 16 and looked after 2.5+ years at month-end"}),
    "sw_changes_12m_cla": Spec(stability.sw_changes_12m_cla, {
        "": "looked after at month-end; social workers in the 12 months to month-end"}),
    "sw_more_than_3_12m": Spec(stability.sw_more_than_3_12m, {
        "": "looked after at month-end; social workers in the 12 months to month-end"}),
    "sw_changes_6m_all": Spec(stability.sw_changes_6m_all, {
        "": "allocated at month-end; social workers in the 6 months to month-end"}),
    "caseload_per_fte": Spec(workforce.caseload_per_fte, {
        "": "at month-end; case-holding workers in post"}, NO_WORKERS),
    "caseload_18_or_fewer": Spec(workforce.caseload_18_or_fewer, {
        "": "at month-end; case-holding workers in post"}, NO_WORKERS),
    "caseload_22_or_fewer": Spec(workforce.caseload_22_or_fewer, {
        "": "at month-end; case-holding workers in post"}, NO_WORKERS),
    "agency_rate": Spec(workforce.agency_rate, {
        "": "at month-end; FTE of workers in post"}, "no workers in post"),
    "assessment_45wd": Spec(timeliness.assessment_45wd, {"": R12 + " (authorised)"}),
    "icpc_15wd": Spec(timeliness.icpc_15wd, {"": R12 + " (ICPC held)"}),
    "cp_plans_ended_2y_plus": Spec(timeliness.cp_plans_ended_2y_plus, {"": R12 + " (plan ended)"}),
}


def default_month_ends(records: Records) -> pd.DatetimeIndex:
    """Every calendar month-end from the first month with activity to the last.

    Activity dates: contacts, referrals, assessments (start/authorisation), S47 (strategy/ICPC),
    CP plans (start/end), 903 episodes (DECOM/DEC) and allocations (start/end). Dates of birth
    and workers' role dates are not activity. An empty input gives an empty index.
    """
    cols = {"contacts": ["contact_date"], "referrals": ["referral_date"],
            "assessments": ["start_date", "auth_date"], "s47": ["strategy_date", "icpc_date"],
            "cp_plans": ["start_date", "end_date"], "episodes": ["decom", "dec"],
            "sw_episodes": ["start", "end"]}
    lo, hi = None, None
    for table, names in cols.items():
        df = getattr(records, table)
        for c in names:
            if c in df and len(df):
                d = days(df[c])
                d = d[d != NAT]
                if len(d):
                    lo = d.min() if lo is None else min(lo, d.min())
                    hi = d.max() if hi is None else max(hi, d.max())
    if lo is None:
        return pd.DatetimeIndex([])
    first = pd.Timestamp(np.int64(lo).astype("datetime64[D]"))
    last = pd.Timestamp(np.int64(hi).astype("datetime64[D]"))
    return pd.date_range(first + pd.offsets.MonthEnd(0), last + pd.offsets.MonthEnd(0), freq="ME")


def _meta() -> pd.DataFrame:
    return catalogue.indicators().set_index("indicator_id")[["domain", "indicator", "unit"]]


def event_rows(records: Records, indicator_id: str,
               month_ends: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """The event frame of one indicator (all month-ends), with `period` added."""
    if indicator_id not in REGISTRY:
        raise KeyError(f"indicator_id {indicator_id!r} is not computed by kpis.engine "
                       f"(computed: {', '.join(REGISTRY)})")
    if month_ends is None:
        month_ends = default_month_ends(records)
    ctx = Context(records, month_ends)
    ev = REGISTRY[indicator_id].func(ctx)
    ev.insert(0, "period", ctx.periods[ev["m"].to_numpy()] if len(ev) else [])
    return ev


def _aggregate(ev: pd.DataFrame, ctx: Context, level: str) -> pd.DataFrame:
    """Sum num/den by indicator, breakdown, month-end and org unit; complete the grid."""
    ind_bd = [(i, b) for i, spec in REGISTRY.items() if i in set(ev["indicator_id"].unique())
              or level == "council" for b in spec.notes]
    keys = ["indicator_id", "breakdown", "m"]
    if level == "council":
        g = ev.groupby(keys, sort=False)[["num", "den"]].sum().reset_index()
        g["org_unit"] = ctx.records.council
        grid = pd.DataFrame(ind_bd, columns=["indicator_id", "breakdown"])
        grid = grid.loc[grid.index.repeat(ctx.nm)].reset_index(drop=True)
        grid["m"] = np.tile(np.arange(ctx.nm), len(ind_bd))
        out = grid.merge(g, on=keys, how="left")
        out["org_unit"] = ctx.records.council
    else:
        col = "team" if level == "team" else "worker"
        g = ev.groupby([*keys, col], sort=False)[["num", "den"]].sum().reset_index()
        g = g.rename(columns={col: "org_unit"})
        if level == "team":
            units = g[["indicator_id", "breakdown", "org_unit"]].drop_duplicates()
            # every breakdown of an indicator gets the teams seen in any of its breakdowns
            units = units[["indicator_id", "org_unit"]].drop_duplicates().merge(
                pd.DataFrame(ind_bd, columns=["indicator_id", "breakdown"]), on="indicator_id")
            grid = units.loc[units.index.repeat(ctx.nm)].reset_index(drop=True)
            grid["m"] = np.tile(np.arange(ctx.nm), len(units))
            out = grid.merge(g, on=[*keys, "org_unit"], how="left")
        else:
            out = g
    out[["num", "den"]] = out[["num", "den"]].fillna(0.0)
    out["level"] = level
    return out


def compute(records: Records, month_ends: pd.DatetimeIndex | None = None,
            levels: Sequence[str] = LEVELS, indicators: Sequence[str] | None = None
            ) -> pd.DataFrame:
    """Every indicator in REGISTRY for every month-end at the requested levels (tidy rows).

    `month_ends=None`: every calendar month-end from the first month with activity to the last
    (`default_month_ends`). `indicators` (optional) restricts to some indicator ids.
    """
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        raise ValueError(f"unknown level(s) {bad}; choose from {LEVELS}")
    if month_ends is None:
        month_ends = default_month_ends(records)
    ctx = Context(records, month_ends)
    ids = list(REGISTRY) if indicators is None else list(indicators)
    frames = []
    for i in ids:
        ev = REGISTRY[i].func(ctx)[["m", "breakdown", "team", "worker", "num", "den"]]
        ev.insert(0, "indicator_id", i)
        frames.append(ev)
    ev = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["indicator_id", "m", "breakdown", "team", "worker", "num", "den"])
    ev = ev[ev["indicator_id"].isin(ids)]
    parts = [_aggregate(ev, ctx, lv) for lv in levels]
    out = pd.concat(parts, ignore_index=True)
    out = out[out["indicator_id"].isin(ids)]
    return _finish(out, ctx)


def _finish(out: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    meta = _meta()
    ids = out["indicator_id"].to_numpy(dtype=object)
    unit = meta["unit"].reindex(ids).to_numpy(dtype=object)
    num = out["num"].to_numpy(dtype=float)
    den = out["den"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    value = np.where(unit == "percent", 100.0 * ratio, ratio)
    notes = {(i, b): n for i, s in REGISTRY.items() for b, n in s.notes.items()}
    empty = {i: s.empty_note for i, s in REGISTRY.items()}
    note = np.array([notes[k] for k in zip(ids, out["breakdown"], strict=True)], dtype=object)
    zero = den <= 0
    note[zero] = np.array([empty[i] for i in ids[zero]], dtype=object)
    n = len(out)
    res = pd.DataFrame({
        "indicator_id": ids,
        "domain": meta["domain"].reindex(ids).to_numpy(dtype=object),
        "indicator": meta["indicator"].reindex(ids).to_numpy(dtype=object),
        "breakdown": out["breakdown"].to_numpy(dtype=object),
        "kind": np.full(n, "actual", dtype=object),
        "comparator": np.full(n, "", dtype=object),
        "period": ctx.periods[out["m"].to_numpy(dtype=np.int64)] if n else [],
        "value": value,
        "unit": unit,
        "note": note,
        "source": np.full(n, "kpis compute", dtype=object),
        "flag": np.full(n, "", dtype=object),
        "council": np.full(n, ctx.records.council, dtype=object),
        "level": out["level"].to_numpy(dtype=object),
        "org_unit": out["org_unit"].to_numpy(dtype=object),
        "numerator": num,
        "denominator": den,
    })
    order = {lv: k for k, lv in enumerate(LEVELS)}
    ind_order = {i: k for k, i in enumerate(REGISTRY)}
    res = res.assign(_l=res["level"].map(order), _i=res["indicator_id"].map(ind_order))
    res = res.sort_values(["_i", "breakdown", "_l", "org_unit", "period"], kind="stable")
    return res.drop(columns=["_l", "_i"]).reset_index(drop=True)[OUTPUT_COLUMNS]


def month_end_of(period: str) -> pd.Timestamp:
    """'YYYY-MM' (or any date in the month) -> that calendar month's last day."""
    return pd.Period(period, freq="M").end_time.normalize()


def drilldown(records: Records, indicator_id: str, period: str, level: str = "council",
              org_unit: str | None = None, breakdown: str = "") -> pd.DataFrame:
    """The child-level (or worker-level) rows behind one figure of `compute`.

    One row per cohort member: child_id, the dates the rule used, `in_numerator`, team and
    worker (plus `num`/`den` weights: summing them gives the figure's numerator and denominator).
    `level`/`org_unit` select the team or worker (`org_unit=None` at team/worker level: all).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose from {LEVELS}")
    if breakdown not in REGISTRY.get(indicator_id, Spec(repeat.re_referrals, {"": ""})).notes:
        raise KeyError(f"{indicator_id} has no breakdown {breakdown!r}")
    ev = event_rows(records, indicator_id, pd.DatetimeIndex([month_end_of(period)]))
    ev = ev[ev["breakdown"] == breakdown]
    if level != "council" and org_unit is not None:
        ev = ev[ev[level] == org_unit]
    cols = ["child_id"] + [c for c in ev.columns if c not in
                           ("m", "period", "breakdown", "child_id", "team", "worker",
                            "in_numerator", "num", "den")]
    return ev[[*cols, "in_numerator", "team", "worker", "num", "den"]].reset_index(drop=True)


__all__ = ["compute", "drilldown", "REGISTRY", "default_month_ends", "event_rows", "OPEN"]


DATE_COLUMNS = frozenset({"dob", "decom", "dec", "start", "end", "contact_date", "referral_date",
                          "start_date", "auth_date", "strategy_date", "icpc_date", "end_date"})


def records_from(council: str = "council", **tables: object) -> Records:
    """Build `Records` from lists of dicts (or DataFrames) per table: missing columns are added
    empty, date columns parsed, ids as strings. Handy for tests and notebooks:

        records_from(referrals=[{"child_id": "A", "referral_date": "2020-02-29"}])
    """
    from kpis.records import COLUMNS

    out: dict[str, pd.DataFrame] = {}
    for name, rows in tables.items():
        if name not in COLUMNS:
            raise KeyError(f"unknown table {name!r}; tables: {', '.join(COLUMNS)}")
        df = pd.DataFrame(rows).copy()
        for c in COLUMNS[name]:
            if c not in df:
                df[c] = pd.Series([None] * len(df), dtype="object")
        for c in df.columns:
            if c in DATE_COLUMNS:
                df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
            elif c == "fte":
                df[c] = pd.to_numeric(df[c]).astype(float)
            elif c in ("agency", "nfa", "icpc_unnecessary"):
                df[c] = df[c].astype("boolean")
            elif c != "previous_plans":
                df[c] = df[c].astype("string")
        out[name] = df
    return Records(council=council, **out)
