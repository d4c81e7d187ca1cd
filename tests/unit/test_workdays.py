"""Working days: weekends and England & Wales bank holidays excluded, same day = 0."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.workdays import bank_holidays, working_days


def wd(a: str, b: str) -> float:
    return float(working_days(a, b)[0])


def test_same_day_is_zero() -> None:
    assert wd("2020-01-10", "2020-01-10") == 0


def test_friday_to_monday_is_one() -> None:
    # [Fri 10 Jan, Mon 13 Jan): only Friday counts
    assert wd("2020-01-10", "2020-01-13") == 1


def test_christmas_and_new_year() -> None:
    # 2019-12-20 (Fri) -> 2020-01-03 (Fri): counted days in [20 Dec, 3 Jan):
    # Fri 20, Mon 23, Tue 24, (Wed 25 Christmas, Thu 26 Boxing Day: holidays), Fri 27,
    # Mon 30, Tue 31, (Wed 1 Jan: holiday), Thu 2  -> 7 working days
    assert wd("2019-12-20", "2020-01-03") == 7


def test_substitute_boxing_day_2020() -> None:
    # Thu 24 Dec 2020 -> Tue 29 Dec: Thu 24 counts; Fri 25 Christmas; 26/27 weekend;
    # Mon 28 = Boxing Day (observed) -> 1 working day
    assert wd("2020-12-24", "2020-12-29") == 1


def test_one_off_bank_holiday() -> None:
    hol = bank_holidays()
    assert np.datetime64("2022-09-19") in hol  # State Funeral of Queen Elizabeth II
    assert np.datetime64("2019-12-25") in hol


def test_vectorised_with_missing_dates() -> None:
    s = pd.Series(pd.to_datetime(["2020-01-06", None, "2020-01-06"]))
    e = pd.Series(pd.to_datetime(["2020-01-13", "2020-01-13", None]))
    out = working_days(s, e)
    assert out[0] == 5
    assert np.isnan(out[1]) and np.isnan(out[2])


def test_end_before_start_is_negative() -> None:
    assert wd("2020-01-13", "2020-01-10") == -1


def test_dates_at_and_beyond_the_calendar_span() -> None:
    # counted from the cached cumulative calendar inside 1990..2040, by numpy outside it:
    # Fri 29 Dec 1989 (before the span: weekends only) -> Tue 2 Jan 1990: Fri 29 counts,
    # Mon 1 Jan 1990 is a bank holiday -> 1
    assert wd("1989-12-29", "1990-01-02") == 1
    # Mon 31 Dec 2040 -> Wed 2 Jan 2041: Mon 31 and Tue 1 Jan 2041 (after the span: no bank
    # holidays known) -> 2
    assert wd("2040-12-31", "2041-01-02") == 2
    # a whole ordinary week inside the span: [Mon 6 Jan 2020, Mon 13 Jan) -> 5
    assert wd("2020-01-06", "2020-01-13") == 5
    # backwards numpy counts (end, start]: (Fri 20 Dec 2019, Thu 2 Jan 2020] -> Mon 23, Tue 24,
    # Fri 27, Mon 30, Tue 31 Dec and Thu 2 Jan -> -6
    assert wd("2020-01-02", "2019-12-20") == -6
