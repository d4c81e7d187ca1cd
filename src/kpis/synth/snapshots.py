"""The generator's Annex A snapshot lists and SSDA903 reviews (issue 13): list 6 (children in
need, last seen), list 7's visit and review-conference columns, list 8 (children in care:
visits, reviews, health assessments, dental checks, missing, return interviews), list 9 (care
leavers: eligibility, pathway plan reviews) and the 903 reviews file.

Nothing here stamps an outcome. Each recurring event (a visit, a review, a health assessment,
a dental check, a pathway plan review) is a renewal process: the interval to the next one is
drawn as `timescale x U(lo, 1)` (on time) or, with the event's late probability,
`timescale x U(1, late_factor)`; the extract date falls uniformly inside the current interval,
so the last event was `U x interval` days before it. Reviews (CP conferences, 903 reviews) are
generated as whole sequences from the start of the plan or period of care. The late
probabilities in `SnapshotParams` are calibrated so the default council's June 2020 extract
lands near Appendix 1 (visits CIN ~93%, CP ~95%, CLA ~92%; RCPC ~99%; CLA reviews ~100%; health
assessments ~93%; dental ~75%; pathway plans ~86% / ~94%; return interviews accepted ~78%;
CIN plans under a year ~92%).

Generated from its own Generator (seeded from the council's simulation), so adding these lists
leaves every other file of a seed unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpis.synth.params import OPEN, _dmy
from kpis.synth.simulate import Sim

SHEETS_XLSX = {"cin": "List 6 - CIN", "cla": "List 8 - Children in Care",
               "care_leavers": "List 9 - Care Leavers"}
FILES_CSV = {"cin": "List 6 CIN", "cla": "List 8 Children in Care",
             "care_leavers": "List 9 Care Leavers"}
SEX_FORMS = {"cin": ("1", "2"), "cla": ("M", "F"), "care_leavers": ("Male", "Female")}


@dataclass(frozen=True)
class SnapshotParams:
    """Event probabilities and durations of the snapshot lists (days unless said)."""

    p_late_visit_cin: float = 0.22    # the interval to the next visit overruns the timescale
    p_late_visit_cp: float = 0.18
    p_late_visit_cla: float = 0.20
    visit_late_factor: float = 2.5
    p_late_rcpc: float = 0.03
    p_late_cla_review: float = 0.002
    p_late_health_under5: float = 0.28
    p_late_health_over5: float = 0.75
    health_late_factor: float = 1.8
    p_late_dental: float = 0.62
    dental_late_factor: float = 3.0
    p_late_pwp_cla: float = 0.35
    p_late_pwp_leaver: float = 0.15
    pwp_late_factor: float = 2.0
    p_ri_offered: float = 0.95
    p_ri_accepted: float = 0.82       # given offered


TIMESCALE = {"cin": 49, "cp": 28, "cla": 42}


def _last_event(rng: np.random.Generator, n: int, timescale: np.ndarray | float, p_late: float,
                late_factor: float, lo: float = 0.5) -> np.ndarray:
    """Days since the last event at the extract date (renewal process; see module doc)."""
    late = rng.random(n) < p_late
    f = np.where(late, 1 + rng.random(n) * (late_factor - 1), lo + rng.random(n) * (1 - lo))
    return np.floor(rng.random(n) * f * timescale).astype(np.int64)


def _sequence(rng: np.random.Generator, start: np.ndarray, first: float, second: float,
              then: float, p_late: float, t_end: int, max_n: int = 40
              ) -> tuple[np.ndarray, np.ndarray]:
    """Review sequences from `start`: (row index, review day) of every review on or before
    t_end. Gaps: first, then second, then `then` days, each x U(0.75, 1) or, late, x U(1, 1.5)."""
    rows, days_ = [], []
    cur = start.astype(np.int64).copy()
    alive = np.ones(len(start), dtype=bool)
    for k in range(max_n):  # reviews per plan or period: a handful
        gap = first if k == 0 else second if k == 1 else then
        late = rng.random(len(cur)) < p_late
        f = np.where(late, 1 + 0.5 * rng.random(len(cur)), 0.75 + 0.25 * rng.random(len(cur)))
        cur = cur + np.floor(gap * f).astype(np.int64)
        alive &= cur <= t_end
        if not alive.any():
            break
        rows.append(np.flatnonzero(alive))
        days_.append(cur[alive])
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(rows), np.concatenate(days_)


def _child(K: pd.DataFrame, ids: pd.Series, c: np.ndarray, table: str) -> pd.DataFrame:
    m, f = SEX_FORMS[table]
    return pd.DataFrame({
        "Child Unique ID": ids.to_numpy()[c],
        "Gender": np.where(K["sex"].to_numpy()[c] == 1, m, f),
        "Ethnicity": "WBRI",
        "Date of Birth": _dmy(K["dob"].to_numpy()[c]).to_numpy()})


def _date(d: np.ndarray) -> np.ndarray:
    """Day numbers -> dd/mm/yyyy text ('' when missing: negative)."""
    d = np.asarray(d, dtype=np.int64)
    return np.where(d >= 0, _dmy(np.maximum(d, 0)).to_numpy(), "")


Allocate = Callable[[pd.DataFrame, str], tuple[pd.Series, pd.Series]]


def cp_columns(rng: np.random.Generator, c: pd.DataFrame, t_end: int,
               sp: SnapshotParams) -> dict[str, np.ndarray]:
    """List 7's last statutory visit and latest review conference for plans `c` (text)."""
    n = len(c)
    start = c["start"].to_numpy().astype(np.int64)
    open_ = (c["end"].to_numpy() == OPEN) | (c["end"].to_numpy() > t_end)
    since = _last_event(rng, n, TIMESCALE["cp"], sp.p_late_visit_cp, sp.visit_late_factor)
    seen = np.where(open_ & (t_end - since >= start), t_end - since, -1)
    idx, day = _sequence(rng, start, 91, 182, 182, sp.p_late_rcpc, t_end)
    latest = np.full(n, -1, dtype=np.int64)
    np.maximum.at(latest, idx, day)
    return {"Date of the Last Statutory Visit": _date(seen),
            "Date of latest review conference": _date(np.where(open_, latest, -1))}


