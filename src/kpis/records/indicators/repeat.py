"""Repeat work: re-referrals, repeat child protection plans, returns to care.

Definitions: /work/shared/reference/indicator-definitions.md (marks [V]/[C]/[I] as there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import (
    NAT,
    OPEN,
    concat_events,
    dated_rank,
    drill,
    event_frame,
    previous_in_group,
    shift_months,
    to_dates,
)
from kpis.records.indicators.context import Context

#: "within 12 months" look-back, in calendar months (pd.DateOffset semantics) [V: 12 months].
LOOKBACK_MONTHS = 12


def within_months(prev: np.ndarray, d: np.ndarray, months: int = LOOKBACK_MONTHS) -> np.ndarray:
    """prev is within `months` calendar months before d: prev >= d - DateOffset(months).

    Exactly 12 months earlier counts as within [I]; 29 Feb 2020 looks back to 28 Feb 2019.
    """
    return (prev != NAT) & (prev < OPEN) & (prev >= shift_months(d, -months))


def re_referrals(ctx: Context) -> pd.DataFrame:
    """Re-referrals [V] (CIN census): referrals within 12 months of the child's previous referral.

    Cohort: every referral (Annex A list 3; NFA referrals included, each referral counted) dated
    in the 12 months to the month-end. Numerator: the child's previous referral (any date — the
    look-back may reach before the window [I]) is on or after referral date - 12 calendar
    months (`within_months`: exactly 12 months later counts as a re-referral [I]; for a referral
    on 29 Feb 2020 the look-back starts 28 Feb 2019). Two referrals of a child on the same day:
    the second is a re-referral [I]. Period rule: rolling 12 months to month-end.
    Attribution: the referral row's team and worker.
    """
    r = ctx.annex("referrals", "referral_date")
    code, d = r["code"], r["d"]
    prev = previous_in_group(code, d)
    within = within_months(prev, d)
    idx, m = ctx.window_pairs(d, ctx.ws12)
    return event_frame(
        m, breakdown="", child=code[idx], team=r["team"][idx], worker=r["worker"][idx],
        in_numerator=within[idx],
        extra={"referral_date": to_dates(d[idx]), "previous_referral": to_dates(prev[idx])}
        if drill() else None)


def repeat_cp(ctx: Context) -> pd.DataFrame:
    """Second or subsequent CP plans [V] (DfE CIN census table D3, former NI 65).

    Cohort: CP plans (Annex A list 7) starting in the period. Numerator: the plan is a second or
    subsequent one *at any time*: the child has an earlier plan start in the data, or the list's
    "Number of Previous Child Protection Plans" > 0. Two plans of a child starting on the same
    day: the second counts as a repeat [I]; a plan row with no start date is not an earlier
    plan [I]. Period rules: headline = plans starting in the
    calendar month, as Appendix 1's "Repeat CP plans (in month)" (id `repeat_cp`); breakdown
    "rolling 12 months" = plans starting in the 12 months to month-end (the D3 measure over a
    year). Attribution: the plan row's team and worker.
    """
    p = ctx.annex("cp_plans", "start_date")
    prev_n = pd.to_numeric(ctx.column("cp_plans", "previous_plans", p["pos"]), errors="coerce")
    prev_n = prev_n.fillna(0).to_numpy(dtype=float)
    code, d = p["code"], p["d"]
    rank = dated_rank(code, d)  # an undated plan is not known to be earlier [I]
    repeat = (rank > 0) | (prev_n > 0)
    frames = []
    for breakdown, ws in (("", ctx.ws1), ("rolling 12 months", ctx.ws12)):
        idx, m = ctx.window_pairs(d, ws)
        frames.append(event_frame(
            m, breakdown=breakdown, child=code[idx], team=p["team"][idx],
            worker=p["worker"][idx],
            in_numerator=repeat[idx],
            extra={"plan_start": to_dates(d[idx]), "earlier_plans_in_data": rank[idx],
                   "previous_plans": prev_n[idx]} if drill() else None))
    return concat_events(frames)


def returns_to_care(ctx: Context) -> pd.DataFrame:
    """Returns to care [I] — no official LA definition (indicator-definitions.md, SSDA903).

    Closest national wording: Annex A list 8 "second or subsequent period of being looked after
    within the last 12 months". Rule here [I]: cohort = periods of care (SSDA903 episodes from an
    RNE "S" episode to the episode whose REC is not X1; see `Context.episodes`) starting in the
    period, leaving out periods made only of short breaks (legal status V3/V4), as every other
    children-in-care measure and DfE do [V] (nor is a short-break-only period a "previous"
    period); numerator = the child's previous period of care ended within 12 months before this
    one started (previous end >= start - 12 calendar months, `within_months`; exactly 12 months
    counts). Period rules: headline = rolling 12 months to month-end; breakdown "single month" =
    periods of care starting in the calendar month (Appendix 1 prints one, "50% (June 20)").
    Attribution: the worker allocated at the month-end (SWEpisodes), else "unallocated".
    """
    e = ctx.episodes
    # periods of care made only of short breaks (LS V3/V4) are not periods of care here [V]
    sb = e["short_break"].to_numpy()
    full = np.bincount(e["period"].to_numpy()[~sb], minlength=len(e)) > 0 if len(e) else \
        np.zeros(0, bool)
    e = e[full[e["period"].to_numpy()]] if len(e) else e
    starts = e[e["period_start"] == e["decom"]].drop_duplicates("period")
    code = starts["code"].to_numpy()
    d = starts["period_start"].to_numpy()
    end = starts["period_end"].to_numpy()
    prev_end = previous_in_group(code, end)
    within = within_months(prev_end, d)
    frames = []
    for breakdown, ws in (("", ctx.ws12), ("single month", ctx.ws1)):
        idx, m = ctx.window_pairs(d, ws)
        team, worker = ctx.attribute(code[idx], m)
        frames.append(event_frame(
            m, breakdown=breakdown, child=code[idx], team=team, worker=worker,
            in_numerator=within[idx],
            extra={"period_start": to_dates(d[idx]),
                   "previous_period_end": to_dates(prev_end[idx])} if drill() else None))
    return concat_events(frames)
