"""`kpis synth`: synthetic councils written in the real file formats, from event histories.

Nothing here stamps an outcome: every indicator the engine computes emerges from the event
probabilities, durations and hazards in `Params` (for example the share of referrals followed by
another within 12 months, the placement-move hazard, the probability a child who went home comes
back into care). The default `Params` are calibrated so the default council's computed June 2020
values land near Gloucestershire's Appendix 1 (re-referrals ~32%, repeat CP plans ~33%, 3+
placements ~17.5%, long-term stability ~60%, assessments in 45 working days ~88%, ICPCs in 15
working days ~73%, caseload ~14 per FTE, agency ~29%, section 20 ~27%, children in care with
a missing episode in 12 months ~15%).

The simulation runs from `start - Params.burn_in_years` so children already in care, on plans or
with earlier referrals at `start` have a history; files hold the events from `start` to `end`
(SSDA903 episodes of every period of care still open or ended within a year before `start`).

How one council is generated (all vectorised with numpy; one Generator per council):
1. Referral chains: each child's first referral arrives uniformly in time; each referral is
   followed by another within 12 months with probability `rereferral_12m`, later with
   `rereferral_later` (geometric chains). A child is `high risk` with probability `p_high_risk`.
2. Each referral: contact the same day or up to 2 days before (plus unconverted contacts);
   NFA with `p_nfa`; otherwise an assessment whose length is drawn from a two-part mixture
   (`p_assessment_fast` within 60 calendar days); S47 with a risk-dependent probability; ICPC
   (`p_icpc`), on time with `p_icpc_fast`; CP plan (`p_plan`) lasting a lognormal time. The next
   referral comes after the plan (or period of care) ends. `previous_plans` counts plans earlier
   in the child's history.
3. Care: a referral starts a period of care with a risk-dependent probability. Periods last a
   mixture of short (return home) and long stays, end at 18 at the latest; REC codes follow
   the route out (home, adoption, SGO, 18+). Children who went home return with probability
   `p_readmit`. Inside a period: placement moves are a Poisson process (rate by child type,
   plus an early move), legal status changes (interim -> full care order, `L` episodes), placements
   for adoption (with the existing foster carer `U`, else `B`), temporary placements T0-T4 with
   a return to the same carer. Missing episodes are a Poisson process for missing-prone children.
   Care leavers aged 17-21 at `end` get an OC3 row.
4. Workforce: teams of three kinds (assessment, safeguarding, children in care) sized to their
   demand at `target_caseload`; each post is a chain of workers (permanent or agency, exponential
   tenures, vacancy gaps); FTE 1.0, 0.8 or 0.5. Children open to social care (assessment/CIN,
   CP plan, care) are allocated to a worker in the right team, weighted by FTE; the worker
   changes at transfers between teams, at random reallocations and when the worker leaves.

Planted bad rows, per council (so the quarantine and the repairs are exercised; see `PLANTED`):
- Annex A list 3 (referrals): one referral date `31/02/<year>` -> quarantine "unparseable date";
- Annex A list 7 (CP plans): one plan whose end is before its start -> "end before start";
- Annex A list 4 (assessments): one row written twice -> "duplicate row";
- SSDA903 missing.csv: one missing episode of type `X` -> "unknown code";
- SSDA903 episodes.csv: one episode written twice -> repair "duplicate_removed", and one closed
  episode followed by a later one written as open (DEC and REC blank) -> repair
  "open_closed_at_next_decom".
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from kpis.io import atomic_path

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
    reallocation_rate: float = 2.7  # mean worker changes per year within a team (gamma-spread)


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


# --------------------------------------------------------------------------------------------
# 1-3: children, referral chains, CP, care


@dataclass
class Sim:
    """All generated events of one council (day numbers; OPEN = -1 for 'not yet')."""

    children: pd.DataFrame
    referrals: pd.DataFrame
    contacts: pd.DataFrame
    assessments: pd.DataFrame
    s47: pd.DataFrame
    cp_plans: pd.DataFrame
    periods: pd.DataFrame
    episodes: pd.DataFrame
    missing: pd.DataFrame
    oc3: pd.DataFrame
    workers: pd.DataFrame
    allocations: pd.DataFrame
    team_names: list[str]


def simulate(rng: np.random.Generator, start: str, end: str, scale: float = 1.0,
             params: Params | None = None, prefix: str = "C") -> Sim:
    """Generate one council's event histories (see module docstring)."""
    p = params or Params()
    t_out = _days(start)
    t_end = _days(end)
    t0 = t_out - int(p.burn_in_years * 365.25)
    years = (t_end - t0) / 365.25

    # children and referral chains ------------------------------------------------------
    n_child = int(rng.poisson(p.new_children_per_year * scale * years))
    first = rng.integers(t0, t_end + 1, n_child)
    age0 = 17.6 * rng.beta(1.1, 1.5, n_child)
    dob = first - (age0 * 365.25).astype(np.int64)
    u_risk = rng.random(n_child)
    prone = u_risk < p.p_cp_prone
    high = u_risk < p.p_cp_prone + p.p_high_risk
    sex = np.where(rng.random(n_child) < 0.52, 1, 2)
    cont = p.rereferral_12m + p.rereferral_later
    n_ref = rng.geometric(1 - np.where(prone, p.prone_continue, cont), n_child)
    child = np.repeat(np.arange(n_child), n_ref)
    n = len(child)
    idx_in = np.arange(n) - np.repeat(np.cumsum(n_ref) - n_ref, n_ref)
    within = rng.random(n) < p.rereferral_12m / cont
    base_gap = np.where(within, rng.integers(20, 350, n), rng.integers(380, 1100, n))

    hi = high[child]
    nfa = rng.random(n) < p.p_nfa
    pr = prone[child]
    s47 = ~nfa & (rng.random(n) < np.where(pr, p.p_s47_prone,
                                           np.where(hi, p.p_s47_high, p.p_s47_low)))
    icpc = s47 & (rng.random(n) < np.where(pr, p.p_icpc_prone, p.p_icpc))
    plan = icpc & (rng.random(n) < p.p_plan)
    care = ~nfa & (rng.random(n) < np.where(hi, p.p_care_high, p.p_care_low))
    # durations that hold up the next referral
    a_start_off = rng.integers(0, 5, n)
    fast = rng.random(n) < p.p_assessment_fast
    a_len = np.where(fast, rng.integers(3, 61, n), rng.integers(70, 160, n))
    s_off = rng.integers(0, 10, n)
    icpc_fast = rng.random(n) < p.p_icpc_fast
    icpc_len = np.where(icpc_fast, rng.integers(3, 20, n), rng.integers(23, 55, n))
    plan_len = np.exp(np.log(p.plan_median_days) + p.plan_sigma * rng.standard_normal(n))
    plan_len = np.maximum(plan_len.astype(np.int64), 30)
    short = rng.random(n) < p.p_short_stay
    stay = np.where(short, rng.exponential(p.short_stay_mean_days, n) + 7,
                    np.exp(np.log(p.long_stay_median_years * 365.25)
                           + 0.8 * rng.standard_normal(n)))
    stay = stay.astype(np.int64)
    care_start_off = a_start_off + rng.integers(0, 40, n)
    cin = ~nfa & ~plan & ~care & (rng.random(n) < p.p_cin_after_assessment)
    cin_len = rng.exponential(p.cin_mean_days, n).astype(np.int64) + 30
    hold = (np.where(plan, s_off + icpc_len + plan_len, 0)
            + np.where(care, care_start_off + stay, 0)
            + np.where(cin, a_len + cin_len, 0))
    gap_after = base_gap + hold
    gap_before = np.zeros(n, dtype=np.int64)
    gap_before[1:] = gap_after[:-1]
    gap_before[idx_in == 0] = 0
    ref_day = first[child] + _group_cumsum(gap_before, child)
    keep = ref_day <= t_end
    # care must start before 18
    age_at_care = (ref_day + care_start_off - dob[child]) / 365.25
    care &= age_at_care < 17.5

    R = pd.DataFrame({
        "child": child, "day": ref_day, "nfa": nfa, "s47": s47, "icpc": icpc, "plan": plan,
        "care": care, "a_start": ref_day + a_start_off, "a_end": ref_day + a_start_off + a_len,
        "cin_end": ref_day + a_start_off + a_len + np.where(cin, cin_len, 0),
        "s_day": ref_day + a_start_off + s_off,
        "icpc_day": ref_day + a_start_off + s_off + icpc_len,
        "plan_end": ref_day + a_start_off + s_off + icpc_len + plan_len,
        "care_start": ref_day + care_start_off, "stay": stay, "short": short,
    })[keep].reset_index(drop=True)

    # care periods (first wave from referrals, then readmissions) -------------------------
    P = R.loc[R["care"], ["child", "care_start", "stay", "short"]].rename(
        columns={"care_start": "start"})
    P = P[P["start"] <= t_end]
    waves = [P]
    cur = P
    for _ in range(4):  # a handful of readmission waves, each vectorised
        cur = cur.assign(end=cur["start"] + cur["stay"])
        age_end = (cur["end"].to_numpy() - dob[cur["child"].to_numpy()]) / 365.25
        home = cur["short"].to_numpy() & (age_end < 17)
        back = home & (rng.random(len(cur)) < p.p_readmit)
        m = int(back.sum())
        if m == 0:
            break
        nxt = pd.DataFrame({
            "child": cur["child"].to_numpy()[back],
            "start": cur["end"].to_numpy()[back] + rng.exponential(
                p.readmit_gap_mean_days, m).astype(np.int64) + 14,
            "stay": np.where(rng.random(m) < 0.5, rng.exponential(p.short_stay_mean_days, m) + 7,
                             np.exp(np.log(p.long_stay_median_years * 365.25)
                                    + 0.8 * rng.standard_normal(m))).astype(np.int64),
            "short": rng.random(m) < 0.5,
        })
        nxt = nxt[nxt["start"] <= t_end]
        waves.append(nxt)
        cur = nxt
    P = pd.concat(waves, ignore_index=True).sort_values(["child", "start"], kind="stable")
    # no overlapping periods for a child: drop a period starting before the previous ended
    pc = P["child"].to_numpy()
    pend = pd.Series((P["start"] + P["stay"]).to_numpy())
    prev_end = pend.groupby(pc).cummax().groupby(pc).shift(1).fillna(-10**9).to_numpy()
    P = P[P["start"].to_numpy() > prev_end + 1].reset_index(drop=True)
    P = _finish_periods(rng, P, dob, t_end, p)
    E = _episodes(rng, P, t_end, p)
    M = _missing(rng, P, dob, t_end, p)
    OC = _oc3(rng, P, dob, t_end)

    # Annex A tables -----------------------------------------------------------------------
    R["a_end"] = np.where(R["nfa"], OPEN, np.where(R["a_end"] <= t_end, R["a_end"], OPEN))
    A = R.loc[~R["nfa"] & (R["a_start"] <= t_end), ["child", "a_start", "a_end"]]
    S = R.loc[R["s47"] & (R["s_day"] <= t_end), ["child", "s_day", "icpc", "icpc_day"]].copy()
    S["icpc_day"] = np.where(S["icpc"] & (S["icpc_day"] <= t_end), S["icpc_day"], OPEN)
    C = R.loc[R["plan"] & (R["icpc_day"] <= t_end), ["child", "icpc_day", "plan_end"]].rename(
        columns={"icpc_day": "start", "plan_end": "end"})
    C = C.sort_values(["child", "start"], kind="stable")
    C["previous"] = C.groupby("child").cumcount()
    C["end"] = np.where(C["end"] <= t_end, C["end"], OPEN)
    # contacts: one before each referral, plus as many that went no further
    n_extra = int(len(R) * 0.9)
    known = rng.random(n_extra) < 0.5
    extra_child = np.where(known, rng.integers(0, max(n_child, 1), n_extra), -1)
    ct = pd.DataFrame({
        "child": np.concatenate([R["child"].to_numpy(), extra_child]),
        "day": np.concatenate([R["day"].to_numpy() - rng.integers(0, 3, len(R)),
                               rng.integers(t0, t_end + 1, n_extra)]),
        "source": rng.choice(np.array(["Police", "School", "Health", "Individual",
                                       "LA services", "Other"]),
                             len(R) + n_extra, p=[0.3, 0.2, 0.17, 0.1, 0.13, 0.1]),
    })
    # children who only ever had a contact
    is_new = (ct["child"] == -1).to_numpy()
    n_new = int(is_new.sum())
    ct.loc[is_new, "child"] = n_child + np.arange(n_new)
    dob = np.concatenate([dob, ct["day"].to_numpy()[is_new] - rng.integers(0, 17 * 365, n_new)])
    ct = ct.drop_duplicates(["child", "day"], keep="first")
    sex = np.concatenate([sex, np.where(rng.random(n_new) < 0.5, 1, 2)])
    K = pd.DataFrame({"child": np.arange(len(dob)), "dob": dob, "sex": sex})

    W, AL, teams = _workforce(rng, R, C, P, t0, t_end, scale, p)
    return Sim(children=K, referrals=R, contacts=ct, assessments=A, s47=S, cp_plans=C,
               periods=P, episodes=E, missing=M, oc3=OC, workers=W, allocations=AL,
               team_names=teams)


