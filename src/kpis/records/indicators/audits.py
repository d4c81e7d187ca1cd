"""Quality-assurance audit indicators, monthly, at council and team level.

    audit_indicators(records, month_ends=None, levels=("council", "team")) -> tidy DataFrame
    practitioners_missed(records, period, team=None) -> who was not audited twice (managers)

`kpis compute` adds these rows to the engine's (kpis.records.engine.compute, council and
team levels). Rows follow the computed-indicator contract (docs/contracts.md): kind `actual`, source
`kpis compute`, period = the month-end's YYYY-MM, council / level / org_unit, numerator and
denominator. There is no national definition of any of these: the figures are the board
report's own (Gloucestershire, July 2020, paragraphs 7.0-8.0, keyed in data/raw/
narrative_figures.csv NF07-NF13) and every counting rule below is ours [I] unless it quotes
the report.

- `audits_per_month` (NF07-NF09: "the number of audits completed each month"): audits with a
  date completed in the calendar month of the month-end. Headline: all audit types [I: the
  report counts "audits"; from June 2020 its 54 are "case file audits", and the synthetic
  council has a few thematic audits and observations from then]; breakdowns per type
  (`case file`, `thematic`, `observation of practice`). Team: the practitioner's team as
  recorded on the audit. Numerator = count; denominator empty.
- `audit_grades` (NF10-NF12: "33% good, 48% requires improvement and 19% inadequate"):
  audits completed in the calendar month; breakdowns `good` (= good *or outstanding*: the
  report's scale has no outstanding line [I]), `requires improvement`, `inadequate`; share of
  the month's audits. The auditor's grade, not the moderated one [I: the report does not say;
  the moderated sample is in `audits_moderated_down`].
- `audits_per_practitioner` (NF13, target "at least 2"; "each practitioner's work is audited
  at least twice per year"): audits in the 12 months to the month-end of the practitioners in
  the cohort below, per practitioner.
- `practitioners_audited_2plus`: share of the cohort with 2 or more audits of their work in the
  12 months to the month-end. Cohort [I]: workers in post at the month-end (workforce file:
  start <= month-end < end), in post for the whole 12 months (start on or before the month-end
  minus 12 months; no start date = in post throughout), who held at least one child
  (allocation history) at some time in those 12 months. Team: the worker's team in the
  workforce file. `practitioners_missed` lists the cohort members with fewer than 2 (managers'
  drill-down: never in board HTML).
- `audit_team_coverage` ("whole service representation"): share of teams with at least one
  practitioner in post at the month-end (workforce file) that had at least one audit in the 3
  calendar months to the month-end (a quarter; a rolling quarter every month-end) [I].
  Council level only.
- `audits_moderated_down` (the optimism check, 7.0: "continuing concerns about undue optimism
  in our judgements"): of audits completed in the 3 calendar months to the month-end that have
  a moderation grade, the share whose moderation grade is worse than the auditor's; breakdown
  `moderated up` for the reverse. Rolling quarter because moderated samples are small [I].
  Only where moderation grades exist: a council with none gets no rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kpis import catalogue
from kpis.records.tables import Records

OUTPUT_COLUMNS = ["indicator_id", "domain", "indicator", "breakdown", "kind", "comparator",
                  "period", "value", "unit", "note", "source", "flag", "council", "level",
                  "org_unit", "numerator", "denominator"]
IN_MONTH = "calendar month to month-end"
QUARTER = "3 calendar months to month-end"
R12 = "rolling 12 months to month-end"
GRADE_BREAKDOWNS = {"outstanding": "good", "good": "good",
                    "requires improvement": "requires improvement", "inadequate": "inadequate"}
GRADE_SCORE = {"outstanding": 1, "good": 2, "requires improvement": 3, "inadequate": 4}
TYPES = ("case file", "thematic", "observation of practice")
PRACTITIONER_NOTE = ("workers in post at month-end and throughout the 12 months, holding a child "
                     "in them; audits in the 12 months to month-end")
EMPTY_NOTE = "no audits in the period"


def month_ends_of(audits: pd.DataFrame) -> pd.DatetimeIndex:
    """Every month-end from the first audit's month to the last's."""
    d = pd.to_datetime(audits["completed_date"]).dropna()
    if d.empty:
        return pd.DatetimeIndex([])
    return pd.date_range(d.min() + pd.offsets.MonthEnd(0), d.max() + pd.offsets.MonthEnd(0),
                         freq="ME")


def _audits(records: Records) -> pd.DataFrame:
    a = records.audits.copy()
    a["completed_date"] = pd.to_datetime(a["completed_date"]).astype("datetime64[ns]")
    a = a[a["completed_date"].notna()]
    a["month"] = a["completed_date"].dt.to_period("M")
    for c in ("team", "worker", "grade", "moderated_grade", "audit_type"):
        a[c] = a[c].astype("string")
    return a


def _rows(df: pd.DataFrame, indicator_id: str, council: str, note: str,
          ratio: str = "percent") -> pd.DataFrame:
    """Finish rows: df has period, breakdown, level, org_unit, numerator, denominator."""
    cat = catalogue.indicator(indicator_id)
    num = df["numerator"].astype(float)
    den = df["denominator"].astype(float)
    if ratio == "percent":
        value = 100.0 * num / den.where(den > 0)
    elif ratio == "per":
        value = num / den.where(den > 0)
    else:  # count
        value = num
    out = pd.DataFrame({
        "indicator_id": indicator_id, "domain": cat["domain"], "indicator": cat["indicator"],
        "breakdown": df["breakdown"].to_numpy(), "kind": "actual", "comparator": "",
        "period": df["period"].to_numpy(), "value": value.to_numpy(), "unit": cat["unit"],
        "note": note, "source": "kpis compute", "flag": "", "council": council,
        "level": df["level"].to_numpy(), "org_unit": df["org_unit"].to_numpy(),
        "numerator": num.to_numpy(), "denominator": den.to_numpy()})
    if ratio != "count":
        out.loc[~(den > 0).to_numpy(), "note"] = note + "; " + EMPTY_NOTE
    return out


def _by_unit(a: pd.DataFrame, months: pd.PeriodIndex, window: int, key: str | None,
             council: str, levels: Sequence[str], value_col: str | None = None,
             team_col: str = "team") -> pd.DataFrame:
    """Count (or sum `value_col`) of rows in the `window` calendar months to each month-end,
    by `key` category (breakdown) and org unit: columns period, level, org_unit, category, n."""
    if a.empty:
        return pd.DataFrame(columns=["period", "level", "org_unit", "category", "n"])
    m_idx = (a["month"].dt.year * 12 + a["month"].dt.month).to_numpy()
    t = months.year * 12 + months.month
    frames = []
    for lag in range(window):  # a handful of lags; every row of every lag vectorised
        hit = pd.Index(t).get_indexer(m_idx + lag)
        ok = hit >= 0
        sub = a.loc[ok].assign(_m=hit[ok])
        frames.append(sub)
    b = pd.concat(frames, ignore_index=True)
    b["period"] = months.strftime("%Y-%m")[b["_m"].to_numpy()]
    b["category"] = b[key].astype("string").fillna("") if key else ""
    b["n"] = b[value_col].astype(float) if value_col else 1.0
    parts = []
    if "council" in levels:
        g = b.groupby(["period", "category"], sort=False)["n"].sum().reset_index()
        parts.append(g.assign(level="council", org_unit=council))
    if "team" in levels:
        g = b.groupby(["period", team_col, "category"], sort=False)["n"].sum().reset_index()
        parts.append(g.rename(columns={team_col: "org_unit"}).assign(level="team"))
    return pd.concat(parts, ignore_index=True)


def _grid(months: pd.PeriodIndex, units: list[tuple[str, str]], cats: Sequence[str]
          ) -> pd.DataFrame:
    """Every (period, level, org_unit, category)."""
    idx = pd.MultiIndex.from_product(
        [months.strftime("%Y-%m"), range(len(units)), list(cats)],
        names=["period", "_u", "category"]).to_frame(index=False)
    lv = np.array([u[0] for u in units], dtype=object)
    ou = np.array([u[1] for u in units], dtype=object)
    idx["level"] = lv[idx["_u"].to_numpy()]
    idx["org_unit"] = ou[idx["_u"].to_numpy()]
    return idx.drop(columns="_u")


def _units(council: str, teams: Sequence[str], levels: Sequence[str]) -> list[tuple[str, str]]:
    out = [("council", council)] if "council" in levels else []
    if "team" in levels:
        out += [("team", t) for t in sorted({str(t) for t in teams if pd.notna(t)})]
    return out


def _fill(grid: pd.DataFrame, counts: pd.DataFrame) -> pd.Series:
    keys = ["period", "level", "org_unit", "category"]
    return grid.merge(counts, on=keys, how="left")["n"].fillna(0.0)


def audits_per_month(a: pd.DataFrame, months: pd.PeriodIndex, council: str,
                     levels: Sequence[str]) -> pd.DataFrame:
    units = _units(council, a["team"].dropna().unique(), levels)
    grid = _grid(months, units, ["", *TYPES])
    c = _by_unit(a.assign(_all=""), months, 1, "_all", council, levels)
    t = _by_unit(a, months, 1, "audit_type", council, levels)
    counts = pd.concat([c, t], ignore_index=True)
    grid["numerator"] = _fill(grid, counts).to_numpy()
    grid["denominator"] = np.nan
    grid = grid.rename(columns={"category": "breakdown"})
    return _rows(grid, "audits_per_month", council, IN_MONTH, ratio="count")


def audit_grades(a: pd.DataFrame, months: pd.PeriodIndex, council: str,
                 levels: Sequence[str]) -> pd.DataFrame:
    g = a[a["grade"].notna()].assign(_g=a["grade"].map(GRADE_BREAKDOWNS))
    units = _units(council, a["team"].dropna().unique(), levels)
    grid = _shares(g, months, units, ["good", "requires improvement", "inadequate"], 1, "_g",
                   council, levels)
    return _rows(grid, "audit_grades", council, IN_MONTH + "; good = good or outstanding")


def _shares(a: pd.DataFrame, months: pd.PeriodIndex, units: list[tuple[str, str]], cats: list[str],
            window: int, key: str, council: str, levels: Sequence[str]) -> pd.DataFrame:
    """Rows of `a` in each category of `key` (numerator) out of all rows (denominator), in the
    `window` calendar months to each month-end, per org unit: the grid `_rows` finishes."""
    grid = _grid(months, units, cats)
    grid["numerator"] = _fill(grid, _by_unit(a, months, window, key, council, levels)).to_numpy()
    tot = _by_unit(a.assign(_all=""), months, window, "_all", council, levels).drop(
        columns="category").rename(columns={"n": "denominator"})
    grid = grid.merge(tot, on=["period", "level", "org_unit"], how="left")
    grid["denominator"] = grid["denominator"].fillna(0.0)
    return grid.rename(columns={"category": "breakdown"})


def _practitioner_cohort(records: Records, month_ends: pd.DatetimeIndex) -> pd.DataFrame:
    """Cohort of `practitioners_audited_2plus` per month-end: columns m (month-end index),
    worker, team."""
    w = records.workers
    if w.empty or len(month_ends) == 0:
        return pd.DataFrame(columns=["m", "worker", "team"])
    w = w.assign(start_date=pd.to_datetime(w["start_date"]), end_date=pd.to_datetime(w["end_date"]))
    w = w.sort_values(["worker_id", "start_date"], kind="stable")
    me = month_ends.to_numpy()
    back = (month_ends - pd.DateOffset(months=12)).to_numpy()
    start = w["start_date"].fillna(pd.Timestamp.min).to_numpy()
    end = w["end_date"].fillna(pd.Timestamp.max).to_numpy()
    # worker-roles x month-ends (a few hundred roles x a few dozen months)
    wi, mi = np.meshgrid(np.arange(len(w)), np.arange(len(me)), indexing="ij")
    wi, mi = wi.ravel(), mi.ravel()
    ok = (start[wi] <= back[mi]) & (me[mi] < end[wi])
    coh = pd.DataFrame({"m": mi[ok], "worker": w["worker_id"].to_numpy()[wi[ok]],
                        "team": w["team"].to_numpy()[wi[ok]]})
    coh = coh.drop_duplicates(["m", "worker"], keep="last")
    # held a child at some time in the 12 months: an allocation overlapping (back, me]
    sw = records.sw_episodes
    if sw.empty:
        return coh.iloc[0:0]
    s = pd.to_datetime(sw["start"]).fillna(pd.Timestamp.min).to_numpy()
    e = pd.to_datetime(sw["end"]).fillna(pd.Timestamp.max).to_numpy()
    sid = sw["sw_id"].astype("string").to_numpy()
    # per worker: allocation intervals; check overlap per (m, worker) via a merge on worker
    al = pd.DataFrame({"worker": sid, "s": s, "e": e})
    j = coh.merge(al, on="worker", how="inner")
    mm = j["m"].to_numpy()
    hold = (j["s"].to_numpy() <= me[mm]) & (j["e"].to_numpy() > back[mm])
    held = j.loc[hold, ["m", "worker"]].drop_duplicates()
    return coh.merge(held, on=["m", "worker"], how="inner")


def _audits_12m(a: pd.DataFrame, coh: pd.DataFrame, month_ends: pd.DatetimeIndex) -> np.ndarray:
    """Audits of each cohort member's work in the 12 months to its month-end."""
    if coh.empty:
        return np.zeros(0)
    me = month_ends.to_numpy()
    back = (month_ends - pd.DateOffset(months=12)).to_numpy()
    j = coh.reset_index(names="_r").merge(
        a[["worker", "completed_date"]].astype({"worker": "string"}), on="worker", how="inner")
    mm = j["m"].to_numpy()
    d = j["completed_date"].to_numpy()
    inside = (d > back[mm]) & (d <= me[mm])
    return np.bincount(j.loc[inside, "_r"].to_numpy(), minlength=len(coh)).astype(float)


