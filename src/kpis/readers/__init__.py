"""Readers: a council's raw files (Annex A, SSDA903, workforce) -> `kpis.records.Records`.

Layout of one council directory (see docs and `kpis.synth`):

    DIR/annex_a.xlsx  or  DIR/annex_a/*.csv      Ofsted Annex A lists 1, 3, 4, 5, 7
    DIR/ssda903/*.csv (or ssda903/<year>/*.csv)  header, episodes, missing, oc3, sw_episodes
    DIR/workforce/workers.csv, allocations.csv   workers; allocation history (SWEpisodes form)

(the SSDA903 and workforce files may also sit at the top of DIR, or in folders named like
"903" or "staff": see kpis.readers.ssda903.GROUP_FOLDERS).

If DIR holds no data files but subfolders that do, each subfolder is a council.

Matching is tolerant (sheet names, file names, headers; `data/*.yml`); values are normalised
(sex '1 - Male'/'M'/'a) Male'; yes/no 'Y'/'Yes'/'TRUE'; dates dd/mm/yyyy, ISO, Excel serials and
real Excel dates; codes checked against `data/codes.yml`). Missing required lists, files or
columns raise `InputError` (exit code 2). Rows that cannot be used go to the quarantine
(file, sheet, row as a person sees it, column, value, reason); SSDA903 episode repairs are
logged (child_id, action, detail; see `repair_episodes`). Nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpis.errors import InputError
from kpis.readers._common import (
    QUARANTINE_COLUMNS,
    REPAIR_COLUMNS,
    concat,
    empty_quarantine,
    empty_repairs,
)
from kpis.readers.annexa import find_annex_a, read_annex_a
from kpis.readers.ssda903 import (
    dedupe_allocations,
    has_group_files,
    read_group,
    repair_episodes,
)
from kpis.records import BOOL_COLUMNS, COLUMNS, FLOAT_COLUMNS, ID_COLUMNS, Records, empty

__all__ = ["ReadResult", "read_council", "read_input", "is_council_dir", "repair_episodes",
           "QUARANTINE_COLUMNS", "REPAIR_COLUMNS"]



@dataclass
class ReadResult:
    """One council as read: the records, the quarantined rows and the repairs log."""

    records: Records
    quarantine: pd.DataFrame = field(default_factory=empty_quarantine)
    repairs: pd.DataFrame = field(default_factory=empty_repairs)
    rows_read: dict[str, int] = field(default_factory=dict)


def is_council_dir(path: Path) -> bool:
    """Does this folder hold one council's data files?"""
    if not path.is_dir():
        return False
    return find_annex_a(path) is not None or has_group_files(path)


def _contract(df: pd.DataFrame | None, table: str) -> pd.DataFrame:
    """Keep the contract's columns, in order, with the contract's dtypes."""
    if df is None:
        return empty(table)
    out = pd.DataFrame(index=df.index)
    for c in COLUMNS[table]:
        s = df[c] if c in df.columns else pd.Series(pd.NA, index=df.index, dtype="object")
        if c in ID_COLUMNS:
            s = s.astype("string")
        elif c in BOOL_COLUMNS:
            s = s.astype("boolean")
        elif c in FLOAT_COLUMNS:
            s = pd.to_numeric(s, errors="coerce").astype("float64")
        else:  # dates
            s = pd.to_datetime(s, errors="coerce").astype("datetime64[ns]")
        out[c] = s
    return out.reset_index(drop=True)


def _children(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per child: SSDA903 header first, then Annex A (first non-missing value wins)."""
    frames = [f[["child_id", "sex", "dob"]] for f in frames if f is not None and len(f)]
    if not frames:
        return empty("children")
    allc = pd.concat(frames, ignore_index=True)
    allc["sex"] = allc["sex"].astype("string")
    allc["dob"] = allc["dob"].astype("datetime64[ns]")
    return allc.groupby("child_id", sort=True).first().reset_index()


def read_council(path: Path, name: str | None = None) -> ReadResult:
    """Read one council directory into Records (+ quarantine and repairs)."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(path, "input directory not found")
    annex, q_a, child_frames = read_annex_a(path)
    t903, q_9, r_9 = read_group(path, "ssda903")
    twf, q_w, r_w = read_group(path, "workforce")

    episodes = t903.get("episodes")
    r_ep = empty_repairs()
    if episodes is not None and len(episodes):
        episodes, r_ep = repair_episodes(episodes)

    sw_parts = [t for t in (t903.get("sw_episodes"), twf.get("allocations")) if t is not None]
    sw = dedupe_allocations(pd.concat(sw_parts, ignore_index=True)) if sw_parts else None
    header = t903.get("header")
    children = _children([header] + child_frames)

    records = Records(
        council=name or path.name,
        children=_contract(children, "children"),
        contacts=_contract(annex.get("contacts"), "contacts"),
        referrals=_contract(annex.get("referrals"), "referrals"),
        assessments=_contract(annex.get("assessments"), "assessments"),
        s47=_contract(annex.get("s47"), "s47"),
        cp_plans=_contract(annex.get("cp_plans"), "cp_plans"),
        episodes=_contract(episodes, "episodes"),
        missing=_contract(t903.get("missing"), "missing"),
        oc3=_contract(t903.get("oc3"), "oc3"),
        sw_episodes=_contract(sw, "sw_episodes"),
        workers=_contract(twf.get("workers"), "workers"),
    )
    quarantine = concat([q for q in (q_a, q_9, q_w) if len(q)], empty_quarantine())
    quarantine = quarantine[QUARANTINE_COLUMNS].reset_index(drop=True)
    repairs = concat([r for r in (r_9, r_w, r_ep) if len(r)], empty_repairs())
    rows = {t: len(df) for t, df in records.tables().items()}
    return ReadResult(records, quarantine, repairs[REPAIR_COLUMNS].reset_index(drop=True), rows)


def council_dirs(path: Path) -> list[Path]:
    """The council directories under `path`: itself, or each subfolder holding data."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(path, "input directory not found")
    if is_council_dir(path):
        return [path]
    subs = [p for p in sorted(path.iterdir()) if is_council_dir(p)]
    if not subs:
        raise InputError(path, "no council data found (expected annex_a.xlsx, annex_a/, "
                               "ssda903/ or workforce/, or subfolders that hold them)")
    return subs


def read_input(path: Path) -> list[ReadResult]:
    """Read every council under `path` (one directory, or one subdirectory per council)."""
    return [read_council(p) for p in council_dirs(path)]
