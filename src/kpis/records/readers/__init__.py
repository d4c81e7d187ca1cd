"""Readers: a council's raw files (Annex A, SSDA903, workforce) -> `kpis.records.Records`.

What councils send (../shared/corpus/FORMATS.md), read whatever the files are called:
- the Ofsted Annex A as a workbook (sheets `List 1`.., `List_1`, named tabs such as `Sec47 and
  ICPC`, `Children in Care`) or as CSVs (one per list, or the D2I Standard Safeguarding
  Dataset's `AA_1_contacts`.. extract), 2023 and pre-2023 headings, template values verbatim;
  all eleven lists are read;
- the SSDA903 return as CSVs (header, episodes, reviews, UASC, OC2, OC3, AD1, placed for
  adoption, previous permanence, missing, SWEpisodes; per-year folders allowed) or as the XML
  return (EXPSSDA903);
- the workforce as a CSV (`workers`) or the CSWW census XML, with a worker -> team mapping file
  when the census has no team; allocation histories in the SWEpisodes form;
- quality-assurance audits (optional; docs/audits.md, kpis.records.readers.audits).
Every CSV, sheet and XML file under the council folder is identified by its headings
(kpis.records.readers.detect); one that fits nothing is noted and skipped. If DIR holds no
data files but subfolders that do, each subfolder is a council.

Values are normalised (data/records/codes.yml); a row that cannot be used goes to the
quarantine (file, sheet, row as a person sees it, column, value, reason); every repair is
logged (child_id, action, detail); empty rows are dropped and counted. Nothing is dropped silently:
rows in = rows read + rows quarantined + blank rows + duplicates merged (logged as repairs).
A delivery with only some of the files is read as far as it goes (the indicators that need a
missing file are reported, see kpis.records.batch); only a folder with nothing usable is an
InputError (exit code 2).

`read_councils` reads several councils at once (`kpis compute` hands each worker a batch of
them): each table is parsed and checked for the whole batch together, and each council gets
exactly what `read_council` gives it alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kpis.errors import InputError
from kpis.records.readers.arrow_text import dictionary_codes, text_chunks
from kpis.records.readers.audits import clean_audits
from kpis.records.readers.dates import apply_extract_date, infer_extract_date
from kpis.records.readers.detect import table_specs
from kpis.records.readers.discover import Found, data_files, find_sources, is_data_file
from kpis.records.readers.extracts import date_sources
from kpis.records.readers.frame import Built, build_tables, column_kinds
from kpis.records.readers.parsing import (
    CONFLICT,
    QUARANTINE_COLUMNS,
    REPAIR_COLUMNS,
    Source,
    concat,
    empty_quarantine,
    empty_repairs,
    fmt_dates,
    load_yaml,
    norm,
    quarantine_rows,
)
from kpis.records.readers.ssda903 import GROUP, dedupe_allocations, repair_episodes
from kpis.records.tables import BOOL_COLUMNS, COLUMNS, FLOAT_COLUMNS, ID_COLUMNS, Records, empty

__all__ = ["ReadResult", "read_council", "read_councils", "read_input", "is_council_dir",
           "council_dirs", "repair_episodes", "QUARANTINE_COLUMNS", "REPAIR_COLUMNS"]

# table -> (start, end) fields checked for "end before start"
END_PAIRS = {"assessments": ("start_date", "auth_date"), "cp_plans": ("start_date", "end_date"),
             "cin": ("start_date", "end_date"), "cla": ("start_date", "end_date"),
             "episodes": ("decom", "dec"), "missing": ("start", "end"),
             "sw_episodes": ("start", "end"), "workers": ("start_date", "end_date"),
             "placed_adoption": ("date_placed", "date_placed_ceased")}
#: repairs that merge a row into another (counted in "duplicates merged")
MERGE_ACTIONS = ("duplicate_removed", "same_decom_resolved", "duplicate_allocation_resolved")


@dataclass
class ReadResult:
    """One council as read: the records, the quarantined rows, the repairs log, and the
    accounting of the run summary (rows in, blank rows, notes, the extract date)."""

    records: Records
    quarantine: pd.DataFrame = field(default_factory=empty_quarantine)
    repairs: pd.DataFrame = field(default_factory=empty_repairs)
    rows_read: dict[str, int] = field(default_factory=dict)
    rows_in: int = 0
    blank_rows: int = 0
    merged: int = 0
    rows_kept: int = 0  # input rows in the records (the 903 header's, not the derived children)
    notes: list[str] = field(default_factory=list)
    extract_date: pd.Timestamp | None = None


def is_council_dir(path: Path) -> bool:
    """Does this folder hold one council's data files (at its top, or in a folder named like
    annex_a, ssda903/903 or workforce/staff)?"""
    if not path.is_dir():
        return False
    if any(is_data_file(p) for p in data_files(path, recursive=False)):
        return True
    folders = load_yaml("ssda903_columns.yml")["folders"]
    known = {norm(x) for v in folders.values() for x in v}
    return any(p.is_dir() and (norm(p.name) in known or "annex" in p.name.lower())
               and any(is_data_file(f) for f in data_files(p)) for p in path.iterdir())


def _contract(df: pd.DataFrame | None, table: str) -> pd.DataFrame:
    """The contract's columns, in order, with the contract's dtypes; then any other column
    read (for the next indicators), as parsed."""
    if df is None:
        return empty(table)
    out: dict[str, pd.Series] = {}
    for c in COLUMNS[table]:
        s = df[c] if c in df.columns else pd.Series(pd.NA, index=df.index, dtype="object")
        if c in ID_COLUMNS:
            s = s if s.dtype == _TEXT else s.astype("string")
        elif c in BOOL_COLUMNS:
            s = s if s.dtype == _BOOL else s.astype("boolean")
        elif c in FLOAT_COLUMNS:
            s = s if s.dtype == _FLOAT else pd.to_numeric(s, errors="coerce").astype("float64")
        elif s.dtype != _DATE:  # dates (a column already of the contract's type is kept)
            s = pd.to_datetime(s, errors="coerce").astype("datetime64[ns]")
        out[c] = s
    for c in df.columns:
        if c not in out and not str(c).startswith("_"):
            out[c] = df[c]
    # columns of pandas objects: copy-on-write, so no copy (nor consolidation) is needed here
    return pd.DataFrame(out, index=df.index, copy=False).reset_index(drop=True)


_TEXT, _BOOL = pd.StringDtype(), pd.BooleanDtype()
_FLOAT, _DATE = np.dtype("float64"), np.dtype("datetime64[ns]")


def _children(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per child: SSDA903 header first, then Annex A (first non-missing value wins);
    ethnicity (903 ETHNIC, Annex A Ethnicity) as sent, disability (Annex A) as a boolean.
    `groupby("child_id", sort=True).first()`, worked out on the frames' own arrays (Arrow
    text, numpy dates and flags, issue 15): each column's first non-missing row per child
    (`np.minimum.at`) taken at once."""
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return empty("children")
    names = [{("ethnicity" if c == "ethnic" else c): c for c in f.columns} for f in frames]
    codes, ids = _sorted_codes(_stack(frames, names, "child_id", "string"))
    out: dict[str, object] = {"child_id": ids}
    known = codes >= 0
    for c, dtype in (("sex", "string"), ("dob", "datetime64[ns]"), ("ethnicity", "string"),
                     ("disability", "boolean")):
        s = _stack(frames, names, c, dtype)
        pos = np.flatnonzero(known & s.notna().to_numpy())
        first = np.full(len(ids), len(s), dtype=np.int64)
        np.minimum.at(first, codes[pos], pos)
        first[first == len(s)] = -1  # (no value for that child)
        out[c] = s.array.take(first, allow_fill=True)
    return pd.DataFrame(out)


