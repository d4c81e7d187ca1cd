"""Alt text for every chart, written from the data the chart draws: what it shows and its main
message ("Re-referrals, monthly March 2017 to March 2021: from 24% to 32%, above the 24%
target"). Pure functions of DataFrames; the chart functions in `kpis.reporting.plots` call them.
"""

from __future__ import annotations

import math

import pandas as pd

from kpis.reporting.fmt import fmt_value, label, period_label


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def against(value: float, ref: float | None, unit: str, what: str) -> str:
    """'above the 24% target' / 'below the 24% target' / 'at the 24% target'."""
    if _missing(ref):
        return ""
    word = "above" if value > ref else "below" if value < ref else "at"
    return f"{word} the {fmt_value(ref, unit)} {what}"


def trend(name: str, monthly: pd.DataFrame, unit: str, target: float | None = None,
          left_out: int = 0) -> str:
    """A monthly series (columns period, value; sorted or not): first and last month, first
    and last value, the range, and where the last value stands against the target."""
    m = monthly.dropna(subset=["value"]).sort_values("period")
    if m.empty:
        return f"{name}: no monthly figures to show."
    first, last = m.iloc[0], m.iloc[-1]
    span = f"monthly {period_label(first['period'])} to {period_label(last['period'])}"
    text = (f"{name}, {span}: from {fmt_value(first['value'], unit)} to "
            f"{fmt_value(last['value'], unit)}")
    lo, hi = m["value"].min(), m["value"].max()
    if len(m) > 2:
        text += f" (lowest {fmt_value(lo, unit)}, highest {fmt_value(hi, unit)})"
    pos = against(last["value"], target, unit, "target")
    text += f", {pos}" if pos else ""
    if left_out:
        text += (f". {left_out} earlier month{'s' if left_out != 1 else ''} with partial "
                 "history left out")
    return text + "."


def teams(name: str, period: str, rows: pd.DataFrame, unit: str,
          target: float | None = None) -> str:
    """Latest month by team (columns org_unit, value, numerator, denominator)."""
    t = rows.dropna(subset=["value"]).sort_values("value")
    if t.empty:
        return f"{name} by team, {period_label(period)}: no team has a figure."
    lo, hi = t.iloc[0], t.iloc[-1]

    def one(r: pd.Series) -> str:
        frac = ""
        if "numerator" in r and not _missing(r["numerator"]) and unit == "percent":
            frac = f", {r['numerator']:.0f} of {r['denominator']:.0f}"
        return f"{r['org_unit']} ({fmt_value(r['value'], unit)}{frac})"

    text = (f"{name} by team, {period_label(period)}: {len(t)} team"
            f"{'s' if len(t) != 1 else ''}, from {one(lo)} to {one(hi)}")
    if not _missing(target):
        meet = int((t["value"] >= target).sum())
        text += f"; {meet} at or above the {fmt_value(target, unit)} target"
    return text + "."


def dumbbell(title: str, rows: pd.DataFrame) -> str:
    """Baseline-to-latest chart of distance-table rows."""
    d = rows.dropna(subset=["latest"])
    if d.empty:
        return f"{title}: no indicator has a latest value."
    counts = d["direction"].value_counts()
    parts = [f"{counts.get(k, 0)} {k}" for k in ("improved", "worsened", "no material change")
             if counts.get(k, 0)]
    text = f"{title}: {len(d)} indicator line{'s' if len(d) != 1 else ''}"
    text += f" ({', '.join(parts)})" if parts else ""
    moved = d.dropna(subset=["baseline"]).assign(size=lambda x: x["change"].abs())
    moved = moved[moved["direction"].isin(["improved", "worsened"])]
    if len(moved):
        r = moved.sort_values("size", ascending=False).iloc[0]
        text += (f". Largest move: {label(r)} {r['direction']} from "
                 f"{fmt_value(r['baseline'], r['unit'])} to {fmt_value(r['latest'], r['unit'])}")
    red = d[d["rag"].eq("Red")]
    if len(red):
        text += f". Rated Red: {', '.join(label(r) for _, r in red.head(4).iterrows())}"
        text += f" and {len(red) - 4} more" if len(red) > 4 else ""
    return text + "."


def direction(summary: pd.DataFrame) -> str:
    """Direction of travel by domain (index: domain; columns improved, worsened, ...)."""
    if summary.empty:
        return "Direction of travel by domain: no domains."
    tot = summary[["improved", "worsened"]].sum()
    best = (summary["improved"] - summary["worsened"]).idxmax()
    worst = (summary["improved"] - summary["worsened"]).idxmin()
    return (f"Direction of travel in {len(summary)} domains: {int(tot['improved'])} indicator "
            f"lines improved and {int(tot['worsened'])} worsened in all. Most improved: "
            f"{best} ({int(summary.loc[best, 'improved'])} improved, "
            f"{int(summary.loc[best, 'worsened'])} worsened); least: {worst} "
            f"({int(summary.loc[worst, 'improved'])} improved, "
            f"{int(summary.loc[worst, 'worsened'])} worsened).")


def timeline(title: str, series: pd.DataFrame) -> str:
    """Dated figures of several indicators (columns indicator, breakdown, period, value, unit)."""
    s = series.dropna(subset=["value"]).sort_values("period")
    if s.empty:
        return f"{title}: no dated figures."
    parts = []
    for name, g in s.groupby(s.apply(label, axis=1), sort=False):
        unit = g["unit"].iloc[0]
        if len(g) == 1:
            parts.append(f"{name} {fmt_value(g['value'].iloc[0], unit)} in "
                         f"{period_label(g['period'].iloc[0])}")
        else:
            parts.append(f"{name} from {fmt_value(g['value'].iloc[0], unit)} in "
                         f"{period_label(g['period'].iloc[0])} to "
                         f"{fmt_value(g['value'].iloc[-1], unit)} in "
                         f"{period_label(g['period'].iloc[-1])}")
    return f"{title}: " + "; ".join(parts) + "."


