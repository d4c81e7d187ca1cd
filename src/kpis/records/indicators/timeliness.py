"""Timeliness: assessments in 45 working days, ICPCs in 15 working days, CP plans lasting 2 years.

Definitions: /work/shared/reference/indicator-definitions.md ("Children in Need census" and
"Working days"). Working days: kpis.records.workdays (busday_count over [start, end), weekends and
England & Wales bank holidays excluded; same day = 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import NAT, days, drill, event_frame, shift_months, to_dates
from kpis.records.indicators.context import Context
from kpis.records.workdays import working_days

ASSESSMENT_WD = 45
ICPC_WD = 15
CP_LONG_YEARS = 2


def _timed(ctx: Context, table: str, start_col: str, end_col: str, limit: int,
           names: tuple[str, str]) -> pd.DataFrame:
    a = ctx.annex(table, end_col)
    start = days(ctx.column(table, start_col, a["pos"]))
    end = a["d"]
    ok = (start != NAT) & (end != NAT) & (end >= start)
    wd = np.full(len(end), np.nan)
    if ok.any():
        wd[ok] = working_days(to_dates(start[ok]), to_dates(end[ok]))
    idx, m = ctx.window_pairs(np.where(ok, end, NAT), ctx.ws12)
    return event_frame(
        m, breakdown="", child=a["code"][idx], team=a["team"][idx], worker=a["worker"][idx],
        in_numerator=wd[idx] <= limit,
        extra={names[0]: to_dates(start[idx]), names[1]: to_dates(end[idx]),
               "working_days": wd[idx]} if drill() else None)


def assessment_45wd(ctx: Context) -> pd.DataFrame:
    """Assessments completed within 45 working days [V/I] (CIN census).

    Cohort: assessments (Annex A list 4) authorised in the 12 months to the month-end. Numerator:
    working days from start to authorisation <= 45 (same day = 0 [I]). Assessments with no start
    date or authorised before they started are left out of the cohort [I]. Period rule: rolling
    12 months to month-end (by authorisation date). Attribution: the row's team and worker.
    """
    return _timed(ctx, "assessments", "start_date", "auth_date", ASSESSMENT_WD,
                  ("start_date", "auth_date"))


def icpc_15wd(ctx: Context) -> pd.DataFrame:
    """ICPCs within 15 working days of the strategy discussion [V] (CIN census).

    Cohort: S47 enquiries (Annex A list 5; each counted) whose ICPC was held in the 12 months to
    the month-end. An ICPC dated before the strategy discussion is excluded from the cohort [V],
    as are rows with no strategy date [I]. Numerator: working days from the strategy discussion
    to the ICPC <= 15. Period rule: rolling 12 months to month-end (by ICPC date). Attribution:
    the row's team and worker.
    """
    return _timed(ctx, "s47", "strategy_date", "icpc_date", ICPC_WD,
                  ("strategy_date", "icpc_date"))


def cp_plans_ended_2y_plus(ctx: Context) -> pd.DataFrame:
    """CP plans lasting 2 years or more [V] (CIN census): plans *ending* in the period with
    end - start >= 2 years, i.e. end >= start + DateOffset(years=2) (a plan started 29 Feb 2020
    reaches 2 years on 28 Feb 2022). Cohort: plans (Annex A list 7) ending in the 12 months to
    the month-end; plans with no start date are left out [I]. Period rule: rolling 12 months to
    month-end (by end date). Attribution: the plan row's team and worker.
    """
    a = ctx.annex("cp_plans", "end_date")
    start = days(ctx.column("cp_plans", "start_date", a["pos"]))
    end = a["d"]
    ok = (start != NAT) & (end != NAT)
    long = ok & (end >= shift_months(start, 12 * CP_LONG_YEARS))
    idx, m = ctx.window_pairs(np.where(ok, end, NAT), ctx.ws12)
    return event_frame(
        m, breakdown="", child=a["code"][idx], team=a["team"][idx], worker=a["worker"][idx],
        in_numerator=long[idx],
        extra={"start_date": to_dates(start[idx]), "end_date": to_dates(end[idx])}
        if drill() else None)
