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
        out[ok] = np.busday_count(s[ok], e[ok], busdaycal=calendar())
    return out
