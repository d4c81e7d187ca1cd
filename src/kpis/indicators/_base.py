"""Shared machinery for the indicator modules: integer day numbers, month-end windows, allocation.

Every indicator function takes a `Context` and returns an *event frame*: one row per cohort member
(child, referral, plan, worker, ...) per month-end, with columns

    m            index of the month-end in `ctx.me`
    breakdown    "" for the headline figure, else e.g. "single month"
    child        the child's integer code (-1 for worker rows of the workforce indicators)
    team, worker integer codes of labels in `ctx.vocab` (0 = "unallocated": nobody)
    in_numerator bool
    num, den     float weights summed into the numerator and denominator
    ...          the dates and facts the rule used (kept for the drill-down)

`kpis.engine` sums `num` and `den` by month-end and org unit, so a figure and its drill-down come
from the same rows.

Conventions used throughout (documented once here):
- Dates are whole days (numpy datetime64[D] viewed as int64). Missing dates are `NAT`;
  missing *end* dates of open intervals become `OPEN` (far future).
- An interval [start, end) is *open at* a month-end M when start <= M < end: a 903 episode,
  allocation or post that ends on the month-end itself is no longer open at it (DfE's
  "looked after at 31 March" excludes children who ceased on 31 March) [I].
- The window "12 months to month-end M" is the 12 calendar months ending on M, i.e. the days
  from (M + 1 day - 12 months) to M inclusive; "in month" is the calendar month of M; "6 months"
  is the 6 calendar months ending on M.
- "Within 12 months of" uses calendar months the way `pandas.DateOffset(months=12)` does
  (clipping to month-end): date d is within 12 months after p when p >= d - 12 months.
  Exactly 12 months later counts as within; 29 Feb 2020 - 12 months = 28 Feb 2019 [I].
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from kpis.records import Records

NAT = np.iinfo(np.int64).min
OPEN = np.int64(10_000_000)  # day number far in the future (year ~29000): an open end date
UNALLOCATED = "unallocated"
UNKNOWN_TEAM = "unknown"

EVENT_COLUMNS = ["m", "breakdown", "child", "team", "worker", "in_numerator", "num", "den"]


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
        codes, uniques = pd.factorize(s.astype("string"))
        u = pd.Series(uniques, dtype="string").str.strip()
        u = u.mask(u.isna() | (u == ""), missing).to_numpy(dtype=object)
        ucodes = self.codes_of(u)
        miss = self.codes_of([missing])[0]
        return np.where(codes < 0, miss, ucodes[np.maximum(codes, 0)] if len(u) else miss)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        return np.array(self.labels, dtype=object)[np.asarray(codes, dtype=np.int64)]


def days(s: pd.Series, missing: int = NAT) -> np.ndarray:
    """Dates -> int64 day numbers since 1970-01-01; NaT -> `missing`."""
    if len(s) == 0:
        return np.empty(0, dtype=np.int64)
    a = pd.to_datetime(s).to_numpy().astype("datetime64[D]").view(np.int64).copy()
    if missing != NAT:
        a[a == NAT] = missing
    return a


def to_dates(d: np.ndarray) -> np.ndarray:
    """Int day numbers -> datetime64[D] (NAT and OPEN -> NaT)."""
    d = np.asarray(d, dtype=np.int64)
    out = d.copy()
    out[(d == NAT) | (d >= OPEN)] = NAT
    return out.view("datetime64[D]")


def shift_months(d: np.ndarray, months: int) -> np.ndarray:
    """Add calendar months to day numbers like `pd.DateOffset(months=...)` (clip to month-end).

    NAT stays NAT, OPEN stays OPEN. 2020-02-29 - 12 months = 2019-02-28.
    """
    d = np.asarray(d, dtype=np.int64)
    ok = (d != NAT) & (d < OPEN)
    out = d.copy()
    dd = d[ok].view("datetime64[D]")
    mon = dd.astype("datetime64[M]")
    dom = (dd - mon.astype("datetime64[D]")).astype(np.int64)
    tgt = mon + months
    first = tgt.astype("datetime64[D]").view(np.int64)
    last = (tgt + 1).astype("datetime64[D]").view(np.int64) - 1
    out[ok] = np.minimum(first + dom, last)
    return out


def expand(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For row i and every m in [lo[i], hi[i]): return (row indices, m) as two flat arrays."""
    counts = np.clip(hi - lo, 0, None)
    idx = np.repeat(np.arange(len(lo)), counts)
    starts = np.cumsum(counts) - counts
    m = lo[idx] + (np.arange(int(counts.sum())) - starts[idx])
    return idx, m.astype(np.int64)


