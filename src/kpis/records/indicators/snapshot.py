"""Indicators read from Annex A snapshot columns: visits (lists 6, 7, 8), review child
protection conferences (list 7), health assessments and dental checks (list 8), return
interviews (list 8) and pathway plans (list 9).

Annex A columns such as "Date of Last Social Work Visit" are *snapshots*: they say what was true
on the day the list was extracted. One extract therefore gives one month: the month of its
extract date. The extract date of a row is its `extract_date` column when the list has one (a
folder of monthly extracts stacked with an "Extract Date" column gives a monthly series), else
the records' extract date: the latest date in the Annex A lists (`extract_day`) [I]. Every other
month-end gets no rows (`SNAPSHOT_NOTE`). The reference day of every rule below is the extract
date itself.

Timescales live in data (kpis/data/records/timescales.yml); the visit timescales are the
scorecard's own (local). Team and worker: the list row's Allocated Team / Allocated Worker.
Definitions: /work/shared/reference/indicator-definitions.md and child-level-formats.md.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from kpis.records.indicators.arrays import (
    NAT,
    concat_events,
    days,
    drill,
    event_frame,
    shift_months,
    text,
    to_dates,
)
from kpis.records.indicators.context import Context
from kpis.records.tables import Records
from kpis.records.workdays import working_days

SNAPSHOT_NOTE = ("Annex A snapshot: computed for the month of the extract only, and only when the "
                 "list has the column")

#: Annex A dates that say when a list was extracted (the latest of them) [I].
EXTRACT_DATES: dict[str, list[str]] = {
    "contacts": ["contact_date"], "referrals": ["referral_date"],
    "assessments": ["start_date", "auth_date"], "s47": ["strategy_date", "icpc_date"],
    "cp_plans": ["start_date", "end_date", "last_visit", "latest_review"],
    "cin": ["start_date", "end_date", "last_seen"],
    "cla": ["start_date", "end_date", "last_visit", "latest_review"],
    "care_leavers": ["pathway_plan_review", "latest_contact"]}


@lru_cache(maxsize=1)
def timescales() -> dict:
    """The timescales (kpis/data/records/timescales.yml)."""
    path = resources.files("kpis").joinpath("data", "records", "timescales.yml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def extract_day(records: Records) -> int:
    """The records' Annex A extract date (day number): the latest date in the Annex A lists;
    NAT when they hold none."""
    best = NAT
    for table, cols in EXTRACT_DATES.items():
        df = getattr(records, table)
        for c in cols:
            if c in df and len(df):
                d = days(df[c])
                if (d != NAT).any():
                    best = max(best, int(d[d != NAT].max()))
    return best


def month_end(d: np.ndarray) -> np.ndarray:
    """Day numbers -> the day number of their calendar month's last day (NAT stays NAT)."""
    d = np.asarray(d, dtype=np.int64)
    out = np.full(len(d), NAT, dtype=np.int64)
    ok = d != NAT
    mon = d[ok].view("datetime64[D]").astype("datetime64[M]")
    out[ok] = (mon + 1).astype("datetime64[D]").view(np.int64) - 1
    return out


def snapshot(ctx: Context, table: str, needs: str | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row positions, m, reference day) of the rows of an Annex A list whose extract month is
    one of the month-ends computed (see the module docstring). A list without the column
    `needs` (absent, or blank in every row) gives no rows: the indicator is not computed
    rather than computed from nothing."""
    df = getattr(ctx.records, table)
    empty = np.empty(0, dtype=np.int64)
    if len(df) == 0 or ctx.nm == 0 or (needs is not None and (
            needs not in df or not df[needs].notna().any())):
        return empty, empty, empty
    cache = ctx.__dict__.setdefault("_extract_day", {})
    if "day" not in cache:
        cache["day"] = extract_day(ctx.records)
    ed = np.full(len(df), cache["day"], dtype=np.int64)
    if "extract_date" in df:
        own = days(df["extract_date"])
        ed = np.where(own != NAT, own, ed)
    me = month_end(ed)
    m = np.minimum(np.searchsorted(ctx.me, me), ctx.nm - 1)
    ok = (ed != NAT) & (ctx.me[m] == me)
    pos = np.flatnonzero(ok)
    return pos, m[ok], ed[ok]


def open_at(df: pd.DataFrame, pos: np.ndarray, ref: np.ndarray, start: str = "start_date",
            end: str = "end_date") -> np.ndarray:
    """Rows open on their reference day: start <= ref and (no end or end > ref)."""
    s = days(df[start])[pos]
    e = days(df[end])[pos] if end in df else np.full(len(pos), NAT)
    return (s != NAT) & (s <= ref) & ((e == NAT) | (e > ref))


def _col(df: pd.DataFrame, c: str, pos: np.ndarray) -> np.ndarray:
    """Date column `c` (day numbers) at `pos`; all NAT when the list lacks it."""
    return days(df[c])[pos] if c in df else np.full(len(pos), NAT, dtype=np.int64)


def _frame(ctx: Context, table: str, pos: np.ndarray, m: np.ndarray, innum: np.ndarray,
           breakdown: str = "", extra: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Event frame of list rows, attributed to the row's Allocated Team and Worker."""
    df = getattr(ctx.records, table)
    team = ctx.labels(table, "team")[pos] if len(df) else pos
    worker = ctx.labels(table, "worker")[pos] if len(df) else pos
    return event_frame(m, breakdown=breakdown, child=ctx.codes(table)[pos], team=team,
                       worker=worker, in_numerator=innum, extra=extra)


