"""Children looked after: accommodated under Section 20, missing from care.

Definitions: /work/shared/reference/indicator-definitions.md (SSDA903 section) and
child-level-formats.md (LS codes, Missing table). The code lists below are the rules; change them
here (they are data, not logic).

Cohorts use the engine's 903 machinery (`Context.looked_after`: a child's latest-starting episode
open at the month-end, start <= month-end < end) and leave out short breaks the way NI 62 does in
`kpis.records.indicators.stability` (`SHORT_BREAK_LS`). Attribution: the worker allocated at the
month-end (SWEpisodes), else "unallocated", as for the other 903 measures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import (
    NAT,
    concat_events,
    days,
    distinct,
    drill,
    event_frame,
    expand,
    shift_months,
    text,
    to_dates,
)
from kpis.records.indicators.context import Context

#: Legal status "accommodated under section 20 (single placement)" [V].
S20_LS = frozenset({"V2"})
#: 903 Missing table MISSING codes counted as a missing incident [V]: "M" missing. "A" (away from
#: placement without authorisation) is reported separately by DfE and not counted here [V/I];
#: add "A" to count absences too.
MISSING_TYPES = frozenset({"M"})

LA_AT_MONTH_END = "looked after at month-end"
NUMBER = "number of children"


def _cla_at_month_end(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(episode row, m) of children looked after at month-end m whose current episode is not a
    short break (legal status V3/V4), exactly as `stability.placements_3plus` selects them."""
    la_idx, m = ctx.looked_after
    keep = ~ctx.episodes["short_break"].to_numpy()[la_idx]
    return la_idx[keep], m[keep]


def cla_s20(ctx: Context) -> pd.DataFrame:
    """Children in care accommodated under Section 20 [V] (SSDA903 legal status V2).

    Cohort: children looked after at the month-end (an SSDA903 episode open at it: DECOM <=
    month-end < DEC), except those whose current legal status is a short-break one (V3/V4), as
    NI 62 excludes them [V] (`SHORT_BREAK_LS`). Numerator: the current episode's LS is V2
    (`S20_LS`); the current episode is the latest-starting one open at the month-end, so a legal
    status change (RNE L, B or U) takes effect on its DECOM. Period rule: at month-end (the
    national figure is the same snapshot at 31 March). Departs from it only in using every
    month-end. Attribution: the worker allocated at the month-end. Breakdown "number of
    children": the numerator itself (Appendix 1 prints "208 children" beside the rate).
    """
    e = ctx.episodes
    la_idx, m = _cla_at_month_end(ctx)
    code = e["code"].to_numpy()[la_idx]
    ls = e["ls"].to_numpy()[la_idx]
    team, worker = ctx.attribute(code, m)
    ev = event_frame(
        m, breakdown="", child=code, team=team, worker=worker,
        in_numerator=np.isin(ls, list(S20_LS)),
        extra={"episode_start": to_dates(e["decom"].to_numpy()[la_idx]), "ls": ls,
               "rne": e["rne"].to_numpy()[la_idx]} if drill() else None)
    # breakdown "number of children": the same rows; the engine shows the numerator (a count)
    return concat_events([ev, ev.assign(breakdown=NUMBER)])


