"""Children in care reviews on time (SSDA903 Reviews).

Timings: the Care Planning, Placement and Case Review (England) Regulations 2010, regulation 33
[V: the regulations; not in ../shared/reference]: first review within 20 working days of the
date the child became looked after, the second within 3 months of the first, later ones at
most 6 months after the previous (kpis/data/records/timescales.yml `cla_reviews`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import NAT, days, drill, event_frame, shift_months, to_dates
from kpis.records.indicators.context import Context
from kpis.records.indicators.snapshot import timescales
from kpis.records.workdays import calendar


def cla_reviews(ctx: Context) -> pd.DataFrame:
    """Children in care whose statutory review is up to date at the month-end [V timings; I
    cohort and rule].

    Cohort: children looked after at the month-end (SSDA903; not short breaks V3/V4). Reviews:
    the child's 903 REVIEW dates in the current period of care (on or after its start, on or
    before the month-end). Next review due: none held -> period start + 20 working days; one ->
    that review + 3 months; two or more -> the latest + 6 months. Numerator: the due date is on
    or after the month-end (no review overdue at it) [I]. Period rule: at month-end.
    Attribution: the worker allocated at the month-end.
    """
    e = ctx.episodes
    la_idx, m = ctx.looked_after
    keep = ~e["short_break"].to_numpy()[la_idx]
    la_idx, m = la_idx[keep], m[keep]
    code = e["code"].to_numpy()[la_idx]
    ps = e["period_start"].to_numpy()[la_idx]
    me = ctx.me[m]
    rv = ctx.records.reviews
    rc, rd = ctx.codes("reviews"), days(rv["review"]) if len(rv) else np.empty(0, np.int64)
    ok = (rc >= 0) & (rd != NAT)
    big = np.int64(1) << 40
    k = np.sort(rc[ok] * big + rd[ok])
    hi = np.searchsorted(k, code * big + me, "right")
    lo = np.searchsorted(k, code * big + ps, "left")
    n = hi - lo
    last = np.where(n > 0, k[np.maximum(hi - 1, 0)] % big if len(k) else NAT, NAT)
    t = timescales()["cla_reviews"]
    first_due = np.full(len(ps), NAT, dtype=np.int64)
    okp = ps != NAT
    if okp.any():
        first_due[okp] = np.busday_offset(
            ps[okp].view("datetime64[D]"), int(t["first_working_days"]), roll="forward",
            busdaycal=calendar()).view(np.int64)
    due = np.where(n == 0, first_due,
                   np.where(n == 1, shift_months(last, int(t["second_months"])),
                            shift_months(last, int(t["then_months"]))))
    team, worker = ctx.attribute(code, m)
    return event_frame(m, breakdown="", child=code, team=team, worker=worker,
                       in_numerator=due >= me, extra={
                           "period_start": to_dates(ps), "reviews_in_period": n,
                           "latest_review": to_dates(last), "next_review_due": to_dates(due)}
                               if drill() else None)


__all__ = ["cla_reviews"]
