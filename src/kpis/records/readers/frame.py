"""Parsing one table: every source of it mapped (`map_columns`), parsed field by field
(`parse_frame`), checked and concatenated (`build_table`).

A CSV's date, code, yes/no and number columns are parsed once per distinct cell (Arrow's
dictionary encoding). Dates in the usual dd/mm/yyyy and yyyy-mm-dd forms are read straight
from Arrow's bytes (`arrow_text.fixed_dates`); any other date, and every code or yes/no cell, is
parsed once per process (`_memo_parse`): 150 councils' codes and odd dates are the same few
thousand cells. Plain text fields (ids, teams) are stripped in Arrow without hashing, and only
when a cell has something to strip. Every parser is a function of the cell alone, so this
changes no value, mask or quarantine row; only workbook columns of Python objects are parsed
cell by cell (issue 15: the 150-council run is identical either way)."""

from __future__ import annotations

from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from kpis.errors import InputError
from kpis.records.readers.arrow_text import (
    arrow_bytes,
    dictionary_codes,
    fixed_dates,
    text_array,
    text_chunks,
)
from kpis.records.readers.parsing import (
    BAD_DATE,
    BAD_NUMBER,
    DUPLICATE,
    END_BEFORE_START,
    FTE_RANGE,
    MISSING_DATE,
    MISSING_ID,
    MISSING_VALUE,
    PLACEHOLDER_DATE,
    UNKNOWN_CODE,
    Source,
    _parse_fte,
    _text,
    _text_arrow,
    concat,
    date_limits,
    duplicated_rows,
    empty_quarantine,
    empty_repairs,
    fmt_dates,
    fte_range,
    load_yaml,
    map_columns,
    parse_bool,
    parse_code,
    parse_dates_full,
    parse_number,
    parse_sex,
    quarantine_rows,
)
from kpis.records.readers.textcsv import arrow_frame, arrow_types


def _distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """(codes, distinct cells) of a text column (a CSV's, or a field the file lacks), so it can be
    parsed once per distinct cell (Arrow's dictionary encoding) and mapped back; None for a
    workbook column of Python objects (1 and 1.0 hash alike but print differently)."""
    if not isinstance(s.dtype, pd.StringDtype):
        return None
    if s.dtype.storage == "pyarrow":  # Arrow's dictionary encoding, without pandas' wrapping
        codes, uniques = dictionary_codes(text_chunks(s))
        return codes, pd.Series(pd.arrays.ArrowStringArray(uniques, dtype=s.dtype))
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, pd.Series(uniques, dtype=s.dtype)