def _dob(ctx: Context, table: str, pos: np.ndarray) -> np.ndarray:
    """Date of birth of list rows: the row's own, else the child's (children table)."""
    df = getattr(ctx.records, table)
    own = _col(df, "dob", pos)
    ch = ctx.records.children
    if len(ch) and (own == NAT).any():
        lookup = pd.Series(days(ch["dob"]), index=ch["child_id"].astype("string"))
        lookup = lookup[~lookup.index.duplicated()]
        other = lookup.reindex(df["child_id"].astype("string").iloc[pos]).to_numpy()
        other = np.where(pd.isna(other), NAT, other).astype(np.int64)
        own = np.where(own == NAT, other, own)
    return own


def _others_open(ctx: Context, tables: tuple[str, ...], codes: np.ndarray,
                 ref: np.ndarray) -> np.ndarray:
    """Is each (child code, reference day) also open on one of `tables` (lists 7, 8)?"""
    hit = np.zeros(len(codes), dtype=bool)
    for t in tables:
        df = getattr(ctx.records, t)
        if not len(df):
            continue
        c = ctx.codes(t)
        s, e = days(df["start_date"]), days(df["end_date"])
        # pair every row of the child with the queries: few rows per child
        order = np.argsort(c, kind="stable")
        lo = np.searchsorted(c[order], codes, "left")
        hi = np.searchsorted(c[order], codes, "right")
        for k in range(int((hi - lo).max()) if len(codes) else 0):  # rows per child: a handful
            has = lo + k < hi
            r = order[np.minimum(lo + k, len(order) - 1)]
            hit |= has & (s[r] != NAT) & (s[r] <= ref) & ((e[r] == NAT) | (e[r] > ref))
    return hit


