"""A council's config: what `kpis report --council FILE` builds, from which records.

A small YAML file owned by the council (never inside the package). Two keys are required:

    name: Northshire                # the council's name, written on every page
    records: extracts/2026-10       # folder of its extracts (Annex A, SSDA903, workforce)

Everything else is optional, with these defaults (see README "Your council's reports"):

- `la_code`: the council's DfE LA code, for published benchmarks (default: none, no benchmarks
  for the council; a number from data/external/la_codes.csv).
- `latest_period` (YYYY-MM): default the last complete month of the records (the month-end on or
  before the extract date).
- `baseline_period` (YYYY-MM): default 12 months before `latest_period` (the same month a year
  earlier). Give the inspection month to measure distance travelled since an inspection.
- `inspection`: words for the baseline, e.g. "the March 2017 Ofsted inspection" (default: none;
  the pages then say "the baseline").
- `targets`: {indicator_id: number} or {indicator_id: {breakdown: number}} (percentages 0-100).
- `scorecard`, `narrative`: the council's own scorecard and narrative figures (same layouts as
  data/raw/appendix1_scorecard.csv and narrative_figures.csv); the narrative needs a scorecard.
- `indicators`: an extra catalogue file (the columns of the package's indicators.csv).
- `reports`: {audiences: [board, managers]} (default [board]).
- `extract_dates`: {file: YYYY-MM-DD}, files relative to `records`: the extract date of each
  file of a folder of monthly Annex A extracts whose names carry no date (a date in a file or
  folder name, e.g. `2026-09/` or `annexa_2026-09-30.xlsx`, needs no entry; see
  kpis.records.readers.extracts).
- `postcodes`: a postcode centroid file (an ONS Postcode Directory or Code-Point Open extract,
  kpis.records.readers.postcodes) to place HOME_POST/PL_POST for the lines "placed outside the
  council" and "... more than 20 miles" (default: a centroid file inside `records`, if any;
  without one those lines say "not computed" and name the file they need).
- `disclosure`: small-number threshold, a whole number >= 0 (default 5, as
  kpis.stats.suppression): counts from 1 to it are suppressed on the board's pages; passed to
  the notebooks as the parameters `disclosure` and `suppress_threshold`.

Relative paths are read from the config file's folder. Unknown keys, bad values and missing
paths are an InputError naming the key (exit 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from kpis.errors import InputError

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
AUDIENCES = ("board", "managers")
KEYS = ("name", "records", "la_code", "baseline_period", "latest_period", "inspection",
        "targets", "scorecard", "narrative", "indicators", "reports", "disclosure",
        "extract_dates", "postcodes")

#: What `kpis init` writes: the two required keys, and every optional key commented out.
TEMPLATE = """\
# kpis council config: `kpis report --council {file}` builds this council's reports.
# Relative paths are read from this file's folder.
name: {name}                       # the council's name, on every page
records: {records}                 # folder of extracts: Annex A, SSDA903, workforce files