def _stack(frames: list[pd.DataFrame], names: list[dict[str, str]], c: str,
           dtype: str) -> pd.Series:
    """Column `c` of every frame as `dtype`, one after another (missing where a frame lacks
    it): what `pd.concat` of the columns gives, put together from their Arrow chunks or numpy
    arrays (pandas' concat, and its filling of a column of missing, cost more than the rest)."""
    parts = [_as(f[have[c]], dtype) if c in have else None
             for f, have in zip(frames, names, strict=True)]
    sizes = [len(f) for f in frames]
    if dtype == "string":
        import pyarrow as pa

        chunks = [chunk for p, n in zip(parts, sizes, strict=True)
                  for chunk in (text_chunks(p) if p is not None
                                else [pa.nulls(n, pa.large_string())])]
        return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.large_string())))
    if dtype == "boolean":
        values = np.concatenate([p.array._data if p is not None else np.zeros(n, bool)  # type: ignore[union-attr]
                                 for p, n in zip(parts, sizes, strict=True)])
        mask = np.concatenate([p.array._mask if p is not None else np.ones(n, bool)  # type: ignore[union-attr]
                               for p, n in zip(parts, sizes, strict=True)])
        return pd.Series(pd.arrays.BooleanArray(values, mask))
    return pd.Series(np.concatenate([p.to_numpy() if p is not None else np.full(n, None, dtype)
                                     for p, n in zip(parts, sizes, strict=True)]))


