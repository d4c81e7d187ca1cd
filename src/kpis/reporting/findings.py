"""Plain-English findings written from the data, for the notebooks.

Nothing here is hand-typed about a particular indicator: every sentence is built from the
distance table (kpis.scorecard.distance) or the scorecard, so a re-run with new data rewrites it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import pandas as pd

from kpis.reporting.fmt import fmt_change, fmt_value, label, period_label
from kpis.scorecard import distance

log = logging.getLogger(__name__)


def indicator_sentence(row: pd.Series, baseline_period: str = distance.BASELINE_PERIOD,
                       latest_period: str = distance.LATEST_PERIOD) -> str:
    """One sentence on one indicator: where it was, where it is, target and benchmark."""
    u = row["unit"]
    name = label(row)
    lp, bp = period_label(latest_period), period_label(baseline_period)
    parts: list[str] = []
    if math.isnan(row["latest"]):
        why = f" ({row['latest_note']})" if row.get("latest_note") else ""
        return f"**{name}**: no figure for {lp}{why}."
    if math.isnan(row["baseline"]):
        parts.append(f"**{name}** was {fmt_value(row['latest'], u)} in {lp}; "
                     f"there is no {bp} figure to compare with")
    else:
        src = " (the inspection finding)" if str(row["baseline_source"]).startswith(
            "inspection") else ""
        verb = {"improved": "improved", "worsened": "worsened",
                "no material change": "showed no material change",
                "changed": "changed"}.get(row["direction"], row["direction"])
        rel = "" if math.isnan(row["change_pct"]) else f", {row['change_pct']:+.1f}%"
        parts.append(f"**{name}** {verb}: {fmt_value(row['baseline'], u)} in {bp}{src} → "
                     f"{fmt_value(row['latest'], u)} in {lp} "
                     f"({fmt_change(row['change'], u)}{rel})")
    if row["target_status"] in ("met", "not met"):
        gap = abs(row["gap_to_target"])
        if row["target_status"] == "met":
            parts.append(f"the target of {fmt_value(row['target'], u)} is met")
        else:
            parts.append(f"the target of {fmt_value(row['target'], u)} is not met "
                         f"({fmt_change(gap, u).lstrip('+')} short)")
    elif row["target_status"] == "no target":
        parts.append("no target is set")
    if row["benchmark_position"] in ("better", "worse", "in line"):
        comp = row["benchmark_comparator"]
        comp_txt = "" if comp in ("", "unspecified") else f" ({comp})"
        b = fmt_value(row["benchmark"], u)
        gap = fmt_change(abs(row["gap_to_benchmark"]), u).lstrip("+±")
        if row["benchmark_position"] == "in line":
            parts.append(f"in line with the benchmark{comp_txt} of {b}")
        else:
            parts.append(f"{gap} {row['benchmark_position']} than the benchmark{comp_txt} of {b}")
    return "; ".join(parts) + f". RAG: {row['rag']} ({row['rag_reason']})."


def _names(rows: pd.DataFrame, limit: int = 6, change: bool = False) -> str:
    names = [label(r) + (f" ({fmt_change(r['change'], r['unit'])})" if change else "")
             for _, r in rows.head(limit).iterrows()]
    more = len(rows) - len(names)
    text = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1] if names else ""
    return text + (f" (and {more} more)" if more > 0 else "")


def overview_findings(dist: pd.DataFrame) -> str:
    """Markdown bullets summarising the whole scorecard."""
    bp = period_label(dist.attrs.get("baseline_period", distance.BASELINE_PERIOD))
    lp = period_label(dist.attrs.get("latest_period", distance.LATEST_PERIOD))
    n = len(dist)
    comparable = dist[~dist["direction"].isin(["no baseline", "no latest value", "no data"])]
    imp = comparable[comparable["direction"].eq("improved")]
    wor = comparable[comparable["direction"].eq("worsened")]
    flat = comparable[comparable["direction"].isin(["no material change", "changed"])]
    targeted = dist[dist["target_status"].isin(["met", "not met"])]
    met = targeted[targeted["target_status"].eq("met")]
    rag = dist["rag"].value_counts()
    fallback = comparable["baseline_source"].astype(str).str.startswith("inspection")
    via = (f" ({int(fallback.sum())} of them compare with the figure the inspection "
           f"reported, as the council had no {bp} figure)") if fallback.any() else ""
    lines = [
        f"- The scorecard has **{n}** indicator lines (indicators and their breakdowns, with "
        f"the figures from the reports' prose). **{len(comparable)}** have both a baseline and "
        f"a {lp} figure{via}: **{len(imp)} improved**, **{len(wor)} worsened** and "
        f"{len(flat)} show no material change. The other {n - len(comparable)} cannot show "
        f"distance travelled because a figure is missing.",
        f"- **{len(met)} of {len(targeted)}** indicators with a target meet it in {lp}.",
        "- RAG: " + ", ".join(f"{rag.get(k, 0)} {k}" for k in distance.RAG_ORDER) + ".",
    ]
    # rankings leave out single-month figures (small numbers swing) and say which changes are
    # measured from the inspection's figure rather than the council's own
    rankable = ~comparable["breakdown"].eq("single month") & comparable["unit"].eq("percent")
    for words, rows in (("deteriorations", wor), ("improvements", imp)):
        pct = rows[rankable.reindex(rows.index, fill_value=False)].sort_values(
            "change", key=abs, ascending=False)
        if len(pct):
            marked = pct.assign(indicator=pct["indicator"].where(
                ~pct["baseline_source"].astype(str).str.startswith("inspection"),
                pct["indicator"] + " [from the inspection's figure]"))
            lines.append(f"- Largest {words} (percentage points): "
                         f"{_names(marked, 4, change=True)}.")
    red = dist[dist["rag"].eq("Red")]
    if len(red):
        lines.append(f"- Rated Red: {_names(red, 8)}.")
    summ = distance.domain_summary(dist)
    worst = summ[summ["worsened"] > summ["improved"]]
    if len(worst):
        lines.append("- Domains where more indicators worsened than improved: "
                     + ", ".join(worst.index) + ".")
    return "\n".join(lines)


def domain_findings(dist: pd.DataFrame, domain: str) -> str:
    """Markdown: a count sentence for the domain, then one bullet per indicator."""
    d = dist[dist["domain"].eq(domain)]
    if d.empty:
        return f"There are no figures for {domain} in the scorecard."
    bp = dist.attrs.get("baseline_period", distance.BASELINE_PERIOD)
    lp = dist.attrs.get("latest_period", distance.LATEST_PERIOD)
    counts = d["direction"].value_counts()
    missing = int(d["direction"].isin(["no baseline", "no latest value", "no data"]).sum())
    head = (f"{domain} has {len(d)} indicator lines: {counts.get('improved', 0)} improved, "
            f"{counts.get('worsened', 0)} worsened, "
            f"{counts.get('no material change', 0) + counts.get('changed', 0)} no material "
            f"change and {missing}"
            f" without both figures. Targets met: {int(d['target_status'].eq('met').sum())} of "
            f"{int(d['target_status'].isin(['met', 'not met']).sum())}.")
    bullets = [f"- {indicator_sentence(r, bp, lp)}" for _, r in d.iterrows()]
    return head + "\n\n" + "\n".join(bullets)


def deep_dive_findings(dist: pd.DataFrame, indicator_ids: Iterable[str]) -> str:
    """Markdown bullets for the chosen indicators: what rose or fell, by how much, against
    target and comparators."""
    ids = list(indicator_ids)
    d = dist[dist["indicator_id"].isin(ids)].copy()
    if d.empty:
        return "None of these indicators is in the scorecard."
    d["_o"] = d["indicator_id"].map({k: i for i, k in enumerate(ids)})
    d = d.sort_values("_o", kind="stable")
    bp = dist.attrs.get("baseline_period", distance.BASELINE_PERIOD)
    lp = dist.attrs.get("latest_period", distance.LATEST_PERIOD)
    wor = d[d["direction"].eq("worsened")]
    lead = (f"{len(wor)} of the {len(d)} indicator lines here worsened since "
            f"{period_label(bp)}" + (f": {_names(wor)}." if len(wor) else "."))
    return lead + "\n\n" + "\n".join(f"- {indicator_sentence(r, bp, lp)}" for _, r in d.iterrows())


def timeline_statements(scorecard: pd.DataFrame, indicator_ids: Iterable[str],
                        disagree_pp: float = 5.0) -> str:
    """Markdown bullets tracing each indicator through every dated figure (Appendix 1 and the
    narrative figures of both documents), saying plainly where figures disagree: two figures
    for the same period that differ, or a later figure from another document that is worse by
    at least `disagree_pp` points (by the catalogue polarity) than the earlier one."""
    from kpis import catalogue

    ser = distance.series(scorecard, list(indicator_ids))
    if ser.empty:
        return "No dated figures for these indicators."
    out: list[str] = []
    for (iid, bd), g in ser.groupby(["indicator_id", "breakdown"], sort=False):
        g = g.dropna(subset=["value"])
        if g.empty:
            continue
        u = g["unit"].iloc[0]
        name = label(g.iloc[0])
        steps = [f"{fmt_value(v, u)} in {period_label(p)} ({_doc(s)})"
                 for v, p, s in zip(g["value"], g["period"], g["sources"], strict=True)]
        out.append(f"- **{name}**: " + " → ".join(steps) + ".")
        same = g[g.duplicated("period", keep=False)]
        for p, gp in same.groupby("period"):
            vals = " and ".join(f"{fmt_value(v, u)} ({_doc(s)})"
                                for v, s in zip(gp["value"], gp["sources"], strict=True))
            out.append(f"  - The figures disagree for {period_label(p)}: {vals}.")
        polarity = catalogue.polarity([iid], [bd]).iloc[0]
        for (_, a), (_, b) in zip(g.iloc[:-1].iterrows(), g.iloc[1:].iterrows(), strict=True):
            if a["period"] == b["period"] or _doc(a["sources"]) == _doc(b["sources"]):
                continue
            delta = b["value"] - a["value"]
            worse = (polarity == "higher" and delta <= -disagree_pp) or (
                polarity == "lower" and delta >= disagree_pp)
            if worse:
                out.append(
                    f"  - These figures disagree: {fmt_value(a['value'], u)} in "
                    f"{period_label(a['period'])} ({_doc(a['sources'])}) against "
                    f"{fmt_value(b['value'], u)} in {period_label(b['period'])} "
                    f"({_doc(b['sources'])}): {fmt_change(abs(delta), u).lstrip('+')} worse in "
                    f"the later document.")
        notes = g.loc[g["flag"].str.contains("approximate|definition_differs", na=False), "note"]
        if len(notes):
            out.append("  - Notes on how figures were read: "
                       + "; ".join(f"'{n}'" for n in notes if n) + ".")
    return "\n".join(out)


def _doc(sources: str) -> str:
    """Which document a source string points at."""
    s = str(sources)
    docs = []
    if "appendix1" in s:
        docs.append("Appendix 1")
    if "Ofsted letter" in s:
        docs.append("Ofsted letter")
    if "board report" in s:
        docs.append("board report")
    if "kpis compute" in s:
        docs.append("computed")
    return " / ".join(dict.fromkeys(docs)) or "source not stated"
