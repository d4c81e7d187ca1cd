"""Time the reconciliation report's neighbour charts, side by side in one run.

Before: one pyplot figure per published measure (22 for Gloucestershire), each laid out with
tight_layout and saved with bbox_inches='tight', as the report first drew them.
Now: one small-multiples `PanelChart` per unit (2), drawn on `matplotlib.figure.Figure` without
pyplot, fixed margins, one drawing pass (`kpis.reporting.benchmark_charts.neighbour_chart`).
Both are rendered to PNG at the reports' 100 dpi. Target: now <= 0.5 x before.

    .venv/bin/python benchmarks/published_charts.py
"""

from __future__ import annotations

import io
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from kpis.national import catalogue as national  # noqa: E402
from kpis.reporting import benchmark_charts as bc  # noqa: E402
from kpis.reporting import published  # noqa: E402


def before(bench, its, model: int = 2025) -> int:  # noqa: ANN001
    """One pyplot figure per measure (the first version of the report)."""
    size = 0
    for r in its.itertuples():
        t = bc.comparison_table(bench, r.indicator_id, model)
        fig, ax = plt.subplots(figsize=(8, 3.6))
        years = t.index.astype(int)
        ax.fill_between(years, t[f"neighbours {model} min"], t[f"neighbours {model} max"],
                        color="0.85")
        for col in (f"neighbours {model} mean", f"neighbours {model} median", "England",
                    "region", "council"):
            ax.plot(years, t[col], marker="o" if col == "council" else None)
        ax.set_title(r.name, loc="left", wrap=True)
        ax.legend([], fontsize=7)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        plt.close(fig)
        size += len(buf.getvalue())
    return size


def now(bench, its) -> int:  # noqa: ANN001
    size = 0
    for _, part in published._by_unit(its):
        size += len(bc.neighbour_chart(bench, part, "x").png())
    return size


def main() -> None:
    bench = published.load_benchmarks()
    its = published.items(national.national_measures()["indicator_id"].tolist(), bench)
    times = {}
    for name, fn in (("before: one pyplot figure per measure", before),
                     ("now: small multiples per unit, no pyplot", now)):
        t0 = time.perf_counter()
        fn(bench, its)
        times[name] = time.perf_counter() - t0
    for name, s in times.items():
        print(f"{name:45s} {s:6.2f} s")
    b, n = times.values()
    print(f"{len(its)} measures; now / before = {n / b:.2f} (target <= 0.5)")


if __name__ == "__main__":
    main()
