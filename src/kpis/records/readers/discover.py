"""Find a council's data, whatever the files are called: every CSV, workbook sheet and XML
return under the council folder (any depth: per-year 903 folders, an `annex_a/` folder, a
`Staff/` folder, an SSD extract folder), each identified by its headings
(kpis.records.readers.detect).

Files and sheets whose headings fit no table are not read and are noted for the run summary
(a stray CSV, a pivot sheet, kpis' own output); nothing stops the run for them. A CSV with a
postcode column and coordinates is taken as the council's postcode centroid file
(kpis.records.readers.postcodes; the first one found, `Found.info["postcodes"]`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpis.errors import InputError
from kpis.records.readers.csww import is_csww_xml, read_csww_xml
from kpis.records.readers.detect import identify
from kpis.records.readers.parsing import Source, load_yaml, sheet_source
from kpis.records.readers.postcodes import is_centroid_header
from kpis.records.readers.textcsv import csv_header
from kpis.records.readers.xml903 import is_903_xml, read_903_xml

SUFFIXES = {".csv", ".xlsx", ".xlsm", ".xml"}


@dataclass
class Found:
    """The sources of one council, by table, with what was not read and why."""

    sources: dict[str, list[Source]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)

    def add(self, table: str, src: Source) -> None:
        self.sources.setdefault(table, []).append(src)


def data_files(folder: Path, recursive: bool = True) -> list[Path]:
    """Candidate data files: CSV, Excel workbooks and XML, not hidden, not Excel lock files.
    Folders that are symbolic links are read too (a council folder that links its 903 returns
    from a shared drive), except a link back to the folder itself or one above it (it would
    read the folder, or other councils, again)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    top = os.path.realpath(folder)
    seen: set[str] = set()
    out = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen or (root != str(folder) and _contains(real, top)):
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [d for d in dirs if recursive and not d.startswith((".", "~$"))]
        for name in files:
            p = Path(root) / name
            if (p.suffix.lower() in SUFFIXES and not name.startswith((".", "~$"))
                    and p.is_file()):
                out.append(p)
    return sorted(out)


def _contains(outer: str, inner: str) -> bool:
    """Is real path `outer` the same as, or above, real path `inner`?"""
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def _markers() -> list[str]:
    a = load_yaml("annexa_columns.yml")
    s = load_yaml("ssda903_columns.yml")
    names = list(a["header_markers"])
    for group in ("ssda903", "workforce"):
        for t in s[group].values():
            for _f, fs in t["columns"].items():
                if fs.get("id"):
                    names += fs["names"]
    for t in load_yaml("audits.yml")["tables"].values():  # an audit sheet's header row
        names += t["columns"]["audit_id"]["names"]
    return names


def identify_file(path: Path) -> str | None:
    """The table a CSV holds (by its headings and name), or None."""
    return identify(csv_header(path), path.stem)


def is_data_file(path: Path) -> bool:
    """Is this a file kpis can read (a CSV whose headings fit a table, a workbook, a return)?"""
    s = path.suffix.lower()
    if s == ".csv":
        return identify_file(path) is not None
    if s in (".xlsx", ".xlsm"):
        return True
    if s == ".xml":
        return is_903_xml(path) or is_csww_xml(path)
    return False


def find_sources(council_dir: Path) -> Found:
    """Every table source under `council_dir` (see module docstring)."""
    found = Found()
    markers = _markers()
    for p in data_files(council_dir):
        rel = p.relative_to(council_dir).as_posix()
        s = p.suffix.lower()
        if s == ".csv":
            table = identify_file(p)
            if table is None and "postcodes" not in found.info and \
                    is_centroid_header(csv_header(p)):
                found.info["postcodes"] = str(p)  # read by read_council (kpis compute)
                continue
            if table is None:
                found.notes.append(f"{rel}: headings fit no Annex A list, SSDA903 table or "
                                   "workforce file; not read")
                continue
            from kpis.records.readers.parsing import read_csv_source

            src = read_csv_source(p)
            found.notes += src.notes
            found.add(table, src)
        elif s in (".xlsx", ".xlsm"):
            try:
                # calamine (Rust) reads a council-sized workbook about 10x faster than openpyxl
                sheets = pd.read_excel(p, sheet_name=None, header=None, dtype=object,
                                       engine="calamine")
            except Exception as err:  # noqa: BLE001 - any unreadable workbook is an input error
                raise InputError(p, f"cannot read workbook: {err}") from err
            for name, raw in sheets.items():
                if raw.empty:
                    continue
                src = sheet_source(p, str(name), raw, markers)
                table = identify(src.frame.columns, str(name))
                if table is None:
                    found.notes.append(f"{rel} [{name}]: headings fit no table; not read")
                    continue
                found.add(table, src)
        elif s == ".xml":
            if is_903_xml(p):
                for table, src in read_903_xml(p).items():
                    found.add(table, src)
            elif is_csww_xml(p):
                src, info = read_csww_xml(p)
                found.add("workers", src)
                found.info.update({f"csww_{k}": v for k, v in info.items()})
                found.notes.append(f"{rel}: CSWW census"
                                   + (f" at {info['ReferenceDate']}" if "ReferenceDate" in info
                                      else "") + f", {len(src.frame)} workers")
            else:
                found.notes.append(f"{rel}: not an SSDA903 or CSWW return; not read")
    return found