def practitioner_coverage(records: Records, a: pd.DataFrame, month_ends: pd.DatetimeIndex,
                          council: str, levels: Sequence[str]) -> pd.DataFrame:
    coh = _practitioner_cohort(records, month_ends)
    coh = coh.assign(worker=coh["worker"].astype("string"))
    n = _audits_12m(a, coh, month_ends)
    coh = coh.assign(n=n, twice=(n >= 2).astype(float), one=1.0)
    coh["period"] = month_ends.strftime("%Y-%m")[coh["m"].to_numpy()] if len(coh) else []
    units = _units(council, records.workers["team"].dropna().unique()
                   if len(records.workers) else [], levels)
    grid = _grid(pd.PeriodIndex(month_ends, freq="M"), units, [""])
    parts = []
    if "council" in levels:
        parts.append(coh.groupby("period")[["n", "twice", "one"]].sum().reset_index().assign(
            level="council", org_unit=council))
    if "team" in levels:
        parts.append(coh.groupby(["period", "team"])[["n", "twice", "one"]].sum().reset_index()
                     .rename(columns={"team": "org_unit"}).assign(level="team"))
    sums = (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame(columns=["period", "level", "org_unit", "n", "twice", "one"]))
    sums["org_unit"] = sums["org_unit"].astype(str)
    g = grid.drop(columns="category").merge(sums, on=["period", "level", "org_unit"],
                                            how="left").fillna({"n": 0.0, "twice": 0.0,
                                                                "one": 0.0})
    g["breakdown"] = ""
    twice = _rows(g.assign(numerator=g["twice"], denominator=g["one"]),
                  "practitioners_audited_2plus", council, PRACTITIONER_NOTE)
    per = _rows(g.assign(numerator=g["n"], denominator=g["one"]), "audits_per_practitioner",
                council, PRACTITIONER_NOTE, ratio="per")
    return pd.concat([twice, per], ignore_index=True)


