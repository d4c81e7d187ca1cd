"""Signal from noise in the reports (issue 12): XmR charts for in-month and month-end series,
funnel plots and a team table in place of ranked team bars, with disclosure control.

Used by `kpis.reporting.plots.computed_section` (deep dives, child-level report):

- `xmr_chart`: one council series as an XmR chart (`kpis.stats.spc`, Making Data Count rules)
  in a `Chart`, alt text from the data (`alt_text.xmr`), the points as a data table.
- `team_funnel`: the teams of one indicator and month as a funnel plot (`kpis.stats.funnel`:
  the council rate as centre, exact binomial 95% / 99.8% limits, widened for over-dispersion
  when the teams vary more than chance) and `team_table`: every team with its rate, "r of n",
  the Wilson 95% interval where the denominator is under 100 and "small numbers" in words,
  in team order (not ranked).
- Disclosure control (`kpis.stats.suppression`): counts 1-5 and rates built on them are `c` in
  every table, data table and alt text; a team with a suppressed figure is not drawn and is
  counted in the caption; team figures get secondary suppression against the council's total.

Pseudo-teams of the engine ("unallocated", "unknown") are never compared with real teams.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from kpis.reporting import alt_text, spc_plots
from kpis.reporting.figure import Chart
from kpis.reporting.fmt import fmt_value, period_label
from kpis.stats import intervals
from kpis.stats.funnel import funnel
from kpis.stats.spc import IN_MONTH, STOCK, WINDOWS
from kpis.stats.suppression import Disclosure, suppress_long, suppress_rows

#: Rows of the engine's team level that are not teams.
PSEUDO_TEAMS = frozenset({"unallocated", "unknown"})
WINDOW_WORDS = {IN_MONTH: "in month", STOCK: "at month-end"}
RULES = ("Making Data Count rules (NHS England): a point outside the process limits; 7 points "
         "in a row on one side of the centre; 7 points in a row rising or falling; 2 of 3 "
         "points beyond the 2-sigma line on the same side.")


def _title_window(window: str) -> str:
    return WINDOW_WORDS.get(window, window)


def xmr_chart(rows: pd.DataFrame, name: str, unit: str, target: float | None,
              counts: pd.DataFrame, disclosure: Disclosure, source: str = "") -> Chart:
    """An XmR chart of one council series. `rows`: `spc_table(..., extra_columns=True)` rows
    of the series; `counts`: its computed rows (period, numerator, denominator), used for the
    data table and to keep suppressed months' values out of the alt text."""
    d = rows.sort_values("period").reset_index(drop=True)
    c = counts[["period", "numerator", "denominator"]].drop_duplicates("period")
    d = d.merge(c, on="period", how="left")
    window = WINDOWS.get((str(d["indicator_id"].iloc[0]), str(d["breakdown"].iloc[0])), "")
    label = f"{name} ({d['breakdown'].iloc[0]})" if d["breakdown"].iloc[0] else name
    title = (f"{label}: XmR chart, {_title_window(window)}, {period_label(d['period'].iloc[0])}"
             f" to {period_label(d['period'].iloc[-1])}")
    tgt = None if target is None or not np.isfinite(target) else float(target)
    fig = spc_plots.xmr_chart(d, "", target=tgt, unit=unit)
    hidden: set[str] = set()
    if disclosure.suppress:
        small = suppress_rows(d, "numerator", "denominator", ["value"], disclosure)
        hidden = set(d.loc[small["value"].eq(disclosure.marker), "period"])
    alt = alt_text.xmr(label, d, unit, tgt, hidden)
    trial = bool(d["trial_limits"].iloc[-1])
    caption = (f"{source}Each point is one month ({_title_window(window)}). Solid line: the "
               f"centre (mean of the baseline months); dashed lines: process limits, centre "
               f"± 2.66 × the mean moving range. {RULES} Special-cause points are lettered: "
               f"I improvement, C concern, H / L high / low where the indicator has no better "
               f"direction. ")
    if trial:
        caption += "Trial limits: fewer than 12 baseline months, to be recalculated. "
    if tgt is not None:
        caption += "Dotted line: the scorecard target. "
    caption += disclosure.words()
    data = pd.DataFrame({
        "Month": d["period"].map(period_label), "Value": d["value"].round(1),
        "Numerator": d["numerator"], "Denominator": d["denominator"],
        "Centre": d["centre"].round(1), "Lower limit": d["lower"].round(1),
        "Upper limit": d["upper"].round(1),
        "Special cause": np.where(d["special_cause"], d["rules"], ""),
        "Variation": d["variation"]})
    data = suppress_rows(data, "Numerator", "Denominator", ["Value", "Numerator", "Denominator"],
                         disclosure)
    return Chart(fig, title, alt, caption, data, f"XmR chart points: {title}")


def team_flags(teams: pd.DataFrame, council: pd.DataFrame, disclosure: Disclosure) -> pd.Series:
    """`primary` / `secondary` / '' per team row (index of `teams`): counts 1..threshold, and
    the next smallest team where one suppressed team could be worked out from the council's
    total (`council`: the council row(s) of the same indicator, breakdown and period). All ''
    when the disclosure setting does not suppress."""
    if not disclosure.suppress or teams.empty:
        return pd.Series("", index=teams.index, dtype=object)
    both = pd.concat([council.assign(_i=-1), teams.assign(_i=teams.index)], ignore_index=True)
    both["level"] = np.where(both["_i"].eq(-1), "council", "team")
    out = suppress_long(both, disclosure.threshold,
                        group=("indicator_id", "breakdown", "period"))
    t = out[out["_i"].ne(-1)]
    return pd.Series(t["suppressed"].to_numpy(), index=t["_i"].to_numpy(), dtype=object)


