"""SSDA903 CSVs (header, episodes, missing, OC3, SWEpisodes) and the workforce files.

Files are found by tolerant stem in DIR/ssda903/ and any subfolders (per-year returns such as
ssda903/2020/episodes.csv); every year's copy is read, concatenated and de-duplicated.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpis.errors import InputError
from kpis.records.readers.parsing import (
    build_table,
    concat,
    empty_repairs,
    fmt_dates,
    load_yaml,
    matches_name,
    norm,
    read_csv_source,
)

END_PAIRS = {
    "episodes": ("decom", "dec"), "missing": ("start", "end"), "sw_episodes": ("start", "end"),
    "allocations": ("start", "end"), "workers": ("start_date", "end_date"),
}


#: Folder names each group of files may sit in (case, spaces and punctuation folded).
GROUP_FOLDERS = {"ssda903": ("ssda903", "903", "ssda903 return", "cla"),
                 "workforce": ("workforce", "staff", "csww", "social workers")}


def group_folder(council_dir: Path, group: str) -> tuple[Path, bool]:
    """Where a group's CSVs are: its own folder (searched with per-year subfolders), else the
    council folder itself (top level only). Returns (folder, recursive)."""
    aliases = {norm(a) for a in GROUP_FOLDERS[group]}
    for p in sorted(council_dir.iterdir()) if council_dir.is_dir() else []:
        if p.is_dir() and norm(p.name) in aliases:
            return p, True
    return council_dir, False


def _files(folder: Path, names: list[str], recursive: bool = True) -> list[Path]:
    if not folder.is_dir():
        return []
    found = folder.rglob("*.csv") if recursive else folder.glob("*.csv")
    return [p for p in sorted(found) if matches_name(p.stem, names, [])]


def has_group_files(council_dir: Path) -> bool:
    """Does the council folder hold any SSDA903 or workforce file (in its folder or at top)?"""
    cfg = load_yaml("ssda903_columns.yml")
    for group, tables in cfg.items():
        folder, recursive = group_folder(council_dir, group)
        if any(_files(folder, spec["names"], recursive) for spec in tables.values()):
            return True
    return False


def read_group(council_dir: Path, group: str) -> tuple[dict[str, pd.DataFrame], pd.DataFrame,
                                                      pd.DataFrame]:
    """Read every table of `group` ("ssda903" or "workforce") found under DIR/<group>/ (or a
    folder named like it, see GROUP_FOLDERS), else at the top of DIR.

    Returns ({table: frame}, quarantine, repairs). A required file that is absent raises
    InputError. 903 duplicates are logged as repairs; workforce duplicates are quarantined.
    """
    cfg = load_yaml("ssda903_columns.yml")[group]
    folder, recursive = group_folder(council_dir, group)
    tables: dict[str, pd.DataFrame] = {}
    qs: list[pd.DataFrame] = []
    rs: list[pd.DataFrame] = []
    for table, spec in cfg.items():
        files = _files(folder, spec["names"], recursive)
        if not files:
            if spec.get("required"):
                raise InputError(folder / f"{table}.csv", f"required {group} file not found")
            continue
        sources = [read_csv_source(p) for p in files]
        mode = "quarantine" if table == "workers" else "repair"
        df, q, r = build_table(sources, spec["columns"], END_PAIRS.get(table), duplicates=mode)
        tables[table] = df
        qs.append(q)
        rs.append(r)
    q = concat(qs, pd.DataFrame())
    return tables, q, concat(rs, empty_repairs())


def repair_episodes(ep: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Repair SSDA903 episodes so periods of care can be counted. Rules, applied in order
    (exact duplicates were already removed by `build_table`, action `duplicate_removed`):

    1. `same_decom_resolved` - several episodes of one child start on the same DECOM (an open
       copy from last year's return and the closed copy from this year's): keep the one with the
       latest DEC (a closed episode beats an open one).
    2. `open_closed_at_next_decom` - an open episode (no DEC) followed by a later episode of the
       same child: DEC = the next DECOM, REC = X1 (the child stayed looked after).
    3. `overlap_truncated` - DEC after the next episode's DECOM: DEC = next DECOM, REC = X1.
    4. `gap_closed` - REC X1 (child stays looked after) but the next episode starts later:
       DEC = next DECOM (no gap inside a period of care).
    5. `rec_set_x1` - DEC equals the next DECOM, the next episode is not a new period (RNE not
       S) but REC is missing or ends the period: REC = X1.
    6. `rec_cleared_on_open` - an open episode (no DEC) carrying a REC: REC cleared.
    Episodes are returned sorted by child and DECOM, with repairs as (child_id, action, detail).
    """
    ep = ep.sort_values(["child_id", "decom", "dec"], na_position="first", kind="stable")
    logs: list[pd.DataFrame] = [empty_repairs()]

    def log(mask: pd.Series, action: str, detail: pd.Series) -> None:
        if mask.any():
            logs.append(pd.DataFrame({"child_id": ep.loc[mask, "child_id"].astype("string"),
                                      "action": action,
                                      "detail": detail[mask].astype("string")}))

    same = ep.duplicated(["child_id", "decom"], keep="last")
    log(same, "same_decom_resolved",
        "DECOM " + fmt_dates(ep["decom"]) + ": dropped copy with DEC " + fmt_dates(ep["dec"]))
    ep = ep.loc[~same].copy()
    ep["rec"] = ep["rec"].astype("string")
    nxt = ep.groupby("child_id", sort=False)["decom"].shift(-1)
    nxt_rne = ep.groupby("child_id", sort=False)["rne"].shift(-1).astype("string")
    has_next = nxt.notna()
    x1 = pd.Series("X1", index=ep.index, dtype="string")

    m = ep["dec"].isna() & has_next
    log(m, "open_closed_at_next_decom",
        "DECOM " + fmt_dates(ep["decom"]) + ": open, DEC set to " + fmt_dates(nxt))
    ep.loc[m, "dec"] = nxt[m]
    ep.loc[m, "rec"] = x1[m]

    m = has_next & (ep["dec"] > nxt)
    log(m, "overlap_truncated", "DECOM " + fmt_dates(ep["decom"]) + ": DEC "
        + fmt_dates(ep["dec"]) + " -> " + fmt_dates(nxt))
    ep.loc[m, "dec"] = nxt[m]
    ep.loc[m, "rec"] = x1[m]

    m = has_next & (ep["rec"] == "X1").fillna(False) & (ep["dec"] < nxt)
    log(m, "gap_closed", "DECOM " + fmt_dates(ep["decom"]) + ": DEC " + fmt_dates(ep["dec"])
        + " -> " + fmt_dates(nxt))
    ep.loc[m, "dec"] = nxt[m]

    m = (has_next & (ep["dec"] == nxt) & (nxt_rne != "S").fillna(True)
         & (ep["rec"] != "X1").fillna(True))
    log(m, "rec_set_x1", "DECOM " + fmt_dates(ep["decom"]) + ": REC "
        + ep["rec"].fillna("blank") + " -> X1 (next episode continues the period)")
    ep.loc[m, "rec"] = x1[m]

    m = ep["dec"].isna() & ep["rec"].notna()
    log(m, "rec_cleared_on_open", "DECOM " + fmt_dates(ep["decom"]) + ": open episode had REC "
        + ep["rec"].fillna(""))
    ep.loc[m, "rec"] = pd.NA
    return ep.reset_index(drop=True), pd.concat(logs, ignore_index=True)


def dedupe_allocations(sw: pd.DataFrame) -> pd.DataFrame:
    """SWEpisodes from the 903 and from workforce/allocations.csv describe the same allocations:
    keep one row per (child, worker, start)."""
    sw = sw.sort_values(["child_id", "start", "end"], na_position="first", kind="stable")
    return sw.drop_duplicates(["child_id", "sw_id", "start"], keep="last").reset_index(drop=True)






__all__ = ["read_group", "repair_episodes", "dedupe_allocations"]