def _missing_windows(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """(child*nm+m, MIS_START) of each missing incident (MISSING_TYPES) starting in the 12
    months to month-end m; rows without a child or start are left out (cached per run)."""
    cache = ctx.__dict__.setdefault("_missing_windows", {})
    if not cache:
        mi = ctx.records.missing
        code, start = ctx.codes("missing"), days(mi["start"])
        ok = (code >= 0) & (start != NAT) & np.isin(text(mi["missing_type"]),
                                                    list(MISSING_TYPES))
        code, start = code[ok], start[ok]
        idx, mm = ctx.window_pairs(start, ctx.ws12)
        cache.update(k=code[idx] * ctx.nm + mm, start=start[idx])
    return cache["k"], cache["start"]


def _missing_counts(ctx: Context, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted unique keys child*nm+m: missing incidents (MISSING_TYPES) starting in the 12
    months to month-end m, and the latest such start (NAT when none)."""
    n = np.zeros(len(keys), dtype=np.int64)
    latest = np.full(len(keys), NAT, dtype=np.int64)
    if len(ctx.records.missing) == 0 or len(keys) == 0:
        return n, latest
    k, start = _missing_windows(ctx)
    pos = np.searchsorted(keys, k)
    pos = np.minimum(pos, len(keys) - 1)
    hit = keys[pos] == k
    n = np.bincount(pos[hit], minlength=len(keys)).astype(np.int64)
    if drill():  # the latest start is a drill-down column only
        np.maximum.at(latest, pos[hit], start[hit])
    return n, latest


def cla_missing(ctx: Context) -> pd.DataFrame:
    """Children in care who have had a missing episode(s) within the last 12 months [V]
    (SSDA903 Missing; DfE "children who had a missing incident during the year").

    National rule [V]: children with >= 1 missing incident ÷ all children looked after during the
    year, excluding children looked after only under short-term placements. Rule here:
    - Cohort (headline): children looked after at any time in the 12 months to the month-end (an
      episode with DECOM <= month-end and DEC >= the window's first day, or open: a child who
      ceased on the window's first day was looked after that day and is in, as DfE counts;
      a one-day episode follows the same rule, `Context.during_pairs`) [V]) in an
      episode whose legal status is not a short break (V3/V4, `SHORT_BREAK_LS`): a child with
      only short-break episodes in the window is out [V].
    - Numerator: >= 1 missing incident of type "M" (`MISSING_TYPES`) whose MIS_START is in the 12
      months to the month-end. "A" (away from placement without authorisation) does not count:
      DfE's missing measure counts missing incidents and reports absences separately [V/I].
      The incident is not checked against the child's episodes (the 903 records incidents while
      looked after) [I]; rows without a child id or start date are ignored [I].
    - Breakdown "looked after at month-end": the same numerator over children looked after at
      the month-end (not short breaks; `cla_s20`'s cohort) — the reading of the local scorecard's
      "children in care who have had ..." [I].
    Period rule: rolling 12 months to month-end (DfE: the year to 31 March). Attribution: the
    worker allocated at the month-end (for children who have left care: often "unallocated").
    """
    e = ctx.episodes
    ecode = e["code"].to_numpy()
    sb = e["short_break"].to_numpy()
    ei = np.flatnonzero(~sb)
    i, m = ctx.during_pairs(e["decom"].to_numpy()[ei], e["dec"].to_numpy()[ei], ctx.ws12)
    year_keys = distinct(ecode[ei][i] * ctx.nm + m)
    la_idx, la_m = _cla_at_month_end(ctx)
    me_keys = distinct(ecode[la_idx] * ctx.nm + la_m)
    frames = []
    for breakdown, keys in (("", year_keys), (LA_AT_MONTH_END, me_keys)):
        n, latest = _missing_counts(ctx, keys)
        code, mk = keys // max(ctx.nm, 1), keys % max(ctx.nm, 1)
        team, worker = ctx.attribute(code, mk)
        frames.append(event_frame(
            mk, breakdown=breakdown, child=code, team=team, worker=worker, in_numerator=n > 0,
            extra={"missing_incidents_in_window": n,
                   "latest_missing_start": to_dates(latest)} if drill() else None))
    return concat_events(frames)


#: "over the last 18 months" (local).
CHANGE_MONTHS = 18


def cla_change_18m(ctx: Context) -> pd.DataFrame:
    """Change in the number of children in care over the last 18 months, in percent (local;
    Appendix 1 "Change in the proportion of children in care over the last 18 months") [I].

    Children looked after (SSDA903, not short breaks V3/V4) at the month-end, against those
    looked after at the month-end 18 calendar months before: 100 x (now - then) / then. The
    scorecard's "proportion" is a rate per child population; with the population unchanged
    over 18 months its change is the change in the count [I] (no population in the records).
    Rows: each child looked after now (num 1) and then (den 1): numerator = children now,
    denominator = children then, value = 100 x (num / den - 1) (engine `Spec.change`).
    Council level only is meaningful: every row is "unallocated".
    """
    e = ctx.episodes
    sb = e["short_break"].to_numpy()
    code, decom, dec = (e[c].to_numpy()[~sb] for c in ("code", "decom", "dec"))
    then = shift_months(ctx.me + 1, -CHANGE_MONTHS) - 1
    parts = []
    for d, now in ((ctx.me, True), (then, False)):
        order = np.argsort(d, kind="stable")
        lo = np.searchsorted(d[order], decom, "left")
        hi = np.searchsorted(d[order], dec, "left")
        idx, k = expand(lo, hi)
        key = distinct(code[idx] * max(ctx.nm, 1) + order[k])
        c, m = key // max(ctx.nm, 1), key % max(ctx.nm, 1)
        parts.append(event_frame(
            m, breakdown="", child=c, team=np.zeros(len(c), np.int64),
            worker=np.zeros(len(c), np.int64), in_numerator=np.full(len(c), now),
            num=np.full(len(c), float(now)), den=np.full(len(c), float(not now)),
            extra={"looked_after_on": to_dates(d[m])} if drill() else None))
    return concat_events(parts)


__all__ = ["cla_s20", "cla_missing", "cla_change_18m", "S20_LS", "MISSING_TYPES"]
