"""Charts and tables of the quality-assurance report (notebooks/quality_assurance.ipynb).

Every chart is a `kpis.reporting.figure.Chart` (figure, title, alt text written from the data,
caption, the data behind it), shown with `kpis.reporting.plots.show`. Small numbers (a team
with 1-5 audits or moderated audits) are shown as `c` (kpis.stats.suppression).

The audit figures come from the computed monthly series (`kpis compute`, which includes
`kpis.records.indicators.audits`) when the report is given one, else from the council's
records (`indicators`).

Board HTML shows council and team aggregates only: no child ids, no worker ids (the list of
practitioners not audited twice is `kpis.records.indicators.audits.practitioners_missed`, for
managers in JupyterLab).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kpis.records.indicators.audits import audit_indicators
from kpis.records.tables import Records
from kpis.reporting.figure import MIN_FONT_PT, Chart
from kpis.reporting.plots import WIDTH
from kpis.stats.suppression import MARKER, is_small, suppress_long

GRADE_COLOURS = {"good": "#1b7837", "requires improvement": "#f1a340",
                 "inadequate": "#b2182b"}
GRADE_HATCH = {"good": "", "requires improvement": "//", "inadequate": "xx"}
QA_IDS = ("audits_per_month", "audit_grades", "audits_per_practitioner")
OTHER_TEAM_IDS = ("caseload_per_fte", "agency_rate", "re_referrals", "assessment_45wd",
                  "sw_changes_12m_cla", "repeat_cp_all")


def load_records(records_dir: str | Path) -> Records | None:
    """A council's records (kpis.records.readers.read_council), or None when the folder does not
    exist (a fresh checkout before `kpis synth`): the notebooks then say so and stop."""
    from kpis.records.readers import read_council

    if not records_dir or not Path(records_dir).is_dir():
        return None
    return read_council(Path(records_dir)).records


AUDIT_IDS = ("audits_per_month", "audit_grades", "audits_per_practitioner",
             "practitioners_audited_2plus", "audit_team_coverage", "audits_moderated_down")


def from_computed(computed: pd.DataFrame | None, start: str = "2017-04") -> pd.DataFrame:
    """The audit indicators' council and team rows of the computed monthly series (empty when
    there is no series or it has no audit rows)."""
    if computed is None or computed.empty:
        return pd.DataFrame()
    ind = computed[computed["indicator_id"].isin(AUDIT_IDS)
                   & computed["level"].isin(["council", "team"])
                   & (computed["period"] >= start)]
    return ind.reset_index(drop=True)


def indicators(records: Records | None, start: str = "2017-04", end: str | None = None,
               computed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Audit indicators for council and teams, month-ends from `start` to `end` (default:
    the last audit's month): from the computed series when it has them, else computed here
    from `records`."""
    ind = from_computed(computed, start)
    if ind.empty and records is not None:
        ind = audit_indicators(records)
    if ind.empty:
        return ind
    keep = ind["period"] >= start
    if end:
        keep &= ind["period"] <= end
    return ind[keep].reset_index(drop=True)


def _council(ind: pd.DataFrame, iid: str, breakdown: str = "") -> pd.DataFrame:
    return ind[(ind["indicator_id"] == iid) & (ind["breakdown"] == breakdown)
               & (ind["level"] == "council")].sort_values("period")


def published(scorecard: pd.DataFrame) -> pd.DataFrame:
    """The board report's audit figures as keyed (narrative_figures.csv NF07-NF13)."""
    s = scorecard[scorecard["indicator_id"].isin(QA_IDS)]
    return s[["indicator_id", "breakdown", "kind", "period", "value", "unit", "note",
              "source"]].reset_index(drop=True)


