"""Dates beyond the extract: the extract date, and what a date after it means.

A council's files are extracted on one day; no contact, referral or episode can start after it,
and nothing can have ended after it. The extract date is inferred from the dates of the
tables today's indicators read ([I]: start, end and event dates, not births): the latest
one, leaving out any date after the day kpis runs and an isolated tail (fewer than
`outlier_share` of the rows, more than `outlier_gap_days` after the rest; `dates` in
data/records/codes.yml) - so one referral typed as 2031 neither becomes the extract date nor
stretches the monthly series (years from 2090 on, and before 1901, are placeholders:
kpis.records.readers.parsing).

After it: a start date -> the row is quarantined ("date after the extract date"); an end date
-> open (repair `end_after_extract_open`); any other dated event -> blank (repair
`date_after_extract_blank`). Birth dates and dates that look forward by nature (UASC `DUC`)
are left alone, and so are the tables no indicator reads yet (reviews, UASC, lists 2, 6, 8-11...:
they are carried as sent; the validator's own fake 903 data schedules reviews years ahead).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kpis.records.readers.parsing import (
    AFTER_EXTRACT,
    empty_quarantine,
    empty_repairs,
    load_yaml,
    quarantine_rows,
)


def infer_extract_date(tables: dict[str, pd.DataFrame], specs: dict[str, dict[str, Any]],
                       today: pd.Timestamp | None = None) -> pd.Timestamp | None:
    """The extract date implied by the dates of the used tables (see module docstring)."""
    cfg = load_yaml("codes.yml").get("dates", {})
    share = float(cfg.get("outlier_share", 0.01))
    gap = int(cfg.get("outlier_gap_days", 92))
    today = (today or pd.Timestamp.today()).normalize()
    parts = []
    for table, df in tables.items():
        t = specs.get(table)
        if t is None or not t["used"] or not len(df):
            continue
        for f, fs in t["spec"].items():
            if fs.get("kind") in ("start", "end", "event") and f in df:
                v = df[f].to_numpy()
                if v.dtype.kind == "M":  # a date column: NaT dropped in numpy
                    v = v[~np.isnat(v)].astype("datetime64[D]")
                else:
                    v = df[f].dropna().to_numpy(dtype="datetime64[D]")
                parts.append(v.astype(np.int64))
    if not parts:
        return None
    d = np.concatenate(parts)
    d = d[d <= (today - pd.Timestamp(0)).days]
    if not len(d):
        return None
    n = len(d)
    # the distinct days in order and how many dates fall on each (a count per day: no sort)
    counts = np.bincount(d - d.min())
    days = np.flatnonzero(counts)
    counts = counts[days]
    days = days + d.min()
    gaps = np.flatnonzero(np.diff(days) > gap)  # gap between days[k] and days[k + 1]
    after = n - np.cumsum(counts)  # dates after days[k]
    small_tail = gaps[after[gaps] < share * n]
    last = days[small_tail.min()] if len(small_tail) else days[-1]
    return pd.Timestamp(np.int64(last).astype("datetime64[D]"))


def apply_extract_date(tables: dict[str, pd.DataFrame], specs: dict[str, dict[str, Any]],
                       extract: pd.Timestamp | None,
                       ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Quarantine rows starting after `extract`, open ends after it, blank events after it."""
    qs = [empty_quarantine()]
    rs = [empty_repairs()]
    if extract is None:
        return tables, qs[0], rs[0]
    out = {}
    for table, df in tables.items():
        t = specs.get(table)
        if t is None or not t["used"] or not len(df):
            out[table] = df
            continue
        idf = next((f for f, fs in t["spec"].items() if f == "child_id" or fs.get("id")),
                   None)
        for f, fs in t["spec"].items():
            kind = fs.get("kind")
            if fs.get("type") != "date" or f not in df or kind in ("dob", "future", None):
                continue
            v = df[f].to_numpy()
            if v.dtype.kind == "M" and not (v > np.datetime64(extract)).any():
                continue  # (checked in numpy: NaT is never after it)
            late = (df[f] > extract).fillna(False).astype(bool)
            if not late.any():
                continue
            text = df.loc[late, f].dt.strftime("%Y-%m-%d").fillna("")  # (the late rows')
            if kind == "start":
                qs.append(quarantine_rows(df, late, fs["names"][0], text, AFTER_EXTRACT))
                df = df.loc[~late]
                continue
            action = "end_after_extract_open" if kind == "end" else "date_after_extract_blank"
            where = (df.loc[late, "_file"].str.replace(r".*[/\\]", "", regex=True) + " row "
                     + df.loc[late, "_row"].astype("string"))
            rs.append(pd.DataFrame({
                "child_id": (df.loc[late, idf].astype("string") if idf else ""),
                "action": action,
                "detail": (where + ": " + fs["names"][0] + " " + text
                           + f" after the extract date {extract:%Y-%m-%d}").astype("string")}))
            df = df.copy()
            df.loc[late, f] = pd.NaT
        out[table] = df
    return (out, pd.concat(qs, ignore_index=True),
            pd.concat(rs, ignore_index=True))