def _finish_periods(rng: np.random.Generator, P: pd.DataFrame, dob: np.ndarray, t_end: int,
                    p: Params) -> pd.DataFrame:
    """End day (capped at 18), REC code, initial legal status and child type for each period."""
    n = len(P)
    child = P["child"].to_numpy()
    start = P["start"].to_numpy()
    eighteen = dob[child] + int(18 * 365.25)
    end = np.minimum(start + P["stay"].to_numpy(), eighteen)
    aged_out = end == eighteen
    age_start = (start - dob[child]) / 365.25
    short = P["short"].to_numpy()
    u = rng.random(n)
    rec = np.where(short, np.where(u < 0.6, "E13", "E4A"),
                   np.where(age_start < 5, np.where(u < 0.55, "E11", np.where(u < 0.8, "E45",
                                                                                "E13")),
                            np.where(u < 0.3, "E45", np.where(u < 0.6, "E13", "E8"))))
    rec = np.where(aged_out, np.where(u < 0.5, "E17", "E5"), rec)
    open_ = end > t_end
    ok = start < eighteen - 60
    out = P.assign(end=np.where(open_, OPEN, end), rec=np.where(open_, "", rec),
                   age_start=age_start, settled=rng.random(n) < p.p_settled,
                   s20=rng.random(n) < np.where(short, 0.8, p.p_s20_start),
                   period=0)
    out = out[ok].reset_index(drop=True)
    out["period"] = np.arange(len(out))
    return out