def published_vs_computed(ind: pd.DataFrame, scorecard: pd.DataFrame) -> pd.DataFrame:
    """Each published figure beside the computed one for the same period. The 58 of
    February 2020 is "in the 3 months prior to the COVID-19 pandemic we averaged 58": its
    computed figure is the mean of December 2019 to February 2020; the "mid 20's" of autumn
    2018 is set beside the mean of September to November 2018; the practitioners' standard
    ("at least twice per year") beside audits per practitioner in the 12 months."""
    pub = published(scorecard)
    if ind.empty:
        return pd.DataFrame()
    rows = []
    for r in pub.itertuples(index=False):
        period = r.period if isinstance(r.period, str) and r.period else ""
        if r.indicator_id == "audits_per_month":
            p = pd.Period(period, "M")
            window = {"2018-10": [p - 1, p, p + 1], "2020-02": [p - 2, p - 1, p]}.get(
                period, [p])
            s = _council(ind, "audits_per_month")
            s = s[s["period"].isin([str(w) for w in window])]
            comp = s["value"].mean() if len(s) else np.nan
            how = ("mean of " + ", ".join(str(w) for w in window)) if len(window) > 1 else \
                "calendar month"
        elif r.indicator_id == "audit_grades":
            s = _council(ind, "audit_grades", r.breakdown)
            s = s[s["period"] == period]
            comp = s["value"].iloc[0] if len(s) else np.nan
            how = "calendar month; good = good or outstanding"
        else:
            latest = ind["period"].max() if len(ind) else ""
            period = period or "2020-06"
            s = _council(ind, "audits_per_practitioner")
            s = s[s["period"] == period]
            comp = s["value"].iloc[0] if len(s) else np.nan
            how = f"audits per practitioner in the 12 months to {period} (latest {latest})"
        rows.append({"figure": r.indicator_id.replace("_", " "), "breakdown": r.breakdown,
                     "kind": r.kind, "period": period, "published": r.value,
                     "computed": round(float(comp), 1) if pd.notna(comp) else np.nan,
                     "computed as": how, "source": r.source})
    return pd.DataFrame(rows)


def volume_chart(ind: pd.DataFrame, scorecard: pd.DataFrame | None = None) -> Chart:
    s = _council(ind, "audits_per_month")
    x = pd.PeriodIndex(s["period"], freq="M").to_timestamp()
    fig, ax = plt.subplots(figsize=(WIDTH, 4))
    ax.plot(x, s["value"], color="#2166ac", lw=2, label="computed from audit records")
    pub = published(scorecard) if scorecard is not None else pd.DataFrame()
    pub = pub[(pub.get("indicator_id") == "audits_per_month") & (pub.get("kind") == "actual")] \
        if len(pub) else pub
    if len(pub):
        px = pd.PeriodIndex(pub["period"], freq="M").to_timestamp()
        ax.scatter(px, pub["value"], marker="s", s=70, facecolors="white", edgecolors="black",
                   zorder=3, label="published (narrative figures)")
    ax.set_ylabel("audits completed in the month")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", frameon=False, fontsize=MIN_FONT_PT)
    title = "Audits completed each month"
    data = s[["period", "value"]].rename(columns={"value": "audits"})
    peak = data.loc[data["audits"].idxmax()] if len(data) else None
    said = "; ".join(f"{v:g} in {pd.Period(p, 'M').strftime('%B %Y')}" for p, v in zip(
        pub.get("period", []), pub.get("value", []), strict=True))  # the table gives notes
    alt = ("Line chart of audits completed per month" + (
        f", peaking at {peak['audits']:.0f} in {peak['period']}" if peak is not None else "")
        + ("; the published figures are shown as open squares." if said else "."))
    caption = ("Line: audits with a date completed in the month (all types)."
               + (f" Open squares: the published figures ({said})." if said else ""))
    return Chart(fig, title, alt, caption, data, "audits completed per month, council")


