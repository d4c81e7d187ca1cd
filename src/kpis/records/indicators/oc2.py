"""Health assessments and dental checks from the SSDA903 OC2 table, beside Annex A list 8.

OC2 ("outcomes for children looked after") is a year-end return: one row per child looked after
continuously for at least 12 months at 31 March (DfE's OC2 cohort: continuously looked after for
12 months at the year end, short-term placements / short breaks excluded [V: DfE, "Outcomes
for children looked after" methodology; not quoted in ../shared/reference]). Its answers are
yes/no for the year: HEALTH_CHECK (the child's annual health assessment is up to date) and
TEETH_CHECK (the child's teeth were checked by a dentist in the year) [V: SSDA903 guidance field
descriptions; the OC2 columns are in child-level-formats / FORMATS.md].

Period rule: OC2 gives a figure for one month-end only, the 31 March of its year. The table
holds no year, so the year is inferred [I]: of every 31 March the 903 episodes span, the one
whose cohort (children looked after continuously for 12 months then: a period of care that
began on or before 1 April of the year before, still open on 31 March, not a short break) best
matches the OC2 children: most OC2 children in it less its children missing from OC2 (ties:
the later year). Candidates run to the first 31 March on or after the episodes' latest date
(a return's own year end); a live extract's next 31 March, with children still open, does not
win over the year the return was made for, whose cohort is the OC2's own.

Cohort and numerator [V/I]: the OC2 rows themselves (the return's own cohort), leaving out a row
whose answer is blank [I]; numerator: the answer is yes. Age bands for the over/under 5 lines:
age on 31 March from the OC2 DOB, else the child's (header) DOB; no DOB: left out of the bands.
Attribution: the worker allocated on 31 March.

Which source when both are present - one rule [I]: Annex A list 8 wins for every month-end it
gives a figure for (it has the dates, and is the snapshot the scorecard's timescales are
written for); OC2 gives the figure for its 31 March only when Annex A gives none for that
month-end. Each row of the drill-down says its `source`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators import snapshot
from kpis.records.indicators.arrays import (
    NAT,
    OPEN,
    concat_events,
    drill,
    event_frame,
    shift_months,
    to_dates,
)
from kpis.records.indicators.context import Context

SOURCE_ANNEX, SOURCE_OC2 = "Annex A list 8", "SSDA903 OC2"
UNDER5_MONTHS = 60


def _march_31s(lo: int, hi: int) -> np.ndarray:
    """Day numbers of every 31 March from the year of `lo` to the year after `hi`."""
    y0 = int(np.int64(lo).astype("datetime64[D]").astype("datetime64[Y]").astype(int)) + 1970
    y1 = int(np.int64(hi).astype("datetime64[D]").astype("datetime64[Y]").astype(int)) + 1970
    return np.array([np.datetime64(f"{y}-03-31", "D").astype(np.int64)
                     for y in range(y0, y1 + 2)], dtype=np.int64)  # a few years


def year_end(ctx: Context) -> int:
    """The 31 March the OC2 table is for (day number; NAT when it cannot be told) [I]."""
    cache = ctx.__dict__.setdefault("_oc2_year_end", {})
    if "day" in cache:
        return cache["day"]
    e, oc2 = ctx.episodes, ctx.records.oc2
    day = NAT
    if len(e) and len(oc2):
        ok = ~e["short_break"].to_numpy()
        start, end = e["period_start"].to_numpy()[ok], e["period_end"].to_numpy()[ok]
        code = e["code"].to_numpy()[ok]
        oc2_codes = ctx.codes("oc2")
        want = np.unique(oc2_codes[oc2_codes >= 0])
        best = -(10 ** 9)
        dec = e["dec"].to_numpy()
        last = max(int(e["decom"].max()), int(dec[dec < OPEN].max()) if (dec < OPEN).any()
                   else NAT)
        years = _march_31s(int(start.min()), last)
        years = years[years <= years[years >= last].min()]  # none after the data's year end
        for y in years:  # one pass per year
            since = shift_months(np.array([y + 1]), -12)[0]
            cohort = np.unique(code[(start <= since) & (end > y)])
            hit = int(np.isin(want, cohort).sum())
            n = hit - (len(cohort) - hit)  # OC2 children in it, less cohort children not in OC2
            if hit > 0 and n >= best:
                best, day = n, int(y)
    cache["day"] = day
    return day


def _oc2_rows(ctx: Context, column: str, ages: str) -> pd.DataFrame:
    """Event frame of OC2 rows answering `column`, at the year-end's month-end."""
    oc2 = ctx.records.oc2
    y = year_end(ctx)
    empty = np.empty(0, dtype=np.int64)
    m_of = np.flatnonzero(ctx.me == y) if y != NAT else empty
    if not len(oc2) or not len(m_of) or column not in oc2:
        pos, ans = empty, np.zeros(0, bool)
    else:
        answers = oc2[column].astype("boolean")
        pos = np.flatnonzero(answers.notna().to_numpy() & (ctx.codes("oc2") >= 0))
        ans = answers.fillna(False).to_numpy(dtype=bool)[pos]
    dob = snapshot._dob(ctx, "oc2", pos) if len(pos) else empty
    under5 = (dob != NAT) & (y < shift_months(dob, UNDER5_MONTHS)) if len(pos) else \
        np.zeros(0, bool)
    keep = {"all": np.ones(len(pos), bool), "under5": under5,
            "over5": (dob != NAT) & ~under5}[ages]
    pos, ans, dob, under5 = pos[keep], ans[keep], dob[keep], under5[keep]
    m = np.full(len(pos), m_of[0] if len(m_of) else 0, dtype=np.int64)
    code = ctx.codes("oc2")[pos]
    team, worker = ctx.attribute(code, m)
    return event_frame(m, breakdown="", child=code, team=team, worker=worker,
                       in_numerator=ans, extra={
                           "source": np.full(len(pos), SOURCE_OC2, dtype=object),
                           "dob": to_dates(dob), "under_5": under5,
                           "year_end": to_dates(np.full(len(pos), y, dtype=np.int64)),
                           f"oc2_{column}": ans} if drill() else None)


