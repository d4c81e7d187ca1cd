"""The SSDA903 return as XML (the form a council's case-management system produces for DfE
COLLECT): `<EXPSSDA903><CHILD><HEADER>..</HEADER><EPISODE>..</EPISODE>..</CHILD>..`.

Each child's HEADER holds the header fields (`CHILDID`, `SEX`, `DOB`, `ETHNIC`, `UPN`, `MOTHER`,
`MC_DOB`), the UASC date (`DUC`), OC3 (`IN_TOUCH`, `ACTIV`, `ACCOM`), AD1 (`DATE_INT`, ...)
fields, and repeated groups: `AREVIEW` (reviews), `AMISSING` (missing), `AD_PLACED` (placed
for adoption), `PERMANENCE` (previous permanence), `OC2`, `SWEPISODE` (social workers);
EPISODE elements write the placement as `PL`. The reader turns the file into one text table per
SSDA903 table with the CSV return's headers, so the CSV path (header synonyms, code lists,
quarantine) reads both forms alike. Row numbers in the quarantine are the line of the element
among the file's CHILD elements (sheet "CHILD"): XML has no rows, and such files are often
one long line.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpis.errors import InputError
from kpis.records.readers.parsing import Source

#: child-level groups in HEADER: element -> (table, its CSV headers besides CHILD, DOB)
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "AREVIEW": ("reviews", ("REVIEW", "REVIEW_CODE")),
    "AMISSING": ("missing", ("MISSING", "MIS_START", "MIS_END")),
    "AD_PLACED": ("placed_adoption", ("DATE_PLACED", "DATE_PLACED_CEASED",
                                      "REASON_PLACED_CEASED")),
    "PERMANENCE": ("prev_perm", ("PREV_PERM", "LA_PERM", "DATE_PERM")),
    "OC2": ("oc2", ("SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
                    "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE",
                    "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED")),
    "SWEPISODE": ("sw_episodes", ("SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON")),
    "SW_EPISODE": ("sw_episodes", ("SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON")),
}
HEADER_FIELDS = ("SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
#: single fields in HEADER that make a row of another table when present
FLAT: dict[str, tuple[str, ...]] = {
    "uasc": ("SEX", "DOB", "DUC"),
    "oc3": ("DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": ("DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR",
            "LS_ADOPTR"),
}
FLAT_TRIGGER = {"uasc": ("DUC",), "oc3": ("IN_TOUCH", "ACTIV", "ACCOM"),
                "ad1": ("DATE_INT", "DATE_MATCH")}
EPISODE_FIELDS = ("DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                  "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")
#: the 903's derived placement fields, which some systems' XML exports carry in EPISODE (as the
#: DfE validator's CSVs do): read when present (kpis.records.indicators.placement_location)
EPISODE_DERIVED = ("PL_LOCATION", "PL_LA")


def is_903_xml(path: Path) -> bool:
    """Does this XML file hold an SSDA903 return? (looks at the first 2 kB only)"""
    try:
        with open(path, "rb") as f:
            head = f.read(2048).upper()
    except OSError:
        return False
    return b"<EXPSSDA903" in head or (b"<CHILD>" in head and b"<HEADER>" in head
                                      and b"<CHILDID>" in head)


def _text(el: object) -> str:
    t = getattr(el, "text", None)
    return "" if t is None else str(t).strip()


def read_903_xml(path: Path) -> dict[str, Source]:
    """Every SSDA903 table in the XML return, as text tables with the CSV headers.

    A file that is not well-formed XML raises InputError naming its line."""

    rows: dict[str, list[dict[str, str]]] = {t: [] for t in (
        "header", "episodes", "reviews", "missing", "placed_adoption", "prev_perm", "oc2",
        "sw_episodes", "uasc", "oc3", "ad1")}
    lines: dict[str, list[int]] = {t: [] for t in rows}
    root = parse_xml(path)
    for n, child in enumerate(root.iter("CHILD"), start=1):
        header = child.find("HEADER")
        hvals = {e.tag.upper(): _text(e) for e in (header if header is not None else [])
                 if len(e) == 0}
        cid = hvals.get("CHILDID", hvals.get("CHILD", ""))
        dob = hvals.get("DOB", "")
        rows["header"].append({"CHILD": cid, **{k: hvals.get(k, "") for k in HEADER_FIELDS}})
        lines["header"].append(n)
        for table, fields in FLAT.items():
            if any(hvals.get(k, "") for k in FLAT_TRIGGER[table]):
                rows[table].append({"CHILD": cid, **{k: hvals.get(k, "") for k in fields}})
                lines[table].append(n)
        for el in (header if header is not None else []):
            tag = el.tag.upper()
            if tag in GROUPS and len(el):
                table, fields = GROUPS[tag]
                vals = {e.tag.upper(): _text(e) for e in el}
                rows[table].append({"CHILD": cid, "DOB": dob,
                                    **{k: vals.get(k, "") for k in fields}})
                lines[table].append(n)
        for ep in child.iter("EPISODE"):
            vals = {e.tag.upper(): _text(e) for e in ep}
            if "PLACE" not in vals and "PL" in vals:
                vals["PLACE"] = vals["PL"]
            rows["episodes"].append({"CHILD": cid, **{k: vals.get(k, "") for k in EPISODE_FIELDS},
                                     **{k: vals[k] for k in EPISODE_DERIVED if k in vals}})
            lines["episodes"].append(n)
        for el in child:  # SWEpisodes may also sit beside EPISODE
            tag = el.tag.upper()
            if tag in ("SWEPISODE", "SW_EPISODE") and len(el):
                vals = {e.tag.upper(): _text(e) for e in el}
                rows["sw_episodes"].append({"CHILD": cid, "DOB": dob, **{
                    k: vals.get(k, "") for k in GROUPS[tag][1]}})
                lines["sw_episodes"].append(n)
    out: dict[str, Source] = {}
    for table, recs in rows.items():
        if not recs:
            continue
        frame = pd.DataFrame(recs, dtype="string")
        frame.insert(0, "_sheet_row", lines[table])
        out[table] = Source(str(path), "CHILD", frame, 1)
    return out


def parse_xml(path: Path):  # noqa: ANN201 - an ElementTree Element
    """The root element of an XML return, or an InputError naming the file and the line of the
    first malformed tag (shared with the CSWW census reader)."""
    from xml.etree import ElementTree as ET

    try:
        return ET.parse(path).getroot()
    except ET.ParseError as err:
        line = err.position[0] if err.position else None
        raise InputError(path, f"not a well-formed XML file ({err})", row=line) from err
    except OSError as err:
        raise InputError(path, f"cannot read file: {err}") from err
