"""Shared machinery of the readers: tolerant names, value parsing and the quarantine.

Everything here works on whole columns (pandas string methods, `isin`, dictionary `map`);
nothing loops over rows, so the readers scale to 150 councils.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from kpis.errors import InputError
from kpis.records.readers.arrow_text import any_short, fixed_dates, plain_edges, text_array

QUARANTINE_COLUMNS = ["file", "sheet", "row", "column", "value", "reason"]
REPAIR_COLUMNS = ["child_id", "action", "detail"]

# Reasons a row is quarantined (the run summary counts rows by these).
BAD_DATE = "unparseable date"
MISSING_DATE = "missing date"
END_BEFORE_START = "end before start"
UNKNOWN_CODE = "unknown code"
BAD_NUMBER = "unparseable number"
DUPLICATE = "duplicate row"
MISSING_ID = "missing child id"
MISSING_VALUE = "missing value"
PLACEHOLDER_DATE = "placeholder date (e.g. 31/12/9999, 01/01/1900)"
FTE_RANGE = "FTE outside (0, 1.5]"
CONFLICT = "conflicting duplicate"
AFTER_EXTRACT = "date after the extract date"

EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@cache
def load_yaml(name: str) -> dict[str, Any]:
    """A YAML file from kpis/data (column maps, code lists)."""
    text = resources.files("kpis").joinpath("data", "records", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def norm(name: object) -> str:
    """Normalised name for tolerant matching: lower case, letters and digits only."""
    return _norm(str(name))


@lru_cache(maxsize=1 << 16)
def _norm(name: str) -> str:  # headings and synonyms recur in every file of every council
    return re.sub(r"[^a-z0-9]", "", name.lower())


def norm_series(s: pd.Series) -> pd.Series:
    """`norm` for a whole column (missing stays missing)."""
    return s.astype("string").str.lower().str.replace(r"[^a-z0-9]", "", regex=True)


def matches_name(name: str, names: list[str], prefixes: list[str]) -> bool:
    """Does a sheet or file name identify this list? (`names` exact, or a prefix not followed
    by a digit, so "list1contacts" is list 1 but "list10" is not.)"""
    n = norm(name)
    if n in {norm(x) for x in names}:
        return True
    for p in prefixes:
        p = norm(p)
        if n.startswith(p) and (len(n) == len(p) or not n[len(p)].isdigit()):
            return True
    return False


@dataclass
class Source:
    """One table as read from a file or sheet: raw cells (strings or, from workbooks, Python
    dates and numbers), headers as found, and the sheet/file row number of the first data row.

    `cells`: a pandas DataFrame, or the pyarrow Table of a CSV pyarrow read (every column
    text, `_sheet_row` the editor line): mapped and stacked in Arrow, it meets pandas once per
    table and batch of councils, not once per file (issue 15). `frame` is it as pandas."""

    file: str
    sheet: str
    cells: Any
    first_row: int = 2
    blank_rows: int = 0  # empty rows dropped (Excel's formatted ',,,,' rows), counted
    notes: list[str] = dataclasses.field(default_factory=list)  # e.g. an encoding fallback

    @property
    def frame(self) -> pd.DataFrame:
        if isinstance(self.cells, pd.DataFrame):
            return self.cells
        from kpis.records.readers.textcsv import arrow_frame

        return arrow_frame(self.cells)

    @property
    def columns(self) -> list[Any]:
        c = self.cells
        return list(c.columns) if isinstance(c, pd.DataFrame) else list(c.column_names)

    @property
    def rows(self) -> int:
        return len(self.cells) if isinstance(self.cells, pd.DataFrame) else self.cells.num_rows


def read_csv_source(path: Path) -> Source:
    """A CSV file, every cell as text (empty string for blanks); header on line 1. UTF-8 (BOM
    or not) or Windows-1252 (noted); empty and ',,,,' rows dropped and counted; each row keeps
    its editor line number (`_sheet_row`). See kpis.records.readers.textcsv."""
    from kpis.records.readers.textcsv import read_text_csv

    t = read_text_csv(Path(path), line_column="_sheet_row", arrow=True)
    return Source(str(path), "", t.frame, 2, t.blank_rows, t.notes)


def find_header_row(raw: pd.DataFrame, marker_names: list[str], scan: int = 15) -> int | None:
    """Index of the first of the top `scan` rows containing one of `marker_names`."""
    markers = {norm(x) for x in marker_names}
    top = raw.head(scan)
    for i in range(len(top)):  # at most `scan` header candidates, not data rows
        if any(norm(v) in markers for v in top.iloc[i].tolist()):
            return i
    return None


def sheet_source(path: Path, sheet: str, raw: pd.DataFrame, marker_names: list[str]) -> Source:
    """A workbook sheet read with header=None: find the header row (templates often have title
    rows above it) and keep the row numbering a person sees in Excel."""
    h = find_header_row(raw, marker_names)
    if h is None:
        h = 0
    header = [str(v).strip() if not pd.isna(v) else "" for v in raw.iloc[h].tolist()]
    frame = raw.iloc[h + 1:].copy()
    frame.columns = header
    frame = frame.loc[:, [c != "" for c in header]]
    if frame.shape[1]:
        text = frame.astype("string").apply(lambda c: c.str.strip()).fillna("")
        blank = (text == "").all(axis=1)
    else:
        blank = pd.Series(True, index=frame.index)
    n_blank = int(blank.sum())
    frame = frame.loc[~blank]
    first_row = h + 2
    # keep the original sheet row numbers even after blank rows were dropped
    frame.index = frame.index + 1  # 0-based raw index -> 1-based sheet row
    return Source(str(path), sheet, frame.reset_index(names="_sheet_row"), first_row, n_blank)


def _missing_text(index: pd.Index) -> pd.Series:
    """An all-missing "string" column (a field the file lacks): Arrow's null array when that is
    what the "string" dtype holds (pandas fills it cell by cell otherwise)."""
    if pd.StringDtype().storage == "pyarrow":
        import pyarrow as pa

        return pd.Series(pd.arrays.ArrowStringArray(pa.nulls(len(index), pa.large_string())),
                         index=index)
    return pd.Series(pd.NA, index=index, dtype="string")


def map_columns(src: Source, spec: dict[str, dict[str, Any]]) -> tuple[Any, dict[str, str]]:
    """Rename the source's columns to field names using the synonyms in `spec`.

    Returns the frame (only mapped fields, then `_row`; absent optional fields are
    all-missing; a pyarrow Table for a source held in Arrow, `textcsv.arrow_frame` making the
    same frame of it) and field -> header as found. A required field that cannot be found
    raises InputError.
    """
    arrow = not isinstance(src.cells, pd.DataFrame)
    found = {norm(c): c for c in src.columns if not str(c).startswith("_")}
    out: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for field, fspec in spec.items():
        hit = next((found[norm(s)] for s in fspec["names"] if norm(s) in found), None)
        if hit is None:
            if fspec.get("required"):
                where = f"sheet {src.sheet!r}: " if src.sheet else ""
                raise InputError(
                    src.file,
                    f"{where}required column not found (also looked for "
                    f"{', '.join(repr(x) for x in fspec['names'][1:]) or 'no synonyms'})",
                    column=fspec["names"][0],
                )
            out[field] = (_arrow_missing(src.rows) if arrow
                          else _missing_text(src.cells.index))
            headers[field] = fspec["names"][0]
        elif arrow:  # (no repeated headings: pyarrow's reader leaves those to pandas)
            out[field] = src.cells.column(hit)
            headers[field] = hit
        else:
            col = src.cells[hit]
            if isinstance(col, pd.DataFrame):  # duplicated header: take the first
                col = col.iloc[:, 0]
            out[field] = col
            headers[field] = hit
    if arrow:
        import pyarrow as pa

        out["_row"] = src.cells.column("_sheet_row")
        return pa.table(out), headers
    frame = src.cells
    rows = (frame["_sheet_row"].to_numpy() if "_sheet_row" in frame.columns
            else np.arange(len(frame)) + src.first_row)
    out["_row"] = pd.Series(rows, index=frame.index)  # (one frame built, no insert after)
    return pd.DataFrame(out, index=frame.index, copy=False), headers  # copy-on-write


def _arrow_missing(n: int) -> Any:
    """A field the file lacks, in Arrow: nulls typed `string` (not a CSV column's
    large_string), so the frame made of it holds `_missing_text`'s "string" column."""
    import pyarrow as pa

    return pa.nulls(n, pa.string())


