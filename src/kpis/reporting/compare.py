"""Computed indicators against the scorecard: the child-level engine's figure for a month next to
the figure the council published for it (Appendix 1), its target and its benchmark.

For a generated council this is the calibration check ("does the engine, on records shaped
like the default scorecard's council, land near it?"); for a council's own records it is the
reconciliation an analyst does before replacing a hand-typed scorecard with computed figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis import catalogue
from kpis.scorecard.distance import target_status

COLUMNS = ["indicator_id", "domain", "indicator", "breakdown", "unit", "council", "period",
           "numerator", "denominator", "computed", "published", "difference", "target",
           "target_status", "note"]


def records_sentence(computed: pd.DataFrame | None, council_name: str = "",
                     about: str = "") -> str:
    """Whose records the computed figures come from, in words from the data: the council's
    name (the config's, else the series' own) and the records' description when they have one
    (a generated council says so in its kpis-synthetic.yml)."""
    if computed is None or computed.empty:
        return "_No computed monthly series was given (parameter `computed_path`)._"
    name = council_name or ", ".join(computed["council"].astype(str).unique()[:3])
    months = sorted(computed["period"].unique())
    span = f"{months[0]} to {months[-1]}" if months else ""
    from kpis.reporting.fmt import period_label

    if months:
        span = f"{period_label(months[0])} to {period_label(months[-1])}"
    return (f"The records here are {name}'s" + (f": {about}" if about else "")
            + f". Monthly figures {span}.")


def computed_vs_scorecard(computed: pd.DataFrame, scorecard: pd.DataFrame, period: str,
                          tolerance_pp: float = 3.0) -> pd.DataFrame:
    """One row per computed indicator and breakdown at council level for `period` (YYYY-MM):
    numerator, denominator and value computed, the scorecard's actual for the same indicator,
    breakdown and period (`published`, NaN if the scorecard has none), `difference` = computed -
    published, the scorecard target and whether the computed figure meets it (by polarity).

    `note` says "within N points" / "N points above|below the published figure" for
    percentages (tolerance `tolerance_pp`), or "no published figure".
    """
    c = computed[computed["level"].eq("council") & computed["period"].eq(period)].copy()
    c = c.rename(columns={"value": "computed"})
    sc = scorecard.copy()
    sc["breakdown"] = sc["breakdown"].fillna("")
    actual = sc[sc["kind"].eq("actual") & sc["period"].eq(period)]
    actual = actual.drop_duplicates(["indicator_id", "breakdown"])
    target = sc[sc["kind"].eq("target")].drop_duplicates(["indicator_id", "breakdown"])
    out = c.merge(actual[["indicator_id", "breakdown", "value"]].rename(
        columns={"value": "published"}), on=["indicator_id", "breakdown"], how="left")
    out = out.merge(target[["indicator_id", "breakdown", "value"]].rename(
        columns={"value": "target"}), on=["indicator_id", "breakdown"], how="left")
    out["difference"] = out["computed"] - out["published"]
    pol = catalogue.polarity(out["indicator_id"], out["breakdown"]).to_numpy()
    out["target_status"] = target_status(out["computed"], out["target"], pol, no_value="no value")
    pct = out["unit"].eq("percent")
    diff = out["difference"]
    size = diff.abs().round(1).astype(str) + np.where(pct, " points", " " + out["unit"])
    out["note"] = np.select(
        [out["published"].isna(), pct & (diff.abs() <= tolerance_pp), diff > 0, diff < 0],
        ["no published figure", f"within {tolerance_pp:g} points",
         size + " above the published figure", size + " below the published figure"],
        "the same as the published figure")
    order = catalogue.indicators().reset_index()[["indicator_id", "index"]]
    out = out.merge(order, on="indicator_id", how="left").sort_values(
        ["index", "breakdown"], kind="stable")
    return out[COLUMNS].reset_index(drop=True)


def comparison_findings(table: pd.DataFrame, tolerance_pp: float = 3.0) -> str:
    """Plain-English summary of `computed_vs_scorecard` (markdown bullets)."""
    if table.empty:
        return "No computed figures for this month."
    council = ", ".join(table["council"].astype(str).unique())
    period = table["period"].iloc[0]
    head = table[table["breakdown"].eq("")]
    both = table.dropna(subset=["computed", "published"])
    pct = both[both["unit"].eq("percent")]
    close = pct[pct["difference"].abs() <= tolerance_pp]
    far = pct.loc[pct["difference"].abs().sort_values(ascending=False).index]
    far = far[far["difference"].abs() > tolerance_pp]
    were = "indicator was" if len(head) == 1 else "indicators were"
    lines = [
        f"- {len(head)} {were} computed from the child-level records of {council} "
        f"for {period}; {len(both)} figures (with breakdowns) also have a published figure "
        f"for that month.",
        f"- {len(close)} of the {len(pct)} percentages are within {tolerance_pp:g} points of "
        f"the published figure.",
    ]
    if len(far):
        items = ", ".join(
            f"{r.indicator}{f' ({r.breakdown})' if r.breakdown else ''} ({r.computed:.1f}% "
            f"against {r.published:g}%, {int(r.numerator)} of {int(r.denominator)})"
            for r in far.itertuples())
        lines.append(f"- Further apart: {items}.")
    met = head[head["target_status"].eq("met")]
    with_target = head[head["target_status"].isin(["met", "not met"])]
    lines.append(f"- {len(met)} of {len(with_target)} computed figures with a target meet it.")
    return "\n".join(lines)


def definitions(computed: pd.DataFrame) -> pd.DataFrame:
    """What each computed figure means: the catalogue's definition and the engine's period rule
    (the `note` of its rows), one row per indicator and breakdown."""
    c = computed[computed["level"].eq("council") & ~computed["note"].str.startswith("no ")]
    rules = c.drop_duplicates(["indicator_id", "breakdown"])[
        ["indicator_id", "indicator", "breakdown", "note"]]
    cat = catalogue.indicators()[["indicator_id", "definition", "data_return"]]
    out = rules.merge(cat, on="indicator_id", how="left")
    return out.rename(columns={"note": "period rule"})[
        ["indicator", "breakdown", "definition", "period rule", "data_return"]]


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """`computed_vs_scorecard` for people: one decimal place, counts as whole numbers (FTE to
    one decimal), blanks instead of NaN, plain column names."""

    def num(s: pd.Series, digits: int = 1) -> pd.Series:
        return s.map(lambda v: "" if pd.isna(v) else f"{v:,.{digits}f}")

    fte = table["unit"].eq("children per FTE")
    den = np.where(fte, num(table["denominator"]), num(table["denominator"], 0))
    return pd.DataFrame({
        "Indicator": table["indicator"], "Breakdown": table["breakdown"],
        "Numerator": num(table["numerator"], 0), "Denominator": den,
        "Computed": num(table["computed"]), "Published": num(table["published"]),
        "Difference": num(table["difference"]), "Target": num(table["target"]),
        "Target status": table["target_status"], "Note": table["note"],
    })
