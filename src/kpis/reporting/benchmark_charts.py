"""Tables and charts of a council's benchmarks (to move to `kpis.reporting` after the restructure).

Inputs are `benchmarks.csv` rows (`kpis.national.benchmarks.benchmarks_for`).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

BAND_LETTER = {1: "A", 2: "B", 3: "C", 4: "D"}


def comparison_table(bench: pd.DataFrame, indicator_id: str, model: int = 2025,
                     first_year: int = 2016) -> pd.DataFrame:
    """One row per year: council, rank 'r of n', band, neighbours' mean/median/min-max,
    region, England."""
    b = bench[(bench["indicator_id"] == indicator_id) & (bench["period"] >= first_year)]
    sn = f"statistical neighbours {model}"
    key = b["comparator"].where(b["comparator"] != sn, "SN") + " " + b["statistic"]
    wide = b.assign(key=key).pivot_table(index="period", columns="key", values="value",
                                         aggfunc="first")
    n = b[(b["comparator"] == "council") & (b["statistic"] == "rank")].set_index("period")[
        "n_councils"]
    out = pd.DataFrame(index=wide.index)
    out["council"] = wide.get("council value")
    rank = wide.get("council rank")
    out["rank"] = [f"{int(r)} of {int(n[p])}" if pd.notna(r) else "" for p, r in
                   zip(wide.index, rank if rank is not None else [np.nan] * len(wide),
                       strict=True)]
    band = wide.get("council quartile band")
    out["quartile band"] = ([BAND_LETTER.get(int(x), "") if pd.notna(x) else "" for x in band]
                            if band is not None else "")
    for stat in ("mean", "median", "min", "max"):
        out[f"neighbours {model} {stat}"] = wide.get(f"SN {stat}")
    out["region"] = wide.get("region value")
    out["England"] = wide.get("England value")
    return out


def benchmark_chart(bench: pd.DataFrame, indicator_id: str, title: str, model: int = 2025,
                    first_year: int = 2016) -> Figure:
    """The council's published series against its neighbours' range, mean and median, its
    region and England."""
    t = comparison_table(bench, indicator_id, model, first_year)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    years = t.index.astype(int)
    if t[f"neighbours {model} min"].notna().any():
        ax.fill_between(years, t[f"neighbours {model} min"], t[f"neighbours {model} max"],
                        color="0.85", label=f"neighbours ({model} model) range")
        ax.plot(years, t[f"neighbours {model} mean"], color="0.4", ls="--", label="neighbours mean")
        ax.plot(years, t[f"neighbours {model} median"], color="0.4", ls=":",
                label="neighbours median")
    ax.plot(years, t["England"], color="tab:blue", label="England")
    ax.plot(years, t["region"], color="tab:green", label="region")
    ax.plot(years, t["council"], color="tab:red", marker="o", lw=2, label="council")
    for y, v, band in zip(years, t["council"], t["quartile band"], strict=True):
        if pd.notna(v) and band:
            ax.annotate(band, (y, v), textcoords="offset points", xytext=(0, 6), ha="center",
                        fontsize=8)
    ax.set_title(title, loc="left", wrap=True)
    ax.set_xlabel("reporting year (ending 31 March; 30 September for the workforce census)")
    ax.set_xticks(years)
    ax.legend(fontsize=7, ncol=3, loc="best")
    fig.tight_layout()
    return fig
