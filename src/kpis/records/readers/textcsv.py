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

import numpy as np
import pandas as pd

from kpis.errors import InputError

_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # what read_csv(dtype=str) gives


@dataclass
class TextCSV:
    """A CSV as read: text cells, the editor line of each row, rows dropped as blank, notes."""

    frame: pd.DataFrame
    lines: np.ndarray
    blank_rows: int = 0
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)


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


def _arrow(path: Path, header: list[str]) -> pd.DataFrame | None:
    """pyarrow's CSV reader, every column as text, empty lines kept as rows (so row numbers
    stay exact); None whenever pandas should read the file instead."""
    try:
        import pyarrow as pa
        from pyarrow import csv as pa_csv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    if not header or "" in header or len(set(header)) != len(header):
        return None
    try:
        table = pa_csv.read_csv(
            path,
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
    return table.to_pandas(types_mapper={pa.large_string(): _STR}.get).fillna("")


def read_text_csv(path: Path) -> TextCSV:
    """Read a CSV as text (see module docstring). An empty or unparseable file raises
    InputError naming the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(path, f"cannot read file: {err}") from err
    if not data.strip(b"\xef\xbb\xbf \r\n\t"):
        raise InputError(path, "empty file")
    enc = detect_encoding(data)
    notes: list[str] = []
    text = data.decode("utf-8-sig" if enc == "utf-8" else enc)
    if enc != "utf-8":
        notes.append(f"{path.name}: not UTF-8, read as Windows-1252"
                     + (" (latin-1 for bytes it leaves undefined)" if enc == "latin-1" else ""))
    header = next(csv.reader(io.StringIO(text[: text.find("\n") + 1 or len(text)])), [])
    frame = _arrow(path, header) if enc == "utf-8" else None
    if frame is None:
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                                skip_blank_lines=False)
        except pd.errors.ParserError as err:
            raise InputError(path, f"cannot read CSV: {err}") from err
        except pd.errors.EmptyDataError as err:
            raise InputError(path, "empty file") from err
        frame = frame.fillna("")
    lines = np.arange(len(frame)) + 2  # header is line 1
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
