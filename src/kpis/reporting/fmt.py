"""How numbers, changes, periods and indicator names are written in the reports."""

from __future__ import annotations

import calendar
import logging
import math

import pandas as pd

log = logging.getLogger(__name__)


def period_label(period: str) -> str:
    """'2017-03' -> 'March 2017' (unchanged if not YYYY-MM)."""
    try:
        year, month = str(period).split("-")
        return f"{calendar.month_name[int(month)]} {int(year)}"
    except (ValueError, IndexError):
        return str(period)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if not float(x).is_integer() else f"{x:.0f}"


def fmt_value(value: float, unit: str) -> str:
    """32 percent -> '32%'; 14 children per FTE -> '14 children per FTE'; NaN -> 'n/a'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "percent":
        return f"{_num(value)}%"
    if unit == "percent change":
        return f"{_num(value)}% change"
    return f"{_num(value)} {unit}"


def fmt_change(change: float, unit: str) -> str:
    """Signed change: '+8 points' for percentages, '-2 children per FTE' otherwise."""
    if change is None or math.isnan(change):
        return "n/a"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    mag = _num(abs(change))
    return f"{sign}{mag} points" if unit == "percent" else f"{sign}{mag} {unit}"


def label(row: pd.Series) -> str:
    """Indicator name with its breakdown in brackets."""
    bd = row.get("breakdown", "")
    return f"{row['indicator']} ({bd})" if bd else str(row["indicator"])
