"""Stability: placement moves (NI 62), long-term stability (NI 63), changes of social worker.

Definitions: /work/shared/reference/indicator-definitions.md (SSDA903 section) and
child-level-formats.md (RNE/REC/PLACE codes). The code lists below are the rules; change them
here (they are data, not logic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import (
    NAT,
    count_by_key,
    days,
    distinct,
    drill,
    event_frame,
    expand,
    lookup,
    shift_months,
    to_dates,
)
from kpis.records.indicators.context import Context
from kpis.records.indicators.episodes import ADOPTION_PLACE, counted_placement

#: Social workers: "3 or fewer" in the window is the scorecard's threshold (local).
MAX_WORKERS = 3


def placements_3plus(ctx: Context) -> pd.DataFrame:
    """Children looked after with 3+ placements in the last 12 months [V] (former NI 62).

    Cohort: children looked after at the month-end (an SSDA903 episode open at it), except those
    whose current legal status is a short-break one (V3/V4) [V]. Placements in the 12 months to
    the month-end = (1 if the child was already placed when the window began — an episode open
    on its first day (DECOM <= window start < DEC) in a period of care that began before it,
    other than one starting that day as a counted new placement: a legal-status change,
    temporary placement, return to the same carer or placement for adoption with the existing
    carer on the first day keeps the placement already held [V/I]) + episodes starting in the window
    that count as new placements (`counted_placement`: RNE S/P/B/T/U [C]; not RNE L [C]; not
    temporary placements T0–T4 nor the return to the same carer after one [C/I]; not becoming
    placed for adoption with the existing carer [V]). Numerator: 3 or more. Period rule: at
    month-end, placements in the rolling 12 months to month-end. Departs from NI 62 in using
    every month-end instead of 31 March. Attribution: worker allocated at the month-end.
    """
    e = ctx.episodes
    code = e["code"].to_numpy()
    decom, dec = e["decom"].to_numpy(), e["dec"].to_numpy()
    la_idx, la_m = ctx.looked_after
    keep = ~e["short_break"].to_numpy()[la_idx]
    la_idx, la_m = la_idx[keep], la_m[keep]
    q = code[la_idx] * ctx.nm + la_m
    counted = counted_placement(e)
    ci = np.flatnonzero(counted)
    i1, m1 = ctx.window_pairs(decom[ci], ctx.ws12)
    new = count_by_key(code[ci][i1] * ctx.nm + m1, q)
    # the placement held when the window began: an episode open on its first day (DECOM <= ws <
    # DEC) of a period of care that began before it, unless that episode starts on ws as a
    # counted new placement (then it is in `new`, and the earlier placement ended before ws)
    lo = np.searchsorted(ctx.ws12, decom, "left")
    hi = np.searchsorted(ctx.ws12, dec, "left")
    i2, m2 = expand(lo, hi)
    pstart = e["period_start"].to_numpy()
    held = (pstart[i2] < ctx.ws12[m2]) & ~((decom[i2] == ctx.ws12[m2]) & counted[i2])
    i2, m2 = i2[held], m2[held]
    at_start = count_by_key(distinct(code[i2] * ctx.nm + m2), q)
    n = new + at_start
    team, worker = ctx.attribute(code[la_idx], la_m)
    return event_frame(
        la_m, breakdown="", child=code[la_idx], team=team, worker=worker,
        in_numerator=n >= 3,
        extra={"episode_start": to_dates(decom[la_idx]), "placed_at_window_start": at_start,
               "new_placements_in_window": new, "placements_in_window": n} if drill() else None)


def _dob(ctx: Context) -> np.ndarray:
    """Date of birth (day number, NAT when unknown) per child code."""
    out = np.full(len(ctx.children_index), NAT, dtype=np.int64)
    ch = ctx.records.children
    if len(ch):
        c = ctx.codes("children")
        out[c[c >= 0]] = days(ch["dob"])[c >= 0]
    return out


def long_term_stability(ctx: Context) -> pd.DataFrame:
    """Long-term stability [V] (former NI 63).

    Cohort: children looked after at the month-end, under 16 on it (16th birthday after the
    month-end; a child who is exactly 16 is out) and looked after continuously (current period of
    care) for at least 2.5 years: period start + 30 calendar months <= month-end. Children with
    no date of birth are left out [I]. Numerator: living with the same carer for at least 2
    years — the current placement run (consecutive episodes of the period whose RNE is L, T or U
    continue it [I for U]) started on or before month-end - 2 years — or placed for adoption
    (PLACE A3–A6) where the adoption placement plus the placement before it (in the same
    period) together last at least 2 years. Period rule: at month-end (NI 63 uses 31 March).
    Attribution: worker allocated at the month-end.
    """
    e = ctx.episodes
    la_idx, m = ctx.looked_after
    code = e["code"].to_numpy()[la_idx]
    me = ctx.me[m]
    dob = _dob(ctx)[code]
    under16 = (dob != NAT) & (me < shift_months(dob, 16 * 12))
    pstart = e["period_start"].to_numpy()[la_idx]
    cohort = under16 & (shift_months(pstart, 30) <= me)
    rs = e["run_start"].to_numpy()[la_idx]
    prs = e["prev_run_start"].to_numpy()[la_idx]
    place = e["place"].to_numpy()[la_idx]
    same = shift_months(rs, 24) <= me
    adopt = np.isin(place, list(ADOPTION_PLACE)) & (prs != NAT) & (shift_months(prs, 24) <= me)
    sel = np.flatnonzero(cohort)
    team, worker = ctx.attribute(code[sel], m[sel])
    return event_frame(
        m[sel], breakdown="", child=code[sel], team=team, worker=worker,
        in_numerator=(same | adopt)[sel],
        extra={"dob": to_dates(dob[sel]), "period_start": to_dates(pstart[sel]),
               "placement_start": to_dates(rs[sel]),
               "previous_placement_start": to_dates(prs[sel]), "place": place[sel]}
                   if drill() else None)


def _worker_counts(ctx: Context, ws: np.ndarray, code: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Distinct social workers each (child code, m) had in the window [ws[m], month-end]:
    allocations [start, end) with start <= month-end and end > window start (or open): an
    allocation that ended on the window's first day is not in it.

    Only the cohort's children's allocations are paired with month-ends, and the distinct
    (child, month, worker) triples are counted with one sort (cached per cohort and window:
    read-only)."""
    cache = ctx.__dict__.setdefault("_worker_counts", {})
    key = (code.tobytes(), m.tobytes(), ws.tobytes())
    if key not in cache:
        cache[key] = _count_workers(ctx, ws, code, m)
    return cache[key]


