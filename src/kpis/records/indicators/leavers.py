"""Care leavers (SSDA903 OC3): in touch, suitable accommodation, education/employment/training.

Definitions: /work/shared/reference/indicator-definitions.md ("Care leavers"): OC3 is recorded
for care leavers aged 17-21 around their birthday; IN_TOUCH YES/NO/DIED/REFU/NREQ/RHOM; EET =
ACTIV F1,P1,F2,P2,F4,P4,F5,P5 [C]; accommodation suitability is the ACCOM code's suffix, 1 =
suitable, 2 = not [I]. The code lists below are the rules.

OC3 is a yearly return: each row says where the care leaver was around their birthday in the
collection year. Period rule: one OC3 file gives one figure, at the month-end of the 903 data's
latest date (the return's year end, `oc3_day`) [I]; every other month-end has no rows.
Ages (19-21) are taken on that day from the OC3 DOB (else the child's) [I].
Team and worker: the worker allocated at that month-end (SWEpisodes), else "unallocated".
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
    shift_months,
    text,
    to_dates,
)
from kpis.records.indicators.context import Context
from kpis.records.indicators.snapshot import month_end

#: IN_TOUCH codes: in touch [V]; left out of every denominator: died [I].
IN_TOUCH = frozenset({"YES"})
OUT_OF_COHORT = frozenset({"DIED"})
#: ACTIV codes in education, employment or training [C].
EET = frozenset({"F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"})
#: ACCOM codes whose suffix says suitable [I] (e.g. B1 suitable, B2 unsuitable).
SUITABLE_SUFFIX = "1"
OC3_NOTE = "SSDA903 OC3: computed for the month of the return's latest date only"


def oc3_day(ctx: Context) -> int:
    """The OC3 reference day: the latest DECOM/DEC in the 903 episodes (NAT when none) [I]."""
    e = ctx.records.episodes
    best = NAT
    for c in ("decom", "dec"):
        if c in e and len(e):
            d = days(e[c])
            d = d[(d != NAT) & (d < OPEN)]
            if len(d):
                best = max(best, int(d.max()))
    return best


def _text(ctx: Context, col: str) -> np.ndarray:
    """`text` of an OC3 column, once per run (five indicators read the same three columns)."""
    cache = ctx.__dict__.setdefault("_oc3_text", {})
    if col not in cache:
        cache[col] = text(ctx.records.oc3[col])
    return cache[col]


def _cohort(ctx: Context, ages: tuple[int, int] | None) -> tuple[np.ndarray, ...]:
    """(OC3 row positions, m, DOB day numbers) of the cohort, once per run and age band."""
    cache = ctx.__dict__.setdefault("_oc3_cohort", {})
    if ages not in cache:
        cache[ages] = _cohort_of(ctx, ages)
    return cache[ages]


def _cohort_of(ctx: Context, ages: tuple[int, int] | None) -> tuple[np.ndarray, ...]:
    oc = ctx.records.oc3
    ref = oc3_day(ctx)
    empty = np.empty(0, dtype=np.int64)
    if len(oc) == 0 or ref == NAT or ctx.nm == 0:
        return empty, empty, empty
    me = month_end(np.array([ref]))[0]
    m = int(np.searchsorted(ctx.me, me))
    if m >= ctx.nm or ctx.me[m] != me:
        return empty, empty, empty
    touch = _text(ctx, "in_touch")
    keep = ~np.isin(touch, list(OUT_OF_COHORT))
    dob = days(oc["dob"])
    age = np.full(len(oc), -1)
    if ages is not None:
        for a in range(ages[0], ages[1] + 1):  # three ages
            age = np.where((dob != NAT) & (shift_months(dob, 12 * a) <= ref) &
                           (shift_months(dob, 12 * (a + 1)) > ref), a, age)
        keep &= age >= 0
    pos = np.flatnonzero(keep)
    return pos, np.full(len(pos), m, dtype=np.int64), dob[pos]


def _frame(ctx: Context, innum_of: object, ages: tuple[int, int] | None,
           breakdown: str = "") -> pd.DataFrame:
    pos, m, dob = _cohort(ctx, ages)
    code = ctx.codes("oc3")[pos]
    team, worker = ctx.attribute(code, m)
    innum = innum_of(pos) if len(pos) else np.zeros(0, bool)  # type: ignore[operator]
    return event_frame(m, breakdown=breakdown, child=code, team=team, worker=worker,
                       in_numerator=innum, extra={
                           "dob": to_dates(dob), "in_touch": _text(ctx, "in_touch")[pos],
                           "activ": _text(ctx, "activ")[pos],
                           "accom": _text(ctx, "accom")[pos]} if drill() else None)


def care_leavers_in_touch(ctx: Context) -> pd.DataFrame:
    """Care leavers in touch (SSDA903 OC3 IN_TOUCH) [V].

    Cohort: OC3 rows (care leavers 17-21) except those who died [I]. Numerator: IN_TOUCH = YES
    (NO, REFU, NREQ and RHOM are not in touch) [V]. The scorecard's "within the last 6 months"
    is local; OC3 records contact around the birthday [V]. Period rule: OC3 (module docstring).
    """
    touch = _text(ctx, "in_touch")
    return _frame(ctx, lambda p: np.isin(touch[p], list(IN_TOUCH)), None)


def _suitable(ctx: Context) -> object:
    acc = _text(ctx, "accom")
    return lambda p: np.char.endswith(acc[p].astype(str), SUITABLE_SUFFIX) & (acc[p] != "")


def _eet(ctx: Context) -> object:
    act = _text(ctx, "activ")
    return lambda p: np.isin(act[p], list(EET))


def care_leavers_suitable_accom_all(ctx: Context) -> pd.DataFrame:
    """Care leavers in suitable accommodation [V measure; I suffix rule] (SSDA903 OC3 ACCOM).

    Cohort: OC3 rows except those who died; accommodation not known counts in the denominator
    and not the numerator, as DfE's "all care leavers" denominator does [V/I]. Numerator: ACCOM
    ends in 1 (suitable). Period rule: OC3 (module docstring).
    """
    return _frame(ctx, _suitable(ctx), None)


def care_leavers_suitable_accom_19_21(ctx: Context) -> pd.DataFrame:
    """`care_leavers_suitable_accom_all` for care leavers aged 19, 20 or 21 on the reference day
    [I: age on the day, where DfE uses the age at the birthday in the year]."""
    return _frame(ctx, _suitable(ctx), (19, 21))


def care_leavers_eet_all(ctx: Context) -> pd.DataFrame:
    """Care leavers in education, employment or training [V] (SSDA903 OC3 ACTIV in F1, P1, F2,
    P2, F4, P4, F5, P5 [C]). Cohort: OC3 rows except those who died; activity not known counts
    in the denominator. Period rule: OC3 (module docstring)."""
    return _frame(ctx, _eet(ctx), None)


def care_leavers_eet_19_21(ctx: Context) -> pd.DataFrame:
    """`care_leavers_eet_all` for care leavers aged 19-21 on the reference day [I]."""
    return _frame(ctx, _eet(ctx), (19, 21))


__all__ = ["care_leavers_in_touch", "care_leavers_suitable_accom_all",
           "care_leavers_suitable_accom_19_21", "care_leavers_eet_all", "care_leavers_eet_19_21",
           "OC3_NOTE"]
