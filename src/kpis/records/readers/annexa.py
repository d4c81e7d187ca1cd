"""Ofsted Annex A: a workbook with one sheet per list, or a folder with one CSV per list.

Sheets and files are matched to lists by tolerant names (`data/annexa_columns.yml`): "List 1",
"List_1", "list1 contacts", "Contacts" are all list 1. Headers are matched by synonyms; the
header row may sit below title rows in a workbook. Lists 1, 3, 4, 5 and 7 are read (the engine
needs no others); other sheets are ignored.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpis.errors import InputError
from kpis.records.readers.parsing import (
    Source,
    build_table,
    load_yaml,
    matches_name,
    read_csv_source,
    sheet_source,
)

# table -> (start, end) fields checked for "end before start"
END_PAIRS = {"assessments": ("start_date", "auth_date"), "cp_plans": ("start_date", "end_date")}


def find_annex_a(council_dir: Path) -> tuple[Path, str] | None:
    """Where this council's Annex A is: ('xlsx', workbook) or ('csv', folder); None if absent."""
    folder = next((p for p in sorted(council_dir.iterdir())
                   if p.is_dir() and "annex" in p.name.lower()), None)
    if folder is not None:
        return folder, "csv"
    book = next((p for p in sorted(council_dir.glob("*.xlsx"))
                 if "annex" in p.name.lower() and not p.name.startswith("~$")), None)
    if book is None:
        books = [p for p in sorted(council_dir.glob("*.xlsx")) if not p.name.startswith("~$")]
        book = books[0] if len(books) == 1 else None
    return (book, "xlsx") if book is not None else None


def _sources(location: Path, kind: str) -> list[Source]:
    """Every sheet (or CSV) of the Annex A, each tagged by which list it is (attribute `table`)."""
    cfg = load_yaml("annexa_columns.yml")
    marker = cfg["child_columns"]["child_id"]["names"]
    out: list[Source] = []
    if kind == "xlsx":
        try:
            # calamine (Rust) reads a council-sized workbook about 10x faster than openpyxl,
            # with the same cell values (dates as datetimes, numbers, text)
            sheets = pd.read_excel(location, sheet_name=None, header=None, dtype=object,
                                   engine="calamine")
        except Exception as err:  # noqa: BLE001 - any unreadable workbook is an input error
            raise InputError(location, f"cannot read workbook: {err}") from err
        for name, raw in sheets.items():
            src = sheet_source(location, str(name), raw, marker)
            src.sheet = str(name)
            out.append(src)
    else:
        for p in sorted(location.glob("*.csv")):
            src = read_csv_source(p)
            src.sheet = ""
            out.append(src)
    return out


def read_annex_a(council_dir: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame,
                                             list[pd.DataFrame]]:
    """Read lists 1, 3, 4, 5, 7. Returns ({table: parsed frame}, quarantine, [child frames])."""
    cfg = load_yaml("annexa_columns.yml")
    found = find_annex_a(council_dir)
    required = [t for t, spec in cfg["lists"].items() if spec.get("required")]
    if found is None:
        if required:
            raise InputError(council_dir / "annex_a.xlsx",
                             "Annex A not found (expected annex_a.xlsx or an annex_a/ folder "
                             "of CSVs)")
        return {}, pd.DataFrame(), []
    location, kind = found
    sources = _sources(location, kind)
    tables: dict[str, pd.DataFrame] = {}
    quarantine: list[pd.DataFrame] = []
    for table, lspec in cfg["lists"].items():
        def label(s: Source) -> str:
            return s.sheet if kind == "xlsx" else Path(s.file).stem
        mine = [s for s in sources
                if matches_name(label(s), lspec.get("names", []), lspec.get("prefixes", []))]
        if not mine:
            if lspec.get("required"):
                seen = ", ".join(repr(label(s)) for s in sources) or "none"
                raise InputError(location, f"Annex A list {lspec['list']} ({table}) not found "
                                           f"(sheets/files seen: {seen})")
            continue
        spec = {**{k: v for k, v in cfg["child_columns"].items()}, **lspec["columns"]}
        spec = dict(spec)
        df, q, _ = build_table(mine, spec, END_PAIRS.get(table), duplicates="quarantine")
        tables[table] = df
        quarantine.append(q)
    q = pd.concat([x for x in quarantine if len(x)], ignore_index=True) if any(
        len(x) for x in quarantine) else pd.DataFrame()
    return tables, q, [t[["child_id", "sex", "dob"]] for t in tables.values()]