def _visits(ctx: Context, table: str, seen_col: str, key: str,
            exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    df = getattr(ctx.records, table)
    pos, m, ref = snapshot(ctx, table, seen_col)
    if len(pos):
        keep = open_at(df, pos, ref)
        if exclude:
            keep &= ~_others_open(ctx, exclude, ctx.codes(table)[pos], ref)
        pos, m, ref = pos[keep], m[keep], ref[keep]
    limit = int(timescales()["visits"][key]["days"])
    seen = _col(df, seen_col, pos)
    start = _col(df, "start_date", pos)
    since = np.where(seen != NAT, np.maximum(seen, start), start)
    return _frame(ctx, table, pos, m, ref - since <= limit, extra={
        "start_date": to_dates(start), "last_seen": to_dates(seen),
        "days_since": np.where(since != NAT, ref - since, -1)} if drill() else None)


def visits_cin(ctx: Context) -> pd.DataFrame:
    """Timeliness of visits to children in need (local; Annex A list 6 "Date Child Was Last
    Seen").

    Cohort: list 6 rows open on the extract date (CIN start <= date, no closure or closure after
    it), leaving out children then on a CP plan (list 7) or looked after (list 8), whose visits
    are measured there [I]. Numerator: seen within the timescale (timescales.yml visits.cin: 49
    days = the scorecard's 7 weeks, local) of the extract date; a child whose CIN episode
    started within the timescale and not yet seen is not overdue (the clock runs from the later
    of last seen and start) [I]. Period rule: Annex A snapshot (the extract's month).
    """
    return _visits(ctx, "cin", "last_seen", "cin", exclude=("cp_plans", "cla"))


def visits_cp(ctx: Context) -> pd.DataFrame:
    """Timeliness of visits to children on a CP plan (local timescale 4 weeks = 28 days,
    timescales.yml; Annex A list 7 "Date of the Last Statutory Visit"). Cohort: plans open on
    the extract date. Clock: from the later of the last visit and the plan start [I]. Period
    rule: Annex A snapshot."""
    return _visits(ctx, "cp_plans", "last_visit", "cp")


def visits_cla(ctx: Context) -> pd.DataFrame:
    """Timeliness of visits to children in care (local timescale 6 weeks = 42 days,
    timescales.yml; Annex A list 8 "Date of Last Social Work Visit"). Cohort: list 8 rows looked
    after on the extract date. Clock: from the later of the last visit and the date the child
    started to be looked after [I]. Period rule: Annex A snapshot."""
    return _visits(ctx, "cla", "last_visit", "cla")


def rcpc_up_to_date(ctx: Context) -> pd.DataFrame:
    """Up-to-date review child protection conferences [V timings; cohort I] (Annex A list 7).

    Cohort: CP plans open on the extract date. Due date: plan start + 3 months when no review
    conference is recorded (first review within 3 months of the ICPC [V]; the plan starts at
    the ICPC), else latest review + 6 months (then at most 6-monthly [V]). Numerator: due date
    on or after the extract date. Period rule: Annex A snapshot.
    """
    df = ctx.records.cp_plans
    pos, m, ref = snapshot(ctx, "cp_plans", "latest_review")
    keep = open_at(df, pos, ref) if len(pos) else np.zeros(0, bool)
    pos, m, ref = pos[keep], m[keep], ref[keep]
    t = timescales()["cp_reviews"]
    start, rev = _col(df, "start_date", pos), _col(df, "latest_review", pos)
    due = np.where(rev != NAT, shift_months(rev, int(t["then_months"])),
                   shift_months(start, int(t["first_months"])))
    return _frame(ctx, "cp_plans", pos, m, due >= ref, extra={
        "plan_start": to_dates(start), "latest_review": to_dates(rev), "due": to_dates(due)}
            if drill() else None)


def _cla_open(ctx: Context, needs: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    df = ctx.records.cla
    pos, m, ref = snapshot(ctx, "cla", needs)
    keep = open_at(df, pos, ref) if len(pos) else np.zeros(0, bool)
    return pos[keep], m[keep], ref[keep]


def _health(ctx: Context, ages: str) -> pd.DataFrame:
    df = ctx.records.cla
    pos, m, ref = _cla_open(ctx, "last_health_assessment")
    t = timescales()["health"]
    start = _col(df, "start_date", pos)
    wd = working_days(to_dates(start), to_dates(ref)) if len(pos) else np.zeros(0)
    dob = _dob(ctx, "cla", pos)
    under5 = (dob != NAT) & (ref < shift_months(dob, 60))
    keep = (np.nan_to_num(wd, nan=-1) >= int(t["cohort_working_days"])) & (dob != NAT)
    keep &= {"all": True, "under5": under5, "over5": ~under5}[ages]
    pos, m, ref, start, dob, under5 = (a[keep] for a in (pos, m, ref, start, dob, under5))
    last = _col(df, "last_health_assessment", pos)
    months = np.where(under5, int(t["under5_months"]), int(t["over5_months"]))
    ok = np.zeros(len(pos), dtype=bool)
    for mo in np.unique(months):  # two timescales
        sel = months == mo
        ok[sel] = (last[sel] != NAT) & (last[sel] >= shift_months(ref[sel], -int(mo)))
    return _frame(ctx, "cla", pos, m, ok, extra={
        "dob": to_dates(dob), "looked_after_since": to_dates(start),
        "last_health_assessment": to_dates(last), "under_5": under5} if drill() else None)


def health_assessments_cla(ctx: Context) -> pd.DataFrame:
    """Timeliness of health assessments for children in care (Annex A list 8 "Date of Last
    Health Assessment").

    Cohort: children looked after on the extract date for at least 20 working days (the initial
    health assessment is due by then) [I], with a date of birth. Numerator: last health
    assessment within 6 months (under 5 on the extract date) or 12 months (5 and over) before
    it — the statutory review frequencies [V: Promoting the health of looked-after children];
    timescales.yml `health`. Period rule: Annex A snapshot.
    """
    return _health(ctx, "all")


def health_assessments_over5(ctx: Context) -> pd.DataFrame:
    """`health_assessments_cla` for children aged 5 and over (12-month timescale)."""
    return _health(ctx, "over5")


def health_assessments_under5(ctx: Context) -> pd.DataFrame:
    """`health_assessments_cla` for children under 5 (6-month timescale)."""
    return _health(ctx, "under5")


def dental_assessments(ctx: Context) -> pd.DataFrame:
    """Timeliness of dental checks (Annex A list 8 "Date of Last Dental Check").

    Cohort: children looked after on the extract date who started to be looked after at least
    12 months before it (SSDA903 OC2's cohort: looked after continuously for 12 months) [I].
    Numerator: a dental check in the 12 months to the extract date (OC2 TEETH_CHECK asks the
    same of the year) [V/I]; timescales.yml `dental`. Period rule: Annex A snapshot.
    """
    df = ctx.records.cla
    pos, m, ref = _cla_open(ctx, "last_dental_check")
    t = timescales()["dental"]
    start = _col(df, "start_date", pos)
    keep = start <= shift_months(ref, -int(t["cohort_months"]))
    pos, m, ref, start = pos[keep], m[keep], ref[keep], start[keep]
    last = _col(df, "last_dental_check", pos)
    ok = (last != NAT) & (last >= shift_months(ref, -int(t["months"])))
    return _frame(ctx, "cla", pos, m, ok, extra={
        "looked_after_since": to_dates(start), "last_dental_check": to_dates(last)}
            if drill() else None)


def missing_return_interview(ctx: Context) -> pd.DataFrame:
    """Return interviews for children in care who went missing (local; Annex A list 8).

    Cohort: list 8 rows (every child looked after in the extract's year, as the list holds)
    with at least one missing episode in the last 12 months ("Number of Episodes the Child has
    been 'Missing' ...") [I]. Headline numerator: "Did the child accept a Return Interview after
    their last missing episode" = Y — the scorecard's "at least 1 return interview completed"
    read as accepted [I]; breakdown "offered": "Was the child offered a Return Interview" = Y.
    Unknown = no. Period rule: Annex A snapshot.
    """
    df = ctx.records.cla
    pos, m, ref = snapshot(ctx, "cla", "missing_12m")
    if "missing_12m" in df and len(pos):
        n = pd.to_numeric(df["missing_12m"], errors="coerce").fillna(0).to_numpy()[pos]
    else:
        n = np.zeros(len(pos))
    keep = n > 0
    pos, m = pos[keep], m[keep]
    frames = []
    for bd, col in (("", "return_interview_accepted"), ("offered", "return_interview_offered")):
        v = (df[col].astype("boolean").fillna(False).to_numpy(dtype=bool)[pos] if col in df
             else np.zeros(len(pos), bool))
        frames.append(_frame(ctx, "cla", pos, m, v, bd, extra={"missing_12m": n[keep]}
                                                        if drill() else None))
    return concat_events(frames)


#: Annex A list 9 eligibility categories [V: Children (Leaving Care) Act categories]: "eligible"
#: children are still looked after (16-17); the others have left care.
ELIGIBLE = frozenset({"ELIGIBLE", "A) ELIGIBLE", "ELIGIBLE CHILD"})


def _pwp(ctx: Context, in_care: bool) -> pd.DataFrame:
    df = ctx.records.care_leavers
    pos, m, ref = snapshot(ctx, "care_leavers", "pathway_plan_review")
    cat = text(df["eligibility"])[pos] if len(pos) else np.empty(0, object)
    eligible = np.isin(cat, list(ELIGIBLE)) | np.char.startswith(cat.astype(str), "ELIGIBLE")
    keep = eligible if in_care else ~eligible & (cat != "")
    pos, m, ref = pos[keep], m[keep], ref[keep]
    rev = _col(df, "pathway_plan_review", pos)
    months = int(timescales()["pathway_plans"]["months"])
    ok = (rev != NAT) & (rev >= shift_months(ref, -months))
    return _frame(ctx, "care_leavers", pos, m, ok, extra={
        "eligibility": cat[keep], "pathway_plan_review": to_dates(rev)} if drill() else None)


def cla_pwp(ctx: Context) -> pd.DataFrame:
    """Children in care with an up-to-date pathway plan (local; Annex A list 9).

    Cohort: list 9 rows whose eligibility category is "eligible" (looked after, aged 16-17).
    Numerator: "Latest Pathway Plan Review Date" within 6 months of the extract date (pathway
    plans are reviewed at least every 6 months [V]; timescales.yml). Period rule: snapshot.
    """
    return _pwp(ctx, in_care=True)


def care_leavers_pwp(ctx: Context) -> pd.DataFrame:
    """Care leavers with an up-to-date pathway plan: `cla_pwp` for the other eligibility
    categories (relevant, former relevant, ...: young people who have left care)."""
    return _pwp(ctx, in_care=False)


__all__ = ["visits_cin", "visits_cp", "visits_cla", "rcpc_up_to_date", "health_assessments_cla",
           "health_assessments_over5", "health_assessments_under5", "dental_assessments",
           "missing_return_interview", "cla_pwp", "care_leavers_pwp", "snapshot", "timescales",
           "extract_day", "SNAPSHOT_NOTE"]