def team_coverage(records: Records, a: pd.DataFrame, month_ends: pd.DatetimeIndex,
                  council: str) -> pd.DataFrame:
    """Share of teams (with someone in post at the month-end) audited in the quarter."""
    w = records.workers
    months = pd.PeriodIndex(month_ends, freq="M")
    if w.empty:
        teams_at = pd.DataFrame(columns=["period", "team"])
    else:
        s = pd.to_datetime(w["start_date"]).fillna(pd.Timestamp.min).to_numpy()
        e = pd.to_datetime(w["end_date"]).fillna(pd.Timestamp.max).to_numpy()
        me = month_ends.to_numpy()
        wi, mi = np.meshgrid(np.arange(len(w)), np.arange(len(me)), indexing="ij")
        wi, mi = wi.ravel(), mi.ravel()
        ok = (s[wi] <= me[mi]) & (me[mi] < e[wi])
        teams_at = pd.DataFrame({"period": month_ends.strftime("%Y-%m")[mi[ok]],
                                 "team": w["team"].astype("string").to_numpy()[wi[ok]]}
                                ).drop_duplicates()
    hit = _by_unit(a, months, 3, None, council, ["team"])
    hit = hit[hit["n"] > 0].rename(columns={"org_unit": "team"})[["period", "team"]]
    teams_at = teams_at.assign(audited=teams_at.merge(
        hit.assign(_h=1.0), on=["period", "team"], how="left")["_h"].fillna(0.0).to_numpy())
    g = teams_at.groupby("period")["audited"].agg(["sum", "count"]).reindex(
        months.strftime("%Y-%m"), fill_value=0).reset_index(names="period")
    g = g.assign(level="council", org_unit=council, breakdown="", numerator=g["sum"],
                 denominator=g["count"])
    return _rows(g, "audit_team_coverage", council,
                 QUARTER + "; teams with a practitioner in post at month-end")


