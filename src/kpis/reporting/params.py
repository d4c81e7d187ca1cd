"""Strict report parameters: every value a user gives with `-p` is checked before any notebook
runs, so a typo ends with exit 2 and one line naming the parameter, the bad value and what is
accepted, instead of an all-"Not rated" board report that says OK.

The checks need only the tidy scorecard (the periods and comparators that have figures), the
domain list and the file system; they are pure apart from `Path.exists`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpis.errors import InputError

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Parameters that name a month of the scorecard.
PERIOD_PARAMETERS = ("baseline_period", "latest_period")
#: Parameters that name a file which must exist when given (empty means "none").
PATH_PARAMETERS = ("computed_path",)


def _listing(values: Iterable[str], limit: int = 12) -> str:
    vals = sorted(dict.fromkeys(v for v in values if v))
    shown = ", ".join(vals[:limit])
    return shown + (f" (and {len(vals) - limit} more)" if len(vals) > limit else "")


def check_period(name: str, value: Any, scorecard: pd.DataFrame) -> None:
    """A month YYYY-MM for which the scorecard holds figures (actuals, or inspection figures
    for the baseline)."""
    kinds = ("actual", "inspection") if name == "baseline_period" else ("actual",)
    with_figures = scorecard.loc[scorecard["kind"].isin(kinds) & scorecard["value"].notna(),
                                 "period"]
    accepted = f"periods with figures: {_listing(with_figures)}"
    if not isinstance(value, str) or not MONTH.match(value):
        raise InputError("-p", f"{value!r} is not a month written YYYY-MM (e.g. 2020-06); "
                               f"{accepted}", column=name)
    if value not in set(with_figures):
        raise InputError("-p", f"the scorecard has no figures for {value!r}; {accepted}",
                         column=name)


def check_parameters(params: Mapping[str, Any], scorecard: pd.DataFrame,
                     domains: Iterable[str]) -> None:
    """Check one report's parameters; raise InputError (column = the parameter's name)."""
    for name in PERIOD_PARAMETERS:
        if name in params:
            check_period(name, params[name], scorecard)
    if "domain" in params:
        known = list(domains)
        if params["domain"] not in known:
            raise InputError("-p", f"unknown domain {params['domain']!r}; domains: "
                                   f"{'; '.join(known)}", column="domain")
    if params.get("comparator"):
        have = scorecard.loc[scorecard["kind"].eq("benchmark"), "comparator"]
        if params["comparator"] not in set(have):
            raise InputError("-p", f"no benchmark has comparator {params['comparator']!r}; "
                                   f"comparators: {_listing(have)}", column="comparator")
    for name in PATH_PARAMETERS:
        value = params.get(name)
        if value and not Path(value).is_file():
            raise InputError("-p", f"{value!r} is not a file; give the path of a computed "
                                   f"series (kpis compute --out FILE), or '' for none",
                             column=name)