NA_TEXTS = ["", "nan", "NaT", "None", "NULL", "null", "NA", "N/A"]


def _text(s: pd.Series) -> pd.Series:
    """Cells as stripped text; blanks and missing as <NA>."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        return _text_arrow(s)
    t = s.astype("string").str.strip()
    return t.mask(t.isin(NA_TEXTS))


_KEEP: Any = object()  # (`_text_arrow`: keep the column's name)


def _text_arrow(s: pd.Series, name: Any = _KEEP) -> pd.Series:
    """`_text` of an Arrow-backed text column in Arrow's own kernels (the same strip as pandas'
    `.str.strip()` there), without pandas' per-call overhead; named `name` (else as `s`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = text_array(s)
    if not plain_edges(t):  # (ids and teams seldom have a space to strip: skip the pass)
        t = pc.utf8_trim_whitespace(t)
    if any_short(t, _NA_LONGEST):  # (an id column has no cell as short as "NULL")
        na = pc.is_in(t, value_set=pa.array(NA_TEXTS, type=t.type))
        if pc.any(na).as_py():  # (most columns have no blank or "N/A" cell to clear)
            t = pc.if_else(na, pa.scalar(None, type=t.type), t)
    return pd.Series(pd.arrays.ArrowStringArray(t), index=s.index,
                     name=s.name if name is _KEEP else name)