def _count_workers(ctx: Context, ws: np.ndarray, code: np.ndarray, m: np.ndarray) -> np.ndarray:
    sw = ctx.sw
    sw_code = sw["code"].to_numpy()
    cohort = np.zeros(len(ctx.children_index), dtype=bool)  # the cohort's children
    cohort[code[code >= 0]] = True
    keep = cohort[sw_code]  # sw codes are >= 0 (Context.sw)
    idx, mm = ctx.interval_pairs(sw["start"].to_numpy()[keep], sw["end"].to_numpy()[keep], ws)
    nw = max(len(ctx.workers_index), 1)
    triple = distinct((sw_code[keep][idx] * ctx.nm + mm) * nw + sw["wcode"].to_numpy()[keep][idx])
    pair = triple // nw
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]]) if len(pair) else \
        np.empty(0, dtype=np.int64)
    u, c = pair[starts], np.diff(np.r_[starts, len(pair)])
    pos, found = lookup(code * ctx.nm + m, u)
    return np.where(found, c[pos] if len(c) else 0, 0)


def _sw_frame(ctx: Context, code: np.ndarray, m: np.ndarray, ws: np.ndarray,
              more: bool) -> pd.DataFrame:
    """Event frame of '3 or fewer' (or, `more`, 'more than 3') social workers in the window.
    The two are complements over the same cohort, so the second is the first with the
    numerator flipped (cached per cohort and window)."""
    cache = ctx.__dict__.setdefault("_sw_frames", {})
    key = (code.tobytes(), m.tobytes(), ws.tobytes())
    if key not in cache:
        n = _worker_counts(ctx, ws, code, m)
        team, worker = ctx.attribute(code, m)
        cache[key] = event_frame(m, breakdown="", child=code, team=team, worker=worker,
                                 in_numerator=n <= MAX_WORKERS,
                                 extra={"social_workers_in_window": n} if drill() else None)
    ev = cache[key].copy()
    if more:
        ev["in_numerator"] = ~ev["in_numerator"]
        ev["num"] = ev["in_numerator"].astype(float)
    return ev


def _cla(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    la_idx, m = ctx.looked_after
    return ctx.episodes["code"].to_numpy()[la_idx], m


def sw_changes_12m_cla(ctx: Context) -> pd.DataFrame:
    """Children in care with 3 or fewer social workers in the last 12 months (local definition;
    SSDA903 SWEpisodes used as the allocation history).

    Cohort: children looked after at the month-end (903). Numerator: at most 3 distinct SW_IDs
    with an allocation overlapping the 12 months to the month-end (a child with no allocation
    has 0 and counts as 3 or fewer [I]). Period rule: at month-end, rolling 12 months.
    Attribution: worker allocated at the month-end.
    """
    code, m = _cla(ctx)
    return _sw_frame(ctx, code, m, ctx.ws12, more=False)


def sw_more_than_3_12m(ctx: Context) -> pd.DataFrame:
    """Children in care with more than 3 social workers in the last 12 months: the complement of
    `sw_changes_12m_cla` (local), same cohort, period rule and attribution."""
    code, m = _cla(ctx)
    return _sw_frame(ctx, code, m, ctx.ws12, more=True)


def sw_changes_6m_all(ctx: Context) -> pd.DataFrame:
    """All children with 3 or fewer social workers in the last 6 months (local definition).

    Cohort: children with an open allocation (SWEpisodes) at the month-end. Numerator: at most 3
    distinct workers with an allocation overlapping the 6 calendar months to the month-end.
    Period rule: at month-end, rolling 6 months. Attribution: worker allocated at month-end.
    """
    keys, _ = ctx.alloc
    code, m = keys // max(ctx.nm, 1), keys % max(ctx.nm, 1)
    return _sw_frame(ctx, code, m, ctx.ws6, more=False)


def sw_3plus_12m(ctx: Context) -> pd.DataFrame:
    """DfE's social-worker stability measure [V]: children looked after at the month-end (DfE:
    31 March) who had 3 or more social workers in the 12 months to it (SSDA903 SWEpisodes),
    shown beside the scorecard's local "3 or fewer" lines. Counting as `sw_changes_12m_cla`
    (distinct SW_IDs with an allocation overlapping the window). Attribution: the worker
    allocated at the month-end."""
    code, m = _cla(ctx)
    n = _worker_counts(ctx, ctx.ws12, code, m)
    team, worker = ctx.attribute(code, m)
    return event_frame(m, breakdown="", child=code, team=team, worker=worker,
                       in_numerator=n >= MAX_WORKERS, extra={"social_workers_in_window": n}
                                                      if drill() else None)


__all__ = ["placements_3plus", "sw_3plus_12m", "long_term_stability", "sw_changes_12m_cla",
           "sw_more_than_3_12m", "sw_changes_6m_all", "lookup"]