def grade_chart(ind: pd.DataFrame, level: str = "council", org_unit: str | None = None
                ) -> Chart:
    g = ind[(ind["indicator_id"] == "audit_grades") & (ind["level"] == level)]
    if org_unit is not None:
        g = g[g["org_unit"] == org_unit]
    wide = g.pivot_table(index="period", columns="breakdown", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(GRADE_COLOURS)).dropna(how="all")
    x = pd.PeriodIndex(wide.index, freq="M").to_timestamp()
    fig, ax = plt.subplots(figsize=(WIDTH, 4))
    bottom = np.zeros(len(wide))
    for b, colour in GRADE_COLOURS.items():
        v = wide[b].fillna(0).to_numpy()
        ax.bar(x, v, bottom=bottom, width=25, color=colour, hatch=GRADE_HATCH[b],
               edgecolor="white", label=b)
        bottom += v
    ax.set_ylabel("% of the month's audits")
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", ncols=3, frameon=False, bbox_to_anchor=(0, 1.14),
              fontsize=MIN_FONT_PT)
    title = "Audit grades each month"
    data = wide.round(1).reset_index()
    last = data.iloc[-1] if len(data) else None
    alt = ("Stacked bar chart of the share of audits graded good or better, requires "
           "improvement and inadequate each month" + (
               f"; in {last['period']}: {last['good']:.0f}% good or better, "
               f"{last['requires improvement']:.0f}% requires improvement, "
               f"{last['inadequate']:.0f}% inadequate" if last is not None else "") + ".")
    caption = ("Share of each month's audits by the auditor's grade (good includes "
               "outstanding). Months without audits (April and May 2020) have no bar. "
               "Hatching tells the grades apart without colour.")
    return Chart(fig, title, alt, caption, data, "grade shares per month, percent")


def coverage_chart(ind: pd.DataFrame) -> Chart:
    fig, ax = plt.subplots(figsize=(WIDTH, 4))
    series = {"practitioners_audited_2plus": ("practitioners audited twice in 12 months", "-"),
              "audit_team_coverage": ("teams audited in the quarter", "--")}
    frames = []
    for iid, (lab, ls) in series.items():
        s = _council(ind, iid)
        x = pd.PeriodIndex(s["period"], freq="M").to_timestamp()
        ax.plot(x, s["value"], ls=ls, lw=2, label=lab, color="#2166ac" if ls == "-" else "#555")
        frames.append(s[["period", "value"]].rename(columns={"value": lab}))
    ax.set_ylim(0, 105)
    ax.set_ylabel("percent")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower right", frameon=False, fontsize=MIN_FONT_PT)
    data = frames[0].merge(frames[1], on="period", how="outer").round(1)
    title = "Practitioners audited at least twice a year, and teams audited each quarter"
    last = data.dropna().iloc[-1] if len(data.dropna()) else None
    alt = ("Line chart of the percentage of practitioners whose work was audited at least "
           "twice in the last 12 months (solid) and of teams with an audit in the last 3 "
           "months (dashed)" + (
               f"; in {last['period']}: {last.iloc[1]:.0f}% of practitioners and "
               f"{last.iloc[2]:.0f}% of teams" if last is not None else "") + ".")
    caption = ("Practitioners: workers in post all year holding a child, with two or more "
               "audits of their work in the 12 months (the report's standard: 'each "
               "practitioner's work is audited at least twice per year'). Teams: teams with a "
               "practitioner in post that had an audit in the 3 months.")
    return Chart(fig, title, alt, caption, data, "coverage, percent")


def _pct(num: pd.Series, den: pd.Series) -> pd.Series:
    """100 * num / den rounded to 1 decimal, `c` where the numerator or denominator is 1-5
    (kpis.stats.suppression's primary rule)."""
    num, den = num.astype(float), den.astype(float)
    val = (100 * num / den.where(den > 0)).round(1).astype(object)
    return val.where(~(is_small(num) | is_small(den)), MARKER)


def moderation_table(ind: pd.DataFrame, period: str) -> pd.DataFrame:
    """Optimism check: moderated audits and the shares moderated down and up, quarter to
    `period`, council and teams; small numbers as `c`."""
    m = ind[(ind["indicator_id"] == "audits_moderated_down") & (ind["period"] == period)]
    if m.empty:
        return pd.DataFrame()
    w = m.pivot_table(index=["level", "org_unit"], columns="breakdown",
                      values=["numerator", "denominator"], aggfunc="first")
    den = w[("denominator", "")]
    out = pd.DataFrame({
        "level": [i[0] for i in w.index], "team or council": [i[1] for i in w.index],
        "moderated audits": den.astype(object).where(~is_small(den), MARKER).to_numpy(),
        "% moderated down": _pct(w[("numerator", "")], den).to_numpy(),
        "% moderated up": _pct(w[("numerator", "moderated up")], den).to_numpy()})
    out = out[den.to_numpy() > 0]
    return out.sort_values(["level", "team or council"]).reset_index(drop=True)