def _episodes(rng: np.random.Generator, P: pd.DataFrame, t_end: int,
              p: Params) -> pd.DataFrame:
    """Episodes of every period: start, moves, legal changes, adoption, temporary placements."""
    n = len(P)
    start = P["start"].to_numpy()
    stop = np.where(P["end"].to_numpy() == OPEN, t_end + 1, P["end"].to_numpy())
    dur = np.maximum(stop - start, 1)
    rate = np.where(P["settled"].to_numpy(), p.move_rate_settled, p.move_rate_unsettled)
    k = rng.poisson(rate * dur / 365.25)
    early = (rng.random(n) < p.p_early_move) & (dur > 20)
    legal = (~P["s20"].to_numpy() | (rng.random(n) < 0.3)) & (rng.random(n) < p.p_legal_change)
    adopt = (P["rec"].to_numpy() == "E11")
    adopt_same = adopt & (rng.random(n) < 0.35)
    # event tables: kind 0 start, 1 move, 2 legal change, 3 adoption same carer, 4 adoption new
    pid = np.arange(n)
    ev_p = [pid, np.repeat(pid, k), pid[early], pid[legal], pid[adopt_same],
            pid[adopt & ~adopt_same]]
    ev_t = [start,
            np.repeat(start, k) + (rng.random(int(k.sum())) * np.repeat(dur, k)).astype(np.int64),
            start[early] + (rng.random(int(early.sum())) * np.minimum(dur[early], 120)
                            ).astype(np.int64),
            start[legal] + (rng.random(int(legal.sum())) * np.minimum(dur[legal], 300)
                            ).astype(np.int64),
            stop[adopt_same] - rng.integers(120, 330, int(adopt_same.sum())),
            stop[adopt & ~adopt_same] - rng.integers(120, 330, int((adopt & ~adopt_same).sum()))]
    ev_k = [np.zeros(n, np.int8), np.ones(int(k.sum()), np.int8),
            np.ones(int(early.sum()), np.int8), np.full(int(legal.sum()), 2, np.int8),
            np.full(int(adopt_same.sum()), 3, np.int8),
            np.full(int((adopt & ~adopt_same).sum()), 4, np.int8)]
    ev = pd.DataFrame({"period": np.concatenate(ev_p), "day": np.concatenate(ev_t),
                       "kind": np.concatenate(ev_k)})
    ev = ev[(ev["kind"] == 0) | (ev["day"] > start[ev["period"]])]
    ev = ev.sort_values(["period", "day", "kind"], kind="stable")
    ev = ev.drop_duplicates(["period", "day"], keep="last").reset_index(drop=True)
    m = len(ev)
    per = ev["period"].to_numpy()
    kind = ev["kind"].to_numpy()
    age = P["age_start"].to_numpy()[per]
    # placements: a new carer at start, move and adoption with a new family
    new_carer = np.isin(kind, [0, 1, 4])
    r = rng.random(m)
    place = np.where(age >= 16, np.where(r < 0.5, "H5", "U3"),
                     np.where(r < 0.12, "K2", np.where(r < 0.17, "R1",
                              np.where(r < 0.45, "U1", np.where(r < 0.8, "U4", "U6")))))
    place = np.where(kind == 4, "A5", place)
    urn = np.where(place == "K2", "SC" + pd.Series(rng.integers(100000, 999999, m)).astype(str),
                   "XXXXXXX")
    carer = np.where(new_carer, np.arange(m), -1)
    carer = pd.Series(carer).replace(-1, np.nan).groupby(per).ffill().to_numpy()
    place_s = pd.Series(np.where(new_carer, place, None)).groupby(per).ffill()
    place_s = place_s.where(kind != 3, "A3")  # same carer, now placed for adoption
    # legal status
    s20 = P["s20"].to_numpy()[per]
    ls0 = np.where(s20, "V2", "C1")
    ls = pd.Series(np.where(kind == 0, ls0, np.where(kind == 2, "C2", np.where(
        np.isin(kind, [3, 4]), "E1", None)))).groupby(per).ffill().to_numpy()
    rne = np.select([kind == 0, kind == 1, kind == 2, kind == 3, kind == 4],
                    ["S", "P", "L", "U", "B"], "P")
    urn = pd.Series(np.where(new_carer, urn, None)).groupby(per).ffill().to_numpy()
    nxt = _next_in_group(ev["day"].to_numpy(), per, OPEN)
    last = nxt == OPEN
    dec = np.where(last, P["end"].to_numpy()[per], nxt)
    rec = np.where(last, P["rec"].to_numpy()[per], "X1")
    provider = np.where(place_s.to_numpy() == "R1", "PR0",
                        np.where(rng.random(m) < 0.6, "PR1", "PR4"))
    E = pd.DataFrame({"period": per, "decom": ev["day"].to_numpy(), "dec": dec, "rne": rne,
                      "ls": ls, "place": place_s.to_numpy(), "urn": urn, "carer": carer,
                      "provider": provider, "rec": rec})
    # temporary placements (T0-T4, a few days) with a return to the same carer
    length = np.where(E["dec"] == OPEN, t_end + 1, E["dec"]) - E["decom"]
    tmp = (length > 60) & (rng.random(m) < p.p_temp_placement) & (E["rne"] != "L")
    tmp = tmp.to_numpy() & ~E["place"].isin(["A3", "A5", "K2"]).to_numpy()
    if tmp.any():
        T = E[tmp]
        t_at = T["decom"].to_numpy() + 10 + (rng.random(len(T)) * (length[tmp] - 40)).astype(
            np.int64)
        t_len = rng.integers(2, 15, len(T))
        temp = T.assign(decom=t_at, dec=t_at + t_len, rne="P", rec="X1",
                        place=rng.choice(np.array(["T0", "T1", "T2", "T3", "T4"]), len(T)),
                        urn="XXXXXXX", carer=-2.0)
        back = T.assign(decom=t_at + t_len, rne="P")
        first_part = T.assign(dec=t_at, rec="X1")
        E = pd.concat([E[~tmp], first_part, temp, back], ignore_index=True)
    E = E.sort_values(["period", "decom"], kind="stable").reset_index(drop=True)
    E["child"] = P["child"].to_numpy()[E["period"].to_numpy()]
    E["home_post"] = "GL1 1AA"
    E["pl_post"] = np.where(rng.random(len(E)) < 0.8, "GL2 2BB", "BS1 5TR")
    E["reason_place_change"] = np.where(E["rne"].isin(["P", "B", "T", "U"]),
                                        np.where(rng.random(len(E)) < 0.5, "CARPL", "LAREQ"), "")
    return E


