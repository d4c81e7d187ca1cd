"""Charts for the reports (matplotlib + seaborn). Every function returns a
`kpis.reporting.figure.Chart`: the picture (units on its axes, values beside the markers, no
text under 11 pt), its title and caption as HTML text, alt text written from the data
(`kpis.reporting.alt_text`) and the data as a table. Charts read without colour: baseline,
latest, target and benchmark have different marker shapes and hatching."""

from __future__ import annotations

import math
import textwrap

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from kpis.reporting import alt_text, signal
from kpis.reporting.figure import MIN_FONT_PT, Chart, data_table_html
from kpis.reporting.figure import show as show_chart
from kpis.reporting.fmt import fmt_value, label, period_label
from kpis.stats.spc import IN_MONTH, STOCK, WINDOWS, spc_table
from kpis.stats.suppression import Disclosure, is_small, suppress_rows


def theme() -> None:
    """The charts' look (seaborn's whitegrid), set when this module is imported. A warm kernel
    sets it again after restoring matplotlib's defaults between notebooks
    (kpis.reporting.kernel.RESET), so every notebook draws alike, first or not."""
    sns.set_theme(style="whitegrid", context="notebook")


theme()
#: Font size of values, tick labels and legends: never under the body text once on the page.
SMALL = MIN_FONT_PT
#: Width of every chart in inches (900 px at 100 dpi).
WIDTH = 9.0
#: The flag kpis compute puts on figures whose look-back reaches before the data begin.
PARTIAL = "partial history"
UNIT_AXIS = {"percent": "per cent (%)", "children": "children", "audits": "audits per month",
             "children per FTE": "children per FTE social worker"}
DIRECTION_COLOURS = {"improved": "#1b7837", "worsened": "#b2182b"}


def _axis_label(unit: str) -> str:
    return UNIT_AXIS.get(unit, unit)


def _finish(fig: Figure) -> Figure:
    """Tighten the layout. The title and caption are HTML text around the picture (see
    kpis.reporting.figure), never pixels only."""
    fig.tight_layout()
    return fig


def show(chart: Chart | Figure) -> None:
    """Display a chart in a notebook as accessible HTML (picture, alt text, caption, data)."""
    if isinstance(chart, Figure):  # a bare figure: still shown as a picture, never as text
        chart = Chart(chart, "Chart", "Chart without a description.")
    show_chart(chart)


def dumbbell(dist: pd.DataFrame, title: str, caption: str = "") -> Chart:
    """Baseline (open circle) → latest (filled circle, arrow) per indicator, with the target
    (black bar) and headline benchmark (grey diamond). One unit per chart: pass rows with a
    single unit (use `dumbbells` to split). Rows without a latest value are left out."""
    d = dist[dist["latest"].notna()].reset_index(drop=True)
    unit = d["unit"].iloc[0] if len(d) else ""
    n = max(len(d), 1)
    fig, ax = plt.subplots(figsize=(WIDTH, 1.6 + 1.1 * n))
    y = np.arange(len(d))[::-1]
    lo_x, hi_x = _dumbbell_xlim(d, unit)
    ax.set_xlim(lo_x, hi_x)
    for yi, (_, r) in zip(y, d.iterrows(), strict=True):
        colour = DIRECTION_COLOURS.get(r["direction"], "#4d4d4d")
        if not math.isnan(r["baseline"]):
            ax.annotate("", xy=(r["latest"], yi), xytext=(r["baseline"], yi),
                        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2,
                                    "shrinkA": 5, "shrinkB": 6})
        # near either end of the axis the value is written inwards, never over the labels
        at = (r["latest"] - lo_x) / (hi_x - lo_x)
        ha = "left" if at < 0.2 else "right" if at > 0.8 else "center"
        ax.annotate(fmt_value(r["latest"], unit), (r["latest"], yi), xytext=(0, 8),
                    textcoords="offset points", ha=ha, fontsize=SMALL)
    ax.scatter(d["baseline"], y, s=70, facecolors="white", edgecolors="black", zorder=3,
               marker="o", label="baseline")
    ax.scatter(d["latest"], y, s=70, color="black", zorder=4, marker="o", label="latest")
    ax.scatter(d["target"], y, s=260, color="black", marker="|", linewidths=3, zorder=5,
               label="target")
    ax.scatter(d["benchmark"], y, s=60, color="#7f7f7f", marker="D", zorder=4,
               label="benchmark")
    ylabels = [textwrap.fill(label(r), 34) + f"\n[{r['direction']}, RAG {r['rag']}]"
               for _, r in d.iterrows()]
    ax.set_yticks(y, ylabels, fontsize=SMALL)
    ax.set_xlabel(_axis_label(unit))
    ax.set_ylim(-0.7, n - 0.3)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False,
              fontsize=SMALL)
    data = pd.DataFrame({
        "Indicator": [label(r) for _, r in d.iterrows()],
        "Baseline": d["baseline"], "Latest": d["latest"], "Target": d["target"],
        "Benchmark": d["benchmark"], "Direction": d["direction"], "RAG": d["rag"]})
    return Chart(_finish(fig), title, alt_text.dumbbell(title, d), caption, data,
                 f"Baseline, latest, target and benchmark ({_axis_label(unit)})")


