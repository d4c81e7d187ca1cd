"""DfE year labels -> reporting year.

DfE and LAIT label one year's figures in many ways: `2024`, `2024 (Rev)`, `2020 (Final)`,
`2025 (prov)`, `2023-24`, `2016/17`, `2016-17`, and EES's `202324`. The reporting year
`YYYY` is the calendar year in which the collection year ends: 31 March for the CIN census
and SSDA903 (`2023-24` -> 2024), 30 September for the social work workforce census (whose
LAIT and EES labels are already the census year), 31 August for school (academic) years.

A revised (`Rev`) or final figure supersedes an unmarked one, which supersedes a provisional
(`prov`) one: `revision_rank` orders them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

_SINGLE = re.compile(r"^(\d{4})(?:\s*\((?P<tag>[A-Za-z]+)\))?$")
_SPAN = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})(?:\s*\((?P<tag>[A-Za-z]+)\))?$")
_EES = re.compile(r"^(\d{4})(\d{2})$")

#: higher wins when the same figure is published under two labels
REVISION_RANK = {"prov": 0, "": 1, "ot": 1, "rev": 2, "final": 2}

#: last day of a reporting year, by the measure's year type
PERIOD_END = {"financial": "03-31", "workforce": "09-30", "academic": "08-31"}


@dataclass(frozen=True)
class YearLabel:
    year: int
    revision: str  # '', 'rev', 'final', 'prov', 'ot'

    @property
    def revision_rank(self) -> int:
        return REVISION_RANK.get(self.revision, 1)


def parse_year_label(label: object) -> YearLabel:
    """`'2023-24'` -> YearLabel(2024, ''); `'2024 (Rev)'` -> YearLabel(2024, 'rev').

    Raises ValueError for a label that is not one year (e.g. the 3-year span `2014-16`).
    """
    text = str(label).strip()
    m = _SINGLE.match(text)
    if m:
        return YearLabel(int(m.group(1)), (m.group("tag") or "").lower())
    m = _EES.match(text)
    if m:
        start, end = int(m.group(1)), int(m.group(2))
        if (start + 1) % 100 == end:
            return YearLabel(start + 1, "")
    m = _SPAN.match(text)
    if m:
        start, end_text = int(m.group(1)), m.group(2)
        end = int(end_text) if len(end_text) == 4 else (start // 100) * 100 + int(end_text)
        if end < start:
            end += 100
        if end == start + 1:
            return YearLabel(end, (m.group("tag") or "").lower())
    raise ValueError(f"not a one-year label: {text!r}")


def parse_year_labels(labels: pd.Series) -> pd.DataFrame:
    """Vectorised over distinct labels: columns `period` (Int64) and `revision_rank`.

    Raises ValueError naming the first label that cannot be read.
    """
    uniq = pd.unique(labels.astype(str))
    parsed = {u: parse_year_label(u) for u in uniq}
    text = labels.astype(str)
    return pd.DataFrame({
        "period": text.map({k: v.year for k, v in parsed.items()}).astype("Int64"),
        "revision_rank": text.map({k: v.revision_rank for k, v in parsed.items()}).astype(int),
    }, index=labels.index)


def period_end(period: int, year_type: str) -> str:
    """Last day of the reporting year: `period_end(2020, 'financial')` -> `'2020-03-31'`."""
    return f"{int(period)}-{PERIOD_END.get(year_type, '03-31')}"


def year_label(period: int, year_type: str) -> str:
    """How a reporting year is written in the reports: `2020, 'financial'` -> `'2019-20'`;
    `2019, 'workforce'` -> `'30 September 2019'`; `2019, 'academic'` -> `'2018/19'`."""
    period = int(period)
    if year_type == "workforce":
        return f"30 September {period}"
    if year_type == "academic":
        return f"{period - 1}/{period % 100:02d}"
    return f"{period - 1}-{period % 100:02d}"
