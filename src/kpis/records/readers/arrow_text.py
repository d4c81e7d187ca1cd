"""Arrow text arrays read at the byte level in numpy (issue 15, national reading speed): the
offsets and bytes of every cell as numpy views (`arrow_bytes`), and what can be told from them
without a per-cell Python loop or a hash: whether any cell could need stripping
(`plain_edges`), whether any is short enough to be a blank marker (`any_short`), and dates in
the two ten-character forms nearly every CSV sends (`fixed_dates`, the same cells and values as
Arrow's strptime with a print-back check: tests/unit/test_readers_fast.py)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np


def text_array(s: Any) -> Any:
    """A pandas text column as one Arrow array (pandas may hold it in chunks)."""
    import pyarrow as pa

    arr = pa.array(s.array)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def text_chunks(s: Any) -> list[Any]:
    """A pandas Arrow text column's chunks, as large_string arrays (no copy of the text): the
    columns of several tables joined in Arrow without pandas' concat."""
    import pyarrow as pa

    arr = pa.array(s.array)
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return [c if c.type == pa.large_string() else c.cast(pa.large_string()) for c in chunks]


def dictionary_codes(chunks: list[Any]) -> tuple[np.ndarray, Any]:
    """Arrow's dictionary encoding of text chunks taken one after another: (code of each cell,
    -1 when missing, as intp; the distinct cells in order of first appearance), what
    `pd.factorize` gives, without pandas' wrapping."""
    import pyarrow as pa
    import pyarrow.compute as pc

    whole = pa.chunked_array(chunks, pa.large_string()).combine_chunks()
    enc = pc.dictionary_encode(whole)
    return enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp), \
        enc.dictionary


def arrow_bytes(arr: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(start offset, byte length, valid mask) of every cell of an Arrow (large_)string array,
    and its UTF-8 bytes as one uint8 array (views of Arrow's buffers; only the offsets copied)."""
    import pyarrow as pa

    off_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    validity, offsets, data = arr.buffers()
    off = np.frombuffer(offsets, dtype=off_type)[arr.offset: arr.offset + len(arr) + 1]
    valid = (np.ones(len(arr), dtype=bool) if arr.null_count == 0
             else arr.is_valid().to_numpy(zero_copy_only=False))
    body = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return off[:-1].astype(np.int64), np.diff(off).astype(np.int64), valid, body


#: (separator, its positions, the digits' positions: day, month, year) of the two forms
_FIXED_DATE_FORMS = ((ord("/"), (2, 5), (0, 1, 3, 4, 6, 7, 8, 9)),  # dd/mm/yyyy
                     (ord("-"), (4, 7), (8, 9, 5, 6, 0, 1, 2, 3)))  # yyyy-mm-dd


@lru_cache(maxsize=4)
def _day_table(lo_year: int, hi_year: int) -> np.ndarray:
    """Days since 1970-01-01 of every (year, month, day 1..31) in [lo_year, hi_year), by
    ((year - lo_year) * 12 + month - 1) * 31 + day - 1; `_NO_DAY` where there is none."""
    first = (np.arange((hi_year - lo_year) * 12) + (lo_year - 1970) * 12).astype("datetime64[M]")
    start = first.astype("datetime64[D]").astype(np.int64)
    length = (first + 1).astype("datetime64[D]").astype(np.int64) - start
    day = np.arange(31)
    return np.where(day[None, :] < length[:, None], start[:, None] + day[None, :],
                    _NO_DAY).ravel()


_NO_DAY = np.iinfo(np.int64).min


def fixed_dates(arr: Any, lo_year: int, hi_year: int) -> tuple[np.ndarray, np.ndarray]:
    """The usual dates of an Arrow (large_)string array, read straight from its bytes in numpy:
    the cells of exactly ten bytes in dd/mm/yyyy or yyyy-mm-dd form (ASCII digits), naming a
    real day (no 31/04, no 29/02 outside leap years) in a year in [lo_year, hi_year): the
    cells Arrow's strptime reads and prints back to themselves, with the same values; every
    other cell (padded, other forms, placeholders) is left undone for the general parser.
    No hashing and no per-cell Python: a column costs a few numpy passes (issue 15)."""
    start, length, valid, body = arrow_bytes(arr)
    values = np.full(len(arr), _NO_DAY, dtype=np.int64)  # NaT
    done = np.zeros(len(arr), dtype=bool)
    rows = np.flatnonzero(valid & (length == 10))
    for at in range(0, len(rows), _CHUNK):  # chunks that stay in the CPU's cache
        _fixed_dates_of(rows[at: at + _CHUNK], start, body, lo_year, hi_year, values, done)
    return values.view("datetime64[ns]"), done


_CHUNK = 8192


def _fixed_dates_of(rows: np.ndarray, start: np.ndarray, body: np.ndarray, lo_year: int,
                    hi_year: int, values: np.ndarray, done: np.ndarray) -> None:
    """`fixed_dates` of the ten-byte cells `rows`, into `values` (days as ns) and `done`."""
    first = int(start[rows[0]])
    if int(start[rows[-1]]) == first + 10 * (len(rows) - 1):  # contiguous cells: one view
        b = body[first: first + 10 * len(rows)].reshape(-1, 10)
    else:
        b = body[start[rows, None] + np.arange(10)]
    table = _day_table(lo_year, hi_year)
    d = [b[:, k] - np.uint8(ord("0")) for k in range(10)]  # 0..9; other bytes wrap past 9
    left = np.ones(len(rows), dtype=bool)
    for sep, (s1, s2), digits in _FIXED_DATE_FORMS:
        ok = left & (b[:, s1] == sep) & (b[:, s2] == sep)
        for k in digits:
            ok &= d[k] < 10
        at = np.flatnonzero(ok)
        if not len(at):
            continue
        n = [d[k][at].astype(np.int32) for k in digits]
        day, month = n[0] * 10 + n[1], n[2] * 10 + n[3]
        year = n[4] * 1000 + n[5] * 100 + n[6] * 10 + n[7]
        fits = ((year >= lo_year) & (year < hi_year) & (month >= 1) & (month <= 12)
                & (day >= 1) & (day <= 31))
        days = table[np.where(fits, ((year - lo_year) * 12 + month - 1) * 31 + day - 1, 0)]
        real = fits & (days != _NO_DAY)
        at, days = at[real], days[real]
        values[rows[at]] = days * 86_400_000_000_000
        done[rows[at]] = True
        left[at] = False


def plain_edges(arr: Any) -> bool:
    """Does no cell of an Arrow text array begin or end with a byte that could be whitespace
    (anything outside ASCII's printable 0x21..0x7E)? Then stripping would change nothing."""
    start, length, valid, body = arrow_bytes(arr)
    full = valid & (length > 0)
    if not full.all():
        start, length = start[full], length[full]
    ends = np.concatenate([body[start], body[start + length - 1]])
    return bool(((ends > 0x20) & (ends < 0x7F)).all())


def any_short(arr: Any, longest: int) -> bool:
    """Has an Arrow text array a non-missing cell of at most `longest` bytes?"""
    _, length, valid, _ = arrow_bytes(arr)
    return bool((valid & (length <= longest)).any())
