"""A folder of monthly Annex A extracts: each extract dated by its file, or by the council's config.

Annex A columns such as "Date of last visit" are snapshots: true on the day the list was
extracted (kpis.records.indicators.snapshot). One extract gives one month; a folder holding the
same list several times, once per month, gives a monthly series when every row knows which
extract it came from. A list that carries an "Extract Date" column already does (the stacked
form). Otherwise each source of the list is dated here, in this order [I]:

1. the council config's `extract_dates` (file path relative to the records folder -> date),
   for files whose names carry no date;
2. a date in the file's name, else in the name of a folder between it and the records folder:
   `2020-06-30`, `2020_06_30`, `20200630` (that day) or `2020-06`, `2020_06`, `202006` (that
   month's last day). A name with two different dates is not used.

Only when a list comes from two or more sources (a lone extract keeps its inferred extract
date, as before), and only when every source of that list gets a date: otherwise nothing is
dated and a note says which file had none, since a half-dated stack would put the undated
rows in no month. The date is written into the rows as the `Extract Date` column, so the
readers parse, check and de-duplicate it like any other column (the same child in two months'
extracts is then two rows, not a duplicate).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from kpis.records.readers.parsing import Source, norm

COLUMN = "Extract Date"
_DAY = re.compile(r"(?<!\d)(20\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
_MONTH = re.compile(r"(?<!\d)(20\d\d)[-_.]?(0[1-9]|1[0-2])(?![-_.]?\d)")


def date_in_name(name: str) -> pd.Timestamp | None:
    """The one date a file or folder name carries (a month gives its last day), else None."""
    stem = re.sub(r"\.[A-Za-z][A-Za-z0-9]*$", "", name)  # a file's extension, not "2020.06"
    days = {pd.Timestamp(int(y), int(m), int(d)) for y, m, d in _DAY.findall(stem)
            if _valid(int(y), int(m), int(d))}
    if days:
        return days.pop() if len(days) == 1 else None
    months = {pd.Timestamp(int(y), int(m), 1) + pd.offsets.MonthEnd(0)
              for y, m in _MONTH.findall(stem)}
    return months.pop() if len(months) == 1 else None


def _valid(y: int, m: int, d: int) -> bool:
    try:
        pd.Timestamp(y, m, d)
    except ValueError:
        return False
    return True


def source_date(file: str, root: Path, given: Mapping[str, pd.Timestamp]) -> pd.Timestamp | None:
    """The extract date of one source file (see the module docstring), or None."""
    path = Path(file)
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        rel = Path(path.name)
    if rel.as_posix() in given:
        return given[rel.as_posix()]
    for part in reversed(rel.parts):  # the file's own name first, then its folders
        d = date_in_name(part)
        if d is not None:
            return d
    return None


def has_extract_column(src: Source, names: list[str]) -> bool:
    want = {norm(n) for n in names}
    return any(norm(c) in want for c in src.columns)


def date_sources(sources: list[Source], names: list[str], root: Path,
                 given: Mapping[str, pd.Timestamp] | None = None,
                 ) -> tuple[list[Source], list[str]]:
    """The sources of one Annex A list, each with an `Extract Date` column from its file's date
    when the list comes as several dated extracts; notes for the run summary. `names`: the
    extract_date column's names (annexa_columns.yml)."""
    if len(sources) < 2 or any(has_extract_column(s, names) for s in sources):
        return sources, []
    dates = [source_date(s.file, root, given or {}) for s in sources]
    if any(d is None for d in dates):
        undated = sorted({Path(s.file).name for s, d in zip(sources, dates, strict=True)
                          if d is None})
        return sources, [f"{len(sources)} extracts of one Annex A list, not all dated (no "
                         f"date in the name of {', '.join(undated)}, and no config "
                         f"`extract_dates` entry): read as one extract"]
    out = []
    for s, d in zip(sources, dates, strict=True):
        out.append(Source(s.file, s.sheet, _with_date(s.cells, d.strftime("%Y-%m-%d")),
                          s.first_row, s.blank_rows, list(s.notes)))
    span = f"{min(dates):%Y-%m-%d} to {max(dates):%Y-%m-%d}"
    return out, [f"{len(sources)} dated extracts of one Annex A list ({span}): a monthly series"]


def _with_date(cells: Any, date: str) -> Any:
    """A source's cells with the extract date column added last (as `frame[COLUMN] = date`
    gives it: text), in pandas or in Arrow as the cells are held."""
    if isinstance(cells, pd.DataFrame):
        frame = cells.copy()
        frame[COLUMN] = date
        return frame
    import pyarrow as pa

    return cells.append_column(COLUMN, pa.repeat(pa.scalar(date, pa.large_string()),
                                                 cells.num_rows))