def moderation(a: pd.DataFrame, month_ends: pd.DatetimeIndex, council: str,
               levels: Sequence[str]) -> pd.DataFrame:
    m = a[a["moderated_grade"].notna() & a["grade"].notna()]
    if m.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    diff = (m["moderated_grade"].map(GRADE_SCORE).astype(float)
            - m["grade"].map(GRADE_SCORE).astype(float))
    m = m.assign(_c=np.where(diff > 0, "", np.where(diff < 0, "moderated up", "same")))
    months = pd.PeriodIndex(month_ends, freq="M")
    units = _units(council, a["team"].dropna().unique(), levels)
    grid = _shares(m, months, units, ["", "moderated up"], 3, "_c", council, levels)
    return _rows(grid, "audits_moderated_down", council,
                 QUARTER + "; audits with a moderation grade")


#: The (indicator, breakdown) pairs `audit_indicators` produces (when the council sends an
#: audit file): the scorecard's coverage (catalogue/coverage.csv) counts them as computed.
PAIRS: tuple[tuple[str, str], ...] = (
    ("audits_per_month", ""), *(("audits_per_month", t) for t in TYPES),
    ("audit_grades", "good"), ("audit_grades", "requires improvement"),
    ("audit_grades", "inadequate"), ("audits_per_practitioner", ""),
    ("practitioners_audited_2plus", ""), ("audit_team_coverage", ""),
    ("audits_moderated_down", ""), ("audits_moderated_down", "moderated up"))