def _dumbbell_xlim(d: pd.DataFrame, unit: str) -> tuple[float, float]:
    """The value axis: percentages from 8 points below the lowest value to 103; other units
    padded by a tenth of their range (at least 0.5) on each side."""
    v = d[["baseline", "latest", "target", "benchmark"]].to_numpy(float)
    if not np.isfinite(v).any():
        return (0.0, 103.0) if unit == "percent" else (0.0, 1.0)
    lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
    if unit == "percent":
        return max(0.0, min(lo, 100.0) - 8), 103.0
    pad = max((hi - lo) * 0.1, 0.5)
    return lo - pad, hi + pad


def dumbbells(dist: pd.DataFrame, title: str, caption: str = "") -> list[Chart]:
    """One dumbbell chart per unit of measure (percent first)."""
    d = dist[dist["latest"].notna()]
    units = sorted(d["unit"].unique(), key=lambda u: (u != "percent", u))
    figs = []
    for u in units:
        part = d[d["unit"].eq(u)]
        t = title if len(units) == 1 else f"{title} ({_axis_label(u)})"
        figs.append(dumbbell(part, t, caption))
    return figs


def direction_bars(summary: pd.DataFrame, title: str = "Direction of travel by domain",
                   caption: str = "") -> Chart:
    """Stacked horizontal bars per domain: improved / no material change / worsened /
    no comparison, each with its own hatching and the count written in the bar."""
    cols = ["improved", "no material change", "worsened", "no comparison"]
    hatches = ["", "..", "//", "xx"]
    colours = ["#1b7837", "#bababa", "#b2182b", "#ffffff"]
    s = summary[cols].iloc[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 1.5 + 0.5 * len(s) + 1))
    left = np.zeros(len(s))
    for c, h, col in zip(cols, hatches, colours, strict=True):
        vals = s[c].to_numpy(float)
        bars = ax.barh(s.index, vals, left=left, color=col, hatch=h, edgecolor="black",
                       label=c)
        for b, v in zip(bars, vals, strict=True):
            if v:
                ax.text(b.get_x() + b.get_width() / 2, b.get_y() + b.get_height() / 2,
                        f"{int(v)}", ha="center", va="center", fontsize=SMALL,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
        left += vals
    ax.set_xlabel("indicator lines (count)")
    ax.tick_params(axis="y", labelsize=SMALL)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False,
              fontsize=SMALL)
    data = summary[cols].reset_index().rename(columns={summary.index.name or "index": "Domain"})
    return Chart(_finish(fig), title, alt_text.direction(summary), caption, data,
                 "Indicator lines by direction of travel, per domain")


