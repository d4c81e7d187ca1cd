"""The month-ends `kpis compute` computes: from --from/--to, or to the latest date in the data.

With --from but no --to the range runs to the latest referral or episode start in any council.
Each council is computed first to its own latest date (`OpenRange`, `own_range`): where that is
the run's latest month too (councils sending the same month's extract), its figures are final,
and only a council whose data end earlier is read again for the longer range (issue 15: before,
every council was read twice, once to find the date, once to compute).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from kpis.errors import InputError
from kpis.records.readers import ReadResult


def month(text: str | None, flag: str) -> pd.Timestamp | None:
    """A YYYY-MM option as its month-end (None: not given); else InputError naming `flag`."""
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}", str(text)) or not 1 <= int(str(text)[5:]) <= 12:
        raise InputError(flag, f"expected YYYY-MM (month 01-12), got {text!r}")
    return pd.Timestamp(f"{text}-01") + pd.offsets.MonthEnd(0)


def month_ends(start: str | None, end: str | None,
               latest: pd.Timestamp | None = None) -> pd.DatetimeIndex | None:
    """Month-ends from --from/--to (either may be missing: then the engine's default for that
    end is used by passing None when both are missing; one-sided ranges run to/from the data,
    whose latest date is `latest`)."""
    first = month(start, "--from")
    last = month(end, "--to")
    if first is None and last is None:
        return None
    if first is None or last is None:
        if last is None:
            last = (latest + pd.offsets.MonthEnd(0)) if latest is not None else first
        if first is None:
            first = last - pd.offsets.MonthEnd(11)
    if last < first and end is None:  # (the data's latest date: given, or found)
        raise InputError("--from", f"the data end on {latest:%d/%m/%Y}, before --from {start}; "
                                   "give an earlier --from")
    if last < first:
        raise InputError("--to", f"--to {end} is before --from {start}")
    return pd.date_range(first, last, freq="ME")


def latest_date(results: Sequence[ReadResult]) -> pd.Timestamp | None:
    """The latest referral date or episode start in the councils read (None: neither)."""
    latest: pd.Timestamp | None = None
    for r in results:
        for col, table in (("referral_date", r.records.referrals), ("decom", r.records.episodes)):
            if len(table):
                v = table[col].max()
                if pd.notna(v) and (latest is None or v > latest):
                    latest = v
    return latest


def needs_data_range(start: str | None, end: str | None) -> bool:
    """Does the month range depend on the data? (--from without --to runs to the latest date.)"""
    return start is not None and end is None


@dataclass(frozen=True)
class OpenRange:
    """--from without --to, for the workers: compute each council from `start` to its own
    latest date (`own_range`), and say what that date was (`Ranged`)."""

    start: str


def own_range(start: str, latest: pd.Timestamp | None) -> pd.DatetimeIndex | None:
    """The month-ends from `start` to a council's own latest date, as `month_ends` gives them
    for a run whose latest date is the council's; None when its data end before `start` (the
    run's range is then longer than its own: it is computed again for that)."""
    first = month(start, "--from")
    if latest is not None and latest + pd.offsets.MonthEnd(0) < first:
        return None
    return month_ends(start, None, latest=latest)


def run_range(start: str, dates: Sequence[pd.Timestamp | None]) -> pd.DatetimeIndex | None:
    """The run's month-ends for --from `start` without --to: to the latest of the councils'
    latest dates (`dates`; None: a council without any)."""
    known = [d for d in dates if d is not None]
    return month_ends(start, None, latest=max(known) if known else None)


@dataclass
class Ranged:
    """A council computed to its own latest date (`OpenRange`): the date, the month-ends it was
    computed for (None: none, its data end before --from) and its result (a
    `batch.CouncilResult`, None with no month-ends)."""

    latest: pd.Timestamp | None
    months: pd.DatetimeIndex | None
    result: object | None

    def final_for(self, me: pd.DatetimeIndex | None) -> bool:
        """Is this council's result the one for the run's month-ends `me`?"""
        return self.months is not None and me is not None and self.months.equals(me)
