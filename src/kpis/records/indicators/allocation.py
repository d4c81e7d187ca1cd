"""Allocation: children with no allocated worker, or allocated to a manager, for more than 2
weeks; children in need on plans for less than a year; DfE's social-worker stability measure.

Allocation history: `Records.sw_episodes` (SSDA903 SWEpisodes or an allocations file); worker
roles: `Records.workers.role`. Timescales: kpis/data/records/timescales.yml (local).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import (
    NAT,
    OPEN,
    days,
    drill,
    event_frame,
    last_per_key,
    shift_months,
    text,
    to_dates,
)
from kpis.records.indicators.context import Context
from kpis.records.indicators.snapshot import _others_open, timescales


def _open_cases(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(child code, m, case start) of children open to social care at month-end m: an open
    assessment (list 4: started, not yet authorised), CIN episode (list 6), CP plan (list 7) or
    903 episode. Case start: the earliest start among the involvements open at m [I]."""
    parts = []
    for table, s_col, e_col in (("assessments", "start_date", "auth_date"),
                                ("cin", "start_date", "end_date"),
                                ("cp_plans", "start_date", "end_date")):
        df = getattr(ctx.records, table)
        if not len(df):
            continue
        s, e = days(df[s_col]), days(df[e_col], OPEN)
        idx, m = ctx.open_pairs(s, e)
        parts.append((ctx.codes(table)[idx], m, s[idx]))
    la_idx, la_m = ctx.looked_after
    e = ctx.episodes
    parts.append((e["code"].to_numpy()[la_idx], la_m, e["period_start"].to_numpy()[la_idx]))
    code = np.concatenate([p[0] for p in parts])
    m = np.concatenate([p[1] for p in parts])
    start = np.concatenate([p[2] for p in parts])
    ok = code >= 0
    code, m, start = code[ok], m[ok], start[ok]
    key = code * ctx.nm + m
    pos = last_per_key(key, -start)  # the earliest start wins
    return code[pos], m[pos], start[pos]


def unallocated_2wk(ctx: Context) -> pd.DataFrame:
    """Children with no allocated worker for more than 2 weeks (local; a count).

    Cohort: children open to social care at the month-end (`_open_cases`). Numerator: no
    allocation open at the month-end and unallocated for more than 14 days (timescales.yml
    allocation.days): month-end minus the later of the case start and the end of the child's
    last allocation before it > 14 [I]. Value: the number of children (the scorecard counts
    children). Period rule: at month-end. Team/worker: "unallocated" by definition.
    """
    code, m, start = _open_cases(ctx)
    allocated = ctx.allocated(code, m) >= 0
    sw = ctx.sw
    # the latest allocation end on or before each month-end, per child
    sc, se = sw["code"].to_numpy(), sw["end"].to_numpy()
    fin = se < OPEN
    big = OPEN + 1
    ks = np.sort(sc[fin] * big + se[fin])
    me = ctx.me[m]
    q = code * big + me
    i = np.maximum(np.searchsorted(ks, q, "right") - 1, 0)
    prev = np.full(len(q), NAT, dtype=np.int64)
    if len(ks):
        hit = (np.searchsorted(ks, q, "right") > 0) & (ks[i] // big == code)
        prev[hit] = ks[i][hit] % big
    since = np.maximum(start, prev)
    limit = int(timescales()["allocation"]["days"])
    innum = ~allocated & (me - since > limit)
    return event_frame(m, breakdown="", child=code, team=np.zeros(len(code), np.int64),
                       worker=np.zeros(len(code), np.int64), in_numerator=innum, extra={
                           "case_start": to_dates(start), "last_allocation_end": to_dates(prev),
                           "allocated": allocated} if drill() else None)


def _roles(ctx: Context) -> np.ndarray:
    """Role (upper-case text) of each worker code, from its latest workers row."""
    w = ctx.records.workers
    out = np.full(len(ctx.workers_index), "", dtype=object)
    if len(w):
        wc = ctx.workers_wcode
        order = np.argsort(days(w["start_date"]), kind="stable")
        ok = wc[order] >= 0
        out[wc[order][ok]] = text(w["role"])[order][ok]
    return out


def manager_allocated_2wk(ctx: Context) -> pd.DataFrame:
    """Children allocated to a manager for more than 2 weeks (local; a count).

    Cohort: children with an open allocation at the month-end (the one that started last,
    `Context.alloc`). Numerator: that worker's role is a manager's (timescales.yml
    allocation.manager_roles, compared upper-case) and the allocation started more than 14
    days before the month-end [I]. Period rule: at month-end. Team/worker: the manager's.
    """
    keys, wc = ctx.alloc
    nm = max(ctx.nm, 1)
    code, m = keys // nm, keys % nm
    roles = {r.upper() for r in timescales()["allocation"]["manager_roles"]}
    is_mgr = np.isin(_roles(ctx), list(roles))[wc] if len(wc) else np.zeros(0, bool)
    # start of the open allocation to this worker (the latest-starting open one: `alloc`'s)
    start = ctx.sw["start"].to_numpy()[ctx.alloc_rows[1]]
    limit = int(timescales()["allocation"]["days"])
    innum = is_mgr & (ctx.me[m] - start > limit)
    team, worker = ctx.attribute(code, m)
    return event_frame(m, breakdown="", child=code, team=team, worker=worker,
                       in_numerator=innum, extra={"allocation_start": to_dates(start),
                                                  "manager": is_mgr} if drill() else None)


def cin_plan_under_1y(ctx: Context) -> pd.DataFrame:
    """Children in need on plans for less than 1 year (local; Annex A list 6).

    Cohort: CIN episodes open at the month-end (CIN start <= month-end, no closure or closure
    after it) of children not then on a CP plan (list 7) or looked after (list 8): the CIN
    episode's start stands for the CIN plan's [I]. Numerator: started less than 12 months
    before the month-end (start > month-end - 12 months; timescales.yml cin_plans). Period rule:
    at month-end (list 6 holds start and closure dates, so every month of the extract's span;
    earlier closed episodes may be missing from a single extract). Team/worker: the row's.
    """
    df = ctx.records.cin
    if not len(df):
        idx = m = np.empty(0, np.int64)
        s = idx
    else:
        s, e = days(df["start_date"]), days(df["end_date"], OPEN)
        idx, m = ctx.open_pairs(s, e)
        keep = ~_others_open(ctx, ("cp_plans", "cla"), ctx.codes("cin")[idx], ctx.me[m])
        idx, m = idx[keep], m[keep]
        s = s[idx]
    months = int(timescales()["cin_plans"]["months"])
    innum = s > shift_months(ctx.me[m], -months) if len(idx) else np.zeros(0, bool)
    team = ctx.labels("cin", "team")[idx] if len(df) else idx
    worker = ctx.labels("cin", "worker")[idx] if len(df) else idx
    return event_frame(m, breakdown="", child=ctx.codes("cin")[idx] if len(df) else idx,
                       team=team, worker=worker, in_numerator=innum,
                       extra={"cin_start": to_dates(s)} if drill() else None)


__all__ = ["unallocated_2wk", "manager_allocated_2wk", "cin_plan_under_1y"]
