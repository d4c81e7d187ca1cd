"""Plain-English findings and report tables written from the data, for the notebooks.

Nothing here is hand-typed about a particular indicator: every sentence is built from the
distance table (kpis.distance) or the scorecard, so a re-run with new data rewrites it.
Also the small loaders the notebooks share (`load_inputs`, `load_computed`).
"""

from __future__ import annotations

import calendar
import html
import logging
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from kpis import distance

log = logging.getLogger(__name__)

RAG_COLOURS = {"Red": "#f4c7c3", "Amber": "#fce8b2", "Green": "#b7e1cd", "Not rated": "#eeeeee"}
RAG_SYMBOLS = {"Red": "● Red", "Amber": "◐ Amber", "Green": "○ Green", "Not rated": "– Not rated"}
DIRECTION_SYMBOLS = {"improved": "▲ improved", "worsened": "▼ worsened",
                     "no material change": "► no material change", "changed": "◆ changed"}
TEXT_COLUMNS = ("indicator_id", "domain", "indicator", "breakdown", "kind", "comparator",
                "period", "unit", "note", "source", "flag")


# ---------------------------------------------------------------- loading
def read_scorecard(path: str | Path, raw_dir: str | Path | None = None) -> pd.DataFrame:
    """The one reader of the tidy scorecard (CSV or parquet): text columns as text, `value`
    float. It never writes: when `path` is missing and `raw_dir` is given, the scorecard is
    built in memory from the raw files (kpis.clean.build), so a notebook runs on a fresh
    checkout without touching data/processed."""
    path = Path(path)
    if not path.exists() and raw_dir is not None:
        from kpis import clean

        log.info("%s is missing: building the scorecard in memory from %s", path, raw_dir)
        df = clean.build(Path(raw_dir))[0]
    elif path.suffix == ".parquet":
        df = pd.read_parquet(path)
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for col in TEXT_COLUMNS:
        if col in df.columns:
            df[col] = df[col].astype("string").fillna("").astype(str)
    df["value"] = pd.to_numeric(df["value"].replace("", np.nan), errors="coerce").astype(float)
    return df


