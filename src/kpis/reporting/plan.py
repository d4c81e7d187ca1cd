"""Which notebooks a report run executes, with which parameters: planned from reports.yml.

`src/kpis/data/reports.yml` lists each report, its notebook and its parameter sets (see the
comments at its top). `-p NAME VALUE` overrides are checked against the notebooks' parameters.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kpis import catalogue
from kpis.errors import InputError

REPORTS_YML = "reports.yml"


@dataclass
class Job:
    """One notebook execution: the source notebook, the report name and its parameters."""

    name: str
    notebook: Path
    parameters: dict[str, Any]
    title: str
    status: str = "pending"
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of the run: its worker (papermill, HTML export) and kernel
    error: str = ""
    files: list[str] = field(default_factory=list)
    computed: bool = False  # takes the computed monthly series
    banner: str = ""  # a line above the page (the managers' OFFICIAL-SENSITIVE marking)
    needs: tuple[str, ...] = ()  # council config keys it cannot run without (reports.yml)
    key: str = ""  # content hash of everything it depends on (kpis.reporting.incremental)
    cost: float = 1.0  # roughly how long it runs (reports.yml `cost`): the longest start first


@cache
def report_set() -> tuple[dict[str, Any], ...]:
    """The reports of reports.yml, in order."""
    text = resources.files("kpis").joinpath("data", REPORTS_YML).read_text(encoding="utf-8")
    return tuple(yaml.safe_load(text)["reports"])


def notebook_parameters(path: Path) -> dict[str, Any]:
    """Default parameters of a notebook (from its `parameters` cell), via papermill."""
    import papermill

    return {k: v["default"] for k, v in papermill.inspect_notebook(str(path)).items()}


def coerce(value: str, default: Any) -> Any:
    """Convert a -p value to the type of the notebook's default literal."""
    if isinstance(default, str) and default.startswith(("'", '"')):
        return value
    try:
        literal = json.loads(default) if isinstance(default, str) else default
    except (ValueError, TypeError):
        try:  # a Python literal such as True / False in the parameters cell
            literal = ast.literal_eval(default)
        except (ValueError, SyntaxError):
            return value
    for typ in (bool, int, float):
        if isinstance(literal, typ):
            if typ is bool:
                return value.lower() in {"1", "true", "yes"}
            try:
                return typ(value)
            except ValueError as err:
                raise InputError("-p", f"{value!r} is not a valid {typ.__name__}") from err
    return value


def default_value(literal: Any) -> Any:
    """A parameter default as papermill reports it (source text) -> Python value."""
    if isinstance(literal, str):
        try:
            return json.loads(literal)
        except ValueError:
            return literal.strip("'\"")
    return literal


def slug(text: str) -> str:
    """'Children in Care 1' -> 'children-in-care-1' (file names of per-team reports)."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "unnamed"


def _runs(report: dict[str, Any], teams: list[str] | None = None
          ) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, title, parameters) of each run of one report entry. `for_each: teams` runs once
    per team of the council's workforce file (none when no council's records are given)."""
    params = dict(report.get("parameters") or {})
    if report.get("for_each") is None:
        return [(report["name"], report["title"], params)]
    if report["for_each"] == "domains":
        fills = [{"slug": d["slug"], "domain": d["domain"]}
                 for _, d in catalogue.domains().iterrows()]
    elif report["for_each"] == "teams":
        fills = [{"slug": slug(t), "team": t} for t in teams or []]
    else:
        raise InputError(REPORTS_YML, f"unknown for_each {report['for_each']!r} in report "
                                      f"{report['name']!r} (known: domains, teams)")
    out = []
    for fill in fills:
        out.append((report["name"].format(**fill), report["title"].format(**fill),
                    {k: v.format(**fill) if isinstance(v, str) else v
                     for k, v in params.items()}))
    return out


def longest_first(jobs: list[Job], last: dict[str, Any] | None = None) -> list[Job]:
    """The jobs in the order to start them: longest first, so that two workers finish close
    together instead of one running the longest report alone at the end. How long: what the
    report took in the last build (`last`: its manifest entries by name, their `seconds`),
    else its reports.yml `cost`. Equal ones keep their order."""
    def took(j: Job) -> float:
        was = (last or {}).get(j.name) or {}
        seconds = was.get("seconds") if was.get("status") == "ok" else None
        return float(seconds) if seconds else j.cost

    return sorted(jobs, key=took, reverse=True)


def plan(notebooks: Path, overrides: list[tuple[str, str]], only: list[str],
         teams: list[str] | None = None) -> list[Job]:
    """The jobs of a report run, in reports.yml's order (`teams`: for `for_each: teams`).

    Overrides are checked against the notebooks' parameters: a name no notebook has is an
    InputError; a known name is passed to every notebook that has it."""
    reports = report_set()
    sources = {r["notebook"]: notebooks / f"{r['notebook']}.ipynb" for r in reports}
    missing = [str(p) for p in sources.values() if not p.exists()]
    if missing:
        raise InputError(missing[0], "notebook not found")
    params = {n: notebook_parameters(p) for n, p in sources.items()}
    known = set().union(*params.values())
    for name, _ in overrides:
        if name not in known:
            raise InputError("-p", f"unknown parameter {name!r}; notebooks take: "
                                   f"{', '.join(sorted(known))}")
    jobs = []
    for r in reports:
        nb = r["notebook"]
        unknown = set(r.get("parameters") or {}) - set(params[nb])
        if unknown:
            raise InputError(REPORTS_YML, f"report {r['name']!r}: notebook {nb!r} has no "
                                          f"parameter {', '.join(sorted(unknown))}")
        for name, title, fixed in _runs(r, teams):
            given = {k: coerce(v, params[nb][k]) for k, v in overrides if k in params[nb]}
            jobs.append(Job(name, sources[nb], {**fixed, **given}, title,
                            computed=bool(r.get("computed")),
                            needs=tuple(r.get("needs") or ()),
                            cost=float(r.get("cost", 1.0))))
    if only:
        jobs = [j for j in jobs if any(o in j.name for o in only)]
        if not jobs:
            raise InputError("--only", f"no report name contains {only!r}")
    return jobs
