"""kpis: performance analytics for children's social care services of English councils.

The main entry points, for JupyterLab (imported on first use, so `import kpis` stays quick):

    import kpis
    council = kpis.read_council("data/synthetic")         # records, quarantine, repairs
    figures = kpis.compute(council.records)                      # every indicator, month, level
    rows = kpis.drilldown(council.records, "re_referrals", "2020-06", "team", "Assessment 1")
    scorecard = kpis.read_scorecard("data/processed/scorecard.csv")
    dist = kpis.distance_table(scorecard)                        # distance travelled
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

#: name -> (module, attribute) of the public entry points.
_ENTRY_POINTS = {
    "read_council": ("kpis.records.readers", "read_council"),
    "compute": ("kpis.records.engine", "compute"),
    "drilldown": ("kpis.records.engine", "drilldown"),
    "compute_dir": ("kpis.records.batch", "compute_dir"),
    "read_scorecard": ("kpis.scorecard.tidy", "read_scorecard"),
    "distance_table": ("kpis.scorecard.distance", "distance_table"),
}
__all__ = sorted(_ENTRY_POINTS)


def __getattr__(name: str) -> Any:
    if name in _ENTRY_POINTS:
        module, attr = _ENTRY_POINTS[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'kpis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return [*globals(), *__all__]
