"""Postcode centroid files: the file a council supplies so kpis can place its children's home and
placement postcodes (SSDA903 HOME_POST, PL_POST) on a map.

Supported forms (column names in data/records/postcodes.yml): an ONS Postcode Directory (ONSPD)
or NSPL extract (pcds, oseast1m, osnrth1m, lat, long, oslaua), Ordnance Survey Code-Point Open
(no header row), or any CSV with a postcode column and easting/northing (OS National Grid,
metres) or latitude/longitude (degrees), optionally the local authority code of each postcode.

    read_centroids(path) -> (table, notes)

The table has the columns of `kpis.records.tables.COLUMNS["postcodes"]`: `postcode` (normalised
"OUTWARD INWARD", e.g. "GL1 2AB"), `sector` ("GL1 2"), easting, northing, latitude, longitude
(float, NaN when the file has no such column), `la` (text, "" when absent). Rows whose
postcode is not a full UK postcode or whose coordinates are blank or outside Great Britain
(ONSPD writes lat 99.999999 for postcodes without a grid reference) are left out and counted in
the notes. A file that is missing, has no postcode column, or no coordinate pair is an
InputError naming it (exit 2).

`normalise(s)` turns the postcodes councils write (any case, with or without the space, a
partial "GL1 2" - outward code + the inward code's first digit, which the 903 often holds)
into (full postcode or "", sector or "").
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from kpis.errors import InputError
from kpis.records.readers.parsing import load_yaml, norm
from kpis.records.readers.textcsv import csv_header

#: outward code (A9, A99, A9A, AA9, AA99, AA9A) and inward code (9AA), spaces removed
FULL = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$"
#: a partial postcode: outward code + the sector digit
SECTOR = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9])$"
COLUMNS = ["postcode", "sector", "easting", "northing", "latitude", "longitude", "la"]


def normalise(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Postcodes as written -> (full "OUT IN" or "", sector "OUT D" or "").

    Case and spaces do not matter ("gl12ab", "GL1  2AB"). A partial postcode is the outward code
    and the sector digit: written with its space ("GL1 2") it is read as such; without one
    ("GL12") the last digit is taken as the sector digit [I] (a bare district such as "GL12"
    cannot be told apart, and is too coarse to place anyway). Anything else gives ("", "")."""
    if len(s) == 0:
        return np.empty(0, object), np.empty(0, object)
    codes, uniques = pd.factorize(s.astype("string"), use_na_sentinel=True)
    if len(uniques) < len(s):  # each distinct value once (903 postcodes repeat a lot)
        f, sec = normalise(pd.Series(uniques, dtype="string"))
        f, sec = np.append(f, ""), np.append(sec, "")
        return f[codes], sec[codes]
    raw = s.astype("string").str.upper().str.strip().fillna("")
    compact = raw.str.replace(r"\s+", "", regex=True)
    full = compact.str.extract(FULL)
    is_full = full[0].notna()
    out_full = (full[0] + " " + full[1]).where(is_full, "")
    sector_full = (full[0] + " " + full[1].str.slice(0, 1)).where(is_full, "")
    # partial with a space: split on the last space; without one: last digit is the sector
    spaced = raw.str.extract(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s+([0-9])$")
    bare = compact.str.extract(SECTOR)
    part = (spaced[0] + " " + spaced[1]).where(spaced[0].notna(),
                                               (bare[0] + " " + bare[1]).where(bare[0].notna()))
    sector = sector_full.where(is_full, part.fillna(""))
    return (out_full.fillna("").to_numpy(dtype=object),
            sector.fillna("").to_numpy(dtype=object))


def _spec() -> dict:
    return load_yaml("postcodes.yml")


def _pick(headers: list[str], names: list[str]) -> str | None:
    by = {norm(h): h for h in headers}
    for n in names:
        if norm(n) in by:
            return by[norm(n)]
    return None


def is_centroid_header(headers: list[str]) -> bool:
    """Do these headings look like a centroid file (a postcode column and a coordinate pair)?"""
    cols = _spec()["columns"]
    return _pick(headers, cols["postcode"]) is not None and (
        (_pick(headers, cols["easting"]) is not None and
         _pick(headers, cols["northing"]) is not None) or
        (_pick(headers, cols["latitude"]) is not None and
         _pick(headers, cols["longitude"]) is not None))


def _is_codepoint(headers: list[str]) -> bool:
    """A Code-Point Open file: no header row, a postcode then two numbers first."""
    if len(headers) != len(_spec()["codepoint_open"]):
        return False
    full, _ = normalise(pd.Series([headers[0]]))
    return bool(full[0]) and all(re.fullmatch(r"-?\d+(\.\d+)?", h or "x") for h in headers[2:4])


def read_centroids(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Read a centroid file (see the module docstring): the table and notes for the summary."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "postcode centroid file not found")
    spec = _spec()
    cols = spec["columns"]
    headers = csv_header(path)
    names = None
    if _is_codepoint(headers):
        names, headers = spec["codepoint_open"], spec["codepoint_open"]
    pick = {k: _pick(headers, v) for k, v in cols.items()}
    if pick["postcode"] is None:
        raise InputError(path, "no postcode column (expected one of: "
                               + ", ".join(cols["postcode"][:6]) + ")", row=1)
    grid = pick["easting"] is not None and pick["northing"] is not None
    geo = pick["latitude"] is not None and pick["longitude"] is not None
    if not (grid or geo):
        raise InputError(path, "no coordinates: expected easting and northing (e.g. oseast1m, "
                               "osnrth1m) or latitude and longitude (lat, long)", row=1)
    use = [c for c in pick.values() if c is not None]
    try:
        df = pd.read_csv(path, usecols=use, dtype=str, header=None if names else 0,
                         names=names, encoding="utf-8-sig", keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise InputError(path, f"not a readable CSV: {str(err).splitlines()[0]}") from None
    full, sector = normalise(df[pick["postcode"]])
    out = pd.DataFrame({"postcode": full, "sector": sector})
    ok = out["postcode"] != ""
    for k in ("easting", "northing", "latitude", "longitude"):
        if pick[k] is None:
            out[k] = np.nan
            continue
        v = pd.to_numeric(df[pick[k]].str.strip(), errors="coerce").to_numpy(dtype=float)
        lo, hi = spec["valid"][k]
        v = np.where((v >= lo) & (v <= hi), v, np.nan)
        out[k] = v
    has = (out["easting"].notna() & out["northing"].notna()) | (
        out["latitude"].notna() & out["longitude"].notna())
    out["la"] = (df[pick["la"]].str.strip().to_numpy(dtype=object) if pick["la"] is not None
                 else np.full(len(df), "", dtype=object))
    keep = ok & has
    notes = [f"postcodes: {path.name}: {int(keep.sum()):,} postcode centroids"
             + ("" if pick["la"] is not None else " (no local authority column)")]
    if (~ok).sum():
        notes.append(f"postcodes: {path.name}: {int((~ok).sum()):,} row(s) whose postcode is "
                     "not a full UK postcode left out")
    if (ok & ~has).sum():
        notes.append(f"postcodes: {path.name}: {int((ok & ~has).sum()):,} postcode(s) without "
                     "usable coordinates (blank, or no grid reference) left out")
    out = out[keep].drop_duplicates("postcode", keep="first").reset_index(drop=True)
    return out[COLUMNS], notes


#: Metres in a statute mile; the Earth's mean radius in metres (IUGG) for the haversine.
METRES_PER_MILE = 1609.344
EARTH_RADIUS_M = 6_371_008.8
MATCH_FULL, MATCH_SECTOR, UNMATCHED = "postcode", "sector", ""


def _la(s: pd.Series) -> np.ndarray:
    """LA codes as stripped upper-case text ("" when missing)."""
    return s.astype("string").str.strip().str.upper().fillna("").to_numpy(dtype=object)


COORDS = ["easting", "northing", "latitude", "longitude"]


def _numeric(table: pd.DataFrame) -> pd.DataFrame:
    """The centroid table with float coordinates (a table built by hand may hold text)."""
    return table.assign(**{k: pd.to_numeric(table[k], errors="coerce").astype(float)
                           for k in COORDS})


def sectors(table: pd.DataFrame) -> pd.DataFrame:
    """Sector centroids: the mean of the coordinates of the sector's postcodes [I], and the
    local authority most of them are in (ties: the first in code order) [I]."""
    if len(table) == 0:
        return pd.DataFrame(columns=COLUMNS[1:]).set_index("sector")
    table = _numeric(table).assign(la=_la(table["la"]))
    means = table.groupby("sector")[["easting", "northing", "latitude", "longitude"]].mean()
    la = table[table["la"] != ""]
    if len(la):
        n = la.groupby(["sector", "la"]).size().rename("n").reset_index()
        n = n.sort_values(["sector", "n", "la"], ascending=[True, False, True])
        means["la"] = n.drop_duplicates("sector").set_index("sector")["la"]
    means["la"] = means.get("la", pd.Series(dtype=object)).reindex(means.index).fillna("")
    return means


def locate(posts: pd.Series, table: pd.DataFrame, sector_table: pd.DataFrame | None = None
           ) -> pd.DataFrame:
    """Place postcodes as written (any case/spacing, full or partial) on the centroid table.

    A full postcode found in the table takes its own centroid; a partial one ("GL1 2"), or a
    full one the table lacks (a new or retired postcode), takes its sector's centroid (the mean
    of the sector's postcodes) [I]; anything else is unmatched. Returns one row per input:
    easting, northing, latitude, longitude (NaN when unmatched), la ("" when unknown) and
    `match` ("postcode", "sector" or "" = unmatched)."""
    n = len(posts)
    out = {k: np.full(n, np.nan) for k in ("easting", "northing", "latitude", "longitude")}
    la = np.full(n, "", dtype=object)
    match = np.full(n, UNMATCHED, dtype=object)
    if n == 0 or len(table) == 0:  # nothing to place them on: not even normalised (issue 15)
        return pd.DataFrame({**out, "la": la, "match": match})
    full, sector = normalise(posts)
    sec = sectors(table) if sector_table is None else sector_table
    table = _numeric(table)
    i = pd.Index(table["postcode"]).get_indexer(full)
    i[full == ""] = -1
    j = sec.index.get_indexer(sector)
    j[(sector == "") | (i >= 0)] = -1
    for k in out:
        out[k][i >= 0] = table[k].to_numpy(dtype=float)[i[i >= 0]]
        out[k][j >= 0] = sec[k].to_numpy(dtype=float)[j[j >= 0]]
    la[i >= 0] = _la(table["la"])[i[i >= 0]]
    la[j >= 0] = _la(sec["la"])[j[j >= 0]]
    match[i >= 0] = MATCH_FULL
    match[j >= 0] = MATCH_SECTOR
    return pd.DataFrame({**out, "la": la, "match": match})


def distance_miles(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Straight-line distance in miles between two located frames (rows pairwise), rounded to
    1 decimal place as the SSDA903's derived PL_DISTANCE is [C]: Euclidean on the OS National
    Grid when both points have easting/northing (as DfE's 903 distance uses the ONSPD's
    eastings and northings [C]), else the great-circle (haversine) distance from latitude and
    longitude [I]; NaN when either point is unknown."""
    dx = a["easting"].to_numpy(dtype=float) - b["easting"].to_numpy(dtype=float)
    dy = a["northing"].to_numpy(dtype=float) - b["northing"].to_numpy(dtype=float)
    grid = np.hypot(dx, dy) / METRES_PER_MILE
    la1, la2 = (np.radians(x["latitude"].to_numpy(dtype=float)) for x in (a, b))
    lo1, lo2 = (np.radians(x["longitude"].to_numpy(dtype=float)) for x in (a, b))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    geo = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1))) / METRES_PER_MILE
    return np.round(np.where(np.isfinite(grid), grid, geo), 1)


def match_notes(episodes: pd.DataFrame, table: pd.DataFrame, source: str) -> list[str]:
    """Run-summary notes: how many distinct HOME_POST and PL_POST values of the 903 episodes
    the centroid file places (by full postcode or sector) and which it cannot (a few named)."""
    notes = []
    sec = sectors(table)
    for col, label in (("home_post", "HOME_POST"), ("pl_post", "PL_POST")):
        if col not in episodes or not len(episodes):
            continue
        v = episodes[col].astype("string").str.strip()
        v = pd.Series(v[v.notna() & (v != "")].unique(), dtype="string")
        if not len(v):
            notes.append(f"postcodes: the 903 episodes have no {label}")
            continue
        m = locate(v, table, sec)["match"].to_numpy()
        miss = v[m == UNMATCHED].tolist()
        text = (f"postcodes: {label}: {len(v):,} distinct value(s) in the 903 episodes, "
                f"{int((m == MATCH_FULL).sum()):,} placed by full postcode, "
                f"{int((m == MATCH_SECTOR).sum()):,} by sector, {len(miss):,} not found in "
                f"{source}")
        if miss:
            text += " (e.g. " + ", ".join(repr(x) for x in miss[:3]) + ")"
        notes.append(text)
    return notes


__all__ = ["read_centroids", "normalise", "is_centroid_header", "locate", "distance_miles",
           "sectors", "match_notes", "COLUMNS"]
