"""The Children's Social Work Workforce census (CSWW) as submitted: XML, one `CSWWWorker` per
worker (`AgencyWorker`, `SWENo`, `FTE`, `RoleStartDate`, `RoleEndDate`, `FTE30`, `Cases30`, ...)
under a `Header` with the census `ReferenceDate` (see ../shared/corpus/FORMATS.md).

The census has no team: a worker's team comes from a mapping file (worker id -> team; the
`team_map` table of data/records/ssda903_columns.yml) when the council gives one, else it is blank
(team-level figures then show the workers under no team). The reader turns the file into a
text table with the census element names, so the workforce column map (synonyms `SWENo`,
`AgencyWorker`, `RoleStartDate`...) reads it like a CSV. Row n is the n-th CSWWWorker.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpis.records.readers.parsing import Source
from kpis.records.readers.xml903 import parse_xml

FIELDS = ("AgencyWorker", "SWENo", "FTE", "PersonBirthDate", "GenderCurrent", "Ethnicity",
          "QualInst", "QualLevel", "StepUpGrad", "OrgRole", "RoleStartDate", "StartOrigin",
          "RoleEndDate", "LeaverDestination", "ReasonLeave", "FTE30", "Cases30",
          "WorkingDaysLost", "ContractWeeks", "FrontlineGrad", "Absat30Sept", "ReasonAbsence",
          "CFKSSstatus")


def is_csww_xml(path: Path) -> bool:
    """Does this XML file hold a CSWW census return? (looks at the first 4 kB only)"""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return b"CSWWWorker" in head or b"<Collection>CSWW" in head or b"LALevelVacancies" in head


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_csww_xml(path: Path) -> tuple[Source, dict[str, str]]:
    """(workers as a text table with the census element names, census header values such as
    ReferenceDate, NumberOfVacancies, NoAgencyFTE)."""

    root = parse_xml(path)
    info: dict[str, str] = {}
    recs: list[dict[str, str]] = []
    for el in root.iter():
        name = _local(el.tag)
        if name == "CSWWWorker":
            vals = {_local(e.tag): (e.text or "").strip() for e in el}
            recs.append({k: vals.get(k, "") for k in FIELDS})
        elif len(el) == 0 and name in ("Collection", "Year", "ReferenceDate", "LEA",
                                        "NumberOfVacancies", "NoAgencyFTE", "NoAgencyHeadcount"):
            info[name] = (el.text or "").strip()
    frame = pd.DataFrame(recs, columns=list(FIELDS), dtype="string")
    frame.insert(0, "_sheet_row", range(1, len(frame) + 1))
    return Source(str(path), "CSWWWorker", frame, 1), info
