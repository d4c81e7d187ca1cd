"""The Context an indicator function reads: the records as integer codes and day numbers,
month-end windows, allocation to teams and workers, the 903 episode table (cached per run).

Conventions (day numbers, NAT/OPEN, windows, half-open intervals): kpis.records.indicators.arrays.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import (
    NAT,
    OPEN,
    days,
    distinct,
    expand,
    last_per_key,
    lexorder,
    lookup,
    shift_months,
)
from kpis.records.indicators.episodes import periods_and_runs
from kpis.records.readers.arrow_text import dictionary_codes, text_chunks
from kpis.records.tables import Records

UNALLOCATED = "unallocated"
UNKNOWN_TEAM = "unknown"


def _labels(s: pd.Series) -> tuple[np.ndarray, object]:
    """(codes, distinct labels) of a label column, as `pd.factorize` gives them."""
    return _labels_of([s])


def _labels_of(cols: list[pd.Series]) -> tuple[np.ndarray, object]:
    """`_labels` of the columns one after another (as of their `pd.concat`): Arrow text is
    encoded by Arrow directly, joined in Arrow (pandas' concat and wrapping cost more than
    the hashing)."""
    texts = [c if c.dtype == _STRING else c.astype("string") for c in cols]
    if not all(t.dtype.storage == "pyarrow" for t in texts):
        return pd.factorize(texts[0] if len(texts) == 1 else pd.concat(texts, ignore_index=True))
    codes, uniques = dictionary_codes([ch for t in texts for ch in text_chunks(t)])
    return codes, pd.array(uniques, dtype="string")


_STRING = pd.StringDtype()


def _positions(index: pd.Index, t: pd.Series) -> np.ndarray:
    """`index.get_indexer(t)` as int64 for an index of distinct ids (-1: missing or absent);
    Arrow text is looked up in Arrow (the same positions, without pandas' object copies)."""
    if t.dtype.storage == "pyarrow" and getattr(index.dtype, "storage", "") == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.index_in(pa.array(t.array), value_set=pa.array(index.array))
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return index.get_indexer(t).astype(np.int64)


class Vocab:
    """Team and worker labels <-> integer codes (0 = "unallocated", 1 = "unknown")."""

    def __init__(self) -> None:
        self.labels: list[str] = [UNALLOCATED, UNKNOWN_TEAM]
        self.index: dict[str, int] = {UNALLOCATED: 0, UNKNOWN_TEAM: 1}

    def codes_of(self, labels: object) -> np.ndarray:
        out = np.empty(len(labels), dtype=np.int64)  # type: ignore[arg-type]
        for i, lab in enumerate(labels):  # unique labels only: a few hundred at most
            code = self.index.get(lab)
            if code is None:
                code = self.index[lab] = len(self.labels)
                self.labels.append(lab)
            out[i] = code
        return out

    def encode(self, s: pd.Series, missing: str = UNALLOCATED) -> np.ndarray:
        """Labels -> codes; missing or blank -> `missing`."""
        if len(s) == 0:
            return np.empty(0, dtype=np.int64)
        codes, uniques = _labels(s)
        if getattr(uniques.dtype, "storage", "") == "pyarrow":  # strip and blanks in Arrow
            import pyarrow as pa
            import pyarrow.compute as pc

            t = pc.utf8_trim_whitespace(pa.array(uniques))
            u = pc.if_else(pc.equal(t, ""), pa.scalar(missing, t.type), t).fill_null(
                missing).to_numpy(zero_copy_only=False)
        else:
            u = pd.Series(uniques, dtype="string").str.strip()
            u = u.mask(u.isna() | (u == ""), missing).to_numpy(dtype=object)
        ucodes = self.codes_of(u)
        miss = self.codes_of([missing])[0]
        return np.where(codes < 0, miss, ucodes[np.maximum(codes, 0)] if len(u) else miss)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        return np.array(self.labels, dtype=object)[np.asarray(codes, dtype=np.int64)]




class Context:
    """One council's records prepared once for a set of month-ends (cached derived tables)."""

    def __init__(self, records: Records, month_ends: pd.DatetimeIndex) -> None:
        self.records = records
        me = pd.DatetimeIndex(month_ends).normalize().sort_values().unique()
        self.month_ends = me
        self.me = me.to_numpy().astype("datetime64[D]").view(np.int64)
        self.nm = len(self.me)
        self.periods = np.array(me.strftime("%Y-%m"), dtype=object)
        after = self.me + 1
        self.ws12 = shift_months(after, -12)
        self.ws6 = shift_months(after, -6)
        self.ws1 = shift_months(after, -1)
        self.vocab = Vocab()
        self._codes: dict[str, np.ndarray] = {}
        self._annex: dict[tuple[str, str], dict[str, np.ndarray]] = {}

    # ---- identifiers -------------------------------------------------------------------------
    CHILD_TABLES = ("children", "referrals", "assessments", "s47", "cp_plans", "episodes",
                    "sw_episodes", "cin", "cla", "care_leavers", "oc3", "reviews", "missing")

    @cached_property
    def children_index(self) -> pd.Index:
        """Every child id in the records; codes are positions in it. One factorize over all
        tables also fills the per-table code cache."""
        tables = [t for t in self.CHILD_TABLES if len(getattr(self.records, t))]
        if not tables:
            return pd.Index([], dtype=object)
        cols = [getattr(self.records, t)["child_id"] for t in tables]
        codes, uniques = _labels_of(cols)  # as pd.factorize of them one after another
        bounds = np.cumsum([0, *map(len, cols)])
        for t, lo, hi in zip(tables, bounds[:-1], bounds[1:], strict=True):
            self._codes[t] = codes[lo:hi].astype(np.int64)
        return pd.Index(uniques)

    def child_code(self, s: pd.Series) -> np.ndarray:
        """Integer code per child id (-1 when missing)."""
        if len(s) == 0:
            return np.empty(0, dtype=np.int64)
        return _positions(self.children_index, s.astype("string"))

    def codes(self, table: str) -> np.ndarray:
        """Child codes of one table's rows (cached)."""
        _ = self.children_index
        if table not in self._codes:
            self._codes[table] = self.child_code(getattr(self.records, table)["child_id"])
        return self._codes[table]

    def child_ids(self, codes: np.ndarray) -> np.ndarray:
        """Child codes -> ids (code -1 -> NA)."""
        codes = np.asarray(codes, dtype=np.int64)
        ids = np.append(self.children_index.to_numpy(dtype=object), pd.NA)
        return ids[np.where(codes < 0, len(ids) - 1, codes)]

    def annex(self, table: str, date_col: str) -> dict[str, np.ndarray]:
        """An Annex A list as arrays sorted by child and `date_col` (cached): `pos` (row position
        in the table), `code` (child, -1 if missing), `d` (day number of date_col), `team` and
        `worker` label codes (missing -> "unallocated"). Rows without a child id still count as
        events; they just have no history."""
        key = (table, date_col)
        if key not in self._annex:
            df = getattr(self.records, table)
            code = self.codes(table)
            d = days(df[date_col])
            order = lexorder((d, code))
            self._annex[key] = {
                "pos": order, "code": code[order], "d": d[order],
                "team": self.labels(table, "team")[order] if len(df) else code[order],
                "worker": self.labels(table, "worker")[order] if len(df) else code[order],
            }
        return self._annex[key]

    def labels(self, table: str, col: str, missing: str = UNALLOCATED) -> np.ndarray:
        """`vocab.encode` of a team or worker column of a table, once per run (several lists
        and dates read the same columns; the codes are the same every time). Read-only."""
        key = (table, col, missing)
        cache = self.__dict__.setdefault("_labels", {})
        if key not in cache:
            cache[key] = self.vocab.encode(getattr(self.records, table)[col], missing)
        return cache[key]

    def column(self, table: str, col: str, pos: np.ndarray) -> pd.Series:
        """Column `col` of `table` at row positions `pos`."""
        return getattr(self.records, table)[col].iloc[pos]

    @cached_property
    def workers_index(self) -> pd.Index:
        """Every worker id of the workers table and the allocations, in order of appearance."""
        return self._worker_ids[0]

    @cached_property
    def _worker_ids(self) -> tuple[pd.Index, np.ndarray, np.ndarray]:
        """(workers_index, worker codes of the workers rows, of the sw_episodes rows): one
        factorize of both id columns (codes are positions in the index; missing: -1)."""
        r = self.records
        w = r.workers["worker_id"]
        codes, uniques = _labels_of([w, r.sw_episodes["sw_id"]])
        codes = np.asarray(codes, dtype=np.int64)
        return pd.Index(uniques), codes[:len(w)], codes[len(w):]

    def worker_code(self, s: pd.Series | np.ndarray) -> np.ndarray:
        """Position of each worker id in `workers_index` (-1 when missing or not there); Arrow
        text is looked up in Arrow (what `Index.get_indexer` gives, without pandas' copy)."""
        if len(s) == 0:
            return np.empty(0, dtype=np.int64)
        return _positions(self.workers_index, pd.Series(s).astype("string"))

    @cached_property
    def workers_wcode(self) -> np.ndarray:
        """`worker_code` of the workers table's rows (read-only; posts, teams and roles)."""
        return self._worker_ids[1]

    # ---- windows -----------------------------------------------------------------------------
    def window_pairs(self, start: np.ndarray, ws: np.ndarray,
                     end: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(row, m) for rows whose date (or [start, end] inclusive) meets the window [ws[m], me[m]].

        Rows with a missing start never match.
        """
        end = start if end is None else end
        lo = np.searchsorted(self.me, start, "left")
        hi = np.searchsorted(ws, end, "right")
        hi[start == NAT] = 0
        return expand(lo, hi)

    def interval_pairs(self, start: np.ndarray, end: np.ndarray,
                       ws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, m) for intervals [start, end) — an end date is the first day *not* covered, as
        SSDA903 DEC and allocation end dates are — that overlap the window [ws[m], me[m]]:
        start <= month-end and end > window start. A same-day interval (end == start) covers
        its one day. Missing start: never; missing end: pass OPEN."""
        end = np.maximum(end, start + 1)
        lo = np.searchsorted(self.me, start, "left")
        hi = np.searchsorted(ws, end, "left")
        hi[start == NAT] = 0
        return expand(lo, hi)

    def during_pairs(self, start: np.ndarray, end: np.ndarray,
                     ws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, m) for SSDA903 episodes looked after *during* the window [ws[m], me[m]] the way
        DfE counts "looked after during the year": DECOM <= month-end and DEC >= window start
        (DEC inclusive, so a child who ceased on the window's first day is in, and a one-day
        episode DECOM = DEC follows the same rule) [V]. Missing start: never; missing end: pass
        OPEN."""
        lo = np.searchsorted(self.me, start, "left")
        hi = np.searchsorted(ws, end, "right")
        hi[start == NAT] = 0
        return expand(lo, hi)

    def open_pairs(self, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, m) for intervals [start, end) open at month-end m (missing start: never)."""
        lo = np.searchsorted(self.me, start, "left")
        hi = np.searchsorted(self.me, end, "left")
        hi[start == NAT] = 0
        return expand(lo, hi)

    # ---- allocation (SWEpisodes as allocation history) ---------------------------------------
    @cached_property
    def sw(self) -> pd.DataFrame:
        """sw_episodes with child code, worker code, start and end day numbers (valid rows)."""
        sw = self.records.sw_episodes
        code, wcode, start = self.codes("sw_episodes"), self._worker_ids[2], days(sw["start"])
        keep = np.flatnonzero((code >= 0) & (wcode >= 0) & (start != NAT))
        return pd.DataFrame({"code": code[keep], "wcode": wcode[keep], "start": start[keep],
                             "end": days(sw["end"], OPEN)[keep]}, index=keep)

    @cached_property
    def alloc(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted keys child*nm+m of children with an open allocation at m, and the worker code.

        One worker per child and month-end: the allocation that started most recently (ties:
        the later row), so every child is counted once and team figures add up [I].
        """
        keys, rows = self.alloc_rows
        return keys, self.sw["wcode"].to_numpy()[rows]

    @cached_property
    def sw_open(self) -> tuple[np.ndarray, np.ndarray]:
        """(row of `sw`, m) of allocations open at month-end m (read-only)."""
        return self.open_pairs(self.sw["start"].to_numpy(), self.sw["end"].to_numpy())

    @cached_property
    def alloc_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """`alloc`'s sorted keys and the position in `sw` of each key's allocation."""
        sw = self.sw
        idx, m = self.sw_open
        key = sw["code"].to_numpy()[idx] * self.nm + m
        pos = last_per_key(key, idx, sw["start"].to_numpy()[idx])
        return key[pos], idx[pos]

    @cached_property
    def alloc_all(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(child code, m, worker code) of every distinct allocation open at month-end m: a
        co-worked child appears once for each worker (the workforce census counts each
        worker's cases) [V]."""
        sw = self.sw
        idx, m = self.sw_open
        nw = max(len(self.workers_index), 1)
        t = distinct((sw["code"].to_numpy()[idx] * self.nm + m) * nw +
                      sw["wcode"].to_numpy()[idx])
        pair = t // nw
        return pair // max(self.nm, 1), pair % max(self.nm, 1), t % nw

    @cached_property
    def posts(self) -> pd.DataFrame:
        """Workers in post at each month-end: wcode, m, team, fte (summed over roles), agency."""
        w = self.records.workers
        wcode = self.workers_wcode
        start = days(w["start_date"])
        start[start == NAT] = -OPEN  # no start date: in post from the beginning [I]
        end = days(w["end_date"], OPEN)
        idx, m = self.open_pairs(start, end)
        keep = wcode[idx] >= 0
        idx, m = idx[keep], m[keep]
        key = wcode[idx] * self.nm + m
        uk, first, inv = np.unique(key, return_index=True, return_inverse=True)
        fte = pd.to_numeric(w["fte"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        fte_e = np.nan_to_num(fte[idx])
        agency = w["agency"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        teams = self.labels("workers", "team", UNKNOWN_TEAM)
        return pd.DataFrame({
            "key": uk,
            "wcode": uk // max(self.nm, 1),
            "m": uk % max(self.nm, 1),
            "team": teams[idx[first]],
            "fte": np.bincount(inv, weights=fte_e, minlength=len(uk)),
            "agency": np.bincount(inv, weights=agency[idx], minlength=len(uk)) > 0,
        })

    @cached_property
    def worker_labels(self) -> np.ndarray:
        """Label code of each worker code."""
        return self.vocab.codes_of(self.workers_index.to_numpy(dtype=object))

    @cached_property
    def last_team(self) -> np.ndarray:
        """Team label code of each worker code from its latest workers row (fallback when the
        worker is not in post at a month-end); "unknown" when not in the workers table."""
        w = self.records.workers
        out = np.ones(len(self.workers_index), dtype=np.int64)  # 1 = "unknown"
        if len(w):
            wcode = self.workers_wcode
            order = np.argsort(days(w["start_date"]), kind="stable")
            ok = wcode[order] >= 0
            out[wcode[order][ok]] = self.labels("workers", "team", UNKNOWN_TEAM)[order][ok]
        return out

    def team_of(self, wcode: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Team label codes of worker codes at month-ends (in-post row, else latest row;
        worker -1 -> "unallocated")."""
        team = np.zeros(len(wcode), dtype=np.int64)
        has = wcode >= 0
        team[has] = self.last_team[wcode[has]]
        p = self.posts
        pos, found = lookup(wcode * self.nm + m, p["key"].to_numpy())
        found &= has
        team[found] = p["team"].to_numpy()[pos[found]]
        return team

    def allocated(self, code: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Worker code allocated to child codes at month-ends (-1 when none)."""
        keys, wc = self.alloc
        pos, found = lookup(code * self.nm + m, keys)
        return np.where(found & (code >= 0), wc[pos] if len(wc) else -1, -1)

    def attribute(self, code: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(team, worker) label codes for child codes at month-ends, from the allocation at m.

        Several indicators share a cohort (children looked after at each month-end), so the
        answer is cached by the cohort's contents."""
        key = (code.tobytes(), np.asarray(m).tobytes())
        cache = self.__dict__.setdefault("_attribute_cache", {})
        if key not in cache:
            wc = self.allocated(code, m)
            worker = np.zeros(len(wc), dtype=np.int64)
            has = wc >= 0
            worker[has] = self.worker_labels[wc[has]]
            cache[key] = (self.team_of(wc, m), worker)
        team, worker = cache[key]
        return team.copy(), worker.copy()

    # ---- SSDA903 episodes --------------------------------------------------------------------
    @cached_property
    def episodes(self) -> pd.DataFrame:
        """903 episodes sorted by child and DECOM with periods of care and same-carer runs
        (kpis.records.indicators.episodes.periods_and_runs)."""
        return periods_and_runs(self.records.episodes, self.codes("episodes"))

    @cached_property
    def looked_after(self) -> tuple[np.ndarray, np.ndarray]:
        """(episode row, m) of children looked after at month-end m: one row per child and m
        (the latest-starting open episode if overlaps survive repair)."""
        e = self.episodes
        idx, m = self.open_pairs(e["decom"].to_numpy(), e["dec"].to_numpy())
        key = e["code"].to_numpy()[idx] * self.nm + m
        pos = last_per_key(key, idx)
        return idx[pos], m[pos]


