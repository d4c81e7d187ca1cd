"""Report tables: the scorecard table, its styling (RAG by symbol and colour) and the rules."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from kpis.reporting.fmt import fmt_change, fmt_value, label, period_label
from kpis.scorecard import distance

log = logging.getLogger(__name__)

RAG_COLOURS = {"Red": "#f4c7c3", "Amber": "#fce8b2", "Green": "#b7e1cd", "Not rated": "#eeeeee"}
RAG_SYMBOLS = {"Red": "● Red", "Amber": "◐ Amber", "Green": "○ Green", "Not rated": "– Not rated"}
DIRECTION_SYMBOLS = {"improved": "▲ improved", "worsened": "▼ worsened",
                     "no material change": "► no material change", "changed": "◆ changed"}


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


def styled(tab: pd.DataFrame, drop: Iterable[str] = (), caption: str = ""
           ) -> pd.io.formats.style.Styler:
    """Styler for HTML: RAG cells shaded (the symbol and word carry the meaning too), with a
    caption saying what the table holds (read out first by a screen reader)."""
    tab = tab.drop(columns=list(drop))

    def shade(v: object) -> str:
        word = str(v).split(" ", 1)[-1]
        return f"background-color: {RAG_COLOURS.get(word, '')}"

    sty = tab.style.hide(axis="index")
    if caption:
        sty = sty.set_caption(caption)
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
    insp = "baseline_source" in dist and dist["baseline_source"].astype(str).str.startswith(
        "inspection").any()
    return "\n".join([
        f"- **Baseline** is the {bp} figure (at inspection). Where the scorecard gives no {bp} "
        "figure but prints one in its Inspection column, that figure is used and marked "
        "'(inspection)'." if insp else f"- **Baseline** is the {bp} figure.",
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