def team_table(units: pd.DataFrame, flags: pd.Series, unit: str,
               disclosure: Disclosure) -> pd.DataFrame:
    """Every team in name order (not ranked): rate, "r of n", Wilson 95% interval where the
    denominator is under 100, "small numbers" in words, and where it stands against the funnel
    limits (`units`: org_unit, numerator, denominator, value and, for rates, position; `flags`:
    `team_flags`, same index). A suppressed team keeps its name; every figure is the marker."""
    u = units.sort_values("org_unit")
    r, n = u["numerator"].to_numpy(float), u["denominator"].to_numpy(float)
    has = np.isfinite(n) & (n > 0)
    rate = [fmt_value(v, unit) if h else "no cases" for v, h in zip(u["value"], has,
                                                                    strict=True)]
    tab = pd.DataFrame({"Team": u["org_unit"].to_numpy(), "Rate": rate})
    if unit == "percent":
        lo, hi = intervals.wilson(np.where(has, r, 0), np.where(has, n, 0))
        small = intervals.is_small(n) & has
        tab["Children"] = [f"{a:.0f} of {b:.0f}" for a, b in zip(r, n, strict=True)]
        tab["Wilson 95% interval"] = np.where(
            small, [f"{fmt_value(round(100 * a), unit)} to {fmt_value(round(100 * b), unit)}"
                    for a, b in zip(np.nan_to_num(lo), np.nan_to_num(hi), strict=True)], "")
        tab["Small numbers"] = np.where(small, intervals.SMALL_NUMBERS, "")
        tab["Against the funnel limits"] = u["position"].to_numpy()
    else:
        tab["Numerator"] = [f"{a:,.0f}" for a in r]
        tab["Denominator"] = [f"{b:,.1f}" for b in n]
    hide = flags.reindex(u.index).fillna("").ne("").to_numpy()
    for col in tab.columns[1:]:
        tab[col] = tab[col].astype(object).where(~hide, disclosure.marker)
    return tab.reset_index(drop=True)


def _empty_figure() -> Figure:
    fig = Figure(figsize=(9, 2))
    ax = fig.add_subplot(1, 1, 1)
    ax.text(0.5, 0.5, "no team can be drawn: every team's figure is suppressed or has no cases",
            ha="center", va="center", fontsize=spc_plots.FONT, transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def team_funnel(teams: pd.DataFrame, council: pd.DataFrame, name: str, period: str,
                disclosure: Disclosure, source: str = "") -> tuple[Chart, pd.DataFrame] | None:
    """A funnel plot of the real teams of one percentage indicator and month, and the team
    table. `teams`: computed team rows (org_unit, numerator, denominator, value, indicator_id,
    breakdown, period); `council`: the council row of the same series (its rate is the centre).
    None when no team has cases."""
    real = teams[~teams["org_unit"].isin(PSEUDO_TEAMS)]
    real = real[real["denominator"].notna()]
    if not (real["denominator"] > 0).any():
        return None
    cn, cd = council["numerator"].sum(), council["denominator"].sum()
    centre = float(cn / cd) if cd > 0 else None
    f = funnel(real[real["denominator"] > 0], centre=centre)
    units = f.units.set_axis(real.index[real["denominator"] > 0])
    flags = team_flags(real, council, disclosure)
    table = team_table(real.assign(position=units["position"].reindex(real.index)
                                   .fillna("no cases")), flags, "percent", disclosure)
    drawn = units[flags.reindex(units.index).eq("").to_numpy()]
    left_out = len(real) - len(drawn)
    adjusted = f.method != "exact"
    title = f"{name}: teams, {period_label(period)} (funnel plot)"
    fig = (spc_plots.funnel_chart(drawn, f.curve, adjusted=adjusted) if len(drawn)
           else _empty_figure())
    alt = alt_text.funnel(name, period, drawn, f.centre * 100, "percent", left_out, adjusted)
    caption = (f"{source}Each point is a team: its rate against its number of children. Solid "
               f"line: the council rate; dashed and dotted lines: 95% and 99.8% limits "
               f"(exact binomial, Spiegelhalter 2005). Only teams outside the 95% limits are "
               f"named; the others are not ranked. ")
    if adjusted:
        caption += (f"The teams vary more than chance alone would give (over-dispersion: "
                    f"φ = {f.od.phi:.2f}), so the limits are widened ({f.method} adjustment, "
                    f"τ² = {f.od.tau2:.4f}). ")
    if left_out:
        caption += (f"{left_out} team{'s' if left_out != 1 else ''} not drawn: "
                    f"figures suppressed for small numbers, or no cases. ")
    caption += ("Cases not allocated to a team count in the council rate but are not "
                "compared. " + disclosure.words())
    data = table.drop(columns=["Small numbers"])
    return Chart(fig, title, alt, caption.strip(), data, f"Teams: {name}, "
                 f"{period_label(period)}"), table


def team_breakdown(c: pd.DataFrame, iid: str) -> str:
    """The breakdown teams are compared on: for an in-month indicator with a rolling-12-month
    breakdown, that one (a month of one team is a handful of children); else the headline."""
    if WINDOWS.get((iid, "")) == IN_MONTH and c["breakdown"].eq("rolling 12 months").any():
        return "rolling 12 months"
    return ""