def annex_lists(rng: np.random.Generator, sim: Sim, ids: pd.Series, t_end: int,
                allocate: Allocate, sp: SnapshotParams) -> dict[str, pd.DataFrame]:
    """Annex A lists 6, 8 and 9 as text, extracted on `t_end`."""
    return {"cin": _list6(rng, sim, ids, t_end, allocate, sp),
            "cla": _list8(rng, sim, ids, t_end, allocate, sp),
            "care_leavers": _list9(rng, sim, ids, t_end, sp)}


def _team_worker(df: pd.DataFrame, c: np.ndarray, t_end: int, allocate: Allocate
                 ) -> tuple[np.ndarray, np.ndarray]:
    ev = pd.DataFrame({"child": c, "day": np.full(len(c), t_end)})
    team, worker = allocate(ev, "day")
    return team.fillna("").to_numpy(), worker.fillna("").to_numpy()


def _list6(rng: np.random.Generator, sim: Sim, ids: pd.Series, t_end: int, allocate: Allocate,
           sp: SnapshotParams) -> pd.DataFrame:
    """CIN episodes: the simulation's children-in-need spans after an assessment (authorised
    assessment to `cin_end`, `Params.p_cin_after_assessment` and `cin_mean_days`), open in the
    year to the extract; the same spans the allocation model allocates."""
    R = sim.referrals
    a_end, cin_end = R["a_end"].to_numpy(), R["cin_end"].to_numpy()
    keep = ~R["nfa"].to_numpy() & (a_end != OPEN) & (cin_end > a_end) & (a_end <= t_end) \
        & (cin_end >= t_end - 365)
    R = R[keep]
    start = R["a_end"].to_numpy().astype(np.int64)
    end = R["cin_end"].to_numpy().astype(np.int64)
    c = R["child"].to_numpy()
    open_ = end > t_end
    since = _last_event(rng, len(c), TIMESCALE["cin"], sp.p_late_visit_cin, sp.visit_late_factor)
    seen = np.where(open_, t_end - since, end - 1 - since % 28)
    team, worker = _team_worker(R, c, t_end, allocate)
    out = _child(sim.children, ids, c, "cin").assign(**{
        "CIN Start Date": _date(start), "Primary Need Code": "N1",
        "Date Child Was Last Seen": _date(np.where(seen >= start, seen, -1)),
        "CIN Closure Date": _date(np.where(open_, -1, end)),
        "Reason for Closure": np.where(open_, "", "RC1"),
        "Case Status": np.where(open_, "Open", "Closed"),
        "Allocated Team": team, "Allocated Worker": worker})
    return out.reset_index(drop=True)


