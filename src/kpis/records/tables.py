"""Child-level records in one normalised shape: what the readers produce and the engine consumes.

Every table is a pandas DataFrame with exactly the columns listed in `COLUMNS` (extra columns are
allowed and ignored by the engine). Identifiers are strings (pandas "string"/object), dates are
`datetime64[ns]` (NaT for missing), booleans are pandas "boolean" (nullable), FTE is float.
One `Records` holds one council; `council` names it (e.g. the LA code or "Synthetic shire").

Source of each table (see ../shared/reference/child-level-formats.md):
- children: SSDA903 header + Annex A child columns (Child Unique ID, Gender, Date of Birth)
- contacts: Annex A list 1;  referrals: list 3;  assessments: list 4;  s47: list 5;
  cp_plans: list 7;  cla (Annex A list 8) is not needed by the engine (903 is used instead)
- episodes: SSDA903 episodes (repaired: see kpis.records.readers)
- missing: SSDA903 missing;  oc3: SSDA903 OC3
- sw_episodes: SSDA903 SWEpisodes format, used as the allocation history of every child open
  to social care (child -> social worker, start and end)
- workers: the workforce file or the CSWW census (one row per worker-role)
- audits: the council's quality-assurance audits (one row per completed audit; see
  kpis.records.readers.audits and docs/audits.md); empty when the council sends no audit file
- postcodes: a postcode centroid file the council supplies (ONSPD / Code-Point Open extract:
  kpis.records.readers.postcodes), to place HOME_POST and PL_POST; empty when none is given
- children also carry `ethnicity` (the Annex A / SSDA903 code as sent, e.g. WBRI or
  'a) WBRI') and `disability` (Annex A "Does the Child have a Disability", a boolean); the
  disproportionality analysis maps them with data/records/ethnicity.yml
- the other Annex A lists and SSDA903 tables, read whole for the next indicators (columns from
  data/records/annexa_columns.yml and data/records/ssda903_columns.yml, `EXTRA_TABLES`):
  early_help (list 2),
  cin (list 6: visits, closure), cla (list 8: reviews, visits, health, dental, missing, return
  interviews), care_leavers (list 9), adoption (list 10), adopters (list 11, no child id);
  reviews, uasc, oc2, ad1, placed_adoption, prev_perm (SSDA903)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from importlib import resources

import pandas as pd
import yaml

COLUMNS: dict[str, list[str]] = {
    "children": ["child_id", "sex", "dob", "ethnicity", "disability"],
    "contacts": ["child_id", "contact_date", "source", "team", "worker"],
    "referrals": ["child_id", "referral_date", "nfa", "team", "worker"],
    "assessments": ["child_id", "start_date", "auth_date", "team", "worker"],
    "s47": ["child_id", "strategy_date", "icpc_date", "icpc_unnecessary", "team", "worker"],
    "cp_plans": ["child_id", "start_date", "end_date", "previous_plans", "team", "worker"],
    "episodes": ["child_id", "decom", "dec", "rne", "ls", "cin", "place", "place_provider",
                 "rec", "reason_place_change", "home_post", "pl_post", "urn"],
    "missing": ["child_id", "missing_type", "start", "end"],
    "oc3": ["child_id", "dob", "in_touch", "activ", "accom"],
    "sw_episodes": ["child_id", "sw_id", "start", "end", "reason"],
    "workers": ["worker_id", "team", "fte", "agency", "start_date", "end_date", "role"],
    "audits": ["audit_id", "completed_date", "child_id", "worker", "team", "audit_type",
               "grade", "moderated_grade"],
    "postcodes": ["postcode", "sector", "easting", "northing", "latitude", "longitude", "la"],
}

#: Tables carried whole for the next indicators; their columns and types come from the readers'
#: column maps (data), in the order listed there.
EXTRA_TABLES = ("early_help", "cin", "cla", "care_leavers", "adoption", "adopters", "reviews",
                "uasc", "oc2", "ad1", "placed_adoption", "prev_perm")


def _extra_columns() -> tuple[dict[str, list[str]], dict[str, str]]:
    data = resources.files("kpis").joinpath("data", "records")
    a = yaml.safe_load(data.joinpath("annexa_columns.yml").read_text(encoding="utf-8"))
    s = yaml.safe_load(data.joinpath("ssda903_columns.yml").read_text(encoding="utf-8"))
    specs: dict[str, dict] = {}
    for t, ls in a["lists"].items():
        specs[t] = ({**a["child_columns"], **ls["columns"]} if ls.get("child_columns", True)
                    else ls["columns"])
    specs.update({t: ts["columns"] for t, ts in s["ssda903"].items()})
    cols: dict[str, list[str]] = {}
    types: dict[str, str] = {}
    kinds = {"date": "date", "bool": "bool", "int": "float", "float": "float", "fte": "float"}
    for t in EXTRA_TABLES:
        cols[t] = list(specs[t])
        for c, cs in specs[t].items():
            types.setdefault(c, kinds.get(cs.get("type", ""), "id"))
    return cols, types


_EXTRA_COLUMNS, _EXTRA_TYPES = _extra_columns()
COLUMNS.update(_EXTRA_COLUMNS)


#: The type of every column in `COLUMNS` (one map, used by the readers and by `records_from`):
#: "id" text, "bool" nullable boolean, "float", "date" (datetime64[ns]).
BOOL_COLUMNS = frozenset({"nfa", "icpc_unnecessary", "agency", "disability"})
FLOAT_COLUMNS = frozenset({"fte", "previous_plans", "easting", "northing", "latitude",
                           "longitude"})
DATE_COLUMNS = frozenset({"dob", "decom", "dec", "start", "end", "contact_date", "referral_date",
                          "start_date", "auth_date", "strategy_date", "icpc_date", "end_date",
                          "completed_date"})
TYPES: dict[str, str] = {
    c: ("bool" if c in BOOL_COLUMNS else "float" if c in FLOAT_COLUMNS
        else "date" if c in DATE_COLUMNS else "id")
    for cols in COLUMNS.values() for c in cols if c not in _EXTRA_TYPES
}
TYPES.update({c: t for c, t in _EXTRA_TYPES.items() if c not in TYPES})
ID_COLUMNS = frozenset(c for c, t in TYPES.items() if t == "id")
BOOL_COLUMNS = frozenset(c for c, t in TYPES.items() if t == "bool")
FLOAT_COLUMNS = frozenset(c for c, t in TYPES.items() if t == "float")
DATE_COLUMNS = frozenset(c for c, t in TYPES.items() if t == "date")


def empty(table: str) -> pd.DataFrame:
    """An empty table with the right columns (no rows)."""
    return _empty(table).copy()


@cache
def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS[table]})


@dataclass
class Records:
    council: str = "council"
    children: pd.DataFrame = field(default_factory=lambda: empty("children"))
    contacts: pd.DataFrame = field(default_factory=lambda: empty("contacts"))
    referrals: pd.DataFrame = field(default_factory=lambda: empty("referrals"))
    assessments: pd.DataFrame = field(default_factory=lambda: empty("assessments"))
    s47: pd.DataFrame = field(default_factory=lambda: empty("s47"))
    cp_plans: pd.DataFrame = field(default_factory=lambda: empty("cp_plans"))
    episodes: pd.DataFrame = field(default_factory=lambda: empty("episodes"))
    missing: pd.DataFrame = field(default_factory=lambda: empty("missing"))
    oc3: pd.DataFrame = field(default_factory=lambda: empty("oc3"))
    sw_episodes: pd.DataFrame = field(default_factory=lambda: empty("sw_episodes"))
    workers: pd.DataFrame = field(default_factory=lambda: empty("workers"))
    early_help: pd.DataFrame = field(default_factory=lambda: empty("early_help"))
    cin: pd.DataFrame = field(default_factory=lambda: empty("cin"))
    cla: pd.DataFrame = field(default_factory=lambda: empty("cla"))
    care_leavers: pd.DataFrame = field(default_factory=lambda: empty("care_leavers"))
    adoption: pd.DataFrame = field(default_factory=lambda: empty("adoption"))
    adopters: pd.DataFrame = field(default_factory=lambda: empty("adopters"))
    reviews: pd.DataFrame = field(default_factory=lambda: empty("reviews"))
    uasc: pd.DataFrame = field(default_factory=lambda: empty("uasc"))
    oc2: pd.DataFrame = field(default_factory=lambda: empty("oc2"))
    ad1: pd.DataFrame = field(default_factory=lambda: empty("ad1"))
    placed_adoption: pd.DataFrame = field(default_factory=lambda: empty("placed_adoption"))
    prev_perm: pd.DataFrame = field(default_factory=lambda: empty("prev_perm"))
    audits: pd.DataFrame = field(default_factory=lambda: empty("audits"))
    postcodes: pd.DataFrame = field(default_factory=lambda: empty("postcodes"))

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "council"}