# Optional (defaults in brackets):
# la_code: 916                     # DfE LA code, for published benchmarks [none]
# latest_period: 2026-09           # YYYY-MM [the last complete month of the records]
# baseline_period: 2025-09         # YYYY-MM, e.g. the inspection month [12 months earlier]
# inspection: the September 2025 Ofsted inspection   # words for the baseline [none]
# targets:                         # per indicator id (src/kpis/data/catalogue/indicators.csv)
#   re_referrals: 22
#   assessment_45wd: 85
# scorecard: scorecard.csv         # own scorecard, appendix1_scorecard.csv layout [none]
# narrative: narrative_figures.csv # figures quoted in prose, needs `scorecard` [none]
# indicators: indicators.csv       # extra catalogue lines, indicators.csv columns [none]
# reports:
#   audiences: [board, managers]   # managers: worker caseloads and exception lists [board]
# disclosure: 5                    # small-number threshold: counts 1-5 suppressed [5]
# extract_dates:                   # monthly Annex A extracts named without a date [none]
#   may/annexa.xlsx: 2026-05-31
# postcodes: ONSPD_extract.csv     # postcode centroids for placement distance [one in records]
"""


@dataclass(frozen=True)
class Config:
    """A checked council config (paths resolved against the config's folder)."""

    path: Path
    name: str
    records: Path
    la_code: int | None = None
    baseline_period: str = ""
    latest_period: str = ""
    inspection: str = ""
    targets: dict[tuple[str, str], float] = field(default_factory=dict)
    scorecard: Path | None = None
    narrative: Path | None = None
    indicators: Path | None = None
    audiences: tuple[str, ...] = ("board",)
    disclosure: int = 5
    extract_dates: dict[str, Any] = field(default_factory=dict)  # file -> pd.Timestamp
    postcodes: Path | None = None


def _bad(path: Path, key: str, message: str) -> InputError:
    return InputError(path, message, column=key)


def _extract_dates(path: Path, records: Path, value: Any) -> dict[str, Any]:
    """`extract_dates`: {file under records: date}; each file must exist."""
    import pandas as pd

    if value is None:
        return {}
    key = "extract_dates"
    if not isinstance(value, dict):
        raise _bad(path, key, "is not a mapping of file: YYYY-MM-DD")
    out = {}
    for file, when in value.items():
        if not isinstance(file, str) or not (records / file).is_file():
            raise _bad(path, f"{key}.{file}", f"file not found: {records / str(file)}")
        try:
            day = pd.Timestamp(str(when))
        except ValueError:
            day = pd.NaT
        if pd.isna(day) or not re.match(r"^\d{4}-\d{2}-\d{2}$", str(when)):
            raise _bad(path, f"{key}.{file}", f"{when!r} is not a date written YYYY-MM-DD")
        out[Path(file).as_posix()] = day
    return out


def _month(path: Path, key: str, value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if not MONTH.match(text):
        raise _bad(path, key, f"{value!r} is not a month written YYYY-MM")
    return text


def _file(path: Path, key: str, value: Any, folder: bool = False) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, key, f"{value!r} is not a path")
    p = Path(value).expanduser()
    p = (p if p.is_absolute() else (path.parent / p)).resolve()  # notebooks run elsewhere
    if folder and not p.is_dir():
        raise _bad(path, key, f"folder not found: {p}")
    if not folder and not p.is_file():
        raise _bad(path, key, f"file not found: {p}")
    return p


def _number(path: Path, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(path, key, f"{value!r} is not a number")
    return float(value)


def _targets(path: Path, raw: Any) -> dict[tuple[str, str], float]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _bad(path, "targets", "expected indicator_id: number (or {breakdown: number})")
    out: dict[tuple[str, str], float] = {}
    for iid, v in raw.items():
        key = f"targets.{iid}"
        if isinstance(v, dict):
            for bd, x in v.items():
                out[(str(iid), "" if bd in (None, "headline") else str(bd))] = _number(
                    path, f"{key}.{bd}", x)
        else:
            out[(str(iid), "")] = _number(path, key, v)
    return out


def _audiences(path: Path, raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ("board",)
    if not isinstance(raw, dict) or set(raw) - {"audiences"}:
        extra = sorted(set(raw) - {"audiences"}) if isinstance(raw, dict) else []
        raise _bad(path, f"reports.{extra[0]}" if extra else "reports",
                   "expected reports: {audiences: [board, managers]}")
    aud = raw.get("audiences") or ["board"]
    aud = [aud] if isinstance(aud, str) else aud
    bad = [a for a in aud if a not in AUDIENCES] if isinstance(aud, list) else []
    if not isinstance(aud, list) or bad:
        raise _bad(path, "reports.audiences",
                   f"unknown audience {bad[0] if bad else aud!r}; known: {', '.join(AUDIENCES)}")
    return tuple(dict.fromkeys(aud))


def parse(data: Any, path: Path) -> Config:
    """Check a loaded config mapping; raise InputError naming the key."""
    path = Path(path)
    if not isinstance(data, dict):
        raise InputError(path, "a council config is a YAML mapping (name: ..., records: ...)")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise _bad(path, str(unknown[0]), f"unknown key {unknown[0]!r}; keys: {', '.join(KEYS)}")
    for key in ("name", "records"):
        if data.get(key) in (None, ""):
            raise _bad(path, key, f"required key {key!r} is missing")
    name = data["name"]
    if not isinstance(name, str):
        raise _bad(path, "name", f"{name!r} is not text")
    la = data.get("la_code")
    if la is not None and (isinstance(la, bool) or not isinstance(la, int) or la < 100):
        raise _bad(path, "la_code", f"{la!r} is not a DfE LA code (a number such as 916)")
    disc = data.get("disclosure", 5)
    if isinstance(disc, bool) or not isinstance(disc, int) or disc < 0:
        raise _bad(path, "disclosure", f"{disc!r} is not a whole number of 0 or more")
    insp = data.get("inspection") or ""
    if not isinstance(insp, str):
        raise _bad(path, "inspection", f"{insp!r} is not text")
    cfg = Config(
        path=path, name=name.strip(), records=_file(path, "records", data["records"], True),
        la_code=la, baseline_period=_month(path, "baseline_period", data.get("baseline_period")),
        latest_period=_month(path, "latest_period", data.get("latest_period")),
        inspection=insp, targets=_targets(path, data.get("targets")),
        scorecard=_file(path, "scorecard", data.get("scorecard")),
        narrative=_file(path, "narrative", data.get("narrative")),
        indicators=_file(path, "indicators", data.get("indicators")),
        audiences=_audiences(path, data.get("reports")), disclosure=disc,
        postcodes=_file(path, "postcodes", data.get("postcodes")))
    cfg = replace(cfg, extract_dates=_extract_dates(path, cfg.records, data.get("extract_dates")))
    if cfg.narrative and not cfg.scorecard:
        raise _bad(path, "narrative", "narrative figures need a `scorecard` file")
    if cfg.baseline_period and cfg.latest_period and cfg.baseline_period >= cfg.latest_period:
        raise _bad(path, "baseline_period",
                   f"{cfg.baseline_period} is not before latest_period {cfg.latest_period}")
    return cfg


def load(path: str | Path) -> Config:
    """Read and check a council config file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "council config not found (write one with `kpis init`)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise InputError(path, f"not readable YAML: {str(err).splitlines()[0]}") from None
    return parse(data, path)


def write_template(path: str | Path, name: str = "My council",
                   records: str = "records") -> Path:
    """`kpis init`: write a commented config; never overwrites (InputError if it exists)."""
    from kpis import files

    path = Path(path)
    if path.exists():
        raise InputError(path, "already exists; kpis init never overwrites a file")
    files.write_text(path, TEMPLATE.format(file=path.name, name=name, records=records))
    return path


def run(args: Any) -> int:
    """CLI entry: `kpis init [FILE] [--name NAME] [--records DIR]`."""
    from kpis.log import progress

    path = write_template(args.file, args.name, args.records)
    progress(f"wrote {path}: fill in `name` and `records`, then run "
             f"`kpis report --council {path}`")
    return 0