def computed_vs_published(title: str, table: pd.DataFrame) -> str:
    """Computed against published percentages (columns computed, published, indicator...)."""
    d = table.dropna(subset=["computed"])
    if d.empty:
        return f"{title}: nothing computed."
    both = d.dropna(subset=["published"]).assign(gap=lambda x: (x["computed"]
                                                                - x["published"]).abs())
    text = f"{title}: {len(d)} indicator line{'s' if len(d) != 1 else ''} computed"
    if len(both):
        close = int((both["gap"] < 5).sum())
        far = both.sort_values("gap", ascending=False).iloc[0]
        text += (f"; {close} of {len(both)} within 5 points of the published figure; "
                 f"furthest: {label(far)}, computed {fmt_value(far['computed'], 'percent')} "
                 f"against {fmt_value(far['published'], 'percent')} published")
    return text + "."


def _months(periods: list[str], limit: int = 4) -> str:
    shown = ", ".join(period_label(p) for p in periods[:limit])
    return shown + (f" and {len(periods) - limit} more" if len(periods) > limit else "")


def _points(n: int) -> str:
    return f"{n} point{'s' if n != 1 else ''}"


def xmr(name: str, rows: pd.DataFrame, unit: str, target: float | None = None,
        hidden: frozenset[str] | set[str] = frozenset()) -> str:
    """An XmR chart of one series (`kpis.stats.spc.xmr` / `spc_table` rows: period, value,
    centre, lower, upper, special_cause, variation, assurance; optional trial_limits,
    in_baseline). Says the span, the variation around the centre, the process limits (and
    'trial limits' under 12 baseline points), the months outside the limits, other special
    causes, the latest month and the assurance against the target. The value of a month in
    `hidden` (suppressed: small numbers) is never written."""
    d = rows.sort_values("period")
    if d.empty:
        return f"{name}: no monthly figures to chart."
    last = d.iloc[-1]
    cur = d[d["centre"].eq(last["centre"])]  # the segment in force at the latest month
    sc = d["special_cause"].astype(bool)
    kinds = d.loc[sc, "variation"].value_counts()
    if not sc.any():
        what = "common cause variation only"
    else:
        what = "special cause variation (" + ", ".join(
            f"{_points(int(kinds[v]))} of {v}" if v != "neither"
            else f"{_points(int(kinds[v]))} with no better direction"
            for v in ("improvement", "concern", "neither") if v in kinds) + ")"
    text = (f"{name}, monthly {period_label(d['period'].iloc[0])} to "
            f"{period_label(last['period'])}: {what} around a centre of "
            f"{fmt_value(last['centre'], unit)}")
    if not _missing(last["lower"]):
        text += (f", process limits {fmt_value(last['lower'], unit)} to "
                 f"{fmt_value(last['upper'], unit)}")
    nb = int(cur["in_baseline"].sum()) if "in_baseline" in cur else len(cur)
    trial = bool(last["trial_limits"]) if "trial_limits" in d else nb < 12
    if trial:
        text += f" (trial limits: {nb} baseline points, fewer than 12)"
    above = d.loc[d["value"] > d["upper"], "period"].tolist()
    below = d.loc[d["value"] < d["lower"], "period"].tolist()
    if above:
        text += f"; {_points(len(above))} above the upper limit ({_months(above)})"
    if below:
        text += f"; {_points(len(below))} below the lower limit ({_months(below)})"
    if not above and not below:
        text += "; no point outside the limits"
    shown = ("not shown: small numbers" if last["period"] in hidden
             else fmt_value(last["value"], unit))
    var = str(last["variation"])
    var = {"common cause": "common cause variation",
           "neither": "special cause (the indicator has no better direction)"}.get(
        var, f"special cause, {var}")
    text += f". Latest, {period_label(last['period'])}: {shown}, {var}"
    if str(last.get("assurance", "") or ""):
        text += f"; {last['assurance']} against the {fmt_value(target, unit)} target"
    return text + "."


def funnel(name: str, period: str, units: pd.DataFrame, centre: float, unit: str,
           left_out: int = 0, adjusted: bool = False) -> str:
    """A funnel plot of teams (`Funnel.units` rows drawn: org_unit, band95, band998,
    position): the centre, how many teams are drawn, those outside the limits by name, the
    rest within and not ranked, and how many were left out (small numbers or no cases)."""
    u = units[units["denominator"] > 0]
    outside = u[u["band95"].isin(["above", "below"])]
    text = (f"{name} by team, {period_label(period)} (funnel plot): council rate "
            f"{fmt_value(centre, unit)}; {len(u)} team{'s' if len(u) != 1 else ''} drawn")
    if len(outside):
        named = "; ".join(f"{r['org_unit']} {r['position']}" for _, r in outside.iterrows())
        text += f"; outside the limits: {named}"
        text += f"; the other {len(u) - len(outside)} within the limits, not ranked"
    else:
        text += "; all within the 95% limits, not ranked"
    if adjusted:
        text += "; limits widened for over-dispersion"
    if left_out:
        text += (f". {left_out} team{'s' if left_out != 1 else ''} not drawn (small numbers "
                 "suppressed, or no cases)")
    return text + "."