def _as(s: pd.Series, dtype: str) -> pd.Series:
    """`s.astype(dtype)`, without the call when it is of that type already."""
    return s if s.dtype == pd.api.types.pandas_dtype(dtype) else s.astype(dtype)


def _sorted_codes(ids: pd.Series) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
    """`pd.factorize(ids, sort=True)` of an Arrow text column, by Arrow: its dictionary
    encoding with the dictionary sorted (Arrow orders text by its UTF-8 bytes, which is code
    point order, as Python's sort of the same strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    raw, dictionary = dictionary_codes(text_chunks(ids))
    order = pc.array_sort_indices(dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    raw = raw.astype(np.int64)
    codes = np.where(raw >= 0, rank[np.maximum(raw, 0)], -1) if len(order) else raw
    return codes, pd.arrays.ArrowStringArray(dictionary.take(pa.array(order)))


def _header_conflicts(header: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same child twice in the 903 header with a different DOB or SEX (exact repeats were
    merged already): the first row is kept, the others are quarantined naming it."""
    dup = header.duplicated("child_id", keep="first")
    if not dup.any():
        return header, empty_quarantine()
    first = header.drop_duplicates("child_id", keep="first").set_index("child_id")
    ids = header["child_id"]
    detail = ("SEX " + header["sex"].astype("string").fillna("") + " DOB "
              + fmt_dates(header["dob"]).str.replace("open", "blank") + " differs from row "
              + ids.map(first["_row"]).astype("string") + " (SEX "
              + ids.map(first["sex"]).astype("string").fillna("") + " DOB "
              + fmt_dates(ids.map(first["dob"])).str.replace("open", "blank") + ")")
    q = quarantine_rows(header, dup, "CHILD", detail, CONFLICT)
    q["value"] = ids[dup].astype("string") + ": " + q["value"]
    return header.loc[~dup].reset_index(drop=True), q


def _apply_team_map(workers: pd.DataFrame | None, team_map: pd.DataFrame | None,
                    ) -> tuple[pd.DataFrame | None, list[str]]:
    """Fill a blank worker team from the mapping file (a census has no team)."""
    if workers is None or team_map is None or not len(team_map):
        return workers, []
    m = team_map.drop_duplicates("worker_id", keep="last").set_index("worker_id")["team"]
    blank = workers["team"].isna()
    workers = workers.copy()
    workers.loc[blank, "team"] = workers.loc[blank, "worker_id"].map(m)
    n = int((blank & workers["team"].notna()).sum())
    left = int(workers["team"].isna().sum())
    note = f"workforce: team of {n} worker(s) from the team mapping file"
    return workers, [note + (f"; {left} still without a team" if left else "")]