def _missing(rng: np.random.Generator, P: pd.DataFrame, dob: np.ndarray, t_end: int,
             p: Params) -> pd.DataFrame:
    """Missing/absent episodes: a Poisson process for missing-prone children while in care."""
    start = P["start"].to_numpy()
    stop = np.where(P["end"].to_numpy() == OPEN, t_end, P["end"].to_numpy())
    age = P["age_start"].to_numpy()
    prone = rng.random(len(P)) < p.p_missing_prone * np.where(age >= 11, 2.0, 0.25)
    k = rng.poisson(np.where(prone, p.missing_rate, 0.0) * np.maximum(stop - start, 0) / 365.25)
    per = np.repeat(np.arange(len(P)), k)
    day = start[per] + (rng.random(len(per)) * (stop - start)[per]).astype(np.int64)
    end = day + rng.integers(0, 4, len(per))
    out = pd.DataFrame({"child": P["child"].to_numpy()[per], "start": day,
                        "end": np.where(end <= t_end, end, OPEN),
                        "type": np.where(rng.random(len(per)) < 0.85, "M", "A")})
    return out.drop_duplicates(["child", "start"], keep="first")


def _oc3(rng: np.random.Generator, P: pd.DataFrame, dob: np.ndarray, t_end: int) -> pd.DataFrame:
    """Care leavers aged 17-21 at `end` who left care at 16 or over after 13+ weeks."""
    child = P["child"].to_numpy()
    end = P["end"].to_numpy()
    left_age = (end - dob[child]) / 365.25
    age_now = (t_end - dob[child]) / 365.25
    m = ((end != OPEN) & (left_age >= 16) & (end - P["start"].to_numpy() >= 91)
         & (age_now >= 17) & (age_now < 22))
    c = np.unique(child[m])
    k = len(c)
    u = rng.random(k)
    in_touch = np.where(u < 0.93, "YES", np.where(u < 0.96, "NO", np.where(u < 0.98, "REFU",
                                                                           "NREQ")))
    activ = rng.choice(np.array(["F1", "P1", "F2", "P2", "F4", "G4", "G5", "G6"]), k,
                       p=[0.25, 0.08, 0.12, 0.05, 0.05, 0.2, 0.15, 0.1])
    accom = rng.choice(np.array(["B", "C", "D", "E", "G", "K", "S", "T", "U", "V"]), k)
    accom = np.char.add(accom.astype(str), np.where(rng.random(k) < 0.88, "1", "2"))
    return pd.DataFrame({"child": c, "in_touch": in_touch, "activ": activ, "accom": accom})


# --------------------------------------------------------------------------------------------
# 4: workforce and allocations

TEAM_KINDS = ("Assessment", "Safeguarding", "Children in Care")


def _spans(R: pd.DataFrame, C: pd.DataFrame, P: pd.DataFrame, t_end: int) -> pd.DataFrame:
    """Open-to-social-care spans per child and the kind of team that holds them."""
    a = R.loc[~R["nfa"], ["child", "a_start", "cin_end"]]
    a = pd.DataFrame({"child": a["child"], "start": a["a_start"], "end": a["cin_end"],
                      "kind": 0})
    cp = pd.DataFrame({"child": C["child"], "start": C["start"],
                       "end": np.where(C["end"] == OPEN, t_end + 1, C["end"]), "kind": 1})
    ca = pd.DataFrame({"child": P["child"], "start": P["start"],
                       "end": np.where(P["end"] == OPEN, t_end + 1, P["end"]), "kind": 2})
    s = pd.concat([a, cp, ca], ignore_index=True)
    s = s[s["start"] <= t_end]
    s["end"] = np.minimum(s["end"], t_end + 1)
    return s.sort_values(["child", "start", "kind"], kind="stable").reset_index(drop=True)