def _const_text(value: str, n: int) -> Any:
    """`n` copies of `value` as the text column pandas makes of `df[c] = value` ("str")."""
    import pyarrow as pa

    return pd.arrays.ArrowStringArray(pa.repeat(pa.scalar(value, pa.large_string()), n),
                                      dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _is_arrow_text(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"


def _spread(values: pd.Series, codes: np.ndarray, index: pd.Index,
            mask: bool = False) -> pd.Series:
    """Per-distinct-cell results back onto the rows (code -1, a missing cell: missing, or False
    in a mask)."""
    if mask:
        flags = (values.to_numpy() if values.dtype == np.bool_  # (no missing to fill)
                 else values.to_numpy(dtype=bool, na_value=False))
        return pd.Series(np.append(flags, False)[codes], index=index)
    if values.dtype == _NS or values.dtype == np.float64:  # numpy: missing is NaT / NaN
        fill = np.datetime64("NaT", "ns") if values.dtype == _NS else np.nan
        return pd.Series(np.append(values.to_numpy(), fill)[codes], index=index)
    return pd.Series(pd.api.extensions.take(values.array, codes, allow_fill=True), index=index)


_NS = np.dtype("datetime64[ns]")


def _parse_field(raw: pd.Series, kind: str, field: str, fspec: dict[str, Any],
                 codes: dict[str, list[str]]) -> tuple[pd.Series, ...]:
    """The parser of one field by its `type`: (values, unreadable mask[, placeholder mask])."""
    if kind == "date":
        return parse_dates_full(raw)
    if kind == "bool":
        return parse_bool(raw)
    if kind == "code":
        return parse_code(raw, codes[fspec["codes"]])
    if kind in ("int", "float"):
        return parse_number(raw)
    if kind == "sex" or field == "sex":
        return parse_sex(raw)
    return (_text(raw),)


#: parsed distinct cells, by parser: (cell -> position in the results, [values, masks...]);
#: dates, codes and yes/no cells repeat across columns, files and councils, so each is parsed
#: once per process. The positions live in a dict, which only hashes the cells looked up (an
#: Arrow value set was rebuilt from every cell seen so far on every call; issue 15).
_MEMO: dict[tuple[str, str], tuple[dict[str, int], list[pd.Series]]] = {}
_MEMO_MAX = 500_000  # distinct cells kept per parser (then start afresh)


def _cells(uniques: pd.Series) -> np.ndarray:
    """Distinct cells as an object array of Python strings."""
    if _is_arrow_text(uniques):
        return text_array(uniques).to_numpy(zero_copy_only=False)
    return uniques.to_numpy(dtype=object)


def _memo_parse(uniques: pd.Series, key: tuple[str, str],
                parse: Any) -> tuple[np.ndarray, list[pd.Series]]:
    """(position of each distinct cell in the memo, the memo's results) for `uniques`,
    parsing only the cells not seen before."""
    cells = _cells(uniques)
    got = _MEMO.get(key)
    if got is None or len(got[0]) > _MEMO_MAX:
        got = ({}, [])
    seen, results = got
    ix = np.fromiter(map(seen.get, cells, repeat(-1)), dtype=np.int64, count=len(cells))
    new = ix < 0
    if new.any() or not results:  # (an empty column still needs typed results once)
        parsed = [x.reset_index(drop=True) for x in parse(uniques[new].reset_index(drop=True))]
        results = ([pd.concat([a, b], ignore_index=True) for a, b in zip(results, parsed,
                                                                           strict=True)]
                   if results else parsed)
        ix[new] = len(seen) + np.arange(int(new.sum()))
        seen.update(zip(cells[new], ix[new].tolist(), strict=True))
        _MEMO[key] = (seen, results)
    return ix, results


def parse_field(raw: pd.Series, kind: str, field: str, fspec: dict[str, Any],
                codes: dict[str, list[str]]) -> tuple[pd.Series, ...]:
    """`_parse_field` run once per distinct cell of a text column (dates, codes and yes/no
    cells once per process: `_memo_parse`), else on every cell: the same values and masks
    either way (every parser is a function of the cell alone). A CSV's dates in the two usual
    forms are read straight from Arrow's bytes first (`arrow_text.fixed_dates`)."""
    kind = "sex" if field == "sex" and kind not in ("date", "bool", "code", "int", "float") \
        else kind
    if kind == "text" and _is_arrow_text(raw):  # strip + blanks in Arrow: cheaper than hashing
        return (_text_arrow(raw, name=None),)
    if kind == "date" and _is_arrow_text(raw):
        return _arrow_dates(raw, field, fspec, codes)
    return _parse_distinct(raw, kind, field, fspec, codes)


def _arrow_dates(raw: pd.Series, field: str, fspec: dict[str, Any],
                 codes: dict[str, list[str]]) -> tuple[pd.Series, ...]:
    """`parse_dates_full` of a CSV's date column, once per distinct cell (`_distinct`): cells
    in the usual forms read from their bytes (`fixed_dates`), empty cells missing, and only
    the others (padded, other forms, placeholders, garbage) through the general parser and
    its memo; spread back onto the rows (`_spread`): the same values and masks."""
    pos, uniques = _distinct(raw)  # (a CSV's column: Arrow text)
    cells = text_array(uniques)
    lo, hi = date_limits()
    values, done = fixed_dates(cells, lo, hi)
    bad = np.zeros(len(cells), dtype=bool)
    sent = bad.copy()
    _, length, _, _ = arrow_bytes(cells)
    rest = np.flatnonzero(~done & (length > 0))  # (an empty cell is missing)
    if len(rest):
        v, b, s = _parse_distinct(uniques.iloc[rest].reset_index(drop=True), "date", field,
                                  fspec, codes)
        values[rest], bad[rest], sent[rest] = v.to_numpy(), b.to_numpy(), s.to_numpy()
    index = raw.index
    return (_spread(pd.Series(values), pos, index), _spread(pd.Series(bad), pos, index, True),
            _spread(pd.Series(sent), pos, index, True))


def _parse_distinct(raw: pd.Series, kind: str, field: str, fspec: dict[str, Any],
                    codes: dict[str, list[str]]) -> tuple[pd.Series, ...]:
    """`parse_field` once per distinct cell (see there)."""
    d = _distinct(raw)
    if d is None:
        return _parse_field(raw, kind, field, fspec, codes)
    pos, uniques = d
    if kind == "text":
        res = _parse_field(uniques, kind, field, fspec, codes)
    else:
        ix, res = _memo_parse(uniques, (kind, str(fspec.get("codes", ""))),
                              lambda u: _parse_field(u, kind, field, fspec, codes))
        if len(ix):
            pos = np.where(pos >= 0, ix[np.maximum(pos, 0)], -1)
    return tuple(_spread(x, pos, raw.index, mask=i > 0) for i, x in enumerate(res))


def parse_frame(
    frame: pd.DataFrame, src: np.ndarray, headers: list[dict[str, str]],
    spec: dict[str, dict[str, Any]], files: list[str], sheets: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Parse every mapped field by its `type`; rows with any unusable cell go to the quarantine
    (one quarantine row per data row: the first problem found, in column order).

    `frame`: mapped sources stacked (`build_tables`); row i is from source `src[i]` (its file,
    sheet, headers as found at that place in `files`, `sheets`, `headers`). Each parser is a
    function of the cell alone: a row gets what parsing its source alone gives.

    Placeholder dates (31/12/9999, 01/01/1900; see `parse_dates_full`): in an end, event or
    birth date they mean "none" - the cell is read as missing and a repair is logged; in a start
    date the row is quarantined. FTE (`type: fte`) outside (0, 1.5] is quarantined; a census
    leaver's FTE 0 is replaced by FTE30 when that is in range (repair logged).
    Returns (parsed rows, quarantine, repairs), each with a `_src` column (the source number);
    repairs by source, then field."""
    codes = load_yaml("codes.yml")["codes"]
    out: dict[str, pd.Series] = {}
    flagged = np.zeros(len(frame), dtype=bool)
    problems: list[tuple[np.ndarray, str, np.ndarray, pd.Series]] = []  # (rows, reason,
    repairs: list[pd.DataFrame] = []  # column as found, value)
    id_field = next((f for f, fs in spec.items() if f == "child_id" or fs.get("id")), None)
    prefix = np.array([f.replace("\\", "/").rsplit("/", 1)[-1] + (f" [{sh}]" if sh else "")
                       for f, sh in zip(files, sheets, strict=True)], dtype=object)

    def where(mask: np.ndarray) -> pd.Series:
        return (pd.Series(prefix[src[mask]], index=frame.index[mask], dtype="string")
                + " row " + frame.loc[mask, "_row"].astype("string"))

    def header(field: str) -> np.ndarray:  # each source's heading of `field`
        return np.array([h[field] for h in headers], dtype=object)

    def flag(mask: pd.Series, why: str, field: str) -> None:
        new = np.asarray(mask, dtype=bool) & ~flagged
        if new.any():
            flagged[new] = True
            problems.append((new, why, header(field)[src[new]],
                             _text(frame.loc[new, field]).fillna("")))

    def repair(mask: pd.Series, action: str, detail: pd.Series) -> None:
        m = np.asarray(mask, dtype=bool)
        if m.any():
            repairs.append(pd.DataFrame({"child_id": ids[m].astype("string"),
                                         "action": action,
                                         "detail": (where(m) + ": " + detail[m])
                                         .astype("string"), "_src": src[m]}))

    ids = (parse_field(frame[id_field], "text", id_field, spec[id_field], codes)[0]
           if id_field else pd.Series("", index=frame.index))
    for field, fspec in spec.items():
        raw = frame[field]
        kind = fspec.get("type", "text")
        if field == id_field:
            flag(ids.isna(), MISSING_ID if field == "child_id" else MISSING_VALUE, field)
            out[field] = ids
            continue
        if kind == "fte":
            parsed, bad, use, f30 = _parse_fte(frame, raw)
            repair(use & ~flagged, "fte_from_fte30", "FTE " + _text(raw).fillna("blank")
                   + " -> FTE30 " + f30.astype("string").fillna(""))
            lo, hi = fte_range()
            flag(bad, BAD_NUMBER, field)
            flag(parsed.isna(), MISSING_VALUE, field)
            flag((parsed <= lo) | (parsed > hi), FTE_RANGE, field)
            out[field] = parsed
            continue
        parsed, bad, *rest = parse_field(raw, kind, field, fspec, codes) + (None,)
        if kind == "date":
            sent = rest[0]
            flag(bad, BAD_DATE, field)
            if sent.any():
                if fspec.get("kind") == "start":
                    flag(sent, PLACEHOLDER_DATE, field)
                else:
                    named = pd.Series(header(field)[src], index=frame.index, dtype="string")
                    repair(sent & ~flagged, "placeholder_date_blank",
                           named + " " + _text(raw).fillna("") + " read as blank"
                           + (" (open)" if fspec.get("kind") == "end" else ""))
            if fspec.get("required") and not fspec.get("optional_value"):
                flag(parsed.isna() & ~bad & ~sent, MISSING_DATE, field)
        elif kind == "code":
            flag(bad, UNKNOWN_CODE, field)
            if fspec.get("required") and not fspec.get("optional_value"):
                flag(parsed.isna() & ~bad, MISSING_VALUE, field)
        elif kind in ("int", "float"):
            flag(bad, BAD_NUMBER, field)
        elif bad is not None:  # bool, sex
            flag(bad, UNKNOWN_CODE, field)
        out[field] = parsed
    out["_row"] = frame["_row"]
    parsed_frame = _with_sources(out, frame.index, src, files, sheets)
    any_bad = bool(flagged.any())
    return (parsed_frame.loc[~flagged] if any_bad else parsed_frame,
            _quarantine(frame, src, flagged, problems, files, sheets),
            _drop_repairs_on_bad_rows(repairs, src[flagged],
                                      where(flagged) if any_bad else None))


def _with_sources(out: dict[str, pd.Series], index: pd.Index, src: np.ndarray,
                  files: list[str], sheets: list[str]) -> pd.DataFrame:
    """The parsed fields, then `_file`, `_sheet` (each row's source's) and `_src`."""
    if len(index):  # the text columns `df[c] = file` gives, made in Arrow at once (issue 15)
        out["_file"], out["_sheet"] = _per_source(files, src), _per_source(sheets, src)
    parsed = pd.DataFrame(out, index=index, copy=False)  # copy-on-write columns
    if not len(index):
        parsed["_file"] = files[0] if files else ""
        parsed["_sheet"] = sheets[0] if sheets else ""
    parsed["_src"] = src
    return parsed


def _per_source(names: list[str], src: np.ndarray) -> Any:
    """Each row's source's name, as the text column `df[c] = name` gives ("str")."""
    if len(names) == 1:
        return _const_text(names[0], len(src))
    import pyarrow as pa

    return pd.arrays.ArrowStringArray(pa.array(names, pa.large_string()).take(src),
                                      dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _quarantine(frame: pd.DataFrame, src: np.ndarray, flagged: np.ndarray,
                problems: list[tuple[np.ndarray, str, np.ndarray, pd.Series]],
                files: list[str], sheets: list[str]) -> pd.DataFrame:
    """One quarantine row per flagged row, in row order: its first problem."""
    if not flagged.any():
        return empty_quarantine().assign(_src=np.zeros(0, dtype=np.int64))
    column = np.full(len(frame), None, dtype=object)
    reason = column.copy()
    value = column.copy()
    for rows, why, col, val in problems:
        reason[rows] = why
        column[rows] = col
        value[rows] = val.to_numpy(dtype=object)
    at = src[flagged]
    return pd.DataFrame({
        "file": np.array(files, dtype=object)[at], "sheet": np.array(sheets, dtype=object)[at],
        "row": frame.loc[flagged, "_row"].astype("int64"),
        "column": pd.array(column[flagged], dtype="string"),
        "value": pd.array(value[flagged], dtype="string"),
        "reason": pd.array(reason[flagged], dtype="string"), "_src": at,
    }, index=frame.index[flagged])


def _drop_repairs_on_bad_rows(repairs: list[pd.DataFrame], bad_src: np.ndarray,
                              bad_where: pd.Series | None) -> pd.DataFrame:
    """A repair on a row that is quarantined anyway is not a repair (rows of the same source
    only: two councils' files may have the same name). The repairs in source order."""
    rep = pd.concat([empty_repairs().assign(_src=np.zeros(0, dtype=np.int64)), *repairs],
                    ignore_index=True)
    if len(rep) > 0 and bad_where is not None:
        at = rep["_src"].astype("string") + "|" + rep["detail"].str.split(": ", n=1).str[0]
        bad = pd.Series(bad_src, dtype="string") + "|" + bad_where.reset_index(drop=True)
        rep = rep[~at.isin(set(bad.tolist()))]
    if len(repairs) > 1:
        rep = rep.sort_values("_src", kind="stable")
    return rep.reset_index(drop=True)


Built = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def build_tables(
    groups: list[list[Source]], spec: dict[str, dict[str, Any]],
    end_pair: tuple[str, str] | None = None, duplicates: str = "quarantine",
    dedupe_on: list[str] | None = None,
) -> list[Built | InputError]:
    """Map, parse and check every source of one table, for each group of sources (one
    council's); each group's sources concatenated, in order.

    - cells that cannot be read -> quarantine (see `parse_frame`);
    - `end_pair` (start field, end field): end before start -> quarantine;
    - exact duplicates within a group (same values in every mapped field, after parsing, so
      '01/02/2020' and '2020-02-01' are the same): `duplicates="quarantine"` puts the later
      copies in the quarantine (Annex A, workforce); `"repair"` drops them and logs a repair
      (`duplicate_removed`): SSDA903 returns repeat open records year after year.
    Returns, for each group, (table with `_file`, `_sheet`, `_row` columns, quarantine,
    repairs), or the InputError of a source that lacks a required column.

    Groups whose mapped sources have the same column types are parsed and checked together,
    as one stacked table (`parse_frame`), and split again: a few thousand pandas calls per
    table are paid once for a batch of councils, not once per council (issue 15). Every step
    is a function of the row alone, or of the rows of one group (duplicates: the group is part
    of the key), so each group gets what reading it alone gives.
    """
    out: list[Built | InputError | None] = [None] * len(groups)
    mapped: dict[int, list[tuple[pd.DataFrame, dict[str, str], Source]]] = {}
    stacks: dict[tuple[str, ...], list[int]] = {}
    for g, sources in enumerate(groups):
        if not sources:  # (nothing to read: the table's fields, no rows)
            cols = {f: pd.Series(dtype="object") for f in [*spec, "_row", "_file", "_sheet"]}
            out[g] = (pd.DataFrame(cols), empty_quarantine(), empty_repairs())
            continue
        try:
            mapped[g] = [(*map_columns(s, spec), s) for s in sources]
        except InputError as err:
            out[g] = err
            continue
        kinds = {column_kinds(f) for f, _, _ in mapped[g]}
        if len(kinds) == 1:  # (a group of mixed column types is parsed source by source)
            stacks.setdefault(kinds.pop(), []).append(g)
        else:
            _check(_parse_each(mapped[g], spec), np.zeros(len(mapped[g]), dtype=np.int64), [g],
                   spec, end_pair, duplicates, dedupe_on, out)
    for members in stacks.values():
        parts = [m for g in members for m in mapped[g]]
        council = np.repeat(np.arange(len(members)), [len(mapped[g]) for g in members])
        _check(_parse_stack(parts, spec), council, members, spec, end_pair, duplicates,
               dedupe_on, out)
    return out  # type: ignore[return-value]


def column_kinds(df: Any) -> tuple[str, ...]:
    """A frame's column names and types: frames alike in both are stacked (concatenating
    others would change a column's type, and so what it parses or repairs to). A mapped Arrow
    table's are those of the frame `arrow_frame` makes of it, so it stacks with frames alike."""
    if isinstance(df, pd.DataFrame):
        return tuple(map(str, df.columns)) + tuple(map(str, df.dtypes))
    types = arrow_types()
    return tuple(df.column_names) + tuple(
        str(types[t]) if t in types else str(np.dtype(t.to_pandas_dtype()))
        for t in df.schema.types)


Parsed = tuple[pd.DataFrame, list[pd.DataFrame], list[pd.DataFrame]]


def _parse_stack(parts: list[tuple[pd.DataFrame, dict[str, str], Source]],
                 spec: dict[str, dict[str, Any]]) -> Parsed:
    """`parse_frame` of mapped sources stacked (source numbers in order)."""
    frames = [f for f, _, _ in parts]
    if not any(isinstance(f, pd.DataFrame) for f in frames):  # (Arrow: stacked, then pandas)
        import pyarrow as pa

        frame = arrow_frame(frames[0] if len(frames) == 1 else pa.concat_tables(frames))
    else:
        frames = [f if isinstance(f, pd.DataFrame) else arrow_frame(f) for f in frames]
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    src = np.repeat(np.arange(len(frames)), [f.shape[0] for f in frames])
    ok, bad, rep = parse_frame(frame, src, [h for _, h, _ in parts], spec,
                               [s.file for _, _, s in parts], [s.sheet for _, _, s in parts])
    return ok.reset_index(drop=True), [bad], [rep]


def _parse_each(parts: list[tuple[pd.DataFrame, dict[str, str], Source]],
                spec: dict[str, dict[str, Any]]) -> Parsed:
    """`parse_frame` source by source (numbered in order), the rows concatenated."""
    oks, bads, reps = [], [], []
    for k, part in enumerate(parts):
        ok, (bad,), (rep,) = _parse_stack([part], spec)
        oks.append(ok.assign(_src=k))
        bads.append(bad.assign(_src=k))
        reps.append(rep.assign(_src=k))
    return pd.concat(oks, ignore_index=True), bads, reps


def _check(parsed: Parsed, council: np.ndarray, members: list[int],
           spec: dict[str, dict[str, Any]], end_pair: tuple[str, str] | None,
           duplicates: str, dedupe_on: list[str] | None,
           out: list[Built | InputError | None]) -> None:
    """End before start and exact duplicates on parsed rows of the groups `members` (source k
    of group members[council[k]]), then each group's share into `out`."""
    df, quarantine, repairs = parsed
    fields = list(spec)
    if end_pair is not None and len(df):
        start, end = end_pair
        mask = (df[end] < df[start]).fillna(False).astype(bool)
        if mask.any():
            q = quarantine_rows(df, mask, spec[end]["names"][0], fmt_dates(df.loc[mask, end]),
                                END_BEFORE_START)
            quarantine.append(q.assign(_src=df["_src"].to_numpy()[mask.to_numpy()]))
            df = df.loc[~mask]
    key = dedupe_on or fields
    if len(members) > 1:  # (duplicates are within a council)
        dup = duplicated_rows(df.assign(_council=council[df["_src"].to_numpy()]),
                              [*key, "_council"])
    else:
        dup = duplicated_rows(df, key)
    if dup.any():
        if duplicates == "quarantine":
            q = quarantine_rows(df, dup, "(all)", df["child_id"] if "child_id" in df
                                else df[fields[0]], DUPLICATE)
            quarantine.append(q.assign(_src=df["_src"].to_numpy()[dup.to_numpy()]))
        else:
            d = df.loc[dup]
            repairs.append(pd.DataFrame({
                "child_id": d[fields[0]].astype("string"), "action": "duplicate_removed",
                "detail": ("exact duplicate in "
                           + d["_file"].str.replace(r".*[/\\]", "", regex=True)
                           + " row " + d["_row"].astype("string")),
                "_src": d["_src"],
            }))
        df = df.loc[~dup]
    df = df.reset_index(drop=True)
    rows = _shares(df.pop("_src").to_numpy(), council, len(members))
    qs = [(p.drop(columns="_src"), _shares(p["_src"].to_numpy(), council, len(members)))
          for p in quarantine if len(p)]
    rs = [(p.drop(columns="_src"), _shares(p["_src"].to_numpy(), council, len(members)))
          for p in repairs if len(p)]
    one = len(members) == 1
    for i, g in enumerate(members):
        part = df if one else df.iloc[rows[i]:rows[i + 1]].reset_index(drop=True)
        out[g] = (part,
                  concat([p.iloc[b[i]:b[i + 1]] for p, b in qs if b[i + 1] > b[i]],
                         empty_quarantine()),
                  concat([p.iloc[b[i]:b[i + 1]] for p, b in rs if b[i + 1] > b[i]],
                         empty_repairs()))


def _shares(src: np.ndarray, council: np.ndarray, n: int) -> np.ndarray:
    """Where each group's rows start and end (rows in group order)."""
    return np.searchsorted(council[src], np.arange(n + 1))
