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

from kpis.records.readers.arrow_text import arrow_bytes, fixed_dates, text_array
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


def _distinct(s: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """(codes, distinct cells) of a text column (a CSV's, or a field the file lacks), so it can be
    parsed once per distinct cell (Arrow's dictionary encoding) and mapped back; None for a
    workbook column of Python objects (1 and 1.0 hash alike but print differently)."""
    if not isinstance(s.dtype, pd.StringDtype):
        return None
    if s.dtype.storage == "pyarrow":  # Arrow's dictionary encoding, without pandas' wrapping
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(text_array(s))
        codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
        uniques = pd.Series(pd.arrays.ArrowStringArray(enc.dictionary, dtype=s.dtype))
        return codes, uniques
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
    frame: pd.DataFrame, headers: dict[str, str], spec: dict[str, dict[str, Any]],
    file: str, sheet: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Parse every mapped field by its `type`; rows with any unusable cell go to the quarantine
    (one quarantine row per data row: the first problem found, in column order).

    Placeholder dates (31/12/9999, 01/01/1900; see `parse_dates_full`): in an end, event or
    birth date they mean "none" - the cell is read as missing and a repair is logged; in a start
    date the row is quarantined. FTE (`type: fte`) outside (0, 1.5] is quarantined; a census
    leaver's FTE 0 is replaced by FTE30 when that is in range (repair logged).
    Returns (parsed rows, quarantine, repairs)."""
    codes = load_yaml("codes.yml")["codes"]
    out: dict[str, pd.Series] = {}
    flagged = np.zeros(len(frame), dtype=bool)
    problems: list[tuple[np.ndarray, str, str, pd.Series]] = []  # (rows, reason, column, value)
    id_field = next((f for f, fs in spec.items() if f == "child_id" or fs.get("id")), None)
    repairs: list[pd.DataFrame] = [empty_repairs()]
    prefix = file.replace("\\", "/").rsplit("/", 1)[-1] + (f" [{sheet}]" if sheet else "")

    def where(mask: np.ndarray) -> pd.Series:
        return prefix + " row " + frame.loc[mask, "_row"].astype("string")

    def flag(mask: pd.Series, why: str, field: str) -> None:
        new = np.asarray(mask, dtype=bool) & ~flagged
        if new.any():
            flagged[new] = True
            problems.append((new, why, headers[field], _text(frame.loc[new, field]).fillna("")))

    def repair(mask: pd.Series, action: str, detail: pd.Series) -> None:
        m = np.asarray(mask, dtype=bool)
        if m.any():
            repairs.append(pd.DataFrame({"child_id": ids[m].astype("string"),
                                         "action": action,
                                         "detail": (where(m) + ": " + detail[m])
                                         .astype("string")}))

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
                    repair(sent & ~flagged, "placeholder_date_blank",
                           headers[field] + " " + _text(raw).fillna("") + " read as blank"
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
    if len(frame):  # the text columns `df[c] = file` gives, made in Arrow at once (issue 15)
        out["_file"], out["_sheet"] = _const_text(file, len(frame)), _const_text(sheet, len(frame))
    parsed_frame = pd.DataFrame(out, index=frame.index, copy=False)  # copy-on-write columns
    if not len(frame):
        parsed_frame["_file"] = file
        parsed_frame["_sheet"] = sheet
    any_bad = bool(flagged.any())
    return (parsed_frame.loc[~flagged] if any_bad else parsed_frame,
            _quarantine(frame, flagged, problems, file, sheet),
            _drop_repairs_on_bad_rows(repairs, where(flagged) if any_bad else None))


def _quarantine(frame: pd.DataFrame, flagged: np.ndarray,
                problems: list[tuple[np.ndarray, str, str, pd.Series]], file: str,
                sheet: str) -> pd.DataFrame:
    """One quarantine row per flagged row, in row order: its first problem."""
    if not flagged.any():
        return empty_quarantine()
    column = np.full(len(frame), None, dtype=object)
    reason = column.copy()
    value = column.copy()
    for rows, why, col, val in problems:
        reason[rows] = why
        column[rows] = col
        value[rows] = val.to_numpy(dtype=object)
    return pd.DataFrame({
        "file": file, "sheet": sheet, "row": frame.loc[flagged, "_row"].astype("int64"),
        "column": pd.array(column[flagged], dtype="string"),
        "value": pd.array(value[flagged], dtype="string"),
        "reason": pd.array(reason[flagged], dtype="string"),
    }, index=frame.index[flagged])


def _drop_repairs_on_bad_rows(repairs: list[pd.DataFrame], bad_where: pd.Series | None,
                              ) -> pd.DataFrame:
    """A repair on a row that is quarantined anyway is not a repair."""
    rep = pd.concat(repairs, ignore_index=True)
    if len(rep) > 0 and bad_where is not None:
        rep = rep[~rep["detail"].str.split(": ", n=1).str[0].isin(set(bad_where.tolist()))]
    return rep.reset_index(drop=True)


def build_table(
    sources: list[Source], spec: dict[str, dict[str, Any]],
    end_pair: tuple[str, str] | None = None, duplicates: str = "quarantine",
    dedupe_on: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Map, parse and check every source of one table; concatenate.

    - cells that cannot be read -> quarantine (see `parse_frame`);
    - `end_pair` (start field, end field): end before start -> quarantine;
    - exact duplicates (same values in every mapped field, after parsing, so '01/02/2020' and
      '2020-02-01' are the same): `duplicates="quarantine"` puts the later copies in the
      quarantine (Annex A, workforce); `"repair"` drops them and logs a repair
      (`duplicate_removed`): SSDA903 returns repeat open records year after year.
    Returns (table with `_file`, `_sheet`, `_row` columns, quarantine, repairs).
    """
    parsed: list[pd.DataFrame] = []
    quarantine: list[pd.DataFrame] = []
    pre_repairs: list[pd.DataFrame] = [empty_repairs()]
    headers_by_file: dict[str, dict[str, str]] = {}
    for src in sources:
        frame, headers = map_columns(src, spec)
        ok, bad, rep = parse_frame(frame, headers, spec, src.file, src.sheet)
        parsed.append(ok)
        quarantine.append(bad)
        pre_repairs.append(rep)
        headers_by_file[src.file + "|" + src.sheet] = headers
    fields = list(spec)
    if not parsed:
        cols = {f: pd.Series(dtype="object") for f in fields + ["_row", "_file", "_sheet"]}
        return pd.DataFrame(cols), empty_quarantine(), concat(pre_repairs, empty_repairs())
    df = pd.concat(parsed, ignore_index=True)
    repairs = pre_repairs
    if end_pair is not None and len(df):
        start, end = end_pair
        mask = (df[end] < df[start]).fillna(False).astype(bool)
        if mask.any():
            q = quarantine_rows(df, mask, spec[end]["names"][0], fmt_dates(df.loc[mask, end]),
                                END_BEFORE_START)
            quarantine.append(q)
            df = df.loc[~mask]
    key = dedupe_on or fields
    dup = duplicated_rows(df, key)
    if dup.any():
        if duplicates == "quarantine":
            quarantine.append(quarantine_rows(df, dup, "(all)", df["child_id"] if "child_id" in df
                                              else df[fields[0]], DUPLICATE))
        else:
            d = df.loc[dup]
            repairs.append(pd.DataFrame({
                "child_id": d[fields[0]].astype("string"), "action": "duplicate_removed",
                "detail": ("exact duplicate in "
                           + d["_file"].str.replace(r".*[/\\]", "", regex=True)
                           + " row " + d["_row"].astype("string")),
            }))
        df = df.loc[~dup]
    q = concat(quarantine, empty_quarantine())
    return df.reset_index(drop=True), q, concat(repairs, empty_repairs())