def load_inputs(
    scorecard_path: str | Path,
    raw_dir: str | Path = "../data/raw",
    distance_path: str | Path = "",
    baseline_period: str = distance.BASELINE_PERIOD,
    latest_period: str = distance.LATEST_PERIOD,
    comparator: str = "",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(scorecard, distance table). A precomputed distance table (written once by
    `kpis report`) is used when `distance_path` names an existing file; otherwise it is
    computed here with the given periods and comparator."""
    sc = read_scorecard(scorecard_path, raw_dir)
    if distance_path and Path(distance_path).exists():
        dist = distance.read_distance(distance_path)
        dist.attrs.update(baseline_period=baseline_period, latest_period=latest_period)
    else:
        dist = distance.distance_table(sc, baseline_period, latest_period, comparator=comparator)
    return sc, dist


def load_computed(computed_path: str | Path) -> pd.DataFrame | None:
    """The computed monthly series (contract: computed indicators) or None when not given.
    Worker-level rows are dropped here: reports show the council and teams only."""
    if not computed_path or not Path(computed_path).exists():
        return None
    df = pd.read_csv(computed_path, dtype=str, keep_default_na=False)
    for col in ("value", "numerator", "denominator"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col].replace("", np.nan), errors="coerce").astype(float)
    return df[df["level"].isin(["council", "team"])].reset_index(drop=True)


# ---------------------------------------------------------------- formatting
def period_label(period: str) -> str:
    """'2017-03' -> 'March 2017' (unchanged if not YYYY-MM)."""
    try:
        year, month = str(period).split("-")
        return f"{calendar.month_name[int(month)]} {int(year)}"
    except (ValueError, IndexError):
        return str(period)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if not float(x).is_integer() else f"{x:.0f}"


def fmt_value(value: float, unit: str) -> str:
    """32 percent -> '32%'; 14 children per FTE -> '14 children per FTE'; NaN -> 'n/a'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "percent":
        return f"{_num(value)}%"
    if unit == "percent change":
        return f"{_num(value)}% change"
    return f"{_num(value)} {unit}"


def fmt_change(change: float, unit: str) -> str:
    """Signed change: '+8 points' for percentages, '-2 children per FTE' otherwise."""
    if change is None or math.isnan(change):
        return "n/a"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    mag = _num(abs(change))
    return f"{sign}{mag} points" if unit == "percent" else f"{sign}{mag} {unit}"


def label(row: pd.Series) -> str:
    """Indicator name with its breakdown in brackets."""
    bd = row.get("breakdown", "")
    return f"{row['indicator']} ({bd})" if bd else str(row["indicator"])


# ---------------------------------------------------------------- sentences
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
    via = (f" ({int(fallback.sum())} of them compare with the figure the 2017 inspection "
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


# ---------------------------------------------------------------- tables
def scorecard_table(dist: pd.DataFrame) -> pd.DataFrame:
    """The display table: one row per indicator line, figures formatted with units, RAG and
    direction as words with symbols (not colour alone)."""
    u = dist["unit"]
    fmt = np.vectorize(fmt_value, otypes=[object])
    chg = np.vectorize(fmt_change, otypes=[object])
    bench = np.where(
        dist["benchmark"].notna(),
        fmt(dist["benchmark"], u) + np.where(
            dist["benchmark_comparator"].isin(["", "unspecified"]), "",
            " (" + dist["benchmark_comparator"] + ")"),
        "n/a")
    base = np.where(dist["baseline_source"].str.startswith("inspection"),
                    fmt(dist["baseline"], u) + " (inspection)", fmt(dist["baseline"], u))
    latest = np.where(dist["latest"].isna() & dist["latest_note"].ne(""),
                      "n/a (" + dist["latest_note"] + ")", fmt(dist["latest"], u))
    tab = pd.DataFrame({
        "Domain": dist["domain"],
        "Indicator": [label(r) for _, r in dist.iterrows()],
        "Baseline": base,
        "Latest": latest,
        "Change": chg(dist["change"], u),
        "Direction": dist["direction"].map(DIRECTION_SYMBOLS).fillna(dist["direction"]),
        "Target": fmt(dist["target"], u),
        "Target status": dist["target_status"],
        "Benchmark": bench,
        "vs benchmark": dist["benchmark_position"],
        "RAG": dist["rag"].map(RAG_SYMBOLS),
        "Why": dist["rag_reason"],
    })
    return tab


def styled(tab: pd.DataFrame, drop: Iterable[str] = ()) -> pd.io.formats.style.Styler:
    """Styler for HTML: RAG cells shaded (the symbol and word carry the meaning too)."""
    tab = tab.drop(columns=list(drop))

    def shade(v: object) -> str:
        word = str(v).split(" ", 1)[-1]
        return f"background-color: {RAG_COLOURS.get(word, '')}"

    sty = tab.style.hide(axis="index")
    if "RAG" in tab.columns:
        sty = sty.map(shade, subset=["RAG"])
    return sty.set_table_styles(
        [{"selector": "th", "props": "text-align: left;"},
         {"selector": "td", "props": "text-align: left; vertical-align: top;"}])


def html_escape(text: str) -> str:
    """Escape text for an HTML fragment."""
    return html.escape(str(text))


def rules_markdown(dist: pd.DataFrame) -> str:
    """How to read the report: the periods and the RAG / direction rules with the thresholds
    actually used (from the distance table's attrs)."""
    a = {"baseline_period": distance.BASELINE_PERIOD, "latest_period": distance.LATEST_PERIOD,
         "pp_threshold": 1.0, "rel_threshold": 5.0, "amber_pp": 5.0, "amber_rel": 10.0}
    a.update(dist.attrs)
    bp, lp = period_label(a["baseline_period"]), period_label(a["latest_period"])
    return "\n".join([
        f"- **Baseline** is the {bp} figure (at inspection). Where Appendix 1 gives no {bp} "
        "figure but prints one in its Inspection column, that figure is used and marked "
        "'(inspection)'.",
        f"- **Latest** is the {lp} figure.",
        f"- **Direction of travel** uses each indicator's polarity (whether higher or lower is "
        f"better). A change smaller than {a['pp_threshold']:g} percentage point(s) for "
        f"percentages, or {a['rel_threshold']:g}% of the baseline for counts and ratios, is "
        "'no material change'.",
        "- **RAG**: Green = target met (with no target: at least in line with the benchmark); "
        f"Amber = within {a['amber_pp']:g} points ({a['amber_rel']:g}% for counts) of the "
        "target and not worsened, or improved since the baseline; Red = otherwise (short of "
        "the target and worsened is Red however close). 'Not rated' = no latest "
        "figure, no target or benchmark, or no better direction.",
        "- Symbols carry the meaning as well as colour: ▲ improved, ▼ worsened, "
        "► no material change; ○ Green, ◐ Amber, ● Red.",
    ])