def trend(monthly: pd.DataFrame, title: str, caption: str = "", unit: str = "percent",
          target: float | None = None, benchmarks: dict[str, float] | None = None,
          by: str = "org_unit", name: str = "") -> Chart:
    """Monthly series (columns period, value and `by`; optional flag) as lines with markers,
    with the target (dashed) and benchmarks (dotted) as labelled horizontal lines. Months
    flagged 'partial history' (their look-back reaches before the data begin) are left out and
    counted in the alt text and caption, never drawn as real figures."""
    fig, ax = plt.subplots(figsize=(WIDTH, 5.2))
    partial = (monthly["flag"].eq(PARTIAL) if "flag" in monthly.columns
               else pd.Series(False, index=monthly.index))
    left_out = int(monthly.loc[partial, "period"].nunique())
    m = monthly[~partial].assign(month=lambda x: pd.to_datetime(x["period"], format="%Y-%m"))
    sns.lineplot(data=m, x="month", y="value", hue=by, style=by, markers=True, dashes=False,
                 ax=ax)
    # target and benchmarks are named in the legend under the chart (long comparator names
    # beside the axes would squeeze the plot)
    if target is not None and not math.isnan(target):
        ax.axhline(target, color="black", ls="--", lw=1.5,
                   label=f"target {fmt_value(target, unit)}")
    styles = iter([":", "-.", (0, (1, 4)), (0, (6, 3, 1, 3, 1, 3))] * 3)
    for bench, v in (benchmarks or {}).items():
        if v is not None and not math.isnan(v):
            ax.axhline(v, color="#555555", ls=next(styles), lw=1.5,
                       label=textwrap.fill(f"benchmark: {bench} {fmt_value(v, unit)}", 45))
    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("month end")
    ax.set_ylabel(_axis_label(unit))
    ax.tick_params(labelsize=SMALL)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False,
              fontsize=SMALL)
    if left_out:
        caption += (f" {left_out} earlier month{'s' if left_out != 1 else ''} with partial "
                    "history (the look-back reaches before the records begin) left out.")
    cols = [c for c in ("period", by, "value", "numerator", "denominator") if c in m.columns]
    data = m[cols].sort_values("period").assign(period=lambda x: x["period"].map(period_label))
    data = data.rename(columns={"period": "Month", by: "Series", "value": _axis_label(unit),
                                "numerator": "Numerator", "denominator": "Denominator"})
    alt = alt_text.trend(name or title, m, unit, target, left_out)
    return Chart(_finish(fig), title, alt, caption.strip(), data, f"Monthly figures: {title}")


def team_bars(team_latest: pd.DataFrame, title: str, caption: str = "", unit: str = "percent",
              target: float | None = None, name: str = "", period: str = "") -> Chart:
    """Latest value per team (columns org_unit, value, and numerator/denominator when known),
    with the value and, for rates, 'numerator/denominator' written on each bar (75% is 3 of 4
    children, not a league-table win); target as a dashed line."""
    t = team_latest.sort_values("value")
    fig, ax = plt.subplots(figsize=(WIDTH, 1.5 + 0.5 * len(t) + 1))
    bars = ax.barh(t["org_unit"], t["value"], color="#8da0cb", edgecolor="black")
    has_n = {"numerator", "denominator"} <= set(t.columns)
    for b, (_, r) in zip(bars, t.iterrows(), strict=True):
        text = " " + fmt_value(r["value"], unit)
        if has_n and unit == "percent" and not math.isnan(r["denominator"]):
            text += f" ({r['numerator']:.0f}/{r['denominator']:.0f})"
        ax.text(b.get_width(), b.get_y() + b.get_height() / 2, text, va="center",
                fontsize=SMALL)
    if target is not None and not math.isnan(target):
        ax.axvline(target, color="black", ls="--", lw=1.5,
                   label=f"target {fmt_value(target, unit)}")
        ax.legend(loc="lower right", fontsize=SMALL)
    ax.set_xlabel(_axis_label(unit))
    ax.tick_params(labelsize=SMALL)
    if unit == "percent":
        ax.set_xlim(0, 125)  # room for the 'value (n/N)' labels
    cols = [c for c in ("org_unit", "value", "numerator", "denominator") if c in t.columns]
    data = t[cols].iloc[::-1].rename(columns={"org_unit": "Team", "value": _axis_label(unit),
                                              "numerator": "Numerator",
                                              "denominator": "Denominator"})
    alt = alt_text.teams(name or title, period, t, unit, target)
    return Chart(_finish(fig), title, alt, caption, data, f"By team: {title}")