def _list8(rng: np.random.Generator, sim: Sim, ids: pd.Series, t_end: int, allocate: Allocate,
           sp: SnapshotParams) -> pd.DataFrame:
    P = sim.periods
    pend = np.where(P["end"].to_numpy() == OPEN, t_end + 1, P["end"].to_numpy())
    keep = (P["start"].to_numpy() <= t_end) & (pend >= t_end - 365)
    P, pend = P[keep], pend[keep]
    c = P["child"].to_numpy()
    n = len(P)
    start = P["start"].to_numpy().astype(np.int64)
    open_ = pend > t_end
    dob = sim.children["dob"].to_numpy()[c]
    under5 = t_end - dob < 5 * 365.25
    ref = np.where(open_, t_end, pend - 1)
    since = _last_event(rng, n, TIMESCALE["cla"], sp.p_late_visit_cla, sp.visit_late_factor)
    visit = ref - since
    h_scale = np.where(under5, 182.0, 365.0)
    h_late = np.where(under5, sp.p_late_health_under5, sp.p_late_health_over5)
    hs = _last_event(rng, n, h_scale, 0.0, sp.health_late_factor)
    hs_late = _last_event(rng, n, h_scale, 1.0, sp.health_late_factor)
    health = ref - np.where(rng.random(n) < h_late, hs_late, hs)
    dental = ref - _last_event(rng, n, 365.0, sp.p_late_dental, sp.dental_late_factor)
    # first health assessment within ~20 working days of coming into care
    health = np.where(health >= start, health, np.where(ref - start > 28, start + 20, -1))
    idx, day = _sequence(rng, start, 28, 91, 182, sp.p_late_cla_review, t_end)
    review = np.full(n, -1, dtype=np.int64)
    np.maximum.at(review, idx, np.where(day < pend[idx], day, -1))
    Mi = sim.missing
    mi = Mi[(Mi["type"] == "M") & (Mi["start"] > t_end - 365) & (Mi["start"] <= t_end)]
    n_miss = pd.Series(1, index=mi["child"].to_numpy()).groupby(level=0).sum()
    miss = n_miss.reindex(c).fillna(0).astype(np.int64).to_numpy()
    offered = (miss > 0) & (rng.random(n) < sp.p_ri_offered)
    accepted = offered & (rng.random(n) < sp.p_ri_accepted)
    E = sim.episodes
    last_ls = E.sort_values(["child", "decom"], kind="stable").groupby("child")["ls"].last()
    team, worker = _team_worker(P, c, t_end, allocate)
    yn = np.array(["N", "Y"], dtype=object)
    out = _child(sim.children, ids, c, "cla").assign(**{
        "Date Started to be Looked After": _date(start),
        "Child's Legal Status": last_ls.reindex(c).fillna("C2").to_numpy(),
        "Date of Latest Statutory Review": _date(review),
        "Date of Last Social Work Visit": _date(np.where(visit >= start, visit, -1)),
        "Date of Last Health Assessment": _date(health),
        "Date of Last Dental Check": _date(np.where(dental >= start, dental, -1)),
        "Date Ceased to be Looked After": _date(np.where(open_, -1, pend)),
        "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 "
        "months": miss,
        "Was the child offered a Return Interview after their last missing episode (Y/N)?":
            np.where(miss > 0, yn[offered.astype(int)], ""),
        "Did the child accept a Return Interview after their last missing episode (Y/N)?":
            np.where(offered, yn[accepted.astype(int)], ""),
        "Allocated Team": team, "Allocated Worker": worker})
    return out.reset_index(drop=True)


