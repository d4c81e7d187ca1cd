"""Day numbers and array helpers shared by the indicator modules, and the event frame.

Every indicator function takes a `Context` and returns an *event frame*: one row per cohort member
(child, referral, plan, worker, ...) per month-end, with columns

    m            index of the month-end in `ctx.me`
    breakdown    "" for the headline figure, else e.g. "single month"
    child        the child's integer code (-1 for worker rows of the workforce indicators)
    team, worker integer codes of labels in `ctx.vocab` (0 = "unallocated": nobody)
    in_numerator bool
    num, den     float weights summed into the numerator and denominator
    ...          the dates and facts the rule used (kept for the drill-down)

`kpis.records.engine` sums `num` and `den` by month-end and org unit, so a figure and its
drill-down come from the same rows.

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

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min
OPEN = np.int64(10_000_000)  # day number far in the future (year ~29000): an open end date

EVENT_COLUMNS = ["m", "breakdown", "child", "team", "worker", "in_numerator", "num", "den"]


def days(s: pd.Series, missing: int = NAT) -> np.ndarray:
    """Dates -> int64 day numbers since 1970-01-01; NaT -> `missing`."""
    if len(s) == 0:
        return np.empty(0, dtype=np.int64)
    if isinstance(s.dtype, np.dtype) and s.dtype.kind == "M":  # already dates: no to_datetime
        a = np.asarray(s).astype("datetime64[D]").view(np.int64).copy()
    else:
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


def distinct(a: np.ndarray, counts: bool = False) -> object:
    """`np.unique(a)` (with `return_counts` when `counts`) of an integer array, by one stable
    sort: numpy's hash-based unique costs many times more on these keys (6.5 ms against 0.1 ms
    for the 39k allocation triples of a council)."""
    if np.asarray(a).dtype.kind not in "iub":  # (floats: NaN is one value to np.unique)
        return np.unique(a, return_counts=counts)
    s = np.sort(np.asarray(a).ravel(), kind="stable")
    first = np.r_[True, s[1:] != s[:-1]] if len(s) else np.zeros(0, bool)
    if not counts:
        return s[first]
    return s[first], np.diff(np.r_[np.flatnonzero(first), len(s)])


def count_by_key(event_keys: np.ndarray, query_keys: np.ndarray) -> np.ndarray:
    """How many times each query key occurs among `event_keys` (vectorised)."""
    u, c = distinct(event_keys, counts=True)
    pos, found = lookup(query_keys, u)
    return np.where(found, c[pos] if len(c) else 0, 0)


def text(s: pd.Series) -> np.ndarray:
    """Codes as stripped upper-case object array ('' for missing): each distinct code cleaned
    once and spread back (codes repeat; no Python string is made per row)."""
    t = s.astype("string")
    if t.dtype.storage == "pyarrow":  # the same kernels pandas' .str calls, without pandas
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(t.array)
        enc = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray)
                                   else arr)
        u = pc.utf8_upper(pc.utf8_trim_whitespace(enc.dictionary)).to_numpy(
            zero_copy_only=False)
        codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        return np.append(u, "")[codes]  # code -1 (missing) -> ''
    codes, uniques = pd.factorize(t)
    u = pd.Series(uniques, dtype="string").str.strip().str.upper().fillna("")
    return np.append(u.to_numpy(dtype=object), "")[codes]  # code -1 (missing) -> ''




#: True while `kpis.records.engine.compute` runs the indicators: it sums the event columns only,
#: so the drill-down columns (`extra`) are left out of the frames (building them, text columns
#: above all, cost more than the sums; issue 15). `event_rows` (the drill-down) keeps them.
_EVENTS_ONLY: ContextVar[bool] = ContextVar("events_only", default=False)


@contextmanager
def events_only() -> Iterator[None]:
    """Within this block, `event_frame` builds the event columns only (no `extra`)."""
    token = _EVENTS_ONLY.set(True)
    try:
        yield
    finally:
        _EVENTS_ONLY.reset(token)


def drill() -> bool:
    """Whether event frames keep their drill-down columns: False inside `events_only()`, so
    an indicator builds its `extra` columns only when they are kept (`extra={...} if drill()
    else None`)."""
    return not _EVENTS_ONLY.get()


def event_frame(m: np.ndarray, *, breakdown: str, child: np.ndarray, team: np.ndarray,
                worker: np.ndarray, in_numerator: np.ndarray,
                extra: dict[str, np.ndarray] | None = None,
                num: np.ndarray | None = None, den: np.ndarray | None = None,
                ) -> pd.DataFrame | Events:
    """Build an event frame from event-level arrays (all of length len(m)); inside
    `events_only()` it is an `Events` (plain arrays), else a DataFrame.

    `num` defaults to in_numerator (0/1) and `den` to 1: a share of cohort rows. Inside
    `events_only()` the `extra` columns are left out.
    """
    innum = np.asarray(in_numerator, dtype=bool)
    lean = _EVENTS_ONLY.get()
    data = {
        "m": np.asarray(m, dtype=np.int64),
        "breakdown": None if lean else _const_text(breakdown, len(m)),
        "child": np.asarray(child, dtype=np.int64),
        "team": np.asarray(team, dtype=np.int64),
        "worker": np.asarray(worker, dtype=np.int64),
        "in_numerator": innum,
        "num": innum.astype(float) if num is None else np.asarray(num, dtype=float),
        "den": np.ones(len(m)) if den is None else np.asarray(den, dtype=float),
    }
    if lean:
        del data["breakdown"]
        return Events(data, [breakdown], np.zeros(len(m), dtype=np.int64))
    if extra:
        data.update(extra)
    return pd.DataFrame(data)


class Events:
    """An event frame as plain arrays, the form `event_frame` gives inside `events_only()`:
    the event columns as numpy arrays, the breakdown as codes (`bcode`) into `names`. Building
    and reading a DataFrame per indicator cost more than the sums (issue 15). It does what the
    indicators do to event frames: a column (a numpy array), a boolean row mask, `assign` (of
    the breakdown, one label or one per row; other columns are drill-down columns, left out
    here), `copy`, setting a column, and `concat_events`. It is not a DataFrame: no `.loc`,
    slices or `pd.concat`; an indicator combines event frames with `concat_events` (which
    takes DataFrames too) and reads columns with `np.asarray(ev[c])`."""

    def __init__(self, cols: dict[str, np.ndarray], names: list[str],
                 bcode: np.ndarray) -> None:
        self.cols, self.names, self.bcode = cols, names, bcode

    @property
    def columns(self) -> list[str]:
        return EVENT_COLUMNS

    def __len__(self) -> int:
        return len(self.bcode)

    def __getitem__(self, key: object) -> object:
        if isinstance(key, str):
            if key == "breakdown":
                return np.array(self.names, dtype=object)[self.bcode]
            return self.cols[key]
        mask = np.asarray(key)
        return Events({c: v[mask] for c, v in self.cols.items()}, self.names, self.bcode[mask])

    def __setitem__(self, key: str, value: np.ndarray) -> None:
        if key == "breakdown":  # (a label for every row, or one per row)
            self.names, self.bcode = _breakdown_codes(value, len(self))
            return
        self.cols[key] = np.asarray(value)

    def copy(self) -> Events:
        return Events({c: v.copy() for c, v in self.cols.items()}, list(self.names),
                      self.bcode.copy())

    def assign(self, **kw: object) -> Events:
        out = self.copy()
        for c, v in kw.items():
            if c == "breakdown":
                out.names, out.bcode = _breakdown_codes(v, len(self))
            elif c in EVENT_COLUMNS:
                out.cols[c] = np.broadcast_to(np.asarray(v), (len(self),)).copy()
        return out

    @classmethod
    def of_frame(cls, frame: pd.DataFrame) -> Events:
        """The event columns of an event DataFrame as an `Events` (the breakdown factorized;
        a missing breakdown is the name None); its drill-down columns are left out, and so
        is an event column it lacks."""
        bcode, names = pd.factorize(frame["breakdown"].to_numpy(dtype=object))
        cols = {c: frame[c].to_numpy() for c in EVENT_COLUMNS if c != "breakdown" and c in frame}
        return cls(cols, [*names, None], np.where(bcode < 0, len(names), bcode))

    def to_frame(self) -> pd.DataFrame:
        """The DataFrame `event_frame` gives outside `events_only()` (without `extra`)."""
        data = {c: (_breakdown_text(self) if c == "breakdown" else self.cols[c])
                for c in EVENT_COLUMNS}
        return pd.DataFrame(data)


def _breakdown_codes(value: object, n: int) -> tuple[list[str], np.ndarray]:
    """(names, codes) of a breakdown given as one label for all `n` rows or one per row."""
    if np.ndim(value) == 0:
        return [str(value)], np.zeros(n, dtype=np.int64)
    codes, names = pd.factorize(np.asarray(value, dtype=object).astype(str))
    return [str(x) for x in names], codes.astype(np.int64)


def _breakdown_text(ev: Events) -> object:
    if len(ev.names) == 1:
        return _const_text(ev.names[0], len(ev))
    return pd.Series(ev["breakdown"], dtype=object).astype("str").array


def concat_events(frames: list) -> object:
    """`pd.concat(frames, ignore_index=True)` of event frames, for DataFrames and `Events`
    (a mix of both: every part as a DataFrame)."""
    if not frames or not all(isinstance(f, Events) for f in frames):
        return pd.concat([f.to_frame() if isinstance(f, Events) else f for f in frames],
                         ignore_index=True)
    names: list[str] = []
    codes = []
    for f in frames:
        names += [b for b in dict.fromkeys(f.names) if b not in names]
        lut = np.array([names.index(b) for b in f.names], dtype=np.int64)
        codes.append(lut[f.bcode] if len(f) else np.empty(0, np.int64))
    cols = {c: np.concatenate([f.cols[c] for f in frames]) for c in frames[0].cols}
    return Events(cols, names, np.concatenate(codes))


def _const_text(value: str, n: int) -> object:
    """A column of `n` copies of `value`, of the text dtype pandas infers for an object array
    of strings ("str"), made in Arrow: pandas' inference converts string by string."""
    if n == 0:
        return np.full(0, value, dtype=object)
    import pyarrow as pa

    return pd.arrays.ArrowStringArray(pa.repeat(pa.scalar(value, pa.large_string()), n),
                                      dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def take_text(values: np.ndarray, idx: np.ndarray) -> object:
    """`values[idx]` (an object array of a few distinct texts) as the "str" column pandas would
    infer from it, taken in Arrow instead of converted row by row; an empty result stays an
    object array (what pandas infers for no rows)."""
    if not len(idx):
        return np.asarray(values, dtype=object)[idx]
    import pyarrow as pa

    arr = pa.array(np.asarray(values, dtype=object), pa.large_string(), from_pandas=True)
    return pd.arrays.ArrowStringArray(arr.take(pa.array(np.asarray(idx, dtype=np.int64))),
                                      dtype=pd.StringDtype("pyarrow", na_value=np.nan))


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


def lexorder(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """`np.lexsort(keys)` of integer arrays (the last key most significant; stable): one
    stable argsort of a combined key when the keys' spans multiply to less than 2**62 (NAT
    sorts first, as the smallest integer does), else numpy.lexsort itself. A lexsort of
    several keys costs many times one argsort of already ordered data."""
    n = len(keys[0]) if keys else 0
    if n == 0 or len(keys) == 1 or any(np.asarray(k).dtype.kind not in "iub" for k in keys):
        return np.lexsort(keys)
    if any(np.asarray(k).dtype.kind == "u" and np.asarray(k).max() >= 2 ** 63 for k in keys):
        return np.lexsort(keys)  # (beyond int64)
    parts, total = [], 1
    for k in keys:
        k = np.asarray(k, dtype=np.int64)
        nat = k == NAT
        if nat.all():
            k = np.zeros(n, dtype=np.int64)
        elif nat.any():  # NAT just below the smallest date: the same order
            k = np.where(nat, k[~nat].min() - 1, k)
        lo, hi = int(k.min()), int(k.max())
        parts.append((k, lo, hi - lo + 1))
        total *= hi - lo + 1
        if total >= 2 ** 62:
            return np.lexsort(keys)
    combined = np.zeros(n, dtype=np.int64)
    for k, lo, span in reversed(parts):  # most significant first
        combined = combined * span + (k - lo)
    return np.argsort(combined, kind="stable")


def last_per_key(key: np.ndarray, *tiebreaks: np.ndarray) -> np.ndarray:
    """Positions of the last row of each distinct `key`, in key order: rows are ordered by key,
    then by the `tiebreaks` (the last one most significant, as in numpy.lexsort), and the last
    row of each key wins. Used for "one row per child and month-end" (the latest-starting
    allocation, episode or plan)."""
    order = lexorder((*tiebreaks, key))
    key_s = key[order]
    last = np.r_[key_s[1:] != key_s[:-1], True] if len(key_s) else np.zeros(0, bool)
    return order[last]