def timeline(series: pd.DataFrame, title: str, caption: str = "") -> Chart:
    """Dated figures of several indicators (distance.series output) on a time axis: one marker
    shape per indicator, values written beside the points. One unit per chart."""
    s = series.dropna(subset=["value"]).assign(
        when=lambda x: pd.to_datetime(x["period"], format="%Y-%m"),
        name=lambda x: [textwrap.fill(label(r), 50) for _, r in x.iterrows()],
    )
    unit = s["unit"].iloc[0] if len(s) else ""
    fig, ax = plt.subplots(figsize=(WIDTH, 6.5))
    markers = ["o", "s", "^", "D", "v", "P"]
    for i, (name, g) in enumerate(s.groupby("name", sort=False)):
        ax.plot(g["when"], g["value"], marker=markers[i % len(markers)], ms=8, lw=1.5,
                label=name)
        for w, v in zip(g["when"], g["value"], strict=True):
            ax.annotate(fmt_value(v, unit), (w, v), xytext=(6, 4), textcoords="offset points",
                        fontsize=SMALL)
    ax.set_xlabel("period of the figure")
    ax.set_ylabel(_axis_label(unit))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False,
              fontsize=SMALL)
    periods = sorted(s["period"].unique())
    ax.set_xticks(pd.to_datetime(periods, format="%Y-%m"), [period_label(p) for p in periods],
                  fontsize=SMALL, rotation=30, ha="right")
    data = pd.DataFrame({"Indicator": [label(r) for _, r in s.iterrows()],
                         "Period": s["period"].map(period_label), _axis_label(unit): s["value"]})
    return Chart(_finish(fig), title, alt_text.timeline(title, s), caption, data,
                 f"Dated figures: {title}")


def computed_section(computed: pd.DataFrame | None, dist: pd.DataFrame,
                     indicator_ids: list[str] | tuple[str, ...], suppress: bool = True,
                     suppress_threshold: int = 5, about: str = "") -> None:
    """Display, for each indicator in `indicator_ids` that the computed monthly series holds:
    the council's rolling-12-month series as a line against the scorecard's target and
    benchmarks; each in-month or month-end series as an XmR chart (no SPC on rolling series:
    they are autocorrelated); then its teams as a funnel plot and a team table
    (`kpis.reporting.signal`). `suppress` / `suppress_threshold`: disclosure control
    (`kpis.stats.suppression.settings`; False only for an internal audience). Workers are never
    shown (kpis.reporting.load.load_computed drops them). `about` describes the records
    (a generated council's own description, from its kpis-synthetic.yml)."""
    from IPython.display import Markdown, display

    from kpis.stats.suppression import settings

    disclosure = settings(suppress, suppress_threshold)
    if computed is None or computed.empty:
        display(Markdown("_No computed monthly series was given (parameter `computed_path`), "
                         "so there is no monthly trend in this report._"))
        return
    computed = computed[computed["level"].isin(["council", "team"])]
    council_name = ", ".join(computed["council"].astype(str).unique()[:3])
    source = (f"Computed by kpis compute from the child-level records of {council_name}"
              + (f" ({about})" if about else "") + ". ")
    shown = 0
    for iid in indicator_ids:
        c = computed[computed["indicator_id"].eq(iid)]
        council = c[c["level"].eq("council") & c["breakdown"].eq("")].dropna(subset=["value"])
        if council.empty:
            continue
        shown += 1
        name, unit = council["indicator"].iloc[0], council["unit"].iloc[0]
        ref = dist[dist["indicator_id"].eq(iid)]
        targets = {(iid, b): float(t) for b, t in zip(ref["breakdown"], ref["target"],
                                                      strict=True) if pd.notna(t)}
        display(Markdown(f"### {name}"))
        if WINDOWS.get((iid, "")) not in (IN_MONTH, STOCK):
            _headline_trend(council, ref[ref["breakdown"].eq("")], name, unit, council_name,
                            source, disclosure)
        spc = spc_table(c, targets=targets, windows=(IN_MONTH, STOCK), extra_columns=True)
        for (bd, _), rows in spc.groupby(["breakdown", "org_unit"], sort=False):
            counts = c[c["level"].eq("council") & c["breakdown"].eq(bd)]
            show(signal.xmr_chart(rows, name, unit, targets.get((iid, bd)), counts,
                                  disclosure, source))
        _teams(c, iid, name, unit, source, disclosure)
    if not shown:
        display(Markdown("_The computed series has none of these indicators._"))


def _headline_trend(council: pd.DataFrame, ref: pd.DataFrame, name: str, unit: str,
                    council_name: str, source: str, disclosure: Disclosure) -> None:
    """The rolling series as a line (the scorecard's headline figure), its data suppressed."""
    target = float(ref["target"].iloc[0]) if len(ref) else float("nan")
    benches = {}
    for col in [k for k in ref.columns if k.startswith("benchmark: ")] if len(ref) else []:
        benches[col.removeprefix("benchmark: ")] = float(ref[col].iloc[0])
    whole = council[~council["flag"].eq(PARTIAL)] if "flag" in council.columns else council
    first = (whole if len(whole) else council)["period"].min()
    last = council["period"].max()
    chart = trend(
        council.assign(org_unit=council_name), f"{name}: monthly, {period_label(first)} to "
        f"{period_label(last)}",
        f"{source}Each month's figure covers a rolling window to its end, so neighbouring "
        f"months share most of their cases: a line, not an SPC chart. Dashed line: the "
        f"scorecard target; dotted lines: the scorecard benchmarks. {disclosure.words()}",
        unit=unit, target=target, benchmarks=benches, name=name)
    chart.data = suppress_rows(chart.data, "Numerator", "Denominator",
                               [_axis_label(unit), "Numerator", "Denominator"], disclosure)
    show(chart)


