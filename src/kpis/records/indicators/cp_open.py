"""Children on a child protection plan at the month-end: repeat plans, plans under 2 years.

Definitions: /work/shared/reference/indicator-definitions.md ("Children in Need census") and
src/kpis/data/indicators.csv (both measures here are local: marks [V]/[C]/[I] as there).

Cohort of both (one constant/function each, easy to change):
- A plan (Annex A list 7) is *open at* month-end M when start <= M < end (a plan that ends on
  the month-end is no longer open at it; no end date = open) — the engine's interval rule [I].
  Plans without a start date are never open [I].
- A child counts once per month-end. If a child has two plans open at once (overlaps that
  survived the readers), the plan that started last is the child's current plan (ties: the later
  row) [I], as for 903 episodes and allocations.
- Attribution: the current plan row's team and worker (Annex A's Allocated Team/Worker), like
  the other list-7 measures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import (
    OPEN,
    dated_rank,
    days,
    drill,
    event_frame,
    last_per_key,
    shift_months,
    to_dates,
)
from kpis.records.indicators.context import Context

#: "less than 2 years" on a plan, in years (pd.DateOffset semantics) [V: the national measure's
#: 2 years, here applied to open plans: local].
CP_UNDER_YEARS = 2


def open_plans(ctx: Context) -> dict[str, np.ndarray]:
    """Each child's current CP plan at each month-end (cached on `ctx`).

    Arrays of equal length, one entry per (child, month-end): `m`, `code` (child), `start`,
    `end` (day numbers; OPEN when open-ended), `team`, `worker` (label codes), `earlier`
    (dated plans of the child starting before this one, see `repeat_cp_all`) and `previous`
    (the list's "Number of Previous Child Protection Plans", missing -> 0).
    """
    cache = ctx.__dict__.setdefault("_open_plans", {})
    if cache:
        return cache
    p = ctx.annex("cp_plans", "start_date")  # sorted by child, start (undated rows first)
    code, start = p["code"], p["d"]
    end = days(ctx.column("cp_plans", "end_date", p["pos"]), OPEN)
    prev_n = pd.to_numeric(ctx.column("cp_plans", "previous_plans", p["pos"]), errors="coerce")
    prev_n = prev_n.fillna(0).to_numpy(dtype=float)
    # earlier dated plans of the same child: rank among the child's rows minus its undated rows
    # (undated rows sort first; an undated plan is not known to be earlier [I]); a second plan
    # starting on the same day as another counts as a repeat, as in `repeat_cp` [I]
    earlier = dated_rank(code, start)
    idx, m = ctx.open_pairs(start, end)
    # one row per child and month-end: the plan that started last (rows are sorted by child
    # and start, so the last row of each (child, m) group); rows without a child id each stand
    # for a child of their own
    key = np.where(code[idx] >= 0, code[idx] * ctx.nm + m, -1 - np.arange(len(idx)))
    pos = last_per_key(key, idx)
    idx, m = idx[pos], m[pos]
    cache.update(m=m, code=code[idx], start=start[idx], end=end[idx], team=p["team"][idx],
                 worker=p["worker"][idx], earlier=earlier[idx], previous=prev_n[idx])
    return cache


def _frame(o: dict[str, np.ndarray], in_numerator: np.ndarray,
           extra: dict[str, np.ndarray]) -> pd.DataFrame:
    return event_frame(
        o["m"], breakdown="", child=o["code"], team=o["team"], worker=o["worker"],
        in_numerator=in_numerator,
        extra={"plan_start": to_dates(o["start"]), "plan_end": to_dates(o["end"]), **extra}
        if drill() else None)


def repeat_cp_all(ctx: Context) -> pd.DataFrame:
    """Repeat CP plans (all CP) — local definition (catalogue: "children on a CP plan at a date
    who had a previous plan"); the national measure is D3's *plans starting* in the period
    (`repeat.repeat_cp`) [V], this one looks at the stock of open plans.

    Cohort: children on a CP plan open at the month-end (start <= month-end < end; see the
    module docstring). Numerator: the current plan is a second or subsequent plan, by the same
    test as `repeat_cp` [V: "previously the subject of a plan, at any time"]: the child has an
    earlier plan start in the data (a plan starting the same day as another counts [I]; undated
    plan rows do not [I]), or the list's "Number of Previous Child Protection Plans" > 0.
    Period rule: at month-end (a snapshot; no window). Departs from D3 in cohort (open plans,
    not plans starting in the period) and in counting earlier plans found in this council's
    data as well as the list's count. Attribution: the plan row's team and worker.
    """
    o = open_plans(ctx)
    return _frame(o, (o["earlier"] > 0) | (o["previous"] > 0),
                  {"earlier_plans_in_data": o["earlier"], "previous_plans": o["previous"]})


def cp_plan_under_2y(ctx: Context) -> pd.DataFrame:
    """Children subject to a protection plan for less than 2 years — local: the complement of
    the national "CP plans lasting 2 years or more" [V] (which counts plans *ending* in the year,
    `timeliness.cp_plans_ended_2y_plus`), measured here on open plans.

    Cohort: children on a CP plan open at the month-end (see the module docstring). Numerator:
    the current plan started less than 2 years before the month-end: month-end < start +
    DateOffset(years=2) (`shift_months`; a plan started exactly 2 years before the month-end is
    *not* under 2 years; a plan started 29 Feb 2020 reaches 2 years on 28 Feb 2022) [I, same
    arithmetic as the national measure]. Duration is of the current plan only: consecutive
    plans are not joined [I]. Period rule: at month-end. Attribution: the plan row's team and
    worker.
    """
    o = open_plans(ctx)
    two_years = shift_months(o["start"], 12 * CP_UNDER_YEARS)
    me = ctx.me[o["m"]] if len(o["m"]) else np.empty(0, np.int64)
    return _frame(o, me < two_years, {"two_years_on": to_dates(two_years)})


__all__ = ["repeat_cp_all", "cp_plan_under_2y", "open_plans", "CP_UNDER_YEARS"]