def read_council(path: Path, name: str | None = None,
                 extract_dates: Mapping[str, pd.Timestamp] | None = None,
                 postcodes: Path | None = None) -> ReadResult:
    """Read one council directory into Records (+ quarantine, repairs and accounting).
    `extract_dates`: file (relative to `path`) -> extract date, for a folder of monthly Annex A
    extracts whose file names carry no date (kpis.records.readers.extracts).

    `postcodes`: a postcode centroid file (kpis compute --postcodes, or the council config's
    `postcodes:`); without one, a centroid file inside the council folder is used if there is
    one (kpis.records.readers.postcodes). It is not a council file: it is not counted in the
    rows in/read accounting; the run summary says what it placed and what it could not."""
    (got,) = read_councils([path], [name], [extract_dates], postcodes)
    if isinstance(got, Exception):
        raise got
    return got


def read_councils(paths: Sequence[Path], names: Sequence[str | None] | None = None,
                  extract_dates: Sequence[Mapping[str, pd.Timestamp] | None] | None = None,
                  postcodes: Path | None = None) -> list[ReadResult | Exception]:
    """`read_council` of several councils at once: each council's result, or the error
    (InputError, or any other) reading it alone raises. Every table is parsed and checked for
    all of them together (`frame.build_tables`), so a batch of small councils pays the
    per-table cost once (issue 15); each council's records, quarantine, repairs and notes are
    what reading it alone gives. Should a step done for all of them at once fail, each council
    is read again alone, so the error is the council's own and the others are read."""
    n = len(paths)
    names = list(names) if names is not None else [None] * n
    given = list(extract_dates) if extract_dates is not None else [None] * n
    try:
        return _read_together(paths, names, given, postcodes)
    except Exception:  # noqa: BLE001 - only to find whose it is: each council read alone
        if n == 1:
            raise
    out: list[ReadResult | Exception] = []
    for path, name, dates in zip(paths, names, given, strict=True):
        try:
            out += _read_together([path], [name], [dates], postcodes)
        except Exception as err:  # noqa: BLE001 - the council's own error, as its result
            out.append(err)
    return out


def _read_together(paths: Sequence[Path], names: list[str | None],
                   given: list[Mapping[str, pd.Timestamp] | None],
                   postcodes: Path | None) -> list[ReadResult | Exception]:
    """`read_councils`; an error in one council's own steps is its result, an error in a step
    done for all at once is raised."""
    specs = table_specs()
    out: list[ReadResult | Exception | None] = [None] * len(paths)
    found: dict[int, tuple[Found, dict[str, list[Source]], dict[str, list[str]]]] = {}
    for i, path in enumerate(paths):
        try:
            found[i] = _sources(Path(path), given[i], specs)
        except Exception as err:  # noqa: BLE001 - the council's own error, as its result
            out[i] = err
    built: dict[int, dict[str, Built | InputError]] = {i: {} for i in found}
    for table in dict.fromkeys(t for i in found for t in found[i][1]):  # (in order found)
        have = [i for i in found if table in found[i][1]]
        res = build_tables([found[i][1][table] for i in have], specs[table]["spec"],
                           END_PAIRS.get(table),
                           duplicates="repair" if specs[table]["group"] == "ssda903"
                           else "quarantine",
                           dedupe_on=["child_id", "sex", "dob"] if table == "header" else None)
        for i, r in zip(have, res, strict=True):
            built[i][table] = r
    readings: dict[int, _Reading] = {}
    for i, (got, sources, dated) in found.items():
        try:
            readings[i] = _tables(Path(paths[i]), names[i], got, sources, dated, built[i],
                                  specs)
        except Exception as err:  # noqa: BLE001 - the council's own error, as its result
            out[i] = err
    for table, repair in (("episodes", repair_episodes), ("sw_episodes", dedupe_allocations)):
        _repair_together(list(readings.values()), table, repair)
    for i, reading in readings.items():
        try:
            out[i] = _records(reading, specs, postcodes)
        except Exception as err:  # noqa: BLE001 - the council's own error, as its result
            out[i] = err
    return out  # type: ignore[return-value]


