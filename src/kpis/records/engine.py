"""Monthly indicators from child-level records (`kpis compute`) and their drill-down.

    compute(records, month_ends=None, levels=("council", "team", "worker")) -> tidy DataFrame
    drilldown(records, indicator_id, period, level="council", org_unit=None) -> child-level rows

Each indicator function in `kpis.records.indicators.*` returns an *event frame* (one row per cohort
member per month-end, flagged `in_numerator`, with weights `num`/`den`; see
kpis.records.indicators.arrays). `compute` sums those weights by month-end and org unit;
`drilldown` returns the rows of one figure. The figure and its drill-down therefore come from
the same code.

Output rows follow docs/contracts.md ("Computed indicators"): kind "actual", comparator "",
period "YYYY-MM" of the month-end, source "kpis compute", flag "". Value = 100 * numerator /
denominator for percent indicators and numerator / denominator (children per FTE) for
`caseload_per_fte`; NaN when the denominator is 0 (the row is kept with numerator 0 and
denominator 0, and `note` says why).

Judgement calls ([I], each documented in its indicator's docstring and kept in one constant or
function so it is easy to change): "within 12 months" = on or after the date minus 12 calendar
months (DateOffset semantics; exactly 12 months counts; 29 Feb looks back to 28 Feb); intervals
are open at a month-end when start <= month-end < end; a child is attributed to the allocation
open at the month-end that started last; returns to care use periods of care (RNE S .. REC not
X1) and a 12-month gap rule; RNE U counts as "same carer" like T; same carer after a temporary
placement = same URN (else provider + postcode); case-holding = in post with FTE > 0 and at least
one allocated child; unknown agency status = not agency; rows without the dates a rule needs are
left out of its cohort; a child on two CP plans at once counts once (the plan that started last);
placements_3plus, cla_s20 and cla_missing leave out short breaks (legal status V3/V4).
`repeat_cp` is the D3 measure: headline in month, as the scorecard's "Repeat CP plans (in
month)", and breakdown "rolling 12 months"; `repeat_cp_all` is the local stock measure (children
on a plan at the month-end whose plan is a second or subsequent one). `cla_missing` follows
DfE's cohort (looked after at any time in the 12 months, short-break-only children out; missing
type "M" only) with a breakdown over children looked after at the month-end.

Indicators (module: ids): repeat: re_referrals, repeat_cp, returns_to_care; cp_open:
repeat_cp_all, cp_plan_under_2y; cla: cla_s20, cla_missing; stability: placements_3plus,
long_term_stability, sw_changes_12m_cla, sw_more_than_3_12m, sw_changes_6m_all;
placement_location: cla_out_of_county, cla_placed_20miles (with a postcode centroid file);
oc2: the health assessment and dental check lines (Annex A list 8, or SSDA903 OC2); workforce:
caseload_per_fte, caseload_18_or_fewer, caseload_22_or_fewer, agency_rate; timeliness:
assessment_45wd, icpc_15wd, cp_plans_ended_2y_plus; and, when the council sends an audit
file, the quality-assurance indicators of kpis.records.indicators.audits (audits_per_month,
audit_grades, audits_per_practitioner, practitioners_audited_2plus, audit_team_coverage,
audits_moderated_down), council and team levels.

Which rows exist: at council level every indicator, breakdown and month-end; at team level every
team that appears in an indicator's rows (in any month computed) for every month-end; at worker
level only workers with at least one cohort row in that month (workers come and go).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from kpis import catalogue
from kpis.records.indicators import (
    allocation,
    audits,
    cla,
    cp_open,
    leavers,
    oc2,
    placement_location,
    repeat,
    reviews,
    snapshot,
    stability,
    timeliness,
    workforce,
)
from kpis.records.indicators.arrays import (
    EVENT_COLUMNS,
    NAT,
    Events,
    days,
    events_only,
    lexorder,
    shift_months,
    take_text,
)
from kpis.records.indicators.context import Context
from kpis.records.tables import BOOL_COLUMNS, COLUMNS, DATE_COLUMNS, Records

OUTPUT_COLUMNS = ["indicator_id", "domain", "indicator", "breakdown", "kind", "comparator",
                  "period", "value", "unit", "note", "source", "flag", "council", "level",
                  "org_unit", "numerator", "denominator"]
LEVELS = ("council", "team", "worker")
NO_CHILDREN = "no children in cohort"
NO_WORKERS = "no case-holding workers in post"

R12 = "rolling 12 months to month-end"
IN_MONTH = "calendar month to month-end"


@dataclass(frozen=True)
class Spec:
    """How to compute one indicator: the function, the note per breakdown, the empty note, and
    the history it needs: the tables its look-back reads and how many months back it looks
    (a month-end with less history than that in the data is flagged `partial history`)."""

    func: Callable[[Context], pd.DataFrame]
    notes: dict[str, str]
    empty_note: str = NO_CHILDREN
    history: tuple[str, ...] = ()
    lookback_months: int = 12
    #: breakdowns whose value is the numerator itself (a count of children), not a ratio
    counts: tuple[str, ...] = ()
    #: value = 100 x (numerator / denominator - 1): a percent change (now against then)
    change: bool = False
    #: the unit of the `counts` breakdowns' rows when not the indicator's own (e.g. "children")
    count_unit: str = ""


#: The dates that say when each table's history starts (also used for default month-ends).
ACTIVITY_DATES: dict[str, list[str]] = {
    "contacts": ["contact_date"], "referrals": ["referral_date"],
    "assessments": ["start_date", "auth_date"], "s47": ["strategy_date", "icpc_date"],
    "cp_plans": ["start_date", "end_date"], "episodes": ["decom", "dec"],
    "sw_episodes": ["start", "end"]}
PARTIAL = "partial history"
SNAP = snapshot.SNAPSHOT_NOTE
_S = "Annex A snapshot at the extract date; "
#: health and dental: OC2 gives the 31 March figure when Annex A gives none (indicators.oc2)
_OC2 = " (or SSDA903 OC2 at 31 March: looked after 12+ months, answered yes)"
SNAP_OC2 = ("Annex A snapshot (the extract's month) or SSDA903 OC2 (31 March of its year): "
            "computed for those months only")

def _placed(fn: Callable[[Context], pd.DataFrame], known: str, unknown: str) -> Spec:
    """A placement-location line: the share among children whose placement is `known`, and
    the breakdown "location not known", a number of children (indicators.placement_location)."""
    cohort = "looked after at month-end (not short breaks)"
    return Spec(fn, {"": f"{cohort}, {known}",
                     placement_location.UNKNOWN: f"{cohort}; {unknown}: number of children"},
                placement_location.EMPTY_NOTE, counts=(placement_location.UNKNOWN,),
                count_unit="children")


#: Indicators added by issue 13 (Annex A snapshots, OC3, 903 reviews, allocation).
SNAPSHOT_SPECS: dict[str, Spec] = {
    "visits_cin": Spec(snapshot.visits_cin, {"": _S + "CIN (not CP/CLA) seen within 7 weeks"},
                       SNAP),
    "visits_cp": Spec(snapshot.visits_cp, {"": _S + "CP plans; visited within 4 weeks"}, SNAP),
    "visits_cla": Spec(snapshot.visits_cla, {"": _S + "looked after; visited within 6 weeks"},
                       SNAP),
    "rcpc_up_to_date": Spec(snapshot.rcpc_up_to_date, {
        "": _S + "CP plans; review conference not overdue"}, SNAP),
    "health_assessments_cla": Spec(oc2.health_assessments_cla, {
        "": _S + "looked after 20+ working days; health assessment in timescale" + _OC2},
        SNAP_OC2),
    "health_assessments_over5": Spec(oc2.health_assessments_over5, {
        "": _S + "aged 5+; health assessment in the last 12 months" + _OC2}, SNAP_OC2),
    "health_assessments_under5": Spec(oc2.health_assessments_under5, {
        "": _S + "under 5; health assessment in the last 6 months" + _OC2}, SNAP_OC2),
    "dental_assessments": Spec(oc2.dental_assessments, {
        "": _S + "looked after 12+ months; dental check in the last 12 months" + _OC2},
        SNAP_OC2),
    "missing_return_interview": Spec(snapshot.missing_return_interview, {
        "": _S + "missing in the last 12 months; return interview accepted",
        "offered": _S + "missing in the last 12 months; return interview offered"}, SNAP),
    "cla_pwp": Spec(snapshot.cla_pwp, {"": _S + "eligible (in care 16-17); pathway plan "
                                           "reviewed in 6 months"}, SNAP),
    "care_leavers_pwp": Spec(snapshot.care_leavers_pwp, {
        "": _S + "care leavers; pathway plan reviewed in 6 months"}, SNAP),
    "care_leavers_in_touch": Spec(leavers.care_leavers_in_touch, {
        "": "SSDA903 OC3 (17-21); IN_TOUCH = YES"}, leavers.OC3_NOTE),
    "care_leavers_suitable_accom_all": Spec(leavers.care_leavers_suitable_accom_all, {
        "": "SSDA903 OC3 (17-21); ACCOM suitable"}, leavers.OC3_NOTE),
    "care_leavers_suitable_accom_19_21": Spec(leavers.care_leavers_suitable_accom_19_21, {
        "": "SSDA903 OC3 aged 19-21; ACCOM suitable"}, leavers.OC3_NOTE),
    "care_leavers_eet_all": Spec(leavers.care_leavers_eet_all, {
        "": "SSDA903 OC3 (17-21); ACTIV in education, employment or training"},
        leavers.OC3_NOTE),
    "care_leavers_eet_19_21": Spec(leavers.care_leavers_eet_19_21, {
        "": "SSDA903 OC3 aged 19-21; ACTIV in education, employment or training"},
        leavers.OC3_NOTE),
    "cla_reviews": Spec(reviews.cla_reviews, {
        "": "looked after at month-end; next statutory review not overdue"},
        history=("episodes",)),
    "unallocated_2wk": Spec(allocation.unallocated_2wk, {
        "": "open to social care at month-end; unallocated more than 2 weeks (count)"},
        counts=("",)),
    "manager_allocated_2wk": Spec(allocation.manager_allocated_2wk, {
        "": "allocated at month-end; to a manager for more than 2 weeks (count)"},
        counts=("",)),
    "cin_plan_under_1y": Spec(allocation.cin_plan_under_1y, {
        "": "CIN (not CP/CLA) open at month-end; started less than 1 year before"}),
    "cla_change_18m": Spec(cla.cla_change_18m, {
        "": "looked after at month-end (not short breaks) against 18 months before: % change"},
        history=("episodes",), lookback_months=18, change=True),
    "sw_3plus_12m": Spec(stability.sw_3plus_12m, {
        "": "looked after at month-end; 3 or more social workers in the 12 months"},
        history=("sw_episodes",)),
    "cla_out_of_county": _placed(
        placement_location.cla_out_of_county,
        "placement location known; placed outside the council's area",
        "placement location not known (no PL_POST, or not in the centroid file)"),
    "cla_placed_20miles": _placed(
        placement_location.cla_placed_20miles,
        "location known; outside the council's area and more than 20 miles (HOME_POST to "
        "PL_POST, straight line)",
        "location or distance not known"),
}


REGISTRY: dict[str, Spec] = {
    "re_referrals": Spec(repeat.re_referrals, {"": R12}, history=("referrals",)),
    "repeat_cp": Spec(repeat.repeat_cp, {"": IN_MONTH, "rolling 12 months": R12},
                      history=("cp_plans",)),
    "returns_to_care": Spec(repeat.returns_to_care, {"": R12, "single month": IN_MONTH},
                            history=("episodes",), lookback_months=24),
    "repeat_cp_all": Spec(cp_open.repeat_cp_all, {
        "": "on a CP plan at month-end; second or subsequent plan"}, history=("cp_plans",)),
    "cp_plan_under_2y": Spec(cp_open.cp_plan_under_2y, {
        "": "on a CP plan at month-end; plan started less than 2 years before"},
        history=("cp_plans",), lookback_months=24),
    "cla_s20": Spec(cla.cla_s20, {
        "": "looked after at month-end (not short breaks); legal status V2",
        "number of children": "looked after at month-end (not short breaks); legal status V2: "
                              "number of children"}, counts=("number of children",),
                  count_unit="children"),
    "cla_missing": Spec(cla.cla_missing, {
        "": "looked after in the 12 months to month-end (not short breaks only); missing "
            "incidents (M) in the 12 months",
        cla.LA_AT_MONTH_END: "looked after at month-end (not short breaks); missing incidents "
                             "(M) in the 12 months to month-end"}, history=("episodes",)),
    "placements_3plus": Spec(stability.placements_3plus, {
        "": "looked after at month-end; placements in the 12 months to month-end"},
        history=("episodes",)),
    "long_term_stability": Spec(stability.long_term_stability, {
        "": "under 16 and looked after 2.5+ years at month-end"}, history=("episodes",),
        lookback_months=30),
    "sw_changes_12m_cla": Spec(stability.sw_changes_12m_cla, {
        "": "looked after at month-end; social workers in the 12 months to month-end"},
        history=("sw_episodes",)),
    "sw_more_than_3_12m": Spec(stability.sw_more_than_3_12m, {
        "": "looked after at month-end; social workers in the 12 months to month-end"},
        history=("sw_episodes",)),
    "sw_changes_6m_all": Spec(stability.sw_changes_6m_all, {
        "": "allocated at month-end; social workers in the 6 months to month-end"},
        history=("sw_episodes",), lookback_months=6),
    "caseload_per_fte": Spec(workforce.caseload_per_fte, {
        "": "at month-end; case-holding workers in post"}, NO_WORKERS),
    "caseload_18_or_fewer": Spec(workforce.caseload_18_or_fewer, {
        "": "at month-end; case-holding workers in post",
        "ASYE": "at month-end; case-holding workers in post whose role is ASYE"}, NO_WORKERS),
    "caseload_22_or_fewer": Spec(workforce.caseload_22_or_fewer, {
        "": "at month-end; case-holding workers in post"}, NO_WORKERS),
    "agency_rate": Spec(workforce.agency_rate, {
        "": "at month-end; FTE of workers in post"}, "no workers in post"),
    "assessment_45wd": Spec(timeliness.assessment_45wd, {"": R12 + " (authorised)"},
                            history=("assessments",)),
    "icpc_15wd": Spec(timeliness.icpc_15wd, {"": R12 + " (ICPC held)"}, history=("s47",)),
    "cp_plans_ended_2y_plus": Spec(timeliness.cp_plans_ended_2y_plus, {"": R12 + " (plan ended)"},
                                   history=("cp_plans",), lookback_months=36),
    **SNAPSHOT_SPECS,
}


def default_month_ends(records: Records) -> pd.DatetimeIndex:
    """Every calendar month-end from the first month with activity to the last.

    Activity dates: contacts, referrals, assessments (start/authorisation), S47 (strategy/ICPC),
    CP plans (start/end), 903 episodes (DECOM/DEC) and allocations (start/end). Dates of birth
    and workers' role dates are not activity. An empty input gives an empty index.
    """
    cols = ACTIVITY_DATES
    lo, hi = None, None
    for table, names in cols.items():
        df = getattr(records, table)
        for c in names:
            if c in df and len(df):
                d = days(df[c])
                d = d[d != NAT]
                if len(d):
                    lo = d.min() if lo is None else min(lo, d.min())
                    hi = d.max() if hi is None else max(hi, d.max())
    if lo is None:
        return pd.DatetimeIndex([])
    first = pd.Timestamp(np.int64(lo).astype("datetime64[D]"))
    last = pd.Timestamp(np.int64(hi).astype("datetime64[D]"))
    return pd.date_range(first + pd.offsets.MonthEnd(0), last + pd.offsets.MonthEnd(0), freq="ME")


def history_start(records: Records, tables: Sequence[str]) -> int | None:
    """First activity day (day number) in `tables`, or None when they hold no dates."""
    firsts = []
    for table in tables:
        df = getattr(records, table)
        for c in ACTIVITY_DATES.get(table, []):
            a = np.asarray(df[c]) if c in df and len(df) else np.empty(0, "M8[D]")
            if a.dtype.kind != "M":  # not dates yet: as `days` reads them
                a = days(df[c]).view("M8[D]")
            a = a[~np.isnat(a)]  # the earliest date, then its day (no day number per row)
            if len(a):
                firsts.append(int(a.min().astype("M8[D]").astype(np.int64)))
    return min(firsts) if firsts else None


def _meta(ids: np.ndarray) -> dict[str, np.ndarray]:
    """Domain, name and unit of each id (NaN when not in the catalogue): read-only arrays,
    looked up once per catalogue in use (`extra`: the council's indicators file) and ids."""
    return _meta_of(os.environ.get(catalogue.EXTRA_ENV), tuple(ids))


@cache
def _meta_of(extra: str | None, ids: tuple[str, ...]) -> dict[str, np.ndarray]:
    m = catalogue.indicators().set_index("indicator_id").reindex(list(ids))
    out = {c: m[c].to_numpy(dtype=object) for c in ("domain", "indicator", "unit")}
    for a in out.values():
        a.flags.writeable = False
    return out


#: (indicator_id, breakdown) pairs in output order
PAIRS: list[tuple[str, str]] = [(i, b) for i, spec in REGISTRY.items() for b in spec.notes]
#: Every pair `compute` can produce: the registry's, and the audit indicators' (computed when
#: the council sends an audit file; kpis.records.indicators.audits).
COMPUTED_PAIRS: list[tuple[str, str]] = PAIRS + [p for p in audits.PAIRS if p not in PAIRS]


def _run(ctx: Context, indicator_id: str) -> pd.DataFrame:
    if indicator_id not in REGISTRY:
        raise KeyError(f"indicator_id {indicator_id!r} is not computed by kpis.records.engine "
                       f"(computed: {', '.join(REGISTRY)})")
    return REGISTRY[indicator_id].func(ctx)


def event_rows(records: Records, indicator_id: str,
               month_ends: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """The event frame of one indicator (all month-ends) with readable columns: period,
    breakdown, child_id, the rule's dates and facts, in_numerator, team, worker, num, den."""
    if month_ends is None:
        month_ends = default_month_ends(records)
    ctx = Context(records, month_ends)
    ev = _run(ctx, indicator_id)
    m = ev["m"].to_numpy()
    extras = [c for c in ev.columns if c not in EVENT_COLUMNS]
    out = pd.DataFrame({
        "period": ctx.periods[m] if len(m) else np.empty(0, object),
        "breakdown": ev["breakdown"].to_numpy(dtype=object),
        "child_id": ctx.child_ids(ev["child"].to_numpy()),
        **{c: ev[c].to_numpy() for c in extras},
        "in_numerator": ev["in_numerator"].to_numpy(dtype=bool),
        "team": ctx.vocab.decode(ev["team"].to_numpy()),
        "worker": ctx.vocab.decode(ev["worker"].to_numpy()),
        "num": ev["num"].to_numpy(dtype=float),
        "den": ev["den"].to_numpy(dtype=float),
    })
    return out


#: Largest key space summed with a dense bincount; larger ones are factorised first.
DENSE_KEYS = 20_000_000


def _sums(keys: np.ndarray, num: np.ndarray, den: np.ndarray, size: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys that occur (sorted) with summed num and den. `size` bounds the keys (0 <= k <
    size): a small key space is summed densely, without sorting."""
    if size <= DENSE_KEYS:
        present = np.flatnonzero(np.bincount(keys, minlength=size))
        return (present, np.bincount(keys, weights=num, minlength=size)[present],
                np.bincount(keys, weights=den, minlength=size)[present])
    u, inv = np.unique(keys, return_inverse=True)
    return (u, np.bincount(inv, weights=num, minlength=len(u)),
            np.bincount(inv, weights=den, minlength=len(u)))


def _aggregate(ev: dict[str, np.ndarray], ctx: Context, level: str,
               pairs: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Sum num/den by (indicator, breakdown) pair, month-end and org unit; complete the grid.

    Council: every pair x month-end. Team: every team seen in any row of an indicator, for
    every breakdown of it and month-end. Worker: only units with rows that month.
    """
    nm, npairs = ctx.nm, len(pairs)
    pair, m, num, den = ev["pair"], ev["m"], ev["num"], ev["den"]
    if level == "council":
        key = pair * nm + m
        size = npairs * nm
        return {"pair": np.repeat(np.arange(npairs), nm), "m": np.tile(np.arange(nm), npairs),
                "unit": np.full(size, -1),
                "num": np.bincount(key, weights=num, minlength=size),
                "den": np.bincount(key, weights=den, minlength=size)}
    unit = ev[level]
    nu = len(ctx.vocab.labels)
    # summed over the units that occur (a few teams among all labels), in their code order,
    # then keyed back to (pair * nm + m) * nu + unit
    seen_u = np.flatnonzero(np.bincount(unit, minlength=nu))
    compact = np.zeros(nu, dtype=np.int64)
    compact[seen_u] = np.arange(len(seen_u))
    nc = max(len(seen_u), 1)
    cu, sn, sd = _sums((pair * nm + m) * nc + compact[unit], num, den, npairs * nm * nc)
    u = cu // nc * nu + seen_u[cu % nc]
    if level == "worker":
        return {"pair": u // nu // nm, "m": (u // nu) % nm, "unit": u % nu, "num": sn, "den": sd}
    # team grid: indicator of each pair, teams seen per indicator
    ind_of_pair = np.array([list(REGISTRY).index(i) for i, _ in pairs], dtype=np.int64)
    seen = np.unique(ind_of_pair[u // nu // nm] * nu + u % nu)
    g_pair, g_unit = [], []
    for p_idx in range(npairs):  # a loop over ~20 (indicator, breakdown) pairs
        teams = seen[seen // nu == ind_of_pair[p_idx]] % nu
        g_pair.append(np.full(len(teams), p_idx))
        g_unit.append(teams)
    gp = np.concatenate(g_pair) if g_pair else np.empty(0, np.int64)
    gu = np.concatenate(g_unit) if g_unit else np.empty(0, np.int64)
    gp, gm, gu = np.repeat(gp, nm), np.tile(np.arange(nm), len(gu)), np.repeat(gu, nm)
    gkey = (gp * nm + gm) * nu + gu
    order = np.argsort(gkey)
    pos = np.searchsorted(gkey[order], u)
    gnum, gden = np.zeros(len(gkey)), np.zeros(len(gkey))
    gnum[order[pos]] = sn
    gden[order[pos]] = sd
    return {"pair": gp, "m": gm, "unit": gu, "num": gnum, "den": gden}


def compute(records: Records, month_ends: pd.DatetimeIndex | None = None,
            levels: Sequence[str] = LEVELS, indicators: Sequence[str] | None = None
            ) -> pd.DataFrame:
    """Every indicator in REGISTRY for every month-end at the requested levels (tidy rows).

    `month_ends=None`: every calendar month-end from the first month with activity to the last
    (`default_month_ends`). `indicators` (optional) restricts to some indicator ids.
    """
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        raise ValueError(f"unknown level(s) {bad}; choose from {LEVELS}")
    if month_ends is None:
        month_ends = default_month_ends(records)
    ctx = Context(records, month_ends)
    ids = list(REGISTRY) if indicators is None else list(dict.fromkeys(indicators))
    pairs = [(i, b) for i, b in PAIRS if i in ids]
    pair_no = {p: k for k, p in enumerate(pairs)}
    cols: dict[str, list[np.ndarray]] = {c: [] for c in ("pair", "m", "team", "worker", "num",
                                                          "den")}
    for i in ids:
        with events_only():  # only the event columns are summed: no drill-down columns
            ev = _run(ctx, i)
        if not isinstance(ev, Events):  # a frame not made by event_frame: its arrays
            ev = Events.of_frame(ev)
        # pair number of each row from its breakdown (one not in the registry: pair 0)
        lut = np.array([pair_no.get((i, b), 0) for b in ev.names], dtype=np.int64)
        cols["pair"].append(lut[ev.bcode] if len(ev) else np.zeros(0, np.int64))
        for c in ("m", "team", "worker", "num", "den"):
            cols[c].append(ev.cols[c])
    # the unit columns of the levels asked for only
    evs = {c: np.concatenate(v) if v else np.empty(0) for c, v in cols.items()
           if c not in LEVELS or c in levels}
    for c in ("pair", "m", "team", "worker"):
        if c in evs:
            evs[c] = evs[c].astype(np.int64, copy=False)
    parts = []
    for lv in levels:
        agg = _aggregate(evs, ctx, lv, pairs)
        agg["level"] = np.full(len(agg["m"]), LEVELS.index(lv))
        parts.append(agg)
    out = {c: np.concatenate([p[c] for p in parts]) if parts else np.empty(0, np.int64)
           for c in ("pair", "m", "unit", "num", "den", "level")}
    res = _finish(out, ctx, pairs)
    if indicators is None and len(records.audits):
        # the quality-assurance audit indicators: their own rules (monthly counts and shares
        # of audits, not child cohorts), council and team levels only
        aud = audits.audit_indicators(records, ctx.month_ends,
                                      [lv for lv in levels if lv != "worker"])
        res = pd.concat([res, aud[OUTPUT_COLUMNS]], ignore_index=True) if len(aud) else res
    return res


def _finish(out: dict[str, np.ndarray], ctx: Context,
            pairs: list[tuple[str, str]]) -> pd.DataFrame:
    pair = out["pair"].astype(np.int64)
    n = len(pair)
    labels = np.array(ctx.vocab.labels + [ctx.records.council], dtype=object)
    unit_code = np.where(out["unit"] < 0, len(labels) - 1, out["unit"]).astype(np.int64)
    # sort: indicator/breakdown order, level, org unit (alphabetical), period
    rank = np.empty(len(labels), dtype=np.int64)
    rank[np.argsort(labels.astype(str), kind="stable")] = np.arange(len(labels))
    order = lexorder((out["m"], rank[unit_code], out["level"], pair))
    pair, m, unit_code = pair[order], out["m"][order].astype(np.int64), unit_code[order]
    num, den, level = out["num"][order], out["den"][order], out["level"][order]
    p_ind = np.array([i for i, _ in pairs] or [""], dtype=object)
    p_bd = np.array([b for _, b in pairs] or [""], dtype=object)
    specs = [REGISTRY[i] if i else Spec(len, {"": ""}, "") for i in p_ind]
    meta = _meta(p_ind)  # per pair: domain, indicator, unit (NaN when unknown)
    p_unit = meta["unit"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    value = np.where((p_unit == "percent")[pair], 100.0 * ratio, ratio)
    p_count = np.array([b in sp.counts for sp, b in zip(specs, p_bd, strict=True)], bool)
    value = np.where(p_count[pair] & (den > 0), num, value)
    p_cunit = np.array([sp.count_unit for sp in specs], dtype=object)
    p_unit = np.where(p_count & (p_cunit != ""), p_cunit, p_unit)
    p_change = np.array([sp.change for sp in specs], dtype=bool)
    value = np.where(p_change[pair], 100.0 * (ratio - 1.0), value)
    # month-ends whose look-back reaches before the indicator's data begin: flagged, with why
    firsts = {h: history_start(ctx.records, h)  # once per distinct history, not per pair
              for h in {REGISTRY[i].history for i in p_ind if i}}
    p_first = [firsts[sp.history] if i else None for sp, i in zip(specs, p_ind, strict=True)]
    p_need = [sp.lookback_months if i else 0 for sp, i in zip(specs, p_ind, strict=True)]
    me = ctx.me[m] if n else np.empty(0, np.int64)
    partial = np.zeros(n, dtype=bool)
    for k in range(len(p_ind)):  # one pass per (indicator, breakdown): ~25
        if p_first[k] is None or not n:
            continue
        rows = pair == k
        back = shift_months(np.asarray(me[rows], dtype=np.int64), -int(p_need[k]))
        partial[rows] = back < p_first[k]
    # the note of a row: its pair's, or its empty note when den = 0, and why it is partial
    why = ["" if f is None else "; data begin " + pd.Timestamp(np.int64(f).astype(
        "datetime64[D]")).date().isoformat() + f", less than {need} months before this "
        "month-end: may be understated" for f, need in zip(p_first, p_need, strict=True)]
    notes = np.array([(sp.notes[b] if pos else sp.empty_note) + (w if part else "")
                      for sp, b, w in zip(specs, p_bd, why, strict=True)
                      for pos in (False, True) for part in (False, True)], dtype=object)
    note_at = pair * 4 + (den > 0) * 2 + partial
    zero = np.zeros(n, dtype=np.int64)
    data = {
        "indicator_id": take_text(p_ind, pair),
        "domain": take_text(meta["domain"], pair),
        "indicator": take_text(meta["indicator"], pair),
        "breakdown": take_text(p_bd, pair),
        "kind": take_text(np.array(["actual"], object), zero),
        "comparator": take_text(np.array([""], object), zero),
        "period": take_text(ctx.periods, m),
        "value": value,
        "unit": take_text(p_unit, pair),
        "note": take_text(notes, note_at),
        "source": take_text(np.array(["kpis compute"], object), zero),
        "flag": take_text(np.array(["", PARTIAL], object), partial.astype(np.int64)),
        "council": take_text(np.array([ctx.records.council], object), zero),
        "level": take_text(np.array(LEVELS, dtype=object), level.astype(np.int64)),
        "org_unit": take_text(labels, unit_code),
        "numerator": num.astype(float),
        "denominator": den.astype(float),
    }
    return pd.DataFrame({c: data[c] for c in OUTPUT_COLUMNS})


def month_end_of(period: str) -> pd.Timestamp:
    """'YYYY-MM' (or any date in the month) -> that calendar month's last day."""
    return pd.Period(period, freq="M").end_time.normalize()


def drilldown(records: Records, indicator_id: str, period: str, level: str = "council",
              org_unit: str | None = None, breakdown: str = "") -> pd.DataFrame:
    """The child-level (or worker-level) rows behind one figure of `compute`.

    One row per cohort member: child_id, the dates and facts the rule used, `in_numerator`, team
    and worker, and the weights `num`/`den` (their sums are the figure's numerator and
    denominator; for percent indicators num = in_numerator and den = 1). `level`/`org_unit`
    select a team or worker (`org_unit=None`: all rows). `breakdown` picks e.g. "single month".
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose from {LEVELS}")
    if indicator_id in REGISTRY and breakdown not in REGISTRY[indicator_id].notes:
        raise KeyError(f"{indicator_id} has no breakdown {breakdown!r}")
    ev = event_rows(records, indicator_id, pd.DatetimeIndex([month_end_of(period)]))
    ev = ev[ev["breakdown"] == breakdown]
    if level != "council" and org_unit is not None:
        ev = ev[ev[level] == org_unit]
    return ev.drop(columns=["period", "breakdown"]).reset_index(drop=True)


__all__ = ["compute", "drilldown", "REGISTRY", "default_month_ends", "event_rows",
           "records_from"]


def records_from(council: str = "council", **tables: object) -> Records:
    """Build `Records` from lists of dicts (or DataFrames) per table: missing columns are added
    empty, date columns parsed, ids as strings. Handy for tests and notebooks:

        records_from(referrals=[{"child_id": "A", "referral_date": "2020-02-29"}])
    """
    out: dict[str, pd.DataFrame] = {}
    for name, rows in tables.items():
        if name not in COLUMNS:
            raise KeyError(f"unknown table {name!r}; tables: {', '.join(COLUMNS)}")
        df = pd.DataFrame(rows).copy()
        for c in COLUMNS[name]:
            if c not in df:
                df[c] = pd.Series([None] * len(df), dtype="object")
        for c in df.columns:
            if c in DATE_COLUMNS:
                df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
            elif c == "fte":  # previous_plans stays as given: the indicators coerce it
                df[c] = pd.to_numeric(df[c]).astype(float)
            elif c in BOOL_COLUMNS:
                df[c] = df[c].astype("boolean")
            elif c != "previous_plans":
                df[c] = df[c].astype("string")
        out[name] = df
    return Records(council=council, **out)
