"""Working days between two dates: weekends and England & Wales bank holidays excluded.

Definition (indicator-definitions.md, "Working days"): the national CIN validator counts working
days with `numpy.busdaycalendar` and England & Wales bank holidays [C]; `numpy.busday_count`
counts the working days in the half-open range [start, end), so the same day is 0 working days,
matching DfE's "same day" band [I]. The bank holidays come from the `holidays` package
(`holidays.country_holidays("GB", subdiv="ENG")`, offline), including substitute days
("Christmas Day (observed)") and one-off holidays (e.g. 2022-09-19, the State Funeral).

Example: an assessment started Friday 2019-12-20 and authorised Friday 2020-01-03 took 7 working
days: 20, 23, 24, 27, 30, 31 Dec and 2 Jan (25, 26 Dec and 1 Jan are bank holidays; the end day
itself is not counted).
"""

from __future__ import annotations

from functools import cache

import holidays
import numpy as np
import pandas as pd

#: Years covered by the cached calendar; dates outside are still counted (weekends only there).
FIRST_YEAR = 1990
LAST_YEAR = 2040


@cache
def bank_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> np.ndarray:
    """England & Wales bank holidays from `first_year` to `last_year` as sorted datetime64[D]."""
    hol = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(hol.keys()), dtype="datetime64[D]")


@cache
def calendar() -> np.busdaycalendar:
    """A Monday-Friday business-day calendar with E&W bank holidays (cached)."""
    return np.busdaycalendar(weekmask="1111100", holidays=bank_holidays())


@cache
def _counted() -> tuple[int, np.ndarray]:
    """(day number of 1 Jan FIRST_YEAR, `c`): c[i] = working days in [1 Jan FIRST_YEAR, that
    day + i), for every day to 1 Jan LAST_YEAR + 1; so busday_count(s, e) = c[e] - c[s] for
    days s <= e in that span (cached)."""
    first = np.datetime64(f"{FIRST_YEAR}-01-01", "D")
    span = np.arange(first, np.datetime64(f"{LAST_YEAR + 1}-01-01", "D"))
    c = np.concatenate([[0], np.cumsum(np.is_busday(span, busdaycal=calendar()))])
    return int(first.astype(np.int64)), c


def _busday_count(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """`np.busday_count(s, e, busdaycal=calendar())` (datetime64[D] arrays without NaT): two
    look-ups in the counted calendar for s <= e in its span; numpy's own count otherwise (it
    counts (e, s] backwards when e < s)."""
    first, c = _counted()
    i, j = s.view(np.int64) - first, e.view(np.int64) - first
    inside = (i >= 0) & (i <= j) & (j < len(c))
    out = np.empty(len(s), dtype=np.int64)
    out[inside] = c[j[inside]] - c[i[inside]]
    if not inside.all():
        out[~inside] = np.busday_count(s[~inside], e[~inside], busdaycal=calendar())
    return out


def _to_days(x: object) -> np.ndarray:
    """Anything date-like (scalar, list, Series, Index, array) -> 1-d datetime64[D] array."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "M":
        return x.astype("datetime64[D]")
    if isinstance(x, pd.Series | pd.Index):
        arr = pd.to_datetime(x).to_numpy()
    else:
        arr = pd.to_datetime(np.atleast_1d(np.asarray(x))).to_numpy()
    return arr.astype("datetime64[D]")


def working_days(start: object, end: object) -> np.ndarray:
    """Working days from `start` to `end` (vectorised): busday_count over [start, end).

    Same day -> 0; next working day -> 1; `end` before `start` gives a negative count
    (numpy's convention). Missing (NaT) on either side gives NaN, so the result is float.
    """
    s = _to_days(start)
    e = _to_days(end)
    s, e = np.broadcast_arrays(s, e)
    out = np.full(s.shape, np.nan)
    ok = ~(np.isnat(s) | np.isnat(e))
    if ok.any():
        out[ok] = _busday_count(s[ok], e[ok])
    return out
