"""Workforce: caseloads per FTE and agency rate (Children's Social Work Workforce census).

Definitions: /work/shared/reference/indicator-definitions.md ("Children's Social Work Workforce
census"). Workers come from `Records.workers` (one row per worker-role; a worker's FTE is summed
over the roles in post); children's allocations from `Records.sw_episodes`.

Rules common to this module:
- In post at a month-end: role start <= month-end < role end (no end = still in post; no start
  = in post from the beginning) [I].
- A case is a (worker, child) allocation open at the month-end: a child co-worked by two
  workers counts in each worker's caseload, as the workforce census counts each worker's
  cases [V] (`Context.alloc_all`). Other measures attribute a child to one worker (the
  allocation that started last, `Context.alloc`).
- Case-holding worker: in post at the month-end with FTE > 0 and holding at least one child
  (the census counts cases of case-holders: "cases ÷ case-holding FTE" [V]; "holding one or
  more cases" as the test is [I]). Children allocated to a worker not in post (or FTE 0 or
  unknown) are outside the caseload measures [I].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import (
    concat_events,
    count_by_key,
    drill,
    event_frame,
    lookup,
    text,
)
from kpis.records.indicators.context import Context

#: Caseload thresholds of the scorecard (local): children per FTE at or under.
THRESHOLDS = {"caseload_18_or_fewer": 18.0, "caseload_22_or_fewer": 22.0}


def _holders(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(children held by case-holding workers, case-holding worker posts with `children`),
    once per run (three indicators read them; copy-on-write frames, read-only here)."""
    cache = ctx.__dict__.setdefault("_holders", {})
    if not cache:
        cache["held"], cache["posts"] = _holders_of(ctx)
    return cache["held"], cache["posts"]


def _holders_of(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    code, m, wc = ctx.alloc_all
    nm = max(ctx.nm, 1)
    p = ctx.posts
    pkey = p["key"].to_numpy()
    pos, found = lookup(wc * nm + m, pkey)
    fte = p["fte"].to_numpy()
    found &= fte[pos] > 0 if len(fte) else found
    held = pd.DataFrame({"code": code[found], "m": m[found], "post": pos[found]})
    n = count_by_key(wc[found] * nm + m[found], pkey)
    posts = p.assign(children=n)
    posts = posts[(posts["children"] > 0) & (posts["fte"] > 0)]
    return held, posts


def _worker_ids(ctx: Context, wcode: np.ndarray) -> np.ndarray:
    """Worker codes -> label codes."""
    return ctx.worker_labels[wcode]


def caseload_per_fte(ctx: Context) -> pd.DataFrame:
    """Average children held per FTE social worker [V] (CSWW census: cases ÷ case-holding FTE).

    Numerator: cases at the month-end — (worker, child) allocations to case-holding workers in
    post, so a co-worked child counts once per worker [V] (one row each, num=1);
    denominator: those workers' FTE (one row per worker, den=FTE). Team:
    the worker's team; worker level: the worker's children ÷ FTE. Period rule: at month-end
    (the census uses 30 September). Departs: "cases" are children allocated to the worker [I].
    """
    held, posts = _holders(ctx)
    p = ctx.posts
    hw = p["wcode"].to_numpy()[held["post"].to_numpy()]
    child_rows = event_frame(
        held["m"].to_numpy(), breakdown="", child=held["code"].to_numpy(),
        team=p["team"].to_numpy()[held["post"].to_numpy()],
        worker=_worker_ids(ctx, hw), in_numerator=np.ones(len(held), bool),
        den=np.zeros(len(held)), extra={"fte": np.full(len(held), np.nan)} if drill() else None)
    worker_rows = event_frame(
        posts["m"].to_numpy(), breakdown="", child=np.full(len(posts), -1),
        team=posts["team"].to_numpy(),
        worker=_worker_ids(ctx, posts["wcode"].to_numpy()),
        in_numerator=np.zeros(len(posts), bool), num=np.zeros(len(posts)),
        den=posts["fte"].to_numpy(), extra={"fte": posts["fte"].to_numpy()} if drill() else None)
    return concat_events([child_rows, worker_rows])


def _threshold(ctx: Context, limit: float) -> pd.DataFrame:
    _, posts = _holders(ctx)
    n = posts["children"].to_numpy(dtype=float)
    fte = posts["fte"].to_numpy(dtype=float)
    per = n / fte
    # tolerance so that e.g. 9 children / 0.5 FTE = 18.0 is "18 or fewer" despite float error
    innum = n <= limit * fte * (1 + 1e-9)
    return event_frame(
        posts["m"].to_numpy(), breakdown="", child=np.full(len(posts), -1),
        team=posts["team"].to_numpy(),
        worker=_worker_ids(ctx, posts["wcode"].to_numpy()),
        in_numerator=innum, extra={"children": n, "fte": fte, "children_per_fte": per}
                            if drill() else None)


#: Role text (upper-case, stripped) of newly qualified social workers in their assessed and
#: supported year in employment: Appendix 1's "ASYE" breakdown (local).
ASYE_ROLES = frozenset({"ASYE", "NQSW", "ASYE SOCIAL WORKER"})


def caseload_18_or_fewer(ctx: Context) -> pd.DataFrame:
    """Share of case-holding social workers in post with children ÷ FTE <= 18 (local; the census
    caseload of [V] per worker). A 0.5 FTE worker with 9 children has 18 per FTE: counted.
    Period rule: at month-end. One row per worker (child_id empty). Breakdown "ASYE": the same
    over workers whose role (latest workers row) is in `ASYE_ROLES` (local)."""
    ev = _threshold(ctx, THRESHOLDS["caseload_18_or_fewer"])
    w = ctx.records.workers
    if not len(w):
        return ev
    ids = w["worker_id"].astype("string")[np.isin(text(w["role"]), list(ASYE_ROLES))]
    asye = sorted(ids.dropna().unique())
    codes = ctx.vocab.codes_of(asye) if asye else np.empty(0, np.int64)
    sel = ev[np.isin(np.asarray(ev["worker"]), codes)]
    return concat_events([ev, sel.assign(breakdown="ASYE")])


def caseload_22_or_fewer(ctx: Context) -> pd.DataFrame:
    """Share of case-holding social workers in post with children ÷ FTE <= 22 (local), as
    `caseload_18_or_fewer`."""
    return _threshold(ctx, THRESHOLDS["caseload_22_or_fewer"])


def agency_rate(ctx: Context) -> pd.DataFrame:
    """Agency rate [V] (CSWW census: agency FTE ÷ (agency + in-post FTE)).

    Denominator: FTE of every worker in post at the month-end (agency or not; FTE > 0); numerator:
    the agency workers' FTE. Workers with unknown agency status count as not agency [I]. Period
    rule: at month-end (the census uses 30 September). One row per worker (child_id empty).
    """
    p = ctx.posts
    p = p[p["fte"] > 0]
    fte = p["fte"].to_numpy(dtype=float)
    ag = p["agency"].to_numpy(dtype=bool)
    return event_frame(
        p["m"].to_numpy(), breakdown="", child=np.full(len(p), -1),
        team=p["team"].to_numpy(), worker=_worker_ids(ctx, p["wcode"].to_numpy()),
        in_numerator=ag, num=np.where(ag, fte, 0.0), den=fte, extra={"fte": fte, "agency": ag}
                                                              if drill() else None)