def _sources(path: Path, extract_dates: Mapping[str, pd.Timestamp] | None,
             specs: dict) -> tuple[Found, dict[str, list[Source]], dict[str, list[str]]]:
    """A council folder's sources by table (monthly Annex A extracts dated), and the notes on
    each table's extracts."""
    if not path.is_dir():
        raise InputError(path, "input directory not found")
    found = find_sources(path)
    if not found.sources:
        raise InputError(path, "no usable data: no Annex A list, SSDA903 table or workforce "
                               "file found (" + ("; ".join(found.notes[:3]) or "no files")
                         + ")")
    notes: dict[str, list[str]] = {}
    sources: dict[str, list[Source]] = {}
    for table, srcs in found.sources.items():
        t = specs[table]
        # monthly extracts: each dated by its file (or config); list 11 (adopters) has no
        # child columns, so no extract date column either: read as it is
        if t["group"] == "annex_a" and "extract_date" in t["spec"]:
            srcs, more = date_sources(srcs, t["spec"]["extract_date"]["names"], path,
                                      extract_dates)
            notes[table] = [f"{table}: {n}" for n in more]
        sources[table] = srcs
    return found, sources, notes


@dataclass
class _Reading:
    """A council part read: its tables (dated and checked), quarantine and repairs so far,
    notes and accounting; `repaired`: its episodes and allocations once repaired."""

    path: Path
    name: str | None
    found: Found
    tables: dict[str, pd.DataFrame]
    qs: list[pd.DataFrame]
    rs: list[pd.DataFrame]
    notes: list[str]
    rows_in: int
    blank: int
    extract: pd.Timestamp | None
    repaired: dict[str, pd.DataFrame] = field(default_factory=dict)


def _tables(path: Path, name: str | None, found: Found, by_table: dict[str, list[Source]],
            dated: dict[str, list[str]], built: dict[str, Built | InputError],
            specs: dict) -> _Reading:
    """One council's tables as built, checked against each other and dated (`read_council`,
    after parsing, before the 903 repairs); notes table by table, as they were found."""
    notes = list(found.notes)
    tables: dict[str, pd.DataFrame] = {}
    qs: list[pd.DataFrame] = []
    rs: list[pd.DataFrame] = []
    rows_in = blank = 0
    for table, sources in by_table.items():
        notes += dated.get(table, [])
        got = built[table]
        if isinstance(got, InputError):
            if specs[table]["used"]:
                raise got
            notes.append(f"{table} not read (no indicator needs it yet): {got}")
            continue
        df, q, r = got
        rows_in += sum(s.rows + s.blank_rows for s in sources)
        blank += sum(s.blank_rows for s in sources)
        tables[table] = df
        qs.append(q)
        rs.append(r)
    if "header" in tables:
        tables["header"], q = _header_conflicts(tables["header"])
        qs.append(q)
    if "audits" in tables:
        tables["audits"], q = clean_audits(tables["audits"], found.sources["audits"])
        qs.append(q)
    extract = infer_extract_date(tables, specs)
    tables, q, r = apply_extract_date(tables, specs, extract)
    qs.append(q)
    rs.append(r)
    return _Reading(path, name, found, tables, qs, rs, notes, rows_in, blank, extract)


