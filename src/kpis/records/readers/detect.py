"""Which table a sheet or file is, from its headings (as liia-tools and the DfE 903 validator
do) and, to break ties, its name.

Every table of data/records/annexa_columns.yml (Annex A lists) and
data/records/ssda903_columns.yml (SSDA903 tables, workforce files) and
data/records/audits.yml (quality-assurance audits) has `key` columns: a
sheet/file whose headings hold all of a table's key columns (by any synonym) fits that table.
Among the tables it fits, one whose name matches wins, else the one with most of its columns
present. `SSDA903_2023_header.csv`, `Sec47 and ICPC` and `AA_5_s47_enquiries` are therefore
found whatever they are called.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from kpis.records.readers.parsing import load_yaml, matches_name, norm


@cache
def table_specs() -> dict[str, dict[str, Any]]:
    """Every readable table: name -> {group, spec (field -> column spec), names, prefixes,
    used}. Annex A lists get the child columns in front of their own."""
    out: dict[str, dict[str, Any]] = {}
    a = load_yaml("annexa_columns.yml")
    for table, lspec in a["lists"].items():
        cols = dict(lspec["columns"])
        if lspec.get("child_columns", True):
            cols = {**a["child_columns"], **cols}
        out[table] = {"group": "annex_a", "list": lspec["list"], "spec": cols,
                      "names": lspec.get("names", []), "prefixes": lspec.get("prefixes", []),
                      "used": bool(lspec.get("used"))}
    s = load_yaml("ssda903_columns.yml")
    for group in ("ssda903", "workforce"):
        for table, tspec in s[group].items():
            out[table] = {"group": group, "spec": tspec["columns"],
                          "names": tspec.get("names", []), "prefixes": [],
                          "used": bool(tspec.get("used"))}
    for table, tspec in load_yaml("audits.yml")["tables"].items():
        out[table] = {"group": "audits", "spec": tspec["columns"],
                      "names": tspec.get("names", []), "prefixes": tspec.get("prefixes", []),
                      "used": bool(tspec.get("used"))}
    return out


@cache
def _normed(table: str) -> tuple[tuple[bool, frozenset[str]], ...]:
    """(is a key column, its normalised synonyms) for every column of `table`."""
    return tuple((bool(fs.get("key")), frozenset(norm(x) for x in fs["names"]))
                 for fs in table_specs()[table]["spec"].values())


def _found(table: str, headings: set[str]) -> tuple[bool, int]:
    """(all key columns present, number of the table's columns present)."""
    keys_ok = True
    n = 0
    for key, names in _normed(table):
        hit = not names.isdisjoint(headings)
        n += hit
        if key and not hit:
            keys_ok = False
    return keys_ok, n


def identify(headings: Iterable[object], name: str = "",
             groups: tuple[str, ...] = ("annex_a", "ssda903", "workforce", "audits")) -> str | None:
    """The table a sheet/file with these headings (and this sheet or file name) holds, or None.

    Headings decide; the name only breaks ties between tables the headings fit, or - when the
    headings fit no table - names a list whose required columns are then reported missing."""
    hs = {norm(h) for h in headings if str(h).strip()}
    fits: list[tuple[int, int, str]] = []
    by_name: str | None = None
    for table, t in table_specs().items():
        if t["group"] not in groups:
            continue
        named = bool(name) and matches_name(name, t["names"], t["prefixes"])
        if named and by_name is None:
            by_name = table
        ok, n = _found(table, hs)
        if ok:
            fits.append((int(named), n, table))
    if fits:
        fits.sort(key=lambda x: (x[0], x[1]), reverse=True)
        return fits[0][2]
    # headings fit nothing: trust the name only if the sheet looks like a data table at all
    if by_name is not None and _found(by_name, hs)[1] > 0:
        return by_name
    return None
