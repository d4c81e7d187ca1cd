"""Team packs (notebooks/team.ipynb): one team's figures against the council's and the targets,
its caseload distribution, and, for managers only, caseloads by worker ID and overdue work by
case ID.

The board's pages show aggregates only: `figures_table`, `trend_rows` and `band_table` never
carry a worker or child identifier. `worker_table` and `overdue_table` do, and the notebook
shows them only when `audience == "managers"` (pages marked OFFICIAL-SENSITIVE).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kpis.reporting.fmt import fmt_value, period_label

BAND_ORDER = ("12 or fewer", "13 to 18", "19 to 22", "more than 22")
#: The indicators a team pack charts month by month, when the team has them.
TREND_IDS = ("re_referrals", "assessment_45wd", "caseload_per_fte")


def teams_of(computed: pd.DataFrame | None) -> list[str]:
    """Teams with figures in the computed series."""
    if computed is None:
        return []
    return sorted(computed.loc[computed["level"].eq("team"), "org_unit"].astype(str).unique())


def _small(num: pd.Series, den: pd.Series, threshold: int) -> pd.Series:
    """Counts from 1 to `threshold` (0: none): the figure is shown as `c` on board pages."""
    n, d = num.astype(float), den.astype(float)
    return ((n >= 1) & (n <= threshold)) | ((d >= 1) & (d <= threshold))


def figures_table(computed: pd.DataFrame, dist: pd.DataFrame, team: str, period: str,
                  threshold: int = 0) -> pd.DataFrame:
    """Every headline and breakdown line the team has in `period`: the team's figure (with
    numerator / denominator), the council's, the target and whether the team meets it. A team
    figure built on a count from 1 to `threshold` is shown as `c` (disclosure control)."""
    from kpis import catalogue

    c = computed[computed["period"].eq(period)]
    key = ["indicator_id", "breakdown"]
    t = c[c["level"].eq("team") & c["org_unit"].astype(str).eq(team)]
    whole = c[c["level"].eq("council")][key + ["value"]].rename(columns={"value": "whole"})
    tg = dist[key + ["target"]].drop_duplicates(key) if "target" in dist else pd.DataFrame(
        columns=[*key, "target"])
    out = t.drop(columns=["target"], errors="ignore").merge(whole, on=key, how="left").merge(
        tg, on=key, how="left").reset_index(drop=True)
    pol = catalogue.polarity(out["indicator_id"], out["breakdown"]).to_numpy()
    meets = np.where(out["target"].isna() | out["value"].isna() | (pol == "neither"), "",
                     np.where(((pol == "higher") & (out["value"] >= out["target"]))
                              | ((pol == "lower") & (out["value"] <= out["target"])),
                              "met", "not met"))
    name = out["indicator"] + np.where(out["breakdown"].eq(""), "", " (" + out["breakdown"] + ")")

    def show(col: str) -> list[str]:
        return [fmt_value(v, u) for v, u in zip(out[col], out["unit"], strict=True)]

    small = _small(out["numerator"], out["denominator"], threshold).to_numpy()
    return pd.DataFrame({
        "Indicator": name, "Team": np.where(small, "c", show("value")),
        "Of": np.where(small, "c", [
            f"{n:.0f} / {d:g}" if pd.notna(n) and pd.notna(d) and d else ""
            for n, d in zip(out["numerator"], out["denominator"], strict=True)]),
        "Council": show("whole"), "Target": show("target"),
        "Target met": np.where(small, "", meets)})


def trend_rows(computed: pd.DataFrame, team: str, council: str, indicator_id: str,
               threshold: int = 0) -> pd.DataFrame:
    """The team's and the council's monthly headline series of one indicator, one series each
    (column org_unit = the team's name or the council's), for plots.trend. Team months built
    on a count from 1 to `threshold` are left out, and no counts are carried."""
    c = computed[computed["indicator_id"].eq(indicator_id) & computed["breakdown"].eq("")]
    team_rows = c[c["level"].eq("team") & c["org_unit"].astype(str).eq(team)]
    team_rows = team_rows[~_small(team_rows["numerator"], team_rows["denominator"], threshold)]
    whole = c[c["level"].eq("council")].assign(org_unit=f"{council} (whole council)")
    out = pd.concat([team_rows, whole], ignore_index=True).dropna(subset=["value"])
    return out.drop(columns=["numerator", "denominator"]) if threshold else out


def read_caseloads(path: str | Path) -> pd.DataFrame:
    """caseloads.csv (kpis.reporting.council), or an empty table when absent."""
    cols = ["worker_id", "team", "children", "fte", "children_per_fte", "band"]
    if not path or not Path(path).exists():
        return pd.DataFrame(columns=cols)
    return pd.read_csv(path, dtype={"worker_id": str, "team": str, "band": str})


def band_table(caseloads: pd.DataFrame, team: str) -> pd.DataFrame:
    """Workers of the team by caseload band (children per FTE): workers, FTE, children.
    Counts only (no worker identifier)."""
    t = caseloads[caseloads["team"].astype(str).eq(team)]
    g = t.groupby("band").agg(workers=("worker_id", "size"), fte=("fte", "sum"),
                              children=("children", "sum"))
    g = g.reindex(list(BAND_ORDER), fill_value=0)
    out = pd.DataFrame({"Children per FTE": g.index, "Workers": g["workers"].astype(int),
                        "FTE": g["fte"].round(1), "Children held": g["children"].astype(int)})
    total = pd.DataFrame({"Children per FTE": ["All case-holding workers"],
                          "Workers": [int(g["workers"].sum())], "FTE": [round(g["fte"].sum(), 1)],
                          "Children held": [int(g["children"].sum())]})
    return pd.concat([out, total], ignore_index=True)


def worker_table(caseloads: pd.DataFrame, team: str) -> pd.DataFrame:
    """Managers only: each case-holding worker of the team by pseudonymous worker ID."""
    t = caseloads[caseloads["team"].astype(str).eq(team)].sort_values(
        "children_per_fte", ascending=False)
    return pd.DataFrame({"Worker ID": t["worker_id"], "Children": t["children"].astype(int),
                         "FTE": t["fte"], "Children per FTE": t["children_per_fte"].round(1),
                         "Band": t["band"]})


def overdue_table(path: str | Path, team: str) -> pd.DataFrame:
    """Managers only: the team's overdue work by case ID (exceptions.csv)."""
    cols = ["Case ID", "Overdue", "Since", "Days"]
    if not path or not Path(path).exists():
        return pd.DataFrame(columns=cols)
    e = pd.read_csv(path, dtype=str, keep_default_na=False)
    e = e[e["team"].eq(team)]
    return pd.DataFrame({"Case ID": e["case_id"], "Overdue": e["what"], "Since": e["since"],
                         "Days": e["days"]})


def intro(team: str, council: str, period: str, audience: str) -> str:
    """The pack's opening paragraph."""
    who = council or "the council"
    text = (f"# Team: {team}\n\n{team}'s figures for {period_label(period)}, computed from "
            f"{who}'s records, against the whole council and the targets; then its caseloads "
            f"by band.")
    if audience == "managers":
        return text + (" **OFFICIAL-SENSITIVE**: this managers' version lists each worker's "
                       "caseload by worker ID and the overdue work by case ID.")
    return text + " Aggregates only: no child or worker is identified."