def _workforce(rng: np.random.Generator, R: pd.DataFrame, C: pd.DataFrame, P: pd.DataFrame,
               t0: int, t_end: int, scale: float, p: Params,
               ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    spans = _spans(R, C, P, t_end)
    # involvements: merge overlapping spans per child; segments start at each span start
    child = spans["child"].to_numpy()
    st = spans["start"].to_numpy()
    en = spans["end"].to_numpy()
    cm = pd.Series(en).groupby(child).cummax().to_numpy()
    prev_cm = np.full(len(st), -1)
    same = np.zeros(len(st), bool)
    same[1:] = child[1:] == child[:-1]
    prev_cm[1:] = cm[:-1]
    new_inv = ~same | (st > prev_cm)
    inv = np.cumsum(new_inv)
    inv_end = pd.Series(cm).groupby(inv).transform("max").to_numpy()
    kind = spans["kind"].to_numpy()
    # a segment's kind is the highest of the spans open at its start (care > CP > CIN)
    kind_run = pd.Series(kind).groupby(inv).cummax().to_numpy()
    seg = pd.DataFrame({"child": child, "inv": inv, "start": st, "kind": kind_run})
    seg = seg[_group_starts(inv) | (kind_run != np.roll(kind_run, 1))]
    seg = seg.drop_duplicates(["inv", "start"], keep="last")
    s_end = _next_in_group(seg["start"].to_numpy(), seg["inv"].to_numpy(), OPEN)
    seg["end"] = np.where(s_end == OPEN, inv_end[seg.index.to_numpy()], s_end)
    seg = seg[seg["end"] > seg["start"]].reset_index(drop=True)

    # demand per team kind at the middle of the output window -> posts
    mid = t_end - 365
    demand = np.array([((seg["kind"] == k) & (seg["start"] <= mid) & (seg["end"] > mid)).sum()
                       for k in range(3)], dtype=float)
    n_teams = np.maximum(1, np.round(np.array([4, 6, 5]) * max(scale, 0.2) ** 0.8)).astype(int)
    mean_fte = 0.93
    posts_kind = np.maximum(2, np.round(demand / (p.target_caseload * mean_fte))).astype(int)
    team_names: list[str] = []
    team_kind: list[int] = []
    for k, name in enumerate(TEAM_KINDS):  # three kinds, not data rows
        for i in range(n_teams[k]):
            team_names.append(f"{name} {i + 1}")
            team_kind.append(k)
    team_kind_a = np.array(team_kind)
    post_team = np.concatenate([
        np.flatnonzero(team_kind_a == k)[np.arange(posts_kind[k]) % n_teams[k]]
        for k in range(3)])
    n_posts = len(post_team)
    agency_post = np.zeros(n_posts, dtype=bool)  # exactly this share of posts, chosen at random
    agency_post[rng.permutation(n_posts)[:round(p.p_agency_post * n_posts)]] = True
    per_post = 40
    tenure_mean = np.where(agency_post, p.agency_tenure_years, p.permanent_tenure_years) * 365.25
    ten = rng.exponential(np.repeat(tenure_mean, per_post)).astype(np.int64) + 60
    gap = rng.integers(0, 75, n_posts * per_post)
    post = np.repeat(np.arange(n_posts), per_post)
    first_start = t0 - (rng.random(n_posts) * tenure_mean).astype(np.int64)
    step = ten + gap
    cs = _group_cumsum(step, post)
    w_start = first_start[post] + cs - step
    w_end = w_start + ten
    keep = w_start <= t_end
    W = pd.DataFrame({"post": post[keep], "start": w_start[keep], "end": w_end[keep]})
    n_w = len(W)
    W["team"] = post_team[W["post"].to_numpy()]
    W["agency"] = agency_post[W["post"].to_numpy()]
    r = rng.random(n_w)
    W["fte"] = np.where(W["agency"], 1.0, np.where(r < 0.8, 1.0, np.where(r < 0.92, 0.8, 0.5)))
    W["capacity"] = np.clip(rng.gamma(16.0, 1 / 16, n_w), 0.3, 2.0)  # some carry more cases
    W["id"] = np.arange(n_w)
    W["end"] = np.where(W["end"] > t_end, OPEN, W["end"])
    W["role"] = np.where(rng.random(n_w) < 0.25, "Senior Social Worker",
                         np.where(rng.random(n_w) < 0.15, "ASYE Social Worker", "Social Worker"))

    # reallocation change points inside each segment
    seg_len = (seg["end"] - seg["start"]).to_numpy()
    churn = rng.gamma(1.0, p.reallocation_rate, len(seg))  # some children see many workers
    k = rng.poisson(churn * seg_len / 365.25)
    cut_seg = np.repeat(np.arange(len(seg)), k)
    cut_day = seg["start"].to_numpy()[cut_seg] + 1 + (
        rng.random(len(cut_seg)) * np.maximum(seg_len[cut_seg] - 1, 1)).astype(np.int64)
    pieces = pd.DataFrame({"seg": np.concatenate([np.arange(len(seg)), cut_seg]),
                           "start": np.concatenate([seg["start"].to_numpy(), cut_day]),
                           "why": np.concatenate([np.full(len(seg), "NEW"),
                                                  np.full(len(cut_seg), "REALLOC")])})
    pieces = pieces.sort_values(["seg", "start"], kind="stable").drop_duplicates(
        ["seg", "start"], keep="first").reset_index(drop=True)
    sg = pieces["seg"].to_numpy()
    nx = _next_in_group(pieces["start"].to_numpy(), sg, OPEN)
    pieces["end"] = np.where(nx == OPEN, seg["end"].to_numpy()[sg], nx)
    pieces["child"] = seg["child"].to_numpy()[sg]
    skind = seg["kind"].to_numpy()[sg]
    first_of_inv = _group_starts(seg["inv"].to_numpy())[sg] & _group_starts(sg)
    pieces.loc[~first_of_inv & _group_starts(sg), "why"] = "TRANSFER"
    # team: a stable choice per child and team kind
    kind_teams = [np.flatnonzero(team_kind_a == kk) for kk in range(3)]
    h = (pieces["child"].to_numpy() * 7919 + skind * 104729)
    team = np.empty(len(pieces), dtype=np.int64)
    for kk in range(3):
        m = skind == kk
        team[m] = kind_teams[kk][h[m] % len(kind_teams[kk])]
    pieces["team"] = team
    AL = _assign_workers(rng, pieces, W, t_end)
    return W, AL, team_names


def _assign_workers(rng: np.random.Generator, pieces: pd.DataFrame, W: pd.DataFrame,
                    t_end: int) -> pd.DataFrame:
    """Pick a worker in post in the piece's team at its start (weighted by FTE, by rejection
    sampling in whole-array passes); split pieces when the worker leaves, then repeat."""
    w_team = W["team"].to_numpy()
    order = np.argsort(w_team, kind="stable")
    w_sorted = order
    team_lo = np.searchsorted(w_team[order], np.arange(w_team.max() + 2))
    w_start = W["start"].to_numpy()
    w_end = np.where(W["end"].to_numpy() == OPEN, t_end + 10**6, W["end"].to_numpy())
    w_fte = W["fte"].to_numpy() * W["capacity"].to_numpy() / 2.0
    done: list[pd.DataFrame] = []
    todo = pieces.copy()
    for _ in range(12):  # passes over all pieces still needing a worker (each pass vectorised)
        if todo.empty:
            break
        n = len(todo)
        team = todo["team"].to_numpy()
        day = todo["start"].to_numpy()
        chosen = np.full(n, -1)
        lo, hi = team_lo[team], team_lo[team + 1]
        for _ in range(60):
            need = chosen < 0
            if not need.any():
                break
            cand = w_sorted[lo[need] + (rng.random(int(need.sum())) * (hi - lo)[need]).astype(
                np.int64)]
            ok = ((w_start[cand] <= day[need]) & (w_end[cand] > day[need])
                  & (rng.random(len(cand)) < w_fte[cand]))
            idx = np.flatnonzero(need)[ok]
            chosen[idx] = cand[ok]
        todo = todo[chosen >= 0].assign(worker=chosen[chosen >= 0])  # rare leftovers dropped
        leaves = w_end[todo["worker"].to_numpy()]
        split = leaves < todo["end"].to_numpy()
        done.append(todo[~split].assign(end=todo["end"][~split]))
        first = todo[split].assign(end=leaves[split])
        rest = todo[split].assign(start=leaves[split], why="LEFT")
        done.append(first)
        todo = rest.drop(columns="worker")
    AL = pd.concat(done, ignore_index=True).sort_values(["child", "start"], kind="stable")
    AL["end"] = np.where(AL["end"] > t_end, OPEN, AL["end"])
    return AL.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# writing


def _allocated(events: pd.DataFrame, day_col: str, AL: pd.DataFrame, W: pd.DataFrame,
               team_names: list[str]) -> tuple[pd.Series, pd.Series]:
    """Allocated team and worker at each event's day (blank if none)."""
    ev = events[["child", day_col]].reset_index().rename(columns={day_col: "day"})
    ev = ev.sort_values("day", kind="stable")
    al = AL[["child", "start", "end", "worker"]].sort_values("start", kind="stable")
    m = pd.merge_asof(ev, al, left_on="day", right_on="start", by="child")
    ok = m["worker"].notna() & ((m["end"] == OPEN) | (m["end"] > m["day"]))
    wk = m["worker"].where(ok).fillna(-1).astype(np.int64).to_numpy()
    team_idx = np.where(wk >= 0, W["team"].to_numpy()[np.maximum(wk, 0)], -1)
    names = np.array(team_names + [""], dtype=object)
    team = pd.Series(names[team_idx], index=m["index"].to_numpy())
    worker = pd.Series(np.where(wk >= 0, "SW" + pd.Series(wk + 10000).astype(str), ""),
                       index=m["index"].to_numpy())
    return team.reindex(events.index), worker.reindex(events.index)


@dataclass
class Tables:
    """The council's files as DataFrames of text (before writing)."""

    annex: dict[str, pd.DataFrame]
    files: dict[str, pd.DataFrame]


SEX_FORMS = {
    "contacts": ("1 - Male", "2 - Female"), "referrals": ("M", "F"),
    "assessments": ("a) Male", "b) Female"), "s47": ("Male", "Female"),
    "cp_plans": ("1", "2"),
}
SHEETS_XLSX = {"contacts": "List 1", "referrals": "List_3", "assessments": "List 4 - Assessments",
               "s47": "list5 s47", "cp_plans": "Child Protection"}
FILES_CSV = {"contacts": "list1_contacts", "referrals": "List 3 Referrals",
             "assessments": "List4", "s47": "S47", "cp_plans": "List 7 - Child Protection"}


def build_tables(sim: Sim, start: str, end: str, prefix: str, xlsx: bool,
                 rng: np.random.Generator) -> Tables:
    """Turn the simulation into the text of each list and file (with the planted bad rows)."""
    t_out = _days(start)
    t_end = _days(end)
    K = sim.children
    ids = prefix + pd.Series(K["child"].to_numpy() + 1000000).astype(str)
    team_names = sim.team_names

    def child_cols(df: pd.DataFrame, table: str, day_col: str) -> pd.DataFrame:
        c = df["child"].to_numpy()
        m, f = SEX_FORMS[table]
        dob = K["dob"].to_numpy()[c]
        age = ((df[day_col].to_numpy() - dob) // 365.25).astype(np.int64)
        return pd.DataFrame({
            "Child Unique ID": ids.to_numpy()[c],
            "Gender": np.where(K["sex"].to_numpy()[c] == 1, m, f),
            "Ethnicity": "WBRI",
            "Date of Birth": dob,
            "Age of Child (Years)": np.maximum(age, 0),
        }, index=df.index)

    R, A, S, C = sim.referrals, sim.assessments, sim.s47, sim.cp_plans
    # Annex A list 1 covers the last 12 months (as the inspection request does): the engine
    # uses no contact history, and it keeps the workbook quick to write and read
    ct = sim.contacts[(sim.contacts["day"] >= max(t_out, t_end - 365))
                      & (sim.contacts["day"] <= t_end)]
    contacts = child_cols(ct, "contacts", "day").assign(
        **{"Date of Contact": ct["day"].to_numpy(), "Contact Source": ct["source"].to_numpy()})
    contacts = contacts.sort_values("Date of Contact", kind="stable")

    r = R[R["day"] >= t_out]
    # referrals in the 12 months before each referral (from the full history)
    rc = R.sort_values(["child", "day"], kind="stable")
    prev = pd.Series(rc["day"].to_numpy()).groupby(rc["child"].to_numpy()).shift(1)
    rc = rc.assign(prev=prev.fillna(-10**6).to_numpy())
    n12 = (rc["day"] - rc["prev"] <= 365).astype(int)
    team, worker = _allocated(r, "day", sim.allocations, sim.workers, team_names)
    referrals = child_cols(r, "referrals", "day").assign(**{
        "Date of referral": r["day"].to_numpy(), "Referral Source": "Police",
        "Referral NFA?": np.where(r["nfa"], "Y", "N"),
        "Number of Referrals in Last 12 Months": n12.reindex(r.index).to_numpy(),
        "Allocated Team": team.to_numpy(), "Allocated Worker": worker.to_numpy()})

    a = A[(A["a_start"] >= t_out) | (A["a_end"] == OPEN) | (A["a_end"] >= t_out)]
    team, worker = _allocated(a, "a_start", sim.allocations, sim.workers, team_names)
    assessments = child_cols(a, "assessments", "a_start").assign(**{
        "Continuous Assessment Start Date": a["a_start"].to_numpy(),
        "Child Seen During Continuous Assessment": "Y",
        "Continuous Assessment Date of Authorisation": a["a_end"].to_numpy(),
        "Was the child assessed as requiring LA children's social care support?": "Y",
        "Allocated Team": team.to_numpy(), "Allocated Worker": worker.to_numpy()})

    s = S[S["s_day"] >= t_out - 60]
    team, worker = _allocated(s, "s_day", sim.allocations, sim.workers, team_names)
    s47 = child_cols(s, "s47", "s_day").assign(**{
        "Strategy discussion initiating Section 47 Enquiry Start Date": s["s_day"].to_numpy(),
        "Was an Initial Child Protection Conference deemed unnecessary?":
            np.where(s["icpc"], "No", "Yes"),
        "Date of Initial Child Protection Conference": s["icpc_day"].to_numpy(),
        "Did the Initial Child Protection Conference Result in a Child Protection Plan": "",
        "Allocated Team": team.to_numpy(), "Allocated Worker": worker.to_numpy()})

    c = C[(C["start"] >= t_out) | (C["end"] == OPEN) | (C["end"] >= t_out)]
    team, worker = _allocated(c, "start", sim.allocations, sim.workers, team_names)
    cp = child_cols(c, "cp_plans", "start").assign(**{
        "Child Protection Plan Start Date": c["start"].to_numpy(),
        "Initial Category of Abuse": "N", "Latest Category of Abuse": "N",
        "Child Protection Plan End Date": c["end"].to_numpy(),
        "Number of Previous Child Protection Plans": c["previous"].to_numpy(),
        "Allocated Team": team.to_numpy(), "Allocated Worker": worker.to_numpy()})

    date_cols = {
        "contacts": ["Date of Birth", "Date of Contact"],
        "referrals": ["Date of Birth", "Date of referral"],
        "assessments": ["Date of Birth", "Continuous Assessment Start Date",
                        "Continuous Assessment Date of Authorisation"],
        "s47": ["Date of Birth", "Strategy discussion initiating Section 47 Enquiry Start Date",
                "Date of Initial Child Protection Conference"],
        "cp_plans": ["Date of Birth", "Child Protection Plan Start Date",
                     "Child Protection Plan End Date"],
    }
    annex = {"contacts": contacts, "referrals": referrals, "assessments": assessments,
             "s47": s47, "cp_plans": cp}
    # date forms: xlsx -> real Excel dates, except list 4 (dd/mm/yyyy text) and list 7 (serial
    # numbers); CSV -> dd/mm/yyyy, except list 5 (ISO)
    for name, df in annex.items():
        df = df.reset_index(drop=True)
        for col in date_cols[name]:
            d = df[col].to_numpy().astype(np.int64)
            if xlsx and name == "cp_plans":
                df[col] = pd.Series(np.where(d >= 0, d + 25569, -1)).astype("Int64").mask(d < 0)
            elif xlsx and name != "assessments":
                df[col] = _dt(d)
            elif not xlsx and name == "s47":
                df[col] = _iso(d).fillna("")
            else:
                df[col] = _dmy(d)
        annex[name] = df
    _plant_annex(annex, xlsx, rng)

    # SSDA903 ------------------------------------------------------------------------------
    E = sim.episodes
    P = sim.periods
    p_end = np.where(P["end"] == OPEN, t_end + 1, P["end"])
    keep_period = p_end >= t_out - 365
    E = E[keep_period[E["period"].to_numpy()] & (E["decom"] <= t_end)].copy()
    E["dec"] = np.where(E["dec"] > t_end, OPEN, E["dec"])
    E["rec"] = np.where(E["dec"] == OPEN, "", E["rec"])
    ech = E["child"].to_numpy()
    episodes = pd.DataFrame({
        "CHILD": ids.to_numpy()[ech], "DECOM": _dmy(E["decom"].to_numpy()).to_numpy(),
        "RNE": E["rne"].to_numpy(), "LS": E["ls"].to_numpy(), "CIN": "N1",
        "PLACE": E["place"].to_numpy(), "PLACE_PROVIDER": E["provider"].to_numpy(),
        "DEC": _dmy(E["dec"].to_numpy()).to_numpy(), "REC": E["rec"].to_numpy(),
        "REASON_PLACE_CHANGE": E["reason_place_change"].to_numpy(),
        "HOME_POST": E["home_post"].to_numpy(), "PL_POST": E["pl_post"].to_numpy(),
        "URN": E["urn"].to_numpy()})
    looked_after = np.unique(ech)
    header = pd.DataFrame({
        "CHILD": ids.to_numpy()[looked_after], "SEX": K["sex"].to_numpy()[looked_after],
        "DOB": _dmy(K["dob"].to_numpy()[looked_after]).to_numpy(), "ETHNIC": "WBRI",
        "UPN": "", "MOTHER": "", "MC_DOB": ""})
    Mi = sim.missing[(sim.missing["start"] >= t_out - 365) & (sim.missing["start"] <= t_end)]
    missing = pd.DataFrame({
        "CHILD": ids.to_numpy()[Mi["child"].to_numpy()],
        "DOB": _dmy(K["dob"].to_numpy()[Mi["child"].to_numpy()]).to_numpy(),
        "MISSING": Mi["type"].to_numpy(), "MIS_START": _dmy(Mi["start"].to_numpy()).to_numpy(),
        "MIS_END": _dmy(Mi["end"].to_numpy()).to_numpy()})
    OC = sim.oc3
    oc3 = pd.DataFrame({"CHILD": ids.to_numpy()[OC["child"].to_numpy()],
                        "DOB": _dmy(K["dob"].to_numpy()[OC["child"].to_numpy()]).to_numpy(),
                        "IN_TOUCH": OC["in_touch"].to_numpy(), "ACTIV": OC["activ"].to_numpy(),
                        "ACCOM": OC["accom"].to_numpy()})
    # workforce ----------------------------------------------------------------------------
    W = sim.workers
    w_end = np.where(W["end"] == OPEN, t_end + 1, W["end"])
    W = W[w_end >= t_out - 365]
    workers = pd.DataFrame({
        "worker_id": "SW" + pd.Series(W["id"].to_numpy() + 10000).astype(str),
        "team": np.array(team_names, dtype=object)[W["team"].to_numpy()],
        "fte": W["fte"].to_numpy(), "agency": np.where(W["agency"], "Y", "N"),
        "start_date": _iso(W["start"].to_numpy()).fillna("").to_numpy(),
        "end_date": _iso(W["end"].to_numpy()).fillna("").to_numpy(),
        "role": W["role"].to_numpy()})
    AL = sim.allocations
    al_end = np.where(AL["end"] == OPEN, t_end + 1, AL["end"])
    AL = AL[(al_end >= t_out - 365) & (AL["start"] <= t_end)]
    ach = AL["child"].to_numpy()
    allocations = pd.DataFrame({
        "CHILD": ids.to_numpy()[ach], "DOB": _dmy(K["dob"].to_numpy()[ach]).to_numpy(),
        "SW_ID": "SW" + pd.Series(AL["worker"].to_numpy() + 10000).astype(str),
        "SW_DECOM": _dmy(AL["start"].to_numpy()).to_numpy(),
        "SW_DEC": _dmy(AL["end"].to_numpy()).to_numpy(), "SW_REASON": AL["why"].to_numpy()})
    files = {"ssda903/header.csv": header, "ssda903/episodes.csv": episodes,
             "ssda903/missing.csv": missing, "ssda903/oc3.csv": oc3,
             "workforce/workers.csv": workers, "workforce/allocations.csv": allocations}
    _plant_903(files)
    return Tables(annex, files)


def _plant_annex(annex: dict[str, pd.DataFrame], xlsx: bool, rng: np.random.Generator) -> None:
    """The planted bad Annex A rows (see module docstring)."""
    r = annex["referrals"]
    if len(r) > 10:
        i = r.index[len(r) // 2]
        r["Date of referral"] = r["Date of referral"].astype(object)
        r.loc[i, "Date of referral"] = "31/02/2019"
    c = annex["cp_plans"]
    closed = c.index[c["Child Protection Plan End Date"].notna()
                     & (c["Child Protection Plan End Date"].astype(str) != "")]
    if len(closed):
        i = closed[len(closed) // 2]
        c.loc[i, ["Child Protection Plan Start Date", "Child Protection Plan End Date"]] = (
            c.loc[i, ["Child Protection Plan End Date", "Child Protection Plan Start Date"]
                  ].to_numpy())
    a = annex["assessments"]
    if len(a):
        annex["assessments"] = pd.concat([a, a.iloc[[len(a) // 3]]], ignore_index=True)


def _plant_903(files: dict[str, pd.DataFrame]) -> None:
    """The planted SSDA903 problems (see module docstring)."""
    m = files["ssda903/missing.csv"]
    if len(m):
        m.loc[m.index[len(m) // 2], "MISSING"] = "X"
    e = files["ssda903/episodes.csv"]
    if len(e) > 3:
        # an episode written twice
        dup_i = len(e) // 4
        e = pd.concat([e, e.iloc[[dup_i]]], ignore_index=True)
        # a closed X1 episode followed by another of the same child, written as open
        nxt_same = (e["CHILD"].shift(-1) == e["CHILD"]) & (e["REC"] == "X1")
        cand = e.index[nxt_same.to_numpy() & (e.index != dup_i)
                       & (e.index < len(e) - 1)]
        if len(cand):
            i = cand[len(cand) // 2]
            e.loc[i, ["DEC", "REC"]] = ["", ""]
        files["ssda903/episodes.csv"] = e


def write_csv(df: pd.DataFrame, target: Path) -> None:
    """CSV via pyarrow (fast, quotes only where needed), written atomically."""
    table = pa.Table.from_pandas(df.astype("string").fillna(""), preserve_index=False)
    with atomic_path(target) as tmp:
        pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="needed"))


def _write_xlsx(annex: dict[str, pd.DataFrame], target: Path) -> None:
    """Annex A workbook (openpyxl write-only; fixed timestamps so the bytes are reproducible).
    List 1 has a title row and a blank row above its header, as real templates do."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    fixed = pd.Timestamp("2021-01-01").to_pydatetime()
    wb.properties.created = fixed
    wb.properties.modified = fixed
    for name, df in annex.items():
        ws = wb.create_sheet(SHEETS_XLSX[name])
        if name == "contacts":
            ws.append(["Annex A - List 1: Contacts"])
            ws.append([])
        ws.append(list(df.columns))
        cols = []
        for c in df.columns:
            v = df[c]
            cols.append(v.astype(object).where(v.notna(), None).to_numpy())
        rows = zip(*[c.tolist() for c in cols], strict=True)
        for row in rows:  # openpyxl writes row by row; this is file output, not data work
            ws.append(row)
    with atomic_path(target) as tmp:
        raw = tmp.with_suffix(".raw")
        wb.save(raw)
        _normalise_zip(raw, tmp)
        raw.unlink()


def _normalise_zip(src: Path, dst: Path) -> None:
    """Rewrite a zip with fixed member timestamps (byte-identical output for a seed)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' on save
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2021-01-01T00:00:00Z",
                              data)
            zi = zipfile.ZipInfo(info.filename, date_time=(2021, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)


def write_council(sim: Sim, out: Path, start: str, end: str, prefix: str, xlsx: bool,
                  rng: np.random.Generator) -> list[Path]:
    """Write one council's files under `out`; return the paths written."""
    tables = build_tables(sim, start, end, prefix, xlsx, rng)
    written: list[Path] = []
    if xlsx:
        target = out / "annex_a.xlsx"
        _write_xlsx(tables.annex, target)
        written.append(target)
    else:
        for name, df in tables.annex.items():
            target = out / "annex_a" / f"{FILES_CSV[name]}.csv"
            write_csv(df, target)
            written.append(target)
    for rel, df in tables.files.items():
        write_csv(df, out / rel)
        written.append(out / rel)
    return written


def council_scales(rng: np.random.Generator, councils: int) -> np.ndarray:
    """Relative sizes of councils (1 = Gloucestershire). One council: 1. Several: lognormal,
    mean about 0.72 (England is about 108 Gloucestershires spread over 150 councils)."""
    if councils == 1:
        return np.ones(1)
    return np.clip(rng.lognormal(np.log(0.6), 0.6, councils), 0.12, 3.5)


def generate(out: Path, seed: int = 2020, councils: int = 1, start: str = "2015-04-01",
             end: str = "2021-03-31", scale: float = 1.0, annex_format: str = "auto",
             params: Params | None = None, workers: int | None = None) -> list[Path]:
    """Write `councils` synthetic councils under `out` and return the files written.

    One council is written to `out` directly; several go to `out/<code>/` (codes LA801...).
    `scale` multiplies every council's size (tests use small values). `annex_format` is
    "xlsx", "csv" or "auto" (xlsx for one council, CSV per list for several).
    Same arguments -> byte-identical files (councils are independent, so running them in
    `workers` processes, default one per CPU, changes nothing).
    """
    workers = workers if workers is not None else (os.cpu_count() or 1)
    out = Path(out)
    root_rng = np.random.default_rng(seed)
    scales = council_scales(root_rng, councils) * scale
    xlsx = annex_format == "xlsx" or (annex_format == "auto" and councils == 1)
    jobs = [(i, float(sc), seed, out if councils == 1 else out / f"LA{801 + i}",
             "C" if councils == 1 else f"C{i + 1:03d}", start, end, xlsx, params)
            for i, sc in enumerate(scales)]
    if councils == 1 or workers <= 1:
        written = [p for job in jobs for p in _one_council(job)]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            written = [p for paths in pool.map(_one_council, jobs) for p in paths]
    return written


def _one_council(job: tuple) -> list[Path]:
    """Simulate and write council i (its own Generator seeded by (seed, i))."""
    i, sc, seed, target, prefix, start, end, xlsx, params = job
    rng = np.random.default_rng([seed, i])
    sim = simulate(rng, start, end, sc, params, prefix)
    return write_council(sim, target, start, end, prefix, xlsx, rng)


def files_digest(paths: list[Path]) -> str:
    """SHA-256 over the files' relative names and bytes (determinism checks)."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def run(args: argparse.Namespace) -> int:
    """`kpis synth`: build into a temporary folder, then swap it into place."""
    t = time.perf_counter()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        files = generate(build, seed=args.seed, councils=args.councils, start=args.start,
                         end=args.end)
        from kpis.io import replace_dir

        replace_dir(build, out)
    finally:
        if build.exists():
            shutil.rmtree(build)
    size = sum((out / f.relative_to(build)).stat().st_size for f in files)
    print(f"kpis synth: {args.councils} council(s), seed {args.seed}, {args.start} to {args.end}:"
          f" {len(files)} files, {size / 1e6:.1f} MB in {out} ({time.perf_counter() - t:.1f} s)")
    return 0


__all__ = ["Params", "generate", "run", "simulate", "PLANTED", "PLANTED_REPAIRS", "replace"]
