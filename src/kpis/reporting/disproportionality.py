"""Charts and tables of the disproportionality report (notebooks/disproportionality.ipynb).

Charts are `kpis.reporting.figure.Chart` (show them with `kpis.reporting.plots.show`); every
figure drawn is from `kpis.records.disproportionality.suppress`ed data (kpis.stats.suppression:
a group of 1-5 children, and the next smallest where one alone would be revealed), so a small
group is never plotted.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from kpis.records.disproportionality import COHORT_LABELS, codes, suppress
from kpis.reporting.figure import MIN_FONT_PT, Chart
from kpis.reporting.plots import WIDTH


def _shown(table: pd.DataFrame, kind: str, characteristic: str) -> pd.DataFrame:
    t = suppress(table[(table["kind"] == kind) & (table["characteristic"] == characteristic)])
    return t


def rri_chart(table: pd.DataFrame, characteristic: str = "ethnicity", kind: str = "cohort"
              ) -> Chart:
    """Relative rate and 95% interval per group and cohort (log scale), reference group at 1."""
    t = _shown(table, kind, characteristic)
    ok = t["rri"].map(lambda v: isinstance(v, (int, float)) and np.isfinite(v))
    ok &= t["group"] != t["reference"]
    t = t[ok]
    ref = table.loc[table["characteristic"] == characteristic, "reference"].iloc[0] \
        if (table["characteristic"] == characteristic).any() else ""
    cohorts = [c for c in dict.fromkeys(t["cohort"])]
    groups = [g for g in dict.fromkeys(t["group"])]
    fig, ax = plt.subplots(figsize=(WIDTH, 1.2 + 0.4 * max(len(t), 1)))
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    y, labels = [], []
    for i, (_, r) in enumerate(t.iterrows()):
        yi = len(t) - i
        y.append(yi)
        labels.append(f"{COHORT_LABELS.get(r['cohort'], r['cohort'])}: {r['group']}")
        lo, hi = r["rri_low"], r["rri_high"]
        if isinstance(lo, float) and np.isfinite(lo):
            ax.plot([lo, hi], [yi, yi], color="#444", lw=1.5)
        ax.scatter([r["rri"]], [yi], marker=markers[groups.index(r["group"]) % len(markers)],
                   color="#2166ac", zorder=3)
    ax.axvline(1, color="black", lw=1)
    ax.set_xscale("log")
    # plain numbers on the log axis (0.5, 1, 2, 4), not powers of ten
    ax.xaxis.set_major_locator(mticker.LogLocator(base=2))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.set_yticks(y, labels, fontsize=MIN_FONT_PT)
    ax.set_xlabel(f"relative rate against {ref} children (log scale; 1 = same rate)")
    ax.grid(axis="x", alpha=0.3)
    what = "in each cohort" if kind == "cohort" else "with each outcome"
    title = f"Relative rate {what} by {characteristic}"
    hi_row = t.loc[t["rri"].astype(float).idxmax()] if len(t) else None
    alt = (f"Dot-and-interval chart of relative rates by {characteristic} for "
           f"{len(cohorts)} {'cohorts' if kind == 'cohort' else 'outcomes'}, reference group "
           f"{ref} at 1" + (f"; the highest is {hi_row['group']} children in "
                            f"{COHORT_LABELS.get(hi_row['cohort'], hi_row['cohort'])} at "
                            f"{float(hi_row['rri']):.1f}" if hi_row is not None else "") + ".")
    caption = (f"Dot: the group's rate divided by the {ref} children's rate; line: 95% "
               "interval (Katz log method). Groups with 1-5 children are not shown. "
               + ("Rates per 10,000 children use estimated populations (Census 2021 shares "
                  "applied to the ONS 0-17 mid-year estimate)."
                  if kind == "cohort" else "Outcome rates are shares of each group's cohort."))
    data = t[["cohort", "group", "count", "rri", "rri_low", "rri_high"]].copy()
    data["cohort"] = data["cohort"].map(COHORT_LABELS)
    for c in ("rri", "rri_low", "rri_high"):
        data[c] = data[c].astype(float).round(2)
    return Chart(fig, title, alt, caption, data.rename(columns={
        "count": "children", "rri": "relative rate", "rri_low": "95% low",
        "rri_high": "95% high"}), "relative rates shown in the chart")


def share_chart(table: pd.DataFrame, characteristic: str = "disability") -> Chart:
    """Share of each cohort in each group (bars) against the share of referrals (marker)."""
    t = _shown(table, "cohort", characteristic)
    t = t[t["share_of_cohort"].map(lambda v: isinstance(v, (int, float)) and np.isfinite(v))]
    c = codes()
    order = [*c["group_order"], *c["sex"].values(), *c["age_bands"], *c["disability"]]
    groups = sorted(dict.fromkeys(t["group"]), key=lambda g: (order + [g]).index(g))
    cohorts = list(dict.fromkeys(t["cohort"]))
    n = max(len(groups), 1)
    fig, axes = plt.subplots(n, 1, figsize=(WIDTH, 0.8 + 0.42 * len(cohorts) * n),
                             sharex=True, squeeze=False)
    y = np.arange(len(cohorts))[::-1]
    for ax, g in zip(axes[:, 0], groups, strict=False):
        s = t[t["group"] == g].set_index("cohort").reindex(cohorts)
        ax.barh(y, s["share_of_cohort"].astype(float), color="#92c5de", edgecolor="#2166ac")
        ref = pd.to_numeric(s["share_of_referrals"], errors="coerce")
        ax.scatter(ref, y, marker="|", s=300, color="black", zorder=3)
        ax.set_yticks(y, [COHORT_LABELS[c] for c in cohorts], fontsize=MIN_FONT_PT)
        ax.set_title(g, fontsize=MIN_FONT_PT + 1, loc="left")
    axes[-1][0].set_xlabel("% of the cohort's children", fontsize=MIN_FONT_PT)
    fig.tight_layout()
    title = f"Who is in each cohort, by {characteristic}, against referrals"
    rep = pd.to_numeric(t["representation"], errors="coerce")
    top = t.loc[rep.idxmax()] if rep.notna().any() else None
    alt = (f"Bar charts, one per {characteristic} group ({', '.join(groups)}), of the "
           "percentage of each cohort's children in the group, with a black tick at the "
           "percentage of referred children" + (
               f"; the largest over-representation is {top['group']} children in "
               f"{COHORT_LABELS.get(top['cohort'], top['cohort'])}: "
               f"{float(top['share_of_cohort']):.0f}% of the cohort against "
               f"{float(top['share_of_referrals']):.0f}% of referrals"
               if top is not None else "") + ".")
    caption = ("Bar: share of the cohort's children (those with the characteristic recorded). "
               "Black tick: share of the children referred in the year (for referrals: of "
               "contacts) - the comparison where no population figure exists. A bar past "
               "its tick means the group makes up more of the cohort than of referrals. "
               "Groups with 1-5 children are not shown.")
    data = t[["cohort", "group", "count", "share_of_cohort", "share_of_referrals",
              "representation"]].copy()
    data["cohort"] = data["cohort"].map(COHORT_LABELS)
    return Chart(fig, title, alt, caption, data, f"shares by {characteristic}, percent")


__all__ = ["rri_chart", "share_chart"]