def _teams(c: pd.DataFrame, iid: str, name: str, unit: str, source: str,
           disclosure: Disclosure) -> None:
    """The latest month's teams: a funnel plot and team table for rates, a team table
    otherwise; never ranked."""
    from IPython.display import HTML, display

    bd = signal.team_breakdown(c, iid)
    s = c[c["breakdown"].eq(bd)]
    last = s.loc[s["level"].eq("council"), "period"].max()
    teams = s[s["level"].eq("team") & s["period"].eq(last)]
    council = s[s["level"].eq("council") & s["period"].eq(last)]
    label_ = f"{name} ({bd})" if bd else name
    if teams.empty:
        return
    if unit == "percent":
        out = signal.team_funnel(teams, council, label_, last, disclosure, source)
        if out is None:
            return
        chart, table = out
        show(chart)
    else:
        real = teams[~teams["org_unit"].isin(signal.PSEUDO_TEAMS)]
        table = signal.team_table(real, signal.team_flags(real, council, disclosure), unit,
                                  disclosure)
    caption = (f"Teams: {label_}, {period_label(last)}, in team order (not ranked). "
               f"{disclosure.words()}")
    display(HTML(data_table_html(table, caption)))


def computed_vs_published(table: pd.DataFrame, title: str, caption: str = "",
                          disclosure: Disclosure | None = None) -> Chart:
    """Percentages computed from child-level records (filled circle, value written) against the
    published figure for the same month (open square) and the target (black bar), one line per
    indicator (`kpis.reporting.compare.computed_vs_scorecard` rows with unit percent). With a
    `disclosure` that suppresses, a figure from 1-5 children is drawn without its value written
    and is `c` in the data table."""
    d = table[table["unit"].eq("percent") & table["computed"].notna()].reset_index(drop=True)
    disclosure = disclosure or Disclosure(suppress=False)
    small = (is_small(d["numerator"], disclosure.threshold)
             | is_small(d["denominator"], disclosure.threshold)) & disclosure.suppress
    n = max(len(d), 1)
    fig, ax = plt.subplots(figsize=(WIDTH, 1.6 + 0.7 * n + 1.2))
    y = np.arange(len(d))[::-1]
    ax.hlines(y, d[["computed", "published"]].min(axis=1), d[["computed", "published"]].max(axis=1),
              color="#767676", lw=1.5, zorder=2)
    ax.scatter(d["published"], y, s=70, facecolors="white", edgecolors="black", marker="s",
               zorder=3, label="published (Appendix 1)")
    ax.scatter(d["computed"], y, s=60, color="black", marker="o", zorder=4,
               label="computed from records")
    ax.scatter(d["target"], y, s=220, color="black", marker="|", linewidths=3, zorder=5,
               label="target")
    for yi, v, hide in zip(y, d["computed"], small, strict=True):
        ax.annotate(disclosure.marker if hide else fmt_value(v, "percent"), (v, yi),
                    xytext=(0, 7), textcoords="offset points", ha="center", fontsize=SMALL)
    ax.set_yticks(y, [textwrap.fill(label(r), 40) for _, r in d.iterrows()], fontsize=SMALL)
    ax.set_xlabel(_axis_label("percent"))
    ax.set_xlim(0, 103)
    ax.set_ylim(-0.7, n - 0.3)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False,
              fontsize=SMALL)
    data = pd.DataFrame({"Indicator": [label(r) for _, r in d.iterrows()],
                         "Numerator": d["numerator"], "Denominator": d["denominator"],
                         "Computed (%)": d["computed"], "Published (%)": d["published"],
                         "Target (%)": d["target"]})
    data = suppress_rows(data, "Numerator", "Denominator",
                         ["Numerator", "Denominator", "Computed (%)"], disclosure)
    return Chart(_finish(fig), title, alt_text.computed_vs_published(title, d), caption, data,
                 f"Computed and published figures: {title}")
