"""A council's monthly report set from its own records (`kpis report --council FILE`).

`prepare(cfg, processed)` reads the council's extracts once (kpis.records.readers), works out
the periods, computes every indicator at council, team and worker level for the month-ends the
reports need (kpis.records.engine), and writes into `processed`:

- `computed.csv`: the council- and team-level monthly series (contract: computed indicators);
- `scorecard.csv`: the **computed scorecard** in the tidy layout: for every computed line, the
  council's figure for the baseline month, the same month a year before the latest, and the
  latest month (kind `actual`, source `kpis compute`), plus the config's targets (kind
  `target`), plus the council's own scorecard and narrative figures when the config gives them;
- `scorecard_appendix1.csv`: the same in the Appendix 1 layout (one row per line, one column
  per month, then Target), for people who read the scorecard as a table;
- `caseloads.csv`: each case-holding worker's children and FTE at the latest month-end, with
  team and caseload band (worker ids: managers' reports only; board pages show band counts);
- `exceptions.csv`: open cases whose assessment, visit, review or plan is overdue at the latest
  month-end, by case id (managers' reports only).

Periods: `latest_period` defaults to the last complete month of the records (the month-end on or
before the extract date); `baseline_period` to 12 months before it.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kpis import files
from kpis.errors import InputError
from kpis.reporting.config import Config

log = logging.getLogger(__name__)

COMPUTED = "computed.csv"
SCORECARD = "scorecard.csv"
APPENDIX = "scorecard_appendix1.csv"
CASELOADS = "caseloads.csv"
EXCEPTIONS = "exceptions.csv"
#: Months of monthly series before the latest month (trend charts, SPC), besides the baseline.
HISTORY_MONTHS = 24
#: Caseload bands (children per FTE), upper bounds inclusive: the scorecard's 18 and 22 lines.
BANDS = ((12, "12 or fewer"), (18, "13 to 18"), (22, "19 to 22"), (np.inf, "more than 22"))
#: Overdue rules for the managers' exception lists (days are calendar days unless stated) [I]:
#: assessment open more than 45 working days (Working Together); CP visit older than 20 days
#: (local standard of visits at least every 4 weeks); CP review older than 6 months; CLA visit
#: older than 6 weeks; CLA review older than 6 months; pathway plan review older than 6 months.
ASSESSMENT_WD = 45
CP_VISIT_DAYS = 20
CLA_VISIT_DAYS = 42
REVIEW_MONTHS = 6


@dataclass
class CouncilData:
    """What `prepare` wrote and worked out, for the report builder."""

    name: str
    baseline_period: str
    latest_period: str
    year_before: str
    computed: Path
    scorecard: Path
    caseloads: Path
    exceptions: Path
    teams: list[str] = field(default_factory=list)
    about: str = ""
    status: str = ""
    la_code: int | None = None
    disclosure: int = 5
    records: Path | None = None  # the council's folder of extracts (audits, characteristics)


def month(ts: pd.Timestamp) -> str:
    return f"{ts.year:04d}-{ts.month:02d}"


def month_end(period: str) -> pd.Timestamp:
    return pd.Timestamp(f"{period}-01") + pd.offsets.MonthEnd(0)


def last_complete_month(extract: pd.Timestamp) -> str:
    """The month whose last day is on or before `extract` (2026-10-31 -> 2026-10;
    2026-10-30 -> 2026-09)."""
    extract = pd.Timestamp(extract).normalize()
    end = extract + pd.offsets.MonthEnd(0)
    return month(end if end == extract else extract - pd.offsets.MonthEnd(1))


def shift(period: str, months: int) -> str:
    return month(month_end(period) + pd.offsets.MonthEnd(months))


def periods(cfg: Config, extract: pd.Timestamp | None) -> tuple[str, str, str]:
    """(baseline, year before latest, latest) from the config and the extract date."""
    latest = cfg.latest_period
    if not latest:
        if extract is None or pd.isna(extract):
            raise InputError(cfg.records, "no dates in the records to find the latest month; "
                             "set latest_period in the config", column="latest_period")
        latest = last_complete_month(extract)
    baseline = cfg.baseline_period or shift(latest, -12)
    if baseline >= latest:
        raise InputError(cfg.path, f"{baseline} is not before the latest month {latest}",
                         column="baseline_period")
    return baseline, shift(latest, -12), latest


def computed_scorecard(figures: pd.DataFrame, months: list[str],
                       targets: dict[tuple[str, str], float]) -> pd.DataFrame:
    """The computed scorecard in the tidy layout (docs/contracts.md): every council-level line
    of `figures` for each of `months` (kind actual), then one target row per configured
    target. Pure."""
    from kpis.scorecard import schemas

    c = figures[figures["level"].eq("council") & figures["period"].isin(months)]
    actual = c.assign(kind="actual", comparator="", source="kpis compute")
    lines = figures.loc[figures["level"].eq("council"),
                        ["indicator_id", "domain", "indicator", "breakdown", "unit"]
                        ].drop_duplicates(["indicator_id", "breakdown"])
    t = pd.DataFrame([{"indicator_id": i, "breakdown": b, "value": v}
                      for (i, b), v in targets.items()],
                     columns=["indicator_id", "breakdown", "value"])
    t = t.merge(lines, on=["indicator_id", "breakdown"], how="inner").assign(
        kind="target", comparator="", period="", note="", source="council config", flag="")
    out = pd.concat([actual, t], ignore_index=True)
    for col in schemas.SCORECARD_COLUMNS:
        if col not in out.columns:
            out[col] = ""
    out = out[schemas.SCORECARD_COLUMNS]
    text = [col for col in schemas.SCORECARD_COLUMNS if col != "value"]
    out[text] = out[text].fillna("").astype(str)
    out["value"] = out["value"].astype(float)
    return out.reset_index(drop=True)


def appendix_layout(tidy: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """The tidy scorecard as Appendix 1 prints it: domain, indicator, breakdown, one column per
    month (`Mar-25`), Target."""
    from kpis.reporting.fmt import fmt_value

    key = ["domain", "indicator", "breakdown"]
    lines = tidy[key + ["unit"]].drop_duplicates(key)
    out = lines.copy()
    for p in dict.fromkeys(sorted(months)):
        col = month_end(p).strftime("%b-%y")
        got = tidy[tidy["kind"].eq("actual") & tidy["period"].eq(p)].drop_duplicates(key)
        out = out.merge(got[key + ["value"]].rename(columns={"value": col}), on=key, how="left")
        out[col] = [fmt_value(v, u) if pd.notna(v) else "" for v, u in
                    zip(out[col], out["unit"], strict=True)]
    tg = tidy[tidy["kind"].eq("target")].drop_duplicates(key)
    out = out.merge(tg[key + ["value"]].rename(columns={"value": "Target"}), on=key, how="left")
    out["Target"] = [fmt_value(v, u) if pd.notna(v) else "" for v, u in
                     zip(out["Target"], out["unit"], strict=True)]
    return out.drop(columns="unit")


def band(children_per_fte: pd.Series) -> pd.Series:
    """Caseload band of each value (BANDS)."""
    edges = [-np.inf] + [b for b, _ in BANDS]
    return pd.cut(children_per_fte, edges, labels=[w for _, w in BANDS]).astype(str)


def caseloads(figures: pd.DataFrame, workers: pd.DataFrame, latest: str) -> pd.DataFrame:
    """Case-holding workers at the latest month-end: worker_id, team, children, fte,
    children_per_fte, band (from the worker-level caseload rows)."""
    w = figures[figures["level"].eq("worker") & figures["indicator_id"].eq("caseload_per_fte")
                & figures["breakdown"].eq("") & figures["period"].eq(latest)]
    out = pd.DataFrame({"worker_id": w["org_unit"].astype(str),
                        "children": w["numerator"].astype(float),
                        "fte": w["denominator"].astype(float)})
    out = out[out["fte"] > 0]
    end = month_end(latest)
    wk = workers.copy()
    in_post = (wk["start_date"].isna() | (wk["start_date"] <= end)) & (
        wk["end_date"].isna() | (wk["end_date"] > end))
    team = (wk[in_post].sort_values("start_date").drop_duplicates("worker_id", keep="last")
            .set_index("worker_id")["team"])
    out["team"] = out["worker_id"].map(team).fillna("").astype(str)
    out["children_per_fte"] = out["children"] / out["fte"]
    out["band"] = band(out["children_per_fte"])
    return out[["worker_id", "team", "children", "fte", "children_per_fte", "band"]
               ].sort_values(["team", "worker_id"]).reset_index(drop=True)


def _open_at(df: pd.DataFrame, start: str, end: str, at: pd.Timestamp) -> pd.Series:
    return (df[start] <= at) & (df[end].isna() | (df[end] > at))


def exceptions(records: object, latest: str) -> pd.DataFrame:
    """Open cases overdue at the latest month-end, by case id: case_id, team, what, since,
    days (rules: the module's constants). Columns a council's extract lacks are skipped."""
    from kpis.records import workdays

    at = month_end(latest)
    rows: list[pd.DataFrame] = []

    def add(df: pd.DataFrame, mask: pd.Series, what: str, since: pd.Series) -> None:
        d = df[mask.fillna(False).astype(bool)]
        if len(d):
            rows.append(pd.DataFrame({
                "case_id": d["child_id"].astype(str),
                "team": d["team"].astype(str) if "team" in d else "",
                "what": what, "since": since[d.index].dt.strftime("%Y-%m-%d"),
                "days": (at - since[d.index]).dt.days}))

    a = getattr(records, "assessments", pd.DataFrame())
    if len(a) and "start_date" in a:
        opened = _open_at(a, "start_date", "auth_date", at)
        wd = pd.Series(workdays.working_days(a["start_date"], pd.Series(at, index=a.index)),
                       index=a.index)
        add(a, opened & (wd > ASSESSMENT_WD),
            f"assessment open more than {ASSESSMENT_WD} working days", a["start_date"])
    for table, visit_days, words in (("cp_plans", CP_VISIT_DAYS, "CP"),
                                     ("cla", CLA_VISIT_DAYS, "child in care")):
        t = getattr(records, table, pd.DataFrame())
        if not len(t):
            continue
        s, e = (("start_date", "end_date") if table == "cp_plans" else
                next(((x, y) for x, y in (("start_date", "end_date"),
                                          ("cla_start", "cla_end")) if x in t), ("", "")))
        if s not in t or e not in t:
            continue
        opened = _open_at(t, s, e, at)
        if "last_visit" in t:
            last = t["last_visit"].fillna(t[s])
            add(t, opened & ((at - last).dt.days > visit_days),
                f"{words} visit older than {visit_days} days", last)
        if "latest_review" in t:
            last = t["latest_review"].fillna(t[s])
            add(t, opened & (last < at - pd.DateOffset(months=REVIEW_MONTHS)),
                f"{words} review older than {REVIEW_MONTHS} months", last)
    cl = getattr(records, "care_leavers", pd.DataFrame())
    if len(cl) and "pathway_plan_review" in cl:
        last = cl["pathway_plan_review"]
        add(cl, last < at - pd.DateOffset(months=REVIEW_MONTHS),
            f"pathway plan review older than {REVIEW_MONTHS} months", last)
    cols = ["case_id", "team", "what", "since", "days"]
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.concat(rows, ignore_index=True)[cols].sort_values(
        ["team", "what", "days"], ascending=[True, True, False]).reset_index(drop=True)


def _own_scorecard(cfg: Config) -> pd.DataFrame | None:
    """The council's own scorecard (and narrative figures), cleaned like data/raw."""
    if cfg.scorecard is None:
        return None
    from kpis.scorecard import clean

    with tempfile.TemporaryDirectory(prefix="kpis-scorecard-") as tmp:
        d = Path(tmp)
        (d / clean.APPENDIX).write_bytes(cfg.scorecard.read_bytes())
        if cfg.narrative is not None:
            (d / clean.NARRATIVE).write_bytes(cfg.narrative.read_bytes())
        else:
            header = ("figure_id,indicator_id,breakdown,kind,period,value_text,use,document,"
                      "section,quote,flag,flag_note\n")
            (d / clean.NARRATIVE).write_text(header, encoding="utf-8")
        return clean.build(d)[0]


def prepare(cfg: Config, processed: Path) -> CouncilData:
    """Read the council's records, compute, and write the files in the module docstring."""
    from kpis.log import progress
    from kpis.records import engine
    from kpis.records.batch import mark_not_computed
    from kpis.records.readers import read_council

    processed = Path(processed)
    progress(f"reading {cfg.name}'s records from {cfg.records}")
    r = read_council(cfg.records, name=cfg.name, extract_dates=cfg.extract_dates,
                     postcodes=cfg.postcodes)
    rec = r.records
    dates = [r.extract_date] if r.extract_date is not None else []
    extract = dates[0] if dates else _latest(rec)
    baseline, year_before, latest = periods(cfg, extract)
    first = min(baseline, year_before, shift(latest, -HISTORY_MONTHS))
    me = pd.date_range(month_end(first), month_end(latest), freq="ME")
    progress(f"computing {cfg.name}: {len(me)} month-ends, {first} to {latest}")
    figures = engine.compute(rec, me, levels=("council", "team"))
    figures, _ = mark_not_computed(figures, r)
    # workers: only the latest month's caseloads are needed (the managers' tables, the bands)
    held = engine.compute(rec, me[-1:], levels=("worker",), indicators=["caseload_per_fte"])
    figures = pd.concat([figures, held], ignore_index=True)
    figures["council"] = cfg.name
    figures.loc[figures["level"].eq("council"), "org_unit"] = cfg.name
    unknown = sorted({i for i, _ in cfg.targets} - set(figures["indicator_id"]))
    if unknown:
        from kpis import catalogue

        if unknown[0] not in set(catalogue.indicators()["indicator_id"]):
            raise InputError(cfg.path, f"unknown indicator id {unknown[0]!r}",
                             column=f"targets.{unknown[0]}")
    months = [baseline, year_before, latest]
    tidy = computed_scorecard(figures, months, cfg.targets)
    own = _own_scorecard(cfg)
    if own is not None:
        tidy = pd.concat([own, tidy], ignore_index=True)
    out = CouncilData(
        cfg.name, baseline, latest, year_before, processed / COMPUTED, processed / SCORECARD,
        processed / CASELOADS, processed / EXCEPTIONS,
        teams=sorted(rec.workers["team"].dropna().astype(str).unique().tolist()),
        la_code=cfg.la_code, disclosure=cfg.disclosure, records=Path(cfg.records),
        about=(f"Every figure is computed by kpis from {cfg.name}'s own records "
               f"(extract of {pd.Timestamp(extract):%-d %B %Y})"
               + (f"; the baseline is {cfg.inspection}" if cfg.inspection else "")
               + (", with the council's own scorecard" if own is not None else "") + "."))
    series = figures[figures["level"].isin(["council", "team"])]
    files.write_all({
        out.computed: lambda p: files.neutralise_csv(series).to_csv(p, index=False),
        out.scorecard: lambda p: files.neutralise_csv(tidy).to_csv(p, index=False),
        processed / APPENDIX: lambda p: files.neutralise_csv(
            appendix_layout(tidy, months)).to_csv(p, index=False),
        out.caseloads: lambda p: caseloads(figures, rec.workers, latest).to_csv(
            p, index=False),
        out.exceptions: lambda p: exceptions(rec, latest).to_csv(p, index=False),
    })
    out.status = (f"ok: {len(series)} council and team rows, {len(out.teams)} teams, "
                  f"{first} to {latest}")
    return out


def _latest(rec: object) -> pd.Timestamp | None:
    """The latest date in the records' main tables (when the extract date is unknown)."""
    found = []
    for table, col in (("referrals", "referral_date"), ("contacts", "contact_date"),
                       ("assessments", "start_date"), ("episodes", "decom")):
        df = getattr(rec, table, None)
        if df is not None and col in df and df[col].notna().any():
            found.append(df[col].max())
    return max(found) if found else None
