"""The synthetic council's parameters (`Params`), planted bad rows and the small vectorised
helpers the generator shares. How the generator works: kpis.synth.generate."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

PLANTED = {"unparseable date": 1, "end before start": 1, "duplicate row": 1, "unknown code": 1}
PLANTED_REPAIRS = {"duplicate_removed": 1, "open_closed_at_next_decom": 1}

DAY0 = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class Params:
    """Event probabilities, durations and hazards (per council of scale 1 = Gloucestershire)."""

    burn_in_years: float = 7.0
    new_children_per_year: float = 3000.0  # first referrals; chains make ~6,000 referrals/yr
    p_high_risk: float = 0.22
    p_cp_prone: float = 0.06  # children whose families keep returning to child protection
    prone_continue: float = 0.78  # P(a cp-prone child's referral is followed by another)
    p_s47_prone: float = 0.80
    p_icpc_prone: float = 0.80
    rereferral_12m: float = 0.42  # P(a referral is followed by another within 12 months)
    rereferral_later: float = 0.06  # P(... followed by another 12-36 months later)
    p_nfa: float = 0.08
    p_assessment_fast: float = 0.885  # assessment done within 60 calendar days
    p_cin_after_assessment: float = 0.35
    cin_mean_days: float = 150.0
    p_s47_high: float = 0.42
    p_s47_low: float = 0.12
    p_icpc: float = 0.33
    p_icpc_fast: float = 0.72
    p_plan: float = 0.80
    plan_median_days: float = 260.0
    plan_sigma: float = 0.55
    p_care_high: float = 0.115
    p_care_low: float = 0.013
    p_short_stay: float = 0.35
    short_stay_mean_days: float = 140.0
    long_stay_median_years: float = 3.2
    p_readmit: float = 0.65
    readmit_gap_mean_days: float = 150.0
    p_settled: float = 0.70
    move_rate_settled: float = 0.05  # placement moves per year
    move_rate_unsettled: float = 1.7
    p_early_move: float = 0.45  # a move in the first 4 months (emergency -> planned placement)
    p_s20_start: float = 0.22
    p_legal_change: float = 0.55
    p_temp_placement: float = 0.06  # per episode longer than 60 days
    p_missing_prone: float = 0.27
    missing_rate: float = 2.5  # episodes per year for missing-prone children
    target_caseload: float = 13.2  # children per FTE the council staffs for
    p_agency_post: float = 0.30  # share of posts filled by agency staff
    permanent_tenure_years: float = 4.0
    agency_tenure_years: float = 0.9
    # mean worker changes per year within a team (gamma-spread), by team kind (assessment,
    # safeguarding, children in care)
    reallocation_rate: tuple[float, float, float] = (4.5, 4.5, 2.7)
    # allocation gaps (kpis.synth.workforce._allocation_gaps): a case needing a worker (new,
    # transferred, its worker left) waits 1 + Exp(wait_mean_days) days with probability
    # p_wait, which moves linearly from p_wait[0] at wait_trend[0] to p_wait[1] at
    # wait_trend[1] (constant outside). Appendix 1: 88 children unallocated and 3 held by a
    # manager for more than 2 weeks in March 2017, none of either in June 2020; the path
    # between its two dates is our assumption (linear, reaching June 2020's level by March
    # 2020) [I].
    p_wait: tuple[float, float] = (0.35, 0.0)
    wait_trend: tuple[str, str] = ("2017-03-31", "2020-03-31")
    wait_mean_days: float = 60.0
    p_wait_manager: float = 0.035  # share of waits held by the team manager
    # care leavers (SSDA903 OC3): IN_TOUCH shares (YES, NO, REFU, NREQ) and ACTIV shares; EET
    # codes (F*, P*) sum to 0.40: the default council then shows 44% (Appendix 1, June 2020:
    # 43% all and 19-21)
    oc3_in_touch: tuple[float, float, float, float] = (0.96, 0.02, 0.01, 0.01)
    oc3_activity: tuple[tuple[str, float], ...] = (
        ("F1", 0.19), ("P1", 0.05), ("F2", 0.08), ("P2", 0.04), ("F4", 0.04),
        ("G4", 0.12), ("G5", 0.37), ("G6", 0.11))


# --------------------------------------------------------------------------------------------
# small vectorised helpers


def _group_starts(group: np.ndarray) -> np.ndarray:
    """Boolean: first row of each run of equal values (rows sorted by group)."""
    first = np.ones(len(group), dtype=bool)
    first[1:] = group[1:] != group[:-1]
    return first


def _group_cumsum(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group (rows sorted by group)."""
    c = np.cumsum(values)
    starts = np.flatnonzero(_group_starts(group))
    offset = np.repeat(c[starts] - values[starts], np.diff(np.append(starts, len(values))))
    return c - offset


def _next_in_group(values: np.ndarray, group: np.ndarray, fill: int) -> np.ndarray:
    """values[i+1] when row i+1 is in the same group, else `fill`."""
    out = np.full(len(values), fill, dtype=values.dtype)
    if len(values) > 1:
        same = group[1:] == group[:-1]
        out[:-1][same] = values[1:][same]
    return out


def _days(d: str | pd.Timestamp) -> int:
    return int((np.datetime64(pd.Timestamp(d).date(), "D") - DAY0).astype(int))


@cache
def _date_tables() -> tuple[np.ndarray, np.ndarray]:
    """Every day 1970-2079 formatted once as dd/mm/yyyy and ISO (then formatting is indexing)."""
    iso = np.datetime_as_string(DAY0 + np.arange(40000), unit="D").astype(object)
    s = pd.Series(iso, dtype=object)
    dmy = (s.str.slice(8, 10) + "/" + s.str.slice(5, 7) + "/" + s.str.slice(0, 4)).to_numpy()
    return np.append(dmy, ""), np.append(iso, "")


def _fmt(days: np.ndarray, which: int) -> pd.Series:
    d = np.asarray(days, dtype=np.int64)
    table = _date_tables()[which]
    return pd.Series(table[np.where((d >= 0) & (d < 40000), d, 40000)], dtype=object)


def _dmy(days: np.ndarray) -> pd.Series:
    """Day numbers -> 'dd/mm/yyyy' text ('' for OPEN)."""
    return _fmt(days, 0)


def _iso(days: np.ndarray) -> pd.Series:
    """Day numbers -> 'yyyy-mm-dd' text ('' for OPEN)."""
    return _fmt(days, 1)


def _dt(days: np.ndarray) -> pd.Series:
    d = np.asarray(days, dtype=np.int64)
    return pd.Series(np.where(d >= 0, DAY0 + d, np.datetime64("NaT")), dtype="datetime64[ns]")


OPEN = -1  # "no date" in day arrays


