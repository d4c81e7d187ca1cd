"""CSV files as councils save them: UTF-8 with or without a byte-order mark, or Windows-1252
(Excel's "CSV" on a UK Windows machine: the official List 8 headings' curly quotes become bytes
0x91/0x92), and Excel's formatted-but-empty rows (`,,,,`) at the end or in the middle.

`read_text_csv` returns the cells as text, the line number of every data row as a person sees
it in an editor (blank lines and `,,,,` rows are dropped *and counted*, and do not shift the
numbers of the rows after them), and notes for the run summary (the encoding fallback).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kpis.errors import InputError

_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # what read_csv(dtype=str) gives


@dataclass
class TextCSV:
    """A CSV as read: text cells, the editor line of each row, rows dropped as blank, notes."""

    frame: Any  # a pandas DataFrame, or (read_text_csv(arrow=True)) a pyarrow Table
    lines: np.ndarray
    blank_rows: int = 0
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)


def arrow_types() -> dict[Any, Any]:
    """Arrow types -> the pandas dtypes a text table's columns become: large_string -> "str"
    (what read_csv(dtype=str) gives), string -> "string" (how a field the file lacks is
    held: `parsing.map_columns`)."""
    import pyarrow as pa

    return {pa.large_string(): _STR, pa.string(): pd.StringDtype()}


def arrow_frame(table: Any) -> pd.DataFrame:
    """A text table as pandas (see `arrow_types`; other columns, such as row numbers, as
    pyarrow's `to_pandas` gives them)."""
    return table.to_pandas(types_mapper=arrow_types().get)


def detect_encoding(data: bytes) -> str:
    """'utf-8' (a BOM allowed) when the bytes are valid UTF-8, else 'cp1252' (Windows-1252),
    else 'latin-1' (bytes Windows-1252 leaves undefined)."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _arrow(data: bytes, header: list[str], line_column: str | None = None,
           ) -> tuple[Any, np.ndarray, int] | None:
    """pyarrow's CSV reader on the file's bytes, every column as text (it checks the bytes are
    UTF-8), blank rows found and dropped in Arrow before pandas sees the table: (Arrow table,
    editor line of each row, blank rows). None whenever pandas should read the file instead."""
    try:
        import pyarrow as pa
        from pyarrow import csv as pa_csv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    if not header or "" in header or len(set(header)) != len(header):
        return None
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(use_threads=False, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={h: pa.large_string() for h in header},
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except Exception:  # noqa: BLE001 - anything pyarrow rejects goes to pandas
        return None
    if table.column_names != header:
        return None
    lines = _record_lines(data, table.num_rows)
    blank = _arrow_blank_rows(table)
    if len(blank):
        keep = np.ones(table.num_rows, dtype=bool)
        keep[blank] = False
        table = table.filter(pa.array(keep))
        lines = lines[keep]
    if line_column is not None:  # (in Arrow: cheaper than inserting into the frame after)
        table = table.add_column(0, line_column, pa.array(lines, pa.int64()))
    return table, lines, len(blank)


def _record_lines(data: bytes | str, n: int) -> np.ndarray:
    """The editor line each of the `n` data records starts on (the header is line 1): the
    record number + 1, unless a quoted cell holds a line break (a note typed over several
    lines), which moves every record after it down; then the lines are counted record by
    record (Python's csv reader, on such files only)."""
    def count(nl: str) -> int:  # (bytes counted by numpy: about twice as fast as .count)
        if isinstance(data, str):
            return data.count(nl)
        return int(np.count_nonzero(np.frombuffer(data, np.uint8) == ord(nl)))

    nl = "\n"
    breaks = count(nl)
    if not breaks:  # (a file of old Mac line ends, "\r" alone)
        nl = "\r"
        breaks = count(nl)
    ends = data.endswith(nl if isinstance(data, str) else nl.encode())
    if breaks - int(ends) <= n:  # (no more line breaks than records: one line each)
        return np.arange(n, dtype=np.int64) + 2
    text = data if isinstance(data, str) else data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, line = [], 1
    for _ in reader:  # (per record: only files with line breaks inside cells come here)
        starts.append(line)
        line = reader.line_num + 1
    got = np.array(starts[1: n + 1], dtype=np.int64)  # (the header's record is line 1)
    return got if len(got) == n else np.arange(n, dtype=np.int64) + 2


def _arrow_blank_rows(table: object) -> np.ndarray:
    """Rows whose every cell is empty or whitespace (what `str.strip() == ""` finds; pandas'
    Arrow strings strip with the same kernel), column by column on the rows still candidates,
    so a table without blank rows costs one pass over its first column."""
    import pyarrow.compute as pc

    idx: np.ndarray | None = None
    for col in table.columns:  # type: ignore[attr-defined]
        c = col if idx is None else col.take(idx)
        empty = pc.equal(pc.utf8_trim_whitespace(c), "").to_numpy(zero_copy_only=False)
        idx = np.flatnonzero(empty) if idx is None else idx[empty]
        if not len(idx):
            break
    return np.zeros(0, dtype=np.int64) if idx is None else idx


def read_text_csv(path: Path, line_column: str | None = None, arrow: bool = False) -> TextCSV:
    """Read a CSV as text (see module docstring). An empty or unparseable file raises
    InputError naming the file. `line_column`: the frame's first column, named so, holds each
    row's editor line (an int64 column, as `lines`). `arrow`: a file pyarrow reads is returned
    as its Arrow table (every column large_string; `arrow_frame` makes the same frame), so a
    reader can select and stack columns before pandas sees them (issue 15)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(path, f"cannot read file: {err}") from err
    if not data.strip(b"\xef\xbb\xbf \r\n\t"):
        raise InputError(path, "empty file")
    # UTF-8 (the usual case): pyarrow reads the bytes and checks they are UTF-8 as it goes
    first = data[: (data.find(b"\n") + 1) or len(data)]
    try:
        header = next(csv.reader(io.StringIO(first.decode("utf-8-sig"))), [])
    except UnicodeDecodeError:
        header = []
    if line_column is not None and line_column in header:
        raise InputError(path, "a column has the name kpis gives the row numbers; rename it",
                         column=line_column)
    got = _arrow(data, header, line_column) if header else None
    if got is not None:
        table, lines, n_blank = got
        # no nulls (strings_can_be_null=False): the text dtype pandas' read_csv(dtype=str) gives
        return TextCSV(table if arrow else arrow_frame(table), lines, n_blank, "utf-8", [])
    enc = detect_encoding(data)
    notes: list[str] = []
    text = data.decode("utf-8-sig" if enc == "utf-8" else enc)
    if enc != "utf-8":
        notes.append(f"{path.name}: not UTF-8, read as Windows-1252"
                     + (" (latin-1 for bytes it leaves undefined)" if enc == "latin-1" else ""))
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except pd.errors.ParserError as err:
        raise InputError(path, f"cannot read CSV: {err}") from err
    except pd.errors.EmptyDataError as err:
        raise InputError(path, "empty file") from err
    frame = frame.fillna("")
    lines = _record_lines(text, len(frame))
    if len(frame.columns):
        blank = np.ones(len(frame), dtype=bool)
        for c in frame.columns:
            blank &= (frame[c].astype("string").str.strip().fillna("") == "").to_numpy()
    else:
        blank = np.zeros(len(frame), dtype=bool)
    n_blank = int(blank.sum())
    if n_blank:
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    if line_column is not None:
        frame.insert(0, line_column, lines)
    return TextCSV(frame, lines, n_blank, enc, notes)


def csv_header(path: Path) -> list[str]:
    """The first line of a CSV as a list of headings (any of the encodings above)."""
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError:
        return []
    enc = detect_encoding(head.split(b"\n", 1)[0])
    line = head.split(b"\n", 1)[0].decode("utf-8-sig" if enc == "utf-8" else enc,
                                          errors="replace")
    return next(csv.reader([line]), [])