_NA_LONGEST = max(len(x) for x in NA_TEXTS)


def parse_dates(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates in any of the forms councils send: dd/mm/yyyy (also with - or .), ISO yyyy-mm-dd
    (with or without time; real Excel dates arrive as Python datetimes and print this way) and
    Excel serial numbers (days since 1899-12-30, as numbers or digits).

    Returns (datetime64[ns] series, mask of non-blank cells that could not be read).
    Placeholder dates (see `parse_dates_full`) are missing and not flagged here.
    Each distinct text is parsed once (dates repeat a lot), then mapped back.
    """
    out, bad, _ = parse_dates_full(s)
    return out, bad


def parse_dates_full(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """`parse_dates` plus a mask of placeholder dates: a year before 1901 or from 2090 on
    (`dates` in data/records/codes.yml: 31/12/9999 and 01/01/1900 "no date" markers, Excel's day 0),
    returned as missing, neither read nor counted unreadable."""
    codes, uniques = pd.factorize(_text(s), use_na_sentinel=True)
    parsed, bad_u, sent_u = _parse_unique_dates(pd.Series(uniques, dtype="string"))
    pos = np.where(codes >= 0, codes, len(uniques))
    out = pd.Series(np.append(parsed.to_numpy(), np.datetime64("NaT", "ns"))[pos],
                    index=s.index, dtype="datetime64[ns]")
    bad = pd.Series(np.append(bad_u.to_numpy(dtype=bool), False)[pos], index=s.index)
    sent = pd.Series(np.append(sent_u.to_numpy(dtype=bool), False)[pos], index=s.index)
    return out, bad, sent


@cache
def date_limits() -> tuple[int, int]:
    """(first year read, first placeholder year after it): `dates` in codes.yml."""
    d = load_yaml("codes.yml").get("dates", {})
    lo = pd.Timestamp(d.get("sentinel_before", "1901-01-01"))
    hi = pd.Timestamp(d.get("sentinel_after", "2090-01-01"))
    return lo.year, hi.year


def _parse_unique_dates(t: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """`parse_dates_full` on distinct, stripped, non-missing texts: the usual forms from their
    bytes (`arrow_text.fixed_dates`), the rest by `_parse_odd_dates`."""
    lo_year, hi_year = date_limits()
    values, done = fixed_dates(text_array(t.astype("string")), lo_year, hi_year)
    if done.all():
        return (pd.Series(values, index=t.index), pd.Series(False, index=t.index),
                pd.Series(False, index=t.index))
    out, bad, sent = _parse_odd_dates(t[~done])
    out = pd.Series(values, index=t.index).where(done, out.reindex(t.index))
    return (out.astype("datetime64[ns]"), bad.reindex(t.index, fill_value=False).astype(bool),
            sent.reindex(t.index, fill_value=False).astype(bool))


def _parse_odd_dates(t: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Every date form (see `parse_dates`) on distinct, stripped, non-missing texts."""
    lo_year, hi_year = date_limits()
    out = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
    sent = pd.Series(False, index=t.index)
    dmy = t.str.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}").fillna(False).astype(bool)
    if dmy.any():
        v = t[dmy].str.replace(r"[.\-]", "/", regex=True)
        year = pd.to_numeric(v.str[-4:], errors="coerce")
        sent[dmy] = ((year < lo_year) | (year >= hi_year)).to_numpy()
        ok = dmy & ~sent
        out[ok] = pd.to_datetime(v[ok[dmy].to_numpy()], format="%d/%m/%Y",
                                 errors="coerce").astype("datetime64[ns]")
    iso = t.str.match(r"\d{4}-\d{1,2}-\d{1,2}(?:$|[ T])").fillna(False).astype(bool)
    if iso.any():
        v = t[iso].str.extract(r"^(\d{4}-\d{1,2}-\d{1,2})", expand=False)
        year = pd.to_numeric(v.str[:4], errors="coerce")
        sent[iso] = ((year < lo_year) | (year >= hi_year)).to_numpy()
        ok = iso & ~sent
        out[ok] = pd.to_datetime(v[ok[iso].to_numpy()], format="%Y-%m-%d",
                                 errors="coerce").astype("datetime64[ns]")
    serial = t.str.fullmatch(r"\d{1,7}(?:\.\d+)?").fillna(False).astype(bool)
    if serial.any():
        days = pd.to_numeric(t[serial], errors="coerce")
        lo_d = (pd.Timestamp(f"{lo_year}-01-01") - EXCEL_EPOCH).days
        hi_d = (pd.Timestamp(f"{hi_year}-01-01") - EXCEL_EPOCH).days
        placeholder = (days < lo_d) | (days >= hi_d)
        sent[serial] = placeholder.to_numpy()
        good = days.where(~placeholder)
        out[serial] = EXCEL_EPOCH + pd.to_timedelta(np.floor(good), unit="D")
    bad = t.notna() & out.isna() & ~sent
    return out, bad, sent


def _per_unique(s: pd.Series, parse: Any) -> tuple[pd.Series, pd.Series]:
    """`parse` (a function of stripped text -> (values, bad mask)) run on each distinct text
    once and mapped back; blanks and missing cells give (<NA>, False), as `parse` gives them.
    Codes and yes/no columns hold a handful of distinct values in many rows."""
    codes, uniques = pd.factorize(_text(s), use_na_sentinel=True)
    out_u, bad_u = parse(pd.Series(uniques, dtype="string"))
    out = pd.Series(pd.api.extensions.take(out_u.array, codes, allow_fill=True),
                    index=s.index)
    pos = np.where(codes >= 0, codes, len(uniques))
    bad = pd.Series(np.append(bad_u.to_numpy(dtype=bool), False)[pos], index=s.index)
    return out, bad


def parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Y / Yes / 'a) Yes' / TRUE / 1 (and N / No / 'b) No' / FALSE / 0) -> nullable boolean;
    'c) Unknown' and the other `bool_unknown` words of codes.yml are valid and missing."""
    return _per_unique(s, _parse_bool)


def _parse_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    codes = load_yaml("codes.yml")
    mapping = {norm(x): True for x in codes["bool_true"]}
    mapping.update({norm(x): False for x in codes["bool_false"]})
    unknown = {norm(x) for x in codes.get("bool_unknown", [])}
    n = norm_series(_text(s))
    out = n.map(mapping).astype("boolean")
    bad = n.notna() & (n != "") & out.isna() & ~n.isin(unknown).fillna(False).astype(bool)
    return out, bad


def parse_sex(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'1 - Male', 'M', 'a) Male', '1', 'Male' -> 'M' (likewise 'F'; 'U' not stated or
    recorded, as 'c) Not stated/recorded'; 'N' neither, as 'd) Neither'); map in codes.yml."""
    return _per_unique(s, _parse_sex)


def _parse_sex(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    codes = load_yaml("codes.yml")["sex"]
    mapping = {norm(x): code for code, key in (("M", "male"), ("F", "female"), ("U", "unknown"),
                                               ("N", "neither"))
               for x in codes.get(key, [])}
    n = norm_series(_text(s))
    out = n.map(mapping)
    # '1 - Male' normalises to '1male'; also try without a leading list marker ('a)', '1 -')
    stripped = norm_series(_text(s).str.replace(r"^\s*(?:[a-z]\)|\d+\s*[-.:)])\s*", "",
                                                regex=True, case=False))
    out = out.fillna(stripped.map(mapping)).astype("string")
    bad = n.notna() & (n != "") & out.isna()
    return out, bad


def parse_code(s: pd.Series, allowed: list[str]) -> tuple[pd.Series, pd.Series]:
    """A code from a code list: upper case, the leading token of 'P1 - Foster placement'."""
    return _per_unique(s, lambda t: _parse_code(t, allowed))


def _parse_code(s: pd.Series, allowed: list[str]) -> tuple[pd.Series, pd.Series]:
    t = _text(s).str.upper()
    token = t.str.extract(r"^([A-Z0-9]+)", expand=False).astype("string")
    allowed_set = {str(a).upper() for a in allowed}
    ok = token.isin(allowed_set).fillna(False).astype(bool)
    bad = t.notna() & ~ok
    return token.where(ok), bad


def parse_number(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    t = _text(s)
    out = pd.to_numeric(t, errors="coerce").astype("float64")
    return out, t.notna() & out.isna()


def fte_range() -> tuple[float, float]:
    lo, hi = load_yaml("ssda903_columns.yml").get("fte_range", [0, 1.5])
    return float(lo), float(hi)


def _parse_fte(frame: pd.DataFrame, raw: pd.Series,
               ) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """FTE as a number; a census leaver's FTE 0 (or blank) replaced by FTE30 when that is in
    range. Returns (FTE, unreadable mask, replaced-by-FTE30 mask, FTE30)."""
    parsed, bad = parse_number(raw)
    lo, hi = fte_range()
    if "fte30" not in frame.columns:
        return parsed, bad, pd.Series(False, index=frame.index), parsed
    f30, _ = parse_number(frame["fte30"])
    ended = parse_dates(frame["end_date"])[0].notna() if "end_date" in frame \
        else pd.Series(True, index=frame.index)
    use = ((parsed <= lo) | parsed.isna()) & ~bad & (f30 > lo) & (f30 <= hi) & ended
    return parsed.mask(use, f30), bad, use, f30


def quarantine_rows(df: pd.DataFrame, mask: pd.Series, column: str, value: pd.Series,
                    reason: str) -> pd.DataFrame:
    """Quarantine entries for the rows of a parsed table selected by `mask`; `value` holds the
    cell shown for each of them, by the table's index (for those rows, or for all)."""
    pos = np.flatnonzero(np.asarray(mask, dtype=bool))  # (positions: cheaper than `.loc`)
    index = df.index[pos]
    return pd.DataFrame({
        "file": df["_file"].array.take(pos), "sheet": df["_sheet"].array.take(pos),
        "row": df["_row"].to_numpy()[pos].astype("int64"), "column": column,
        "value": value.loc[index].astype("string").fillna("").array, "reason": reason,
    }, index=index)


def _row_hash(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Rows' dates, floats and integers hashed together in numpy: cells pandas counts as equal
    (NaT with NaT, NaN with NaN, 0.0 with -0.0) hash alike."""
    h = np.zeros(len(df), dtype=np.uint64)
    for k, c in enumerate(cols):
        s = df[c]
        if s.dtype == "datetime64[ns]":
            v = s.to_numpy().view(np.int64)
        elif s.dtype == np.int64:  # (a group number: `frame.build_tables`)
            v = s.to_numpy()
        else:  # float64
            x = s.to_numpy()
            v = np.where(np.isnan(x), np.nan, x + 0.0).view(np.int64)
        h = h * np.uint64(0x9E3779B97F4A7C15 + 2 * k) + v.astype(np.uint64)  # wraps mod 2**64
    return h


def _repeated(h: np.ndarray) -> np.ndarray:
    """Rows whose hash occurs more than once."""
    return pd.Series(h).duplicated(keep=False).to_numpy()


def duplicated_rows(df: pd.DataFrame, key: list[str], keep: str = "first") -> pd.Series:
    """`df.duplicated(subset=key, keep=keep)`, found faster. In a larger table only rows whose
    dates and numbers (hashed together in numpy) occur more than once can be copies; a few
    thousand such candidates are checked as tuples of their cells (`_few_copies`), more by
    pandas on those rows alone. Every copy of a duplicated row is among the candidates, in
    the same order, so the result is the same (a hash collision only adds a candidate)."""
    if len(df) < 1000:
        return df.duplicated(subset=key, keep=keep)  # type: ignore[arg-type]
    dtypes = dict(zip(df.columns, df.dtypes, strict=True))  # (df[c] builds a Series)
    cheap = [c for c in key if dtypes[c] == "datetime64[ns]" or dtypes[c] == np.float64
             or dtypes[c] == np.int64]
    if all(dtypes[c] == np.int64 for c in cheap) or len(cheap) == len(key):
        return df.duplicated(subset=key, keep=keep)  # type: ignore[arg-type]
    cand = _repeated(_row_hash(df, cheap))
    out = np.zeros(len(df), dtype=bool)
    if cand.any():
        pos = np.flatnonzero(cand)
        few = _few_copies(df, key, pos, keep) if len(pos) <= _FEW else None
        if few is None:
            sub = pd.DataFrame({c: df[c].array.take(pos) for c in key}, copy=False)
            few = sub.duplicated(keep=keep).to_numpy()  # type: ignore[arg-type]
        out[pos] = few
    return pd.Series(out, index=df.index)


_FEW = 4000  # candidate rows checked as tuples (`_few_copies`); more go to pandas


def _few_copies(df: pd.DataFrame, key: list[str], pos: np.ndarray,
                keep: str) -> np.ndarray | None:
    """`duplicated(keep=keep)` of the rows `pos` of `df` (a few candidates), as tuples of their
    cells with every missing cell as None and -0.0 as 0.0, so equal means what pandas counts as
    equal; None for a column type it does not know (pandas decides)."""
    cols = []
    for c in key:
        s = df[c]
        if s.dtype == "datetime64[ns]":
            cols.append(s.to_numpy()[pos].view(np.int64).tolist())  # (NaT: one value)
        elif s.dtype == np.float64:
            x = s.to_numpy()[pos] + 0.0
            cols.append(np.where(np.isnan(x), None, x).tolist())
        elif s.dtype == np.int64:
            cols.append(s.to_numpy()[pos].tolist())
        elif isinstance(s.dtype, (pd.StringDtype, pd.BooleanDtype)):
            cols.append(s.array.take(pos).to_numpy(dtype=object, na_value=None).tolist())
        else:
            return None
    rows = list(zip(*cols, strict=True))
    seen: set[tuple] = set()
    out = np.zeros(len(rows), dtype=bool)
    order = range(len(rows)) if keep == "first" else range(len(rows) - 1, -1, -1)
    for i in order:  # (a few thousand rows at most)
        if rows[i] in seen:
            out[i] = True
        else:
            seen.add(rows[i])
    return out


def empty_quarantine() -> pd.DataFrame:
    return _empty_quarantine().copy()


@cache
def _empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({
        "file": pd.Series(dtype="string"), "sheet": pd.Series(dtype="string"),
        "row": pd.Series(dtype="int64"), "column": pd.Series(dtype="string"),
        "value": pd.Series(dtype="string"), "reason": pd.Series(dtype="string"),
    })


def empty_repairs() -> pd.DataFrame:
    return _empty_repairs().copy()


@cache
def _empty_repairs() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in REPAIR_COLUMNS})


def concat(frames: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty
    return pd.concat(frames, ignore_index=True)


def fmt_dates(s: pd.Series) -> pd.Series:
    """Dates as yyyy-mm-dd text for repair details (blank for NaT)."""
    return s.dt.strftime("%Y-%m-%d").fillna("open")