def combine(annex: pd.DataFrame, oc2: pd.DataFrame) -> pd.DataFrame:
    """Annex A rows, plus OC2 rows of month-ends Annex A gives no rows for (module rule)."""
    annex = annex.assign(source=SOURCE_ANNEX)
    extra = oc2[~np.isin(np.asarray(oc2["m"]), np.asarray(annex["m"]))]
    if not len(extra):
        return annex
    return concat_events([annex, extra])


def health_assessments_cla(ctx: Context) -> pd.DataFrame:
    """Timeliness of health assessments for children in care: Annex A list 8
    (`snapshot.health_assessments_cla`), or SSDA903 OC2 HEALTH_CHECK at 31 March (module
    docstring: period rule, cohort, which source)."""
    return combine(snapshot.health_assessments_cla(ctx), _oc2_rows(ctx, "health_check", "all"))


def health_assessments_over5(ctx: Context) -> pd.DataFrame:
    """`health_assessments_cla` for children aged 5 and over (OC2: age on 31 March)."""
    return combine(snapshot.health_assessments_over5(ctx),
                   _oc2_rows(ctx, "health_check", "over5"))


def health_assessments_under5(ctx: Context) -> pd.DataFrame:
    """`health_assessments_cla` for children under 5 (OC2: age on 31 March)."""
    return combine(snapshot.health_assessments_under5(ctx),
                   _oc2_rows(ctx, "health_check", "under5"))


def dental_assessments(ctx: Context) -> pd.DataFrame:
    """Timeliness of dental checks: Annex A list 8 (`snapshot.dental_assessments`), or SSDA903
    OC2 TEETH_CHECK at 31 March (module docstring)."""
    return combine(snapshot.dental_assessments(ctx), _oc2_rows(ctx, "teeth_check", "all"))


__all__ = ["health_assessments_cla", "health_assessments_over5", "health_assessments_under5",
           "dental_assessments", "year_end", "combine", "SOURCE_ANNEX", "SOURCE_OC2"]
