"""Rebuild only what changed: a report is executed again only when something it depends on
changed, by content (kpis.reporting.hashes), else its executed notebook and HTML are copied from
the last build and marked "reused" in the build details and manifest.json.

Two levels, both from the dependencies declared in kpis.reporting.outputs:
- a report's key: SHA-256 over its notebook's bytes, its parameters, the files its path
  parameters name (scorecard, distance table, raw folder, computed series, records; and the
  processed benchmarks.csv, spc.csv for the computed reports, and data/external/), the kpis
  package (every module and package data file) and the Python and package versions. The key
  is kept in manifest.json; a report whose key, status and files match the last build is
  reused.
- the build's stamp: the same over everything a build reads (notebooks, kpis, raw folder, the
  processed and synthetic outputs the build would rebuild, data/external, the accessibility
  statement, the command's arguments). When it matches the last complete build's stamp,
  `kpis report` says the reports are up to date and writes nothing, without importing pandas
  or papermill.
`--force` rebuilds everything.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from kpis import paths
from kpis.log import progress
from kpis.reporting import outputs
from kpis.reporting.hashes import NAME as STORE_NAME
from kpis.reporting.hashes import Store, sha

#: Packages whose version changes what a notebook draws or how it is exported.
PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbconvert", "ipykernel",
            "pyarrow")
MANIFEST = "manifest.json"
REUSABLE = ("ok", "reused")


def environment() -> str:
    """Python and the versions of the packages that make the reports."""
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return sha(f"{sys.version}\n{sys.executable}\n" + "\n".join(versions))


def _kpis_code() -> outputs.Output:
    """The whole kpis package (modules and package data)."""
    pkg = outputs.module("kpis").path
    return outputs.Output("kpis", pkg, (outputs.Dep(pkg, "**/*", "kpis package"),))


def code_digest(store: Store) -> str:
    """Every file of the kpis package (modules and package data)."""
    return _kpis_code().deps_digest(store)


def _path_digest(store: Store, value: Any) -> str | None:
    """The content of a file or folder a parameter names (None if it names none)."""
    if not isinstance(value, str) or not value.startswith("/"):
        return None
    p = Path(value)
    if p.is_file():
        return store.file(p)
    if p.is_dir():
        return store.tree((f.relative_to(p).as_posix(), f)
                          for f in sorted(p.rglob("*")) if f.is_file())
    return "absent"


def job_key(job: Any, store: Store, code: str, env: str, processed: Path,
            shared: str = "") -> str:
    """The report's key (see the module docstring); `shared`: the digest of inputs every report
    may read (data/external)."""
    extra = [paths.BENCHMARKS] + ([paths.SPC] if job.computed else [])
    parts = {
        "notebook": store.file(job.notebook),
        "parameters": job.parameters,
        "inputs": {k: _path_digest(store, v) for k, v in sorted(job.parameters.items())},
        "processed": {n: store.file(processed / n) if (processed / n).is_file() else None
                      for n in extra},
        "code": code, "env": env, "shared": shared,
    }
    return sha(json.dumps(parts, sort_keys=True, default=str))


def previous(out: Path) -> dict[str, Any]:
    """The last build's manifest.json ({} if none or unreadable)."""
    try:
        return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class Reuser:
    """Decides, report by report, whether the last build's copy can be reused, and copies it."""

    def __init__(self, out: Path, processed: Path, force: bool = False,
                 shared: tuple[Path, ...] = ()) -> None:
        self.out, self.processed, self.force = Path(out), Path(processed), force
        self.store = Store(Path(processed) / STORE_NAME)
        self.code, self.env = code_digest(self.store), environment()
        self.shared = sha(json.dumps([_path_digest(self.store, str(Path(p).resolve()))
                                      for p in shared]))
        last = previous(out)
        self.last = {r["name"]: r for r in last.get("reports", [])}

    def __call__(self, job: Any, build_dir: Path) -> bool:
        """Give `job` its key; if the last build made it from the same key, copy its files into
        `build_dir`, mark it reused and return True."""
        job.key = job_key(job, self.store, self.code, self.env, self.processed, self.shared)
        self.store.save()
        was = self.last.get(job.name)
        if self.force or not was or was.get("key") != job.key or was.get("status") not in \
                REUSABLE or f"{job.name}.html" not in was.get("files", []):
            return False
        names = list(was["files"])
        if not all((self.out / n).is_file() for n in names):
            return False
        for n in names:
            shutil.copy2(self.out / n, build_dir / n)
        job.status, job.files, job.error = "reused", names, ""
        job.seconds = 0.0
        return True


def _stamp_parts(raw: Path, processed: Path, notebooks: Path, synthetic: bool) -> \
        Iterable[outputs.Output]:
    declared = outputs.declared(raw, processed)
    yield declared["scorecard"]
    if synthetic:
        yield declared["synthetic"]
        yield declared["computed"]
    root = notebooks.parent
    deps = [outputs.folder(notebooks, "*.ipynb")]
    for extra in (root / "docs" / "accessibility.md", root / "data" / "external"):
        if extra.exists():
            deps.append(outputs.Dep(extra, what="input"))
    yield outputs.Output("report inputs", notebooks, tuple(deps))
    yield _kpis_code()


def stamp(raw: Path, processed: Path, out: Path, notebooks: Path, overrides: list,
          only: list, synthetic: bool) -> str:
    """The build's stamp (see the module docstring); paths are resolved."""
    store = Store(Path(processed) / STORE_NAME)
    parts: list[Any] = [str(p) for p in (raw, processed, out, notebooks)]
    parts += [sorted(map(list, overrides)), sorted(only), synthetic, environment()]
    for o in _stamp_parts(raw, processed, notebooks, synthetic):
        parts.append([o.name, o.deps_digest(store), o.target_digest(store)
                      if o.name != "report inputs" and o.name != "kpis" else None])
    store.save()
    return sha(json.dumps(parts, default=str))


def up_to_date(raw: Path, processed: Path, out: Path, notebooks: Path, overrides: list,
               only: list, synthetic: bool) -> tuple[bool, str, dict[str, Any]]:
    """(whether the last build is complete and made from exactly these inputs, the stamp now,
    the last manifest)."""
    raw, processed, out, notebooks = (Path(p).resolve() for p in (raw, processed, out,
                                                                   notebooks))
    if not (processed / paths.SCORECARD_CSV).is_file():
        return False, "", {}
    try:
        now = stamp(raw, processed, out, notebooks, overrides, only, synthetic)
    except Exception:  # noqa: BLE001 - a missing input: the full build says what it is
        return False, "", {}
    last = previous(out)
    reports = last.get("reports") or []
    ok = bool(reports) and last.get("stamp") == now and all(
        r.get("status") in REUSABLE and all((out / n).is_file() for n in r.get("files", []))
        for r in reports)
    return ok, now, last


def current(args: Any) -> bool:
    """`kpis report` with nothing changed since the last complete build: say so and return True
    (quick: no pandas, no papermill, nothing written)."""
    if getattr(args, "council", None) is not None or getattr(args, "audience", None):
        return False  # a council's records build: checked by the full build, report by report
    same, _, last = up_to_date(args.raw, args.processed, args.out, args.notebooks,
                               [tuple(p) for p in args.parameter], args.only,
                               not args.no_synthetic)
    if same:
        progress(f"up to date: nothing changed since the build of "
                 f"{last.get('meta', {}).get('Built', '?')}; {len(last['reports'])} reports "
                 f"in {args.out} reused as they are (--force rebuilds them)")
    return same
