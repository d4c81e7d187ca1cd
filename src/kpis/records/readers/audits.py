"""Quality-assurance audits (case-file, thematic, observation of practice) -> `Records.audits`.

The file format is documented in docs/audits.md; headers, file names and code lists are data
(`data/records/audits.yml`). The rules are those of the other readers (kpis.records.readers):

- a CSV or a workbook sheet (title rows above the header are skipped) anywhere under the
  council folder, recognised by its headings like every other table (an audit id:
  the `key` column in data/records/audits.yml; kpis.records.readers.detect), read by
  kpis.records.readers.read_council and finished here (`clean_audits`); absent -> an empty
  table (the file is optional);
- a required column that cannot be found, an empty or non-UTF-8 file, an unreadable workbook ->
  `InputError` naming the file (and column): `kpis compute` exits 2, writes nothing;
- a row that cannot be used goes to the quarantine with file, sheet, row (as a person sees it),
  column, value and reason: unparseable or missing date completed, missing id / child / worker
  / team, a grade or audit type not in the code list, a moderation grade not in it, an exact
  duplicate row, or a second row with the same audit id (the first is kept);
- every row read is either in the table or in the quarantine (rows in = rows read +
  quarantined).

Values kept: `grade` and `moderated_grade` as the canonical Ofsted words (`outstanding`,
`good`, `requires improvement`, `inadequate`; moderation blank when not moderated),
`audit_type` as `case file`, `thematic` or `observation of practice`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kpis.records.readers.parsing import (
    DUPLICATE,
    MISSING_VALUE,
    UNKNOWN_CODE,
    Source,
    _per_unique,
    _text,
    concat,
    empty_quarantine,
    load_yaml,
    map_columns,
    norm,
    norm_series,
    quarantine_rows,
)

CONFIG = "audits.yml"
DUPLICATE_ID = "duplicate audit id"
_MARKER = r"^\s*(?:[a-z]\)|\d+\s*[-.:)]\s+|\d+\s*-)\s*"  # 'a) Good', '2 - Good', '2. Good'


def config() -> dict[str, Any]:
    """The audit file's column map and code lists (data/records/audits.yml)."""
    return load_yaml(CONFIG)


def spec() -> dict[str, dict[str, Any]]:
    """field -> column spec of the audit list."""
    return dict(config()["tables"]["audits"]["columns"])


def _code_map(section: str) -> dict[str, str]:
    return {norm(x): canon for canon, spellings in config()[section].items()
            for x in [canon, *spellings]}


def parse_mapped(s: pd.Series, section: str) -> tuple[pd.Series, pd.Series]:
    """Text -> canonical value from code list `section` of data/records/audits.yml ('a) Good',
    'GOOD', '2 - Good', '2' -> 'good'). Returns (values, mask of non-blank cells not in the
    list)."""
    mapping = _code_map(section)

    def parse(t: pd.Series) -> tuple[pd.Series, pd.Series]:
        n = norm_series(t)
        out = n.map(mapping)
        stripped = norm_series(t.str.replace(_MARKER, "", regex=True, case=False))
        out = out.fillna(stripped.map(mapping)).astype("string")
        return out, (n.notna() & (n != "") & out.isna())

    return _per_unique(s, parse)


def clean_audits(df: pd.DataFrame, sources: list[Source]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The audit-specific rules, after the common parsing (kpis.records.readers.parsing
    .build_table: dates, missing child id, exact duplicates): missing audit id / worker / team,
    a type, grade or moderation grade not in the code lists, a second row reusing an audit id.
    Returns (audits sorted by date completed and id, quarantine of the rows dropped here)."""
    sp = spec()
    qs = [empty_quarantine()]
    # each file's own headers, so the quarantine names the column as the file spells it
    found = {s.file + "|" + s.sheet: map_columns(s, sp)[1] for s in sources}

    def drop(mask: pd.Series, field: str, value: pd.Series, reason: str) -> None:
        nonlocal df
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            q = quarantine_rows(df, mask, sp[field]["names"][0], value, reason)
            where = (df.loc[mask, "_file"] + "|" + df.loc[mask, "_sheet"]).to_numpy()
            q["column"] = [found[w].get(field, sp[field]["names"][0]) for w in where]
            qs.append(q)
            df = df.loc[~mask]

    for field in ("audit_id", "worker", "team"):
        df[field] = _text(df[field])
        drop(df[field].isna(), field, df[field], MISSING_VALUE)
    if "moderated_grade" not in df:
        df["moderated_grade"] = pd.NA
    for field, section in (("audit_type", "audit_types"), ("grade", "grades"),
                           ("moderated_grade", "grades")):
        raw = df[field]
        val, bad = parse_mapped(raw, section)
        df[field] = val
        drop(bad, field, _text(raw), UNKNOWN_CODE)
        if field != "moderated_grade":
            drop(df[field].isna(), field, _text(df[field]).fillna(""), MISSING_VALUE)
    dup = df.duplicated("audit_id", keep="first")
    drop(dup, "audit_id", df["audit_id"], DUPLICATE_ID)
    df = df.sort_values(["completed_date", "audit_id"], kind="stable").reset_index(drop=True)
    return df, concat(qs, empty_quarantine())


def grade_score(grades: pd.Series) -> pd.Series:
    """Ofsted scale as numbers: outstanding 1, good 2, requires improvement 3, inadequate 4."""
    order = config()["grade_order"]
    return grades.map({g: i + 1 for i, g in enumerate(order)}).astype("Float64")


__all__ = ["clean_audits", "parse_mapped", "grade_score", "spec", "DUPLICATE", "DUPLICATE_ID"]