def _list9(rng: np.random.Generator, sim: Sim, ids: pd.Series, t_end: int,
           sp: SnapshotParams) -> pd.DataFrame:
    """Care leavers: the OC3 cohort (relevant / former relevant) and the looked-after 16-17s
    with 13+ weeks in care (eligible)."""
    K = sim.children
    OC = sim.oc3
    leavers = OC["child"].to_numpy()
    age = (t_end - K["dob"].to_numpy()[leavers]) / 365.25
    cat_l = np.where(age >= 18, "Former relevant", "Relevant")
    P = sim.periods
    open_ = ((P["end"].to_numpy() == OPEN) | (P["end"].to_numpy() > t_end)) & \
        (P["start"].to_numpy() <= t_end - 91)
    pc = P["child"].to_numpy()[open_]
    a = (t_end - K["dob"].to_numpy()[pc]) / 365.25
    elig = np.unique(pc[(a >= 16) & (a < 18)])
    c = np.concatenate([elig, leavers])
    cat = np.concatenate([np.full(len(elig), "Eligible", dtype=object), cat_l])
    n = len(c)
    p_late = np.where(cat == "Eligible", sp.p_late_pwp_cla, sp.p_late_pwp_leaver)
    on = _last_event(rng, n, 182.0, 0.0, sp.pwp_late_factor)
    late = _last_event(rng, n, 182.0, 1.0, sp.pwp_late_factor)
    pwp = t_end - np.where(rng.random(n) < p_late, late, on)
    in_touch = OC["in_touch"].to_numpy()
    out = _child(K, ids, c, "care_leavers").assign(**{
        "Eligibility Category": cat,
        "Latest Pathway Plan Review Date": _date(pwp),
        "LA in Touch": np.concatenate([np.full(len(elig), "Yes", dtype=object),
                                       np.where(in_touch == "YES", "Yes", "No")]),
        "Activity Status": np.concatenate([np.full(len(elig), "", dtype=object),
                                           OC["activ"].to_numpy()])})
    return out.reset_index(drop=True)


def reviews_903(rng: np.random.Generator, sim: Sim, ids: pd.Series, t_out: int, t_end: int,
                sp: SnapshotParams) -> pd.DataFrame:
    """SSDA903 reviews: every statutory review of each period of care (first ~20 working days
    after the start, then 3 months, then 6-monthly), held from a year before the files
    begin to the end."""
    P = sim.periods
    pend = np.where(P["end"].to_numpy() == OPEN, t_end + 1, P["end"].to_numpy())
    keep = pend >= t_out - 365
    P, pend = P[keep], pend[keep]
    start = P["start"].to_numpy().astype(np.int64)
    idx, day = _sequence(rng, start, 28, 91, 182, sp.p_late_cla_review, t_end)
    ok = (day < pend[idx]) & (day >= t_out - 365)
    idx, day = idx[ok], day[ok]
    c = P["child"].to_numpy()[idx]
    order = np.lexsort((day, c))
    c, day = c[order], day[order]
    return pd.DataFrame({"CHILD": ids.to_numpy()[c],
                         "DOB": _dmy(sim.children["dob"].to_numpy()[c]).to_numpy(),
                         "REVIEW": _dmy(day).to_numpy(), "REVIEW_CODE": "PN1"})


def rng_for(sim: Sim, t_end: int) -> np.random.Generator:
    """This module's own Generator, seeded from the simulation (so the council's other files
    keep their bytes)."""
    dob = sim.children["dob"].to_numpy()
    return np.random.default_rng([13, int(np.abs(dob).sum() % (2**31)), len(dob), t_end])


__all__ = ["SnapshotParams", "annex_lists", "cp_columns", "reviews_903", "rng_for",
           "SHEETS_XLSX", "FILES_CSV"]