def audit_indicators(records: Records, month_ends: Sequence[pd.Timestamp] | None = None,
                     levels: Sequence[str] = ("council", "team")) -> pd.DataFrame:
    """Every audit indicator for every month-end (default: the months the audits span), at
    council and team level, in the computed-indicator contract. No audits -> no rows."""
    a = _audits(records)
    if a.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    me = (month_ends_of(a) if month_ends is None
          else pd.DatetimeIndex(pd.to_datetime(list(month_ends))) + pd.offsets.MonthEnd(0))
    me = pd.DatetimeIndex(sorted(set(me)))
    months = pd.PeriodIndex(me, freq="M")
    council = records.council
    levels = [lv for lv in levels if lv in ("council", "team")]
    if not levels:  # (worker level alone: the audit indicators have none)
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    parts = [audits_per_month(a, months, council, levels),
             audit_grades(a, months, council, levels),
             practitioner_coverage(records, a, me, council, levels),
             moderation(a, me, council, levels)]
    if "council" in levels:
        parts.append(team_coverage(records, a, me, council))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    return pd.concat(parts, ignore_index=True)[OUTPUT_COLUMNS]


def practitioners_missed(records: Records, period: str, team: str | None = None
                         ) -> pd.DataFrame:
    """Practitioners in the `practitioners_audited_2plus` cohort at the month-end of `period`
    (YYYY-MM) with fewer than 2 audits in the 12 months: worker, team, audits, last audit date.
    For managers in JupyterLab; worker ids never go into board HTML."""
    me = pd.DatetimeIndex([pd.Period(period, "M").end_time.normalize()])
    a = _audits(records)
    coh = _practitioner_cohort(records, me)
    coh = coh.assign(worker=coh["worker"].astype("string"))
    coh = coh.assign(audits=_audits_12m(a, coh, me).astype(int))
    last = a[a["completed_date"] <= me[0]].groupby("worker")["completed_date"].max()
    out = coh[coh["audits"] < 2].assign(last_audit=coh["worker"].map(last))
    if team is not None:
        out = out[out["team"] == team]
    return out[["worker", "team", "audits", "last_audit"]].sort_values(
        ["team", "audits", "worker"]).reset_index(drop=True)


__all__ = ["audit_indicators", "practitioners_missed", "month_ends_of", "OUTPUT_COLUMNS",
           "PAIRS"]
