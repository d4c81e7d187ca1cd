"""Shared helpers for the engine tests (imported as `from helpers import fig`)."""

import pandas as pd

from kpis.records.engine import compute
from kpis.records.tables import Records


def fig(records: Records, ind: str, period: str, level: str = "council",
        org_unit: str | None = None, breakdown: str = "") -> tuple[float, float, float]:
    """(numerator, denominator, value) of one indicator at one month-end, level and unit."""
    out = compute(records, pd.DatetimeIndex([pd.Period(period, "M").end_time.normalize()]),
                  indicators=[ind])
    row = out[(out["level"] == level) & (out["breakdown"] == breakdown)]
    if org_unit is not None:
        row = row[row["org_unit"] == org_unit]
    assert len(row) == 1, row
    r = row.iloc[0]
    return r["numerator"], r["denominator"], r["value"]
