"""SPC (XmR) charts and funnel plots for the reports (issue 12), drawn with matplotlib.

Both return a `matplotlib.figure.Figure` built without pyplot (nothing is displayed or kept in
pyplot's registry). Nothing relies on colour alone: special-cause points carry a letter
(I = improvement, C = concern, H / L = high / low when the indicator has no better direction)
and a distinct marker shape, the legend says it in words, trial limits and rebasing are
written on the chart; in funnel plots only the units outside the 95% limits are named (with
"above" / "below" and the limit), the rest are drawn but not labelled or ranked.

Inputs: `xmr_chart` takes the rows of ONE series from `kpis.stats.spc.spc_table` (or
`kpis.stats.spc.xmr`); `funnel_chart` takes `Funnel.units` and `Funnel.curve` from
`kpis.stats.funnel.funnel`.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from kpis.reporting.figure import MIN_FONT_PT

#: Every text in the pictures: never under the body text once on the page.
FONT = MIN_FONT_PT
TRIAL_POINTS = 12
GREY = "#6b6b6b"
COLOURS = {"improvement": "#1f5fa8", "concern": "#e07b00", "neither": "#6a3d9a"}
MARKERS = {"improvement": "s", "concern": "D", "neither": "h"}
LETTERS = {"improvement": "I", "concern": "C"}
UNIT_AXIS = {"percent": "per cent (%)", "children": "children",
             "children per FTE": "children per FTE social worker"}


def _segments(d: pd.DataFrame) -> np.ndarray:
    """Segment number per row: `segment` if present, else a new segment where the centre or
    limits change."""
    if "segment" in d:
        return d["segment"].to_numpy()
    key = d[["centre", "lower", "upper"]].round(9).astype(str).agg("|".join, axis=1)
    return (key != key.shift()).cumsum().to_numpy() - 1


def _finish(fig: Figure, title: str, caption: str) -> Figure:
    """Title and caption in the pixels only when given: report charts (`kpis.reporting.signal`)
    pass neither and carry them as HTML text in a `Chart`."""
    if not title and not caption:
        fig.tight_layout()
        return fig
    fig.suptitle(textwrap.fill(title, 70), fontsize=FONT + 1, fontweight="bold", x=0.01,
                 ha="left")
    if caption:
        wrapped = textwrap.fill(caption, 90)
        fig.text(0.01, 0.01, wrapped, fontsize=FONT, va="bottom", ha="left", style="italic")
        lines = wrapped.count("\n") + 1
        fig.tight_layout(rect=(0, min(0.4, (0.2 * lines + 0.1) / fig.get_figheight()), 1, 0.93))
    else:
        fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def xmr_chart(spc_rows: pd.DataFrame, title: str, *, target: float | None = None,
              unit: str | None = None, caption: str = "",
              figsize: tuple[float, float] = (9, 5.6)) -> Figure:
    """An XmR chart of one series: values, centre, process limits per segment, the target,
    special-cause points lettered, "trial limits" written where a segment's baseline has
    fewer than 12 points, and the latest variation / assurance in words under the title.

    `spc_rows`: columns period, value, centre, lower, upper, in_baseline, special_cause,
    variation, assurance (and optionally segment, trial_limits, unit) for one series.
    """
    d = spc_rows.sort_values("period").reset_index(drop=True)
    if d[["indicator_id", "breakdown", "org_unit"]].drop_duplicates().shape[0] > 1 \
            if {"indicator_id", "breakdown", "org_unit"} <= set(d.columns) else False:
        raise ValueError("xmr_chart: pass the rows of one series")
    unit = unit or (str(d["unit"].iloc[0]) if "unit" in d and len(d) else "")
    fig = Figure(figsize=figsize)
    ax = fig.add_subplot(1, 1, 1)
    if d.empty:
        ax.text(0.5, 0.5, "no points to chart", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return _finish(fig, title, caption)
    x = np.arange(len(d))
    seg = _segments(d)
    ax.plot(x, d["value"], color=GREY, lw=1.2, marker="o", ms=4, zorder=2, label="value")
    trial_note = False
    for s in np.unique(seg):
        m = seg == s
        xs = x[m]
        lo, hi = xs[0] - 0.4, xs[-1] + 0.4
        c, lcl, ucl = (d.loc[m, k].iloc[0] for k in ("centre", "lower", "upper"))
        ax.hlines(c, lo, hi, color="black", lw=1.2, zorder=1)
        if np.isfinite(lcl) and np.isfinite(ucl):
            ax.hlines([lcl, ucl], lo, hi, color="black", lw=1, ls="--", zorder=1)
        nb = int(d.loc[m, "in_baseline"].sum())
        trial = bool(d.loc[m, "trial_limits"].iloc[0]) if "trial_limits" in d \
            else nb < TRIAL_POINTS
        if trial:
            trial_note = True
            ax.text(xs[0], ucl if np.isfinite(ucl) else c, f"trial limits ({nb} points)",
                    fontsize=FONT, va="bottom", ha="left", style="italic")
        if s != seg[0]:
            ax.axvline(xs[0] - 0.5, color=GREY, lw=0.8, ls=":")
            ax.text(xs[0] - 0.45, ax.get_ylim()[1], f"rebased {d.loc[m, 'period'].iloc[0]}",
                    fontsize=FONT, va="top", ha="left", rotation=90)
    if target is not None and np.isfinite(target):
        ax.axhline(target, color="black", lw=1, ls=(0, (1, 2)))
        ax.text(x[-1] + 0.5, target, "target", fontsize=FONT, va="center", ha="left")
    sc = d["special_cause"].astype(bool).to_numpy()
    var = d["variation"].to_numpy(dtype=object)
    direction = d["direction"].to_numpy(dtype=object) if "direction" in d else \
        np.where(d["value"] > d["centre"], "high", "low")
    for kind in ("improvement", "concern", "neither"):
        m = sc & (var == kind)
        if not m.any():
            continue
        ax.scatter(x[m], d.loc[m, "value"], marker=MARKERS[kind], s=70, color=COLOURS[kind],
                   edgecolor="black", zorder=3)
        for xi, yi, di in zip(x[m], d.loc[m, "value"], direction[m], strict=True):
            letter = LETTERS.get(kind, "H" if di == "high" else "L")
            ax.annotate(letter, (xi, yi), xytext=(0, 7), textcoords="offset points",
                        ha="center", fontsize=FONT, fontweight="bold")
    step = max(1, len(d) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels(d["period"].iloc[::step], rotation=45, ha="right", fontsize=FONT)
    ax.set_xlim(-0.6, len(d) - 0.4 + (1.2 if target is not None else 0))
    ax.set_ylabel(UNIT_AXIS.get(unit, unit), fontsize=FONT)
    ax.tick_params(axis="y", labelsize=FONT)
    handles = [
        Line2D([], [], color=GREY, marker="o", ms=4, label="value"),
        Line2D([], [], color="black", lw=1.2, label="centre (mean of baseline)"),
        Line2D([], [], color="black", lw=1, ls="--", label="process limits"),
    ]
    for kind, word in (("improvement", "I: special cause, improvement"),
                       ("concern", "C: special cause, concern"),
                       ("neither", "H/L: special cause, high/low")):
        if (sc & (var == kind)).any():
            handles.append(Line2D([], [], ls="", marker=MARKERS[kind], color=COLOURS[kind],
                                  markeredgecolor="black", label=word))
    ax.legend(handles=handles, fontsize=FONT, loc="upper center", bbox_to_anchor=(0.5, -0.25),
              ncol=2, frameon=False)
    last = d.iloc[-1]
    words = f"Latest ({last['period']}): {last['variation']}"
    if str(last.get("assurance", "")):
        words += f"; target: {last['assurance']}"
    if trial_note:
        words += "; trial limits (fewer than 12 baseline points)"
    ax.set_title(words, fontsize=FONT, loc="left")
    return _finish(fig, title, caption)


def funnel_chart(units: pd.DataFrame, limits: pd.DataFrame, *, title: str = "",
                 label: str = "org_unit", unit: str = "percent", caption: str = "",
                 adjusted: bool = False, figsize: tuple[float, float] = (9, 6.0)) -> Figure:
    """A funnel plot: each unit's rate against its denominator, the centre, the 95% and 99.8%
    limits; units outside the 95% limits named with the side and the widest limit crossed.

    `units`: `Funnel.units` (label column, denominator, value, centre, band95, band998,
    position); `limits`: `Funnel.curve` (denominator, lower95, upper95, lower998, upper998).
    `adjusted`: say in the legend that the limits allow for over-dispersion.
    """
    fig = Figure(figsize=figsize)
    ax = fig.add_subplot(1, 1, 1)
    u = units[units["denominator"] > 0]
    centre = float(units["centre"].iloc[0]) if len(units) else np.nan
    extra = " (allowing for over-dispersion)" if adjusted else ""
    ax.plot(limits["denominator"], limits["upper95"], color="black", ls="--", lw=1,
            label="95% limits" + extra)
    ax.plot(limits["denominator"], limits["lower95"], color="black", ls="--", lw=1)
    ax.plot(limits["denominator"], limits["upper998"], color="black", ls=":", lw=1.3,
            label="99.8% limits" + extra)
    ax.plot(limits["denominator"], limits["lower998"], color="black", ls=":", lw=1.3)
    ax.axhline(centre, color="black", lw=1.2,
               label=f"overall rate {centre:.1f}{'%' if unit == 'percent' else ''}")
    inside = u["band95"] == "within"
    ax.scatter(u.loc[inside, "denominator"], u.loc[inside, "value"], color=GREY, s=30,
               zorder=3, label="within the 95% limits")
    above = u["band95"] == "above"
    below = u["band95"] == "below"
    if above.any():
        ax.scatter(u.loc[above, "denominator"], u.loc[above, "value"], marker="^", s=70,
                   color=COLOURS["concern"], edgecolor="black", zorder=4,
                   label="above the 95% limit (named)")
    if below.any():
        ax.scatter(u.loc[below, "denominator"], u.loc[below, "value"], marker="v", s=70,
                   color=COLOURS["improvement"], edgecolor="black", zorder=4,
                   label="below the 95% limit (named)")
    for _, r in u[above | below].iterrows():  # only the few units outside the limits
        pos = str(r["position"]).replace("the ", "").replace(" limit", "")
        ax.annotate(f"{r[label]}: {pos}", (r["denominator"], r["value"]), xytext=(6, 4),
                    textcoords="offset points", fontsize=FONT)
    ax.set_xlabel("denominator (children or cases in the period)")
    ax.set_ylabel(UNIT_AXIS.get(unit, unit), fontsize=FONT)
    ax.set_xlabel(ax.get_xlabel(), fontsize=FONT)
    ax.tick_params(labelsize=FONT)
    ax.set_xlim(0, float(limits["denominator"].max()) if len(limits) else 1)
    if unit == "percent":
        ax.set_ylim(-2, 102)
    ax.legend(fontsize=FONT, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2,
              frameon=False)
    return _finish(fig, title, caption)