Repair = Callable[[pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]


def _repair_together(readings: list[_Reading], table: str, repair: Repair) -> None:
    """`repair` (repair_episodes, dedupe_allocations) of each council's `table`, into its
    `repaired` and its repairs log: councils whose tables have the same columns and types at
    once (a `_group` column numbers them; see repair_episodes), the others one by one."""
    have = [r for r in readings if table in r.tables and len(r.tables[table])]
    kinds: dict[tuple[str, ...], list[_Reading]] = {}
    for r in have:
        kinds.setdefault(column_kinds(r.tables[table]), []).append(r)
    for members in kinds.values():
        if len(members) == 1:
            fixed, log = repair(members[0].tables[table])
            members[0].repaired[table] = fixed
            members[0].rs.append(log)
            continue
        frames = [r.tables[table] for r in members]
        stacked = pd.concat(frames, ignore_index=True)
        stacked[GROUP] = np.repeat(np.arange(len(frames), dtype=np.int64),
                                   [len(f) for f in frames])
        fixed, log = repair(stacked)
        log = log.sort_values(GROUP, kind="stable")  # (each council's, in the order logged)
        at = np.searchsorted(fixed[GROUP].to_numpy(), np.arange(len(frames) + 1))
        logged = np.searchsorted(log[GROUP].to_numpy(), np.arange(len(frames) + 1))
        fixed, log = fixed.drop(columns=GROUP), log.drop(columns=GROUP)
        for k, r in enumerate(members):
            r.repaired[table] = fixed.iloc[at[k]:at[k + 1]].reset_index(drop=True)
            r.rs.append(log.iloc[logged[k]:logged[k + 1]].reset_index(drop=True))


def _records(reading: _Reading, specs: dict, postcodes: Path | None) -> ReadResult:
    """A council's ReadResult from its tables (`read_council`, after the 903 repairs)."""
    tables, notes = reading.tables, list(reading.notes)
    episodes = reading.repaired.get("episodes", tables.get("episodes"))
    sw = reading.repaired.get("sw_episodes", tables.get("sw_episodes"))
    workers, team_notes = _apply_team_map(tables.get("workers"), tables.get("team_map"))
    notes += team_notes
    children = _children([tables.get("header")]
                         + [tables[t] for t in tables
                            if specs[t]["group"] == "annex_a" and "child_id" in tables[t]])
    records = Records(council=reading.name or reading.path.name,
                      children=_contract(children, "children"))
    for t in COLUMNS:
        if t == "children":
            continue
        df = {"episodes": episodes, "sw_episodes": sw, "workers": workers}.get(t, tables.get(t))
        setattr(records, t, _contract(df, t))
    notes += _attach_postcodes(records, postcodes or reading.found.info.get("postcodes"),
                               reading.path)
    quarantine = concat([q for q in reading.qs if len(q)], empty_quarantine())
    quarantine = quarantine[QUARANTINE_COLUMNS].reset_index(drop=True)
    repairs = concat([r for r in reading.rs if len(r)], empty_repairs())[REPAIR_COLUMNS]
    repairs = repairs.reset_index(drop=True)
    rows = {t: len(df) for t, df in records.tables().items()}
    kept = sum(len(df) for t, df in tables.items()
               if t not in ("episodes", "sw_episodes"))
    kept += len(records.episodes) + len(records.sw_episodes)
    merged = int(repairs["action"].isin(MERGE_ACTIONS).sum())
    rows_in, blank = reading.rows_in, reading.blank
    if rows_in != kept + len(quarantine) + blank + merged:  # pragma: no cover - a reader bug
        notes.append(f"row accounting off: {rows_in} in, {kept} read, {len(quarantine)} "
                     f"quarantined, {blank} blank, {merged} merged")
    return ReadResult(records, quarantine, repairs, rows, rows_in, blank, merged, kept, notes,
                      reading.extract)


def _attach_postcodes(records: Records, source: str | Path | None, folder: Path) -> list[str]:
    """Read the centroid file (if any) into records.postcodes; notes on what it places."""
    if source is None:
        return []
    from kpis.records.readers.postcodes import match_notes, read_centroids

    table, notes = read_centroids(Path(source))
    records.postcodes = _contract(table, "postcodes")
    name = Path(source).name
    return notes + match_notes(records.episodes, records.postcodes, name)


def council_dirs(path: Path) -> list[Path]:
    """The council directories under `path`: itself, or each subfolder holding data."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(path, "input directory not found")
    if is_council_dir(path):
        return [path]
    subs = [p for p in sorted(path.iterdir()) if is_council_dir(p)]
    if not subs:
        raise InputError(path, "no council data found (expected Annex A lists, SSDA903 or "
                               "workforce files, or subfolders that hold them)")
    return subs


def read_input(path: Path) -> list[ReadResult]:
    """Read every council under `path` (one directory, or one subdirectory per council)."""
    return [read_council(p) for p in council_dirs(path)]
