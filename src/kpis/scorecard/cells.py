"""Read a scorecard cell as printed into numbers and the words around them.

A cell can hold one figure (`92%`), a figure with words (`89.3% seen in the last 7 weeks`,
`82% (ytd)`), several figures with labels (`43% S17 42% S47 61% 19.5% closed not seen`,
`66% Inadequate LAs 75% G/O LAs`), a fraction (`1/3`), a marker for a missing value (`tbc`,
`no data`), or words that stand for a value (`mid 20's`). Which words may stand where, and what
they mean (a breakdown, a comparator, a note), is data: `data/cell_words.csv`,
`data/missing_markers.csv` and `data/value_words.csv`. Words not listed there make the cell
unreadable (CellError), so nothing printed is silently lost.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from kpis.catalogue import _read

NUMBER = re.compile(r"(?<![\w./<-])(\d+(?:\.\d+)?)(%?)(?![\w./])|(?<![\w./])(\d+)/(\d+)(?![\w./])")


class CellError(ValueError):
    """A cell that cannot be read; the message says why (the caller adds file, row, column)."""


@dataclass
class Part:
    """One figure read from a cell."""

    value: float
    unit: str
    breakdown: str = ""
    comparator: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def note(self) -> str:
        return "; ".join(self.notes)


@cache
def _words() -> dict[tuple[str, str], pd.Series]:
    df = _read("scorecard/cell_words.csv")
    return {(r.position, r.phrase.casefold()): r for r in df.itertuples(index=False)}


@cache
def _missing() -> dict[str, str]:
    df = _read("scorecard/missing_markers.csv")
    return dict(zip(df["marker"].str.casefold(), df["reason"], strict=True))


@cache
def _value_words() -> dict[str, tuple[float, bool, str]]:
    df = _read("scorecard/value_words.csv")
    return {p.casefold(): (float(v), pc == "yes", n)
            for p, v, pc, n in zip(df["phrase"], df["value"], df["percent"], df["note"],
                                   strict=True)}


def normalise(text: object) -> str:
    """Collapse white space; None/NaN become ''."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return " ".join(str(text).split())


@cache
def _digit_phrases() -> list[str]:
    """Listed phrases that contain digits (`(Mar-17)`), longest first."""
    return sorted({k[1] for k in _words() if re.search(r"\d", k[1])}, key=len, reverse=True)


def _protect(cell: str) -> tuple[str, dict[str, str]]:
    """Hide listed phrases that contain digits behind digit-free placeholders, so that the
    `17` of `(Mar-17)` is not read as a figure."""
    restore: dict[str, str] = {}
    for i, phrase in enumerate(_digit_phrases()):
        pattern = re.compile(re.escape(phrase), re.IGNORECASE)
        found = pattern.search(cell)
        if found:
            token = f"<phrase{chr(97 + i)}>"
            restore[token] = found.group(0)
            cell = pattern.sub(token, cell)
    return cell, restore


def _apply(phrase: str, position: str, part: Part, cell: str) -> None:
    entry = _words().get((position, phrase.casefold()))
    if entry is None:
        where = "before" if position == "prefix" else "after"
        raise CellError(f"cannot read {phrase!r} {where} a figure in {cell!r} "
                        f"(not a number, and not a phrase listed in data/cell_words.csv)")
    if entry.role == "breakdown":
        part.breakdown = entry.maps_to
        if entry.unit:
            part.unit = entry.unit
    elif entry.role == "comparator":
        part.comparator = entry.maps_to
    else:
        part.notes.append(entry.maps_to)


def _unprotect(text: str, restore: dict[str, str]) -> str:
    for token, phrase in restore.items():
        text = text.replace(token, phrase)
    return text


def _split_between(words: str, restore: dict[str, str]) -> tuple[str, str]:
    """Split the words between two figures into (suffix of the first, prefix of the second).

    The prefix is the longest tail of the words that is a listed prefix phrase."""
    tokens = words.split()
    for k in range(len(tokens)):
        tail = " ".join(tokens[k:])
        if ("prefix", _unprotect(tail, restore).casefold()) in _words():
            return " ".join(tokens[:k]), tail
    return words, ""


def parse_cell(text: object, unit: str) -> list[Part]:
    """Read one printed cell. `unit` is the indicator's unit from the catalogue.

    Returns one Part per figure (an empty list for an empty cell). A missing-value marker gives
    one Part with value NaN and the reason as its note. Percent signs must agree with the unit:
    a `%` on a count, or a bare number where a percentage is expected, is a CellError; a
    fraction such as `1/3` is read as a percentage (33.33...) with a note.
    """
    cell = normalise(text)
    if not cell:
        return []
    key = cell.casefold()
    if key in _missing():
        return [Part(math.nan, unit, notes=[_missing()[key]])]
    if key in _value_words():
        value, is_percent, note = _value_words()[key]
        if is_percent != (unit == "percent"):
            raise CellError(f"{cell!r} stands for a {'percentage' if is_percent else 'number'}, "
                            f"but the indicator's unit is {unit!r}")
        return [Part(value, unit, notes=[note])]
    cell, restore = _protect(cell)
    matches = list(NUMBER.finditer(cell))
    if not matches:
        raise CellError(f"cannot read {_unprotect(cell, restore)!r} as a number, a fraction or "
                        f"a listed phrase")
    parts: list[Part] = []
    prefix = cell[: matches[0].start()].strip()
    for i, m in enumerate(matches):
        if m.group(1) is not None:
            value = float(m.group(1))
            has_pct = m.group(2) == "%"
            notes: list[str] = []
        else:
            num, den = int(m.group(3)), int(m.group(4))
            if den == 0:
                raise CellError(f"fraction with zero denominator in {cell!r}")
            value, has_pct = 100 * num / den, True
            notes = [f"printed as {m.group(0)}"]
        part = Part(value, unit, notes=notes)
        following = cell[m.end(): matches[i + 1].start() if i + 1 < len(matches) else len(cell)]
        following = following.strip()
        if i + 1 < len(matches):
            suffix, next_prefix = _split_between(following, restore)
        else:
            suffix, next_prefix = following, ""
        printed = _unprotect(cell, restore)
        if prefix:
            _apply(_unprotect(prefix, restore), "prefix", part, printed)
        if suffix:
            _apply(_unprotect(suffix, restore), "suffix", part, printed)
        if has_pct and not part.unit.startswith("percent"):
            raise CellError(f"{m.group(0)!r} in {printed!r} is a percentage, but the unit here is "
                            f"{part.unit!r}")
        if not has_pct and part.unit.startswith("percent"):
            raise CellError(f"{m.group(0)!r} in {printed!r} has no % sign, but the indicator is a "
                            f"percentage")
        parts.append(part)
        prefix = next_prefix
    return parts


INSPECTION_FIGURE = re.compile(r"^(\d+(?:\.\d+)?%|\d+/\d+)(?:\s+(.*))?$")


def split_inspection(text: object) -> tuple[str, str]:
    """Split an Inspection cell into (leading figure, finding text); either may be ''."""
    cell = normalise(text)
    m = INSPECTION_FIGURE.match(cell)
    if m:
        return m.group(1), m.group(2) or ""
    return "", cell