def lookup(keys: np.ndarray, table_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `keys` in the sorted unique `table_keys`; (pos, found)."""
    pos = np.searchsorted(table_keys, keys)
    pos = np.minimum(pos, max(len(table_keys) - 1, 0))
    found = (table_keys[pos] == keys) if len(table_keys) else np.zeros(len(keys), bool)
    return pos, found


def count_by_key(event_keys: np.ndarray, query_keys: np.ndarray) -> np.ndarray:
    """How many times each query key occurs among `event_keys` (vectorised)."""
    u, c = np.unique(event_keys, return_counts=True)
    pos, found = lookup(query_keys, u)
    return np.where(found, c[pos] if len(c) else 0, 0)


def text(s: pd.Series) -> np.ndarray:
    """Codes as stripped upper-case object array ('' for missing)."""
    return s.astype("string").str.strip().str.upper().fillna("").to_numpy(dtype=object)


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
                    "sw_episodes")

    @cached_property
    def children_index(self) -> pd.Index:
        """Every child id in the records; codes are positions in it. One factorize over all
        tables also fills the per-table code cache."""
        tables = [t for t in self.CHILD_TABLES if len(getattr(self.records, t))]
        if not tables:
            return pd.Index([], dtype=object)
        cols = [getattr(self.records, t)["child_id"].astype("string") for t in tables]
        codes, uniques = pd.factorize(pd.concat(cols, ignore_index=True))
        bounds = np.cumsum([0, *map(len, cols)])
        for t, lo, hi in zip(tables, bounds[:-1], bounds[1:], strict=True):
            self._codes[t] = codes[lo:hi].astype(np.int64)
        return pd.Index(uniques)

    def child_code(self, s: pd.Series) -> np.ndarray:
        """Integer code per child id (-1 when missing)."""
        if len(s) == 0:
            return np.empty(0, dtype=np.int64)
        return self.children_index.get_indexer(s.astype("string")).astype(np.int64)

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
            order = np.lexsort((d, code))
            self._annex[key] = {
                "pos": order, "code": code[order], "d": d[order],
                "team": self.vocab.encode(df["team"])[order] if len(df) else code[order],
                "worker": self.vocab.encode(df["worker"])[order] if len(df) else code[order],
            }
        return self._annex[key]

    def column(self, table: str, col: str, pos: np.ndarray) -> pd.Series:
        """Column `col` of `table` at row positions `pos`."""
        return getattr(self.records, table)[col].iloc[pos]

    @cached_property
    def workers_index(self) -> pd.Index:
        r = self.records
        ids = pd.concat([r.workers["worker_id"].astype("string"),
                         r.sw_episodes["sw_id"].astype("string")], ignore_index=True).dropna()
        return pd.Index(ids.unique())

    def worker_code(self, s: pd.Series | np.ndarray) -> np.ndarray:
        if len(s) == 0:
            return np.empty(0, dtype=np.int64)
        return self.workers_index.get_indexer(pd.Series(s).astype("string")).astype(np.int64)

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
        out = pd.DataFrame({
            "code": self.codes("sw_episodes"),
            "wcode": self.worker_code(sw["sw_id"]),
            "start": days(sw["start"]),
            "end": days(sw["end"], OPEN),
        })
        return out[(out["code"] >= 0) & (out["wcode"] >= 0) & (out["start"] != NAT)]

    @cached_property
    def alloc(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted keys child*nm+m of children with an open allocation at m, and the worker code.

        One worker per child and month-end: the allocation that started most recently (ties:
        the later row), so every child is counted once and team figures add up [I].
        """
        sw = self.sw
        idx, m = self.open_pairs(sw["start"].to_numpy(), sw["end"].to_numpy())
        key = sw["code"].to_numpy()[idx] * self.nm + m
        start = sw["start"].to_numpy()[idx]
        order = np.lexsort((idx, start, key))
        key_s = key[order]
        last = np.r_[key_s[1:] != key_s[:-1], True] if len(key_s) else np.zeros(0, bool)
        return key_s[last], sw["wcode"].to_numpy()[idx[order][last]]

    @cached_property
    def posts(self) -> pd.DataFrame:
        """Workers in post at each month-end: wcode, m, team, fte (summed over roles), agency."""
        w = self.records.workers
        wcode = self.worker_code(w["worker_id"])
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
        teams = self.vocab.encode(w["team"], UNKNOWN_TEAM)
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
            wcode = self.worker_code(w["worker_id"])
            order = np.argsort(days(w["start_date"]), kind="stable")
            ok = wcode[order] >= 0
            out[wcode[order][ok]] = self.vocab.encode(w["team"], UNKNOWN_TEAM)[order][ok]
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
        """903 episodes sorted by child and DECOM with periods of care and same-carer runs.

        Period of care: a run of episodes from one starting with RNE "S" (or the child's first
        episode, or one following an episode whose REC is not X1) to the episode whose REC is not
        X1 (child-level-formats.md, SSDA903 REC) [V]; its end is that episode's DEC (OPEN if open).
        Same-carer run: consecutive episodes of a period whose RNE is in SAME_CARER_RNE continue
        the placement with the same carer, and so do a temporary placement (PLACE T0–T4) and the
        return to the same carer after it [C/I] (see kpis.indicators.stability).
        """
        from kpis.indicators.stability import SAME_CARER_RNE, temporary_and_returns

        ep = self.records.episodes
        df = pd.DataFrame({
            "code": self.codes("episodes"),
            "decom": days(ep["decom"]),
            "dec": days(ep["dec"], OPEN),
            "rne": text(ep["rne"]) if len(ep) else np.empty(0, object),
            "ls": text(ep["ls"]) if len(ep) else np.empty(0, object),
            "place": text(ep["place"]) if len(ep) else np.empty(0, object),
            "rec": text(ep["rec"]) if len(ep) else np.empty(0, object),
            "carer": _carer(ep),
        })
        df = df[(df["code"] >= 0) & (df["decom"] != NAT)]
        df = df.iloc[np.lexsort((df["decom"].to_numpy(), df["code"].to_numpy()))]
        df = df.reset_index(drop=True)
        code = df["code"].to_numpy()
        n = len(df)
        first = np.r_[True, code[1:] != code[:-1]] if n else np.zeros(0, bool)
        rec = df["rec"].to_numpy()
        prev_rec = np.concatenate([np.array([""], dtype=object), rec[:-1]]) if n \
            else np.empty(0, object)
        prev_ended = (prev_rec != "") & (prev_rec != "X1")
        rne = df["rne"].to_numpy()
        new_period = first | (rne == "S") | prev_ended
        pid = np.cumsum(new_period) - 1
        starts = np.flatnonzero(new_period)
        lasts = np.r_[starts[1:] - 1, n - 1] if n else starts
        df["period"] = pid
        df["period_start"] = df["decom"].to_numpy()[starts][pid]
        df["period_end"] = df["dec"].to_numpy()[lasts][pid]
        # a temporary placement and the return to the same carer after it do not break the run
        temp, returns = temporary_and_returns(df)
        new_run = new_period | (~np.isin(rne, list(SAME_CARER_RNE)) & ~temp & ~returns)
        rid = np.cumsum(new_run) - 1
        rstarts = np.flatnonzero(new_run)
        run_start = df["decom"].to_numpy()[rstarts]
        df["run_start"] = run_start[rid]
        prev_run = np.r_[NAT, run_start[:-1]] if len(rstarts) else run_start
        same_period = np.r_[False, pid[rstarts][1:] == pid[rstarts][:-1]] if len(rstarts) \
            else np.zeros(0, bool)
        df["prev_run_start"] = np.where(same_period, prev_run, NAT)[rid]
        df["first_of_child"] = first
        return df

    @cached_property
    def looked_after(self) -> tuple[np.ndarray, np.ndarray]:
        """(episode row, m) of children looked after at month-end m: one row per child and m
        (the latest-starting open episode if overlaps survive repair)."""
        e = self.episodes
        idx, m = self.open_pairs(e["decom"].to_numpy(), e["dec"].to_numpy())
        key = e["code"].to_numpy()[idx] * self.nm + m
        order = np.lexsort((idx, key))
        key_s = key[order]
        last = np.r_[key_s[1:] != key_s[:-1], True] if len(key_s) else np.zeros(0, bool)
        return idx[order][last], m[order][last]


def _carer(ep: pd.DataFrame) -> np.ndarray:
    """A key for 'the same carer' [I]: URN when present, else PLACE_PROVIDER + PL_POST."""
    if len(ep) == 0:
        return np.empty(0, dtype=object)
    urn = ep["urn"].astype("string").str.strip()
    alt = ep["place_provider"].astype("string").str.strip() + "|" + \
        ep["pl_post"].astype("string").str.strip()
    key = urn.mask(urn.isna() | (urn == ""), alt)
    return key.fillna("").to_numpy(dtype=object)


def event_frame(m: np.ndarray, *, breakdown: str, child: np.ndarray, team: np.ndarray,
                worker: np.ndarray, in_numerator: np.ndarray,
                extra: dict[str, np.ndarray] | None = None,
                num: np.ndarray | None = None, den: np.ndarray | None = None) -> pd.DataFrame:
    """Build an event frame from event-level arrays (all of length len(m)).

    `num` defaults to in_numerator (0/1) and `den` to 1: a share of cohort rows.
    """
    innum = np.asarray(in_numerator, dtype=bool)
    data = {
        "m": np.asarray(m, dtype=np.int64),
        "breakdown": np.full(len(m), breakdown, dtype=object),
        "child": np.asarray(child, dtype=np.int64),
        "team": np.asarray(team, dtype=np.int64),
        "worker": np.asarray(worker, dtype=np.int64),
        "in_numerator": innum,
        "num": innum.astype(float) if num is None else np.asarray(num, dtype=float),
        "den": np.ones(len(m)) if den is None else np.asarray(den, dtype=float),
    }
    data.update(extra or {})
    return pd.DataFrame(data)


def previous_in_group(code: np.ndarray, values: np.ndarray, fill: int = NAT) -> np.ndarray:
    """values shifted by one row within runs of equal `code` (rows sorted by code); -1 codes
    have no previous."""
    n = len(code)
    if n == 0:
        return values.copy()
    prev = np.r_[fill, values[:-1]]
    same = np.r_[False, code[1:] == code[:-1]] & (code >= 0)
    return np.where(same, prev, fill)


def dated_rank(code: np.ndarray, d: np.ndarray) -> np.ndarray:
    """How many *dated* rows of the same child come before each row (rows sorted by child and
    date, undated rows first): an undated row is not known to be earlier [I]; undated rows and
    -1 codes get 0."""
    undated = count_by_key(code[(d == NAT) & (code >= 0)], code)
    return np.where((d == NAT) | (code < 0), 0, rank_in_group(code) - undated)


def rank_in_group(code: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within runs of equal `code` (rows sorted by code); -1 codes rank 0."""
    n = len(code)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    first = np.r_[True, code[1:] != code[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    return np.where(code >= 0, np.arange(n) - start, 0)
