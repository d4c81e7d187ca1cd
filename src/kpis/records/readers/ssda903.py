"""SSDA903 episode repairs and allocation de-duplication (the 903 tables themselves are found
and read by kpis.records.readers.discover from CSV or XML, with the column maps of
data/records/ssda903_columns.yml)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from kpis.records.readers.arrow_text import text_array
from kpis.records.readers.parsing import duplicated_rows, empty_repairs, fmt_dates


def sort_rows(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """`df.sort_values(cols, na_position="first", kind="stable")` (index labels kept), with the
    order found by Arrow's stable sort (text in code-point order, as pandas; missing first):
    cheaper than pandas' per-column factorising (issue 15)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = pa.table({c: pa.array(df[c].array) for c in cols})
    order = pc.sort_indices(t, sort_keys=[(c, "ascending", "at_start") for c in cols])
    return df.take(order.to_numpy())


def repair_episodes(ep: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Repair SSDA903 episodes so periods of care can be counted. Rules, applied in order
    (exact duplicates were already removed by `build_table`, action `duplicate_removed`):

    1. `same_decom_resolved` - several episodes of one child start on the same DECOM (an open
       copy from last year's return and the closed copy from this year's): keep the one with the
       latest DEC (a closed episode beats an open one).
    2. `open_closed_at_next_decom` - an open episode (no DEC) followed by a later episode of the
       same child: DEC = the next DECOM, REC = X1 (the child stayed looked after).
    3. `overlap_truncated` - DEC after the next episode's DECOM: DEC = next DECOM, REC = X1.
    4. `gap_closed` - REC X1 (child stays looked after) but the next episode starts later:
       DEC = next DECOM (no gap inside a period of care).
    5. `rec_set_x1` - DEC equals the next DECOM, the next episode is not a new period (RNE not
       S) but REC is missing or ends the period: REC = X1.
    6. `rec_cleared_on_open` - an open episode (no DEC) carrying a REC: REC cleared.
    Episodes are returned sorted by child and DECOM, with repairs as (child_id, action, detail).
    Several councils' episodes at once (`read_councils`): a `_group` column (int64) numbers
    each row's council; they are sorted by it first, a child's next episode is within its
    council, and the repairs carry the column too.
    """
    grouped = GROUP in ep.columns
    ep = sort_rows(ep, [GROUP, "child_id", "decom", "dec"] if grouped
                   else ["child_id", "decom", "dec"])
    logs: list[pd.DataFrame] = [_empty_log(grouped)]

    def log(mask: pd.Series, action: str, detail: Callable[[pd.DataFrame], pd.Series]) -> None:
        """Log the rows of `mask`; `detail` is worked out for those rows only (dates printed
        on a whole table cost more than all the repairs)."""
        if mask.any():
            sel = ep.loc[mask]
            logs.append(pd.DataFrame({"child_id": sel["child_id"].astype("string"),
                                      "action": action,
                                      "detail": detail(sel).astype("string"),
                                      **({GROUP: sel[GROUP]} if grouped else {})}))

    # sorted by child and DECOM: copies of a (child, DECOM) are neighbours, and so is each
    # episode's next one (what duplicated() and groupby().shift(-1) find, without hashing)
    same = np.zeros(len(ep), dtype=bool)  # (keep the last copy: a row whose next is a copy)
    same[:-1] = _same_child(ep) & _same_as_next(ep["decom"])
    same = pd.Series(same, index=ep.index)
    log(same, "same_decom_resolved", lambda e: "DECOM " + fmt_dates(e["decom"])
        + ": dropped copy with DEC " + fmt_dates(e["dec"]))
    ep = (ep.loc[~same] if same.any() else ep).copy()
    ep["rec"] = ep["rec"].astype("string")
    n = len(ep)
    then = np.full(n, -1)  # the next episode of the same child (a missing id has none)
    then[:-1] = np.where(_same_child(ep, missing_equal=False), np.arange(1, n), -1)
    decom = ep["decom"].to_numpy()
    nxt = pd.Series(np.where(then >= 0, decom[np.maximum(then, 0)], np.datetime64("NaT", "ns")),
                    index=ep.index)
    nxt_rne = pd.Series(ep["rne"].astype("string").array.take(then, allow_fill=True),
                        index=ep.index)
    has_next = nxt.notna()
    x1 = pd.Series("X1", index=ep.index, dtype="string")

    m = ep["dec"].isna() & has_next
    log(m, "open_closed_at_next_decom", lambda e: "DECOM " + fmt_dates(e["decom"])
        + ": open, DEC set to " + fmt_dates(nxt[e.index]))
    if m.any():  # (an assignment through an all-False mask still costs)
        ep.loc[m, "dec"] = nxt[m]
        ep.loc[m, "rec"] = x1[m]

    m = has_next & (ep["dec"] > nxt)
    log(m, "overlap_truncated", lambda e: "DECOM " + fmt_dates(e["decom"]) + ": DEC "
        + fmt_dates(e["dec"]) + " -> " + fmt_dates(nxt[e.index]))
    if m.any():
        ep.loc[m, "dec"] = nxt[m]
        ep.loc[m, "rec"] = x1[m]

    m = has_next & (ep["rec"] == "X1").fillna(False) & (ep["dec"] < nxt)
    log(m, "gap_closed", lambda e: "DECOM " + fmt_dates(e["decom"]) + ": DEC "
        + fmt_dates(e["dec"]) + " -> " + fmt_dates(nxt[e.index]))
    if m.any():
        ep.loc[m, "dec"] = nxt[m]

    m = (has_next & (ep["dec"] == nxt) & (nxt_rne != "S").fillna(True)
         & (ep["rec"] != "X1").fillna(True))
    log(m, "rec_set_x1", lambda e: "DECOM " + fmt_dates(e["decom"]) + ": REC "
        + e["rec"].fillna("blank") + " -> X1 (next episode continues the period)")
    if m.any():
        ep.loc[m, "rec"] = x1[m]

    m = ep["dec"].isna() & ep["rec"].notna()
    log(m, "rec_cleared_on_open", lambda e: "DECOM " + fmt_dates(e["decom"])
        + ": open episode had REC " + e["rec"].fillna(""))
    if m.any():
        ep.loc[m, "rec"] = pd.NA
    return ep.reset_index(drop=True), pd.concat(logs, ignore_index=True)


def dedupe_allocations(sw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SWEpisodes from the 903 and allocation files describe the same allocations: keep one row
    per (child, worker, start). Copies that differ only in their end date (an open copy from an
    earlier extract and the closed one) keep the latest end - a closed allocation beats an open
    one - and each dropped copy is logged (`duplicate_allocation_resolved`); exact copies were
    merged already (`duplicate_removed`). Several councils at once: as `repair_episodes`."""
    grouped = GROUP in sw.columns
    sw = sort_rows(sw, [GROUP, "child_id", "start", "end"] if grouped
                   else ["child_id", "start", "end"])
    dup = _later_copies(sw)
    log = _empty_log(grouped)
    if dup.any():
        d = sw.loc[dup]
        log = pd.DataFrame({
            "child_id": d["child_id"].astype("string"),
            "action": "duplicate_allocation_resolved",
            "detail": ("worker " + d["sw_id"].astype("string") + " from "
                       + fmt_dates(d["start"]) + ": dropped copy ending "
                       + fmt_dates(d["end"]) + ", kept the later end").astype("string"),
            **({GROUP: d[GROUP]} if grouped else {})})
    return sw.loc[~dup].reset_index(drop=True), log.reset_index(drop=True)


_LONGEST_RUN = 64  # rows of one child starting on one day, beyond which pandas is cheaper


def _later_copies(sw: pd.DataFrame) -> pd.Series:
    """`duplicated_rows(sw, ["child_id", "sw_id", "start"], keep="last")` for allocations sorted
    by child and start: copies of a row lie in its run of rows with the same child and start,
    so each row is compared with the rows 1, 2, ... places after it in the same run (runs are
    a few rows long); missing equals missing, as in pandas. No hashing of the whole table."""
    n = len(sw)
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = ~(_same_child(sw) & _same_as_next(sw["start"]))
    run = np.cumsum(new_run)
    if n and np.bincount(run).max() > _LONGEST_RUN:  # (pathological runs: pandas decides)
        return duplicated_rows(sw, ["child_id", "sw_id", "start"]
                               + ([GROUP] if GROUP in sw.columns else []), keep="last")
    worker = text_array(sw["sw_id"].astype("string"))
    dup = np.zeros(n, dtype=bool)
    for k in range(1, n):
        i = np.flatnonzero(run[k:] == run[:-k])  # rows with a row k places on in their run
        if not len(i):
            break
        dup[i[_same(worker, i + k, i)]] = True
    return pd.Series(dup, index=sw.index)


#: the council number of a row when several councils are repaired at once
GROUP = "_group"


def _same_child(df: pd.DataFrame, missing_equal: bool = True) -> np.ndarray:
    """Is each row but the last of the same child as the next one: the same child id (two
    missing ids alike unless not `missing_equal`) and, with several councils, the same council
    (`GROUP`)?"""
    same = _same_as_next(df["child_id"], missing_equal)
    return same & _same_as_next(df[GROUP]) if GROUP in df.columns else same


def _empty_log(grouped: bool) -> pd.DataFrame:
    return empty_repairs().assign(**{GROUP: np.zeros(0, dtype=np.int64)}) if grouped \
        else empty_repairs()


def _same_as_next(s: pd.Series, missing_equal: bool = True) -> np.ndarray:
    """Is each cell of a text or date column but the last equal to the next one (see
    `_same`; a date column in numpy, NaT equal to NaT)?"""
    n = len(s)
    if s.dtype.kind in "Mi":  # (dates, council numbers)
        v = s.to_numpy().view(np.int64)
        return v[:-1] == v[1:]
    return _same(text_array(s.astype("string")), np.arange(n - 1), np.arange(1, n),
                 missing_equal)


def _same(arr: Any, a: np.ndarray, b: np.ndarray, missing_equal: bool = True) -> np.ndarray:
    """Cells `a` and `b` of an Arrow array equal (two missing cells are equal, as pandas'
    `duplicated` counts them, unless not `missing_equal`, as its `groupby` does)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    x, y = arr.take(pa.array(a)), arr.take(pa.array(b))
    eq = pc.equal(x, y).fill_null(False).to_numpy(zero_copy_only=False)
    if missing_equal and x.null_count and y.null_count:
        eq |= pc.and_(pc.is_null(x), pc.is_null(y)).to_numpy(zero_copy_only=False)
    return eq


__all__ = ["repair_episodes", "dedupe_allocations"]