def _other_indicators(computed: pd.DataFrame, period: str) -> pd.DataFrame:
    """Team rows of the computed series at `period` for OTHER_TEAM_IDS, wide by indicator,
    suppressed as the long table is (kpis.stats.suppression.suppress_long)."""
    c = computed[computed["level"].isin(["council", "team"]) & (computed["period"] == period)
                 & (computed["breakdown"] == "") & computed["indicator_id"].isin(OTHER_TEAM_IDS)]
    c = c.assign(value=c["value"].astype(float).round(1))
    c = suppress_long(c)
    c = c[c["level"] == "team"]
    return c.pivot_table(index="org_unit", columns="indicator", values="value",
                         aggfunc="first")


def teams_table(ind: pd.DataFrame, period: str, computed: pd.DataFrame | None = None,
                months: int = 12) -> pd.DataFrame:
    """Teams by audit grades over the `months` to `period` (sums of numerators and
    denominators), worst first, beside their other indicators at `period` (team rows of the
    computed monthly series): "audit findings ... target improvement activity towards
    under-performing teams". A share whose count or base is 1-5 is shown as c, and the other
    indicators are suppressed as the computed series is (kpis.stats.suppression)."""
    p = pd.Period(period, "M")
    window = [str(p - k) for k in range(months)]
    g = ind[(ind["indicator_id"] == "audit_grades") & (ind["level"] == "team")
            & ind["period"].isin(window)]
    s = g.groupby(["org_unit", "breakdown"])[["numerator", "denominator"]].sum()
    num = s["numerator"].unstack("breakdown")
    n = s["denominator"].groupby(level=0).max().reindex(num.index)
    share = {b: 100 * num[b] / n.where(n > 0) for b in num.columns}
    out = pd.DataFrame({"team": num.index, "audits": n.to_numpy()})
    for col, b in (("% inadequate", "inadequate"), ("% requires improvement",
                                                    "requires improvement"),
                   ("% good or better", "good")):
        out[col] = _pct(num[b], n).to_numpy()
    out["_sort"] = share["inadequate"].to_numpy()
    tw = ind[(ind["indicator_id"] == "practitioners_audited_2plus") & (ind["level"] == "team")
             & (ind["period"] == period)].set_index("org_unit")
    out["% practitioners audited twice"] = _pct(
        out["team"].map(tw["numerator"]), out["team"].map(tw["denominator"])).to_numpy()
    if computed is not None and len(computed):
        out = out.merge(_other_indicators(computed, period), left_on="team",
                        right_index=True, how="left")
    out = out.sort_values(["_sort", "team"], ascending=[False, True]).drop(columns="_sort")
    out["audits"] = out["audits"].astype(object).where(~is_small(out["audits"]), MARKER)
    return out.reset_index(drop=True)


def findings(ind: pd.DataFrame, period: str) -> str:
    """A few sentences from the figures (markdown)."""
    def val(iid: str, bd: str = "", p: str = period) -> float:
        s = _council(ind, iid, bd)
        s = s[s["period"] == p]
        return float(s["value"].iloc[0]) if len(s) else float("nan")

    n = val("audits_per_month")
    good, ri, inad = (val("audit_grades", b) for b in ("good", "requires improvement",
                                                       "inadequate"))
    twice = val("practitioners_audited_2plus")
    down = val("audits_moderated_down")
    label = pd.Period(period, "M").strftime("%B %Y")
    lines = [f"- **{n:.0f} audits** were completed in {label}.",
             f"- Grades in {label}: **{good:.0f}% good or better, {ri:.0f}% requires "
             f"improvement, {inad:.0f}% inadequate**.",
             f"- **{twice:.0f}%** of practitioners in post all year had their work audited "
             "at least twice in the 12 months (the standard is every practitioner)."]
    if not np.isnan(down):
        lines.append(f"- Of audits moderated in the quarter, **{down:.0f}%** were marked "
                     "down by the moderator (the optimism check).")
    return "\n".join(lines)


__all__ = ["load_records", "from_computed", "indicators", "AUDIT_IDS", "published",
           "published_vs_computed",
           "volume_chart", "grade_chart", "coverage_chart", "moderation_table",
           "teams_table", "findings"]
