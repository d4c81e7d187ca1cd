"""What each output of a report run depends on, declared in one place, and when it is stale.

An `Output` names its target (a file, or a folder of files) and its dependencies: files, folders
of input data, kpis package data and kpis modules (found through the import system, so renaming
a module without updating its declaration is an error, never a silent "up to date"). An output
is rebuilt when it is missing or what it depends on changed. "Changed" is decided by content
when the build recorded what it built from (`Output.record()`, in a kpis.reporting.hashes store
in data/processed): the SHA-256 of every dependency file (names and bytes) against the recorded
digest, so a touched file with the same bytes changes nothing and an edit with an old mtime is
still seen. With no record (an output written by hand, or before hashes were kept) or a target
that is no longer the one recorded, it falls back to time: stale when any dependency file is
newer than the target (and when it is not, that state is recorded, so content decides next).
A dependency that does not exist is an error (InputError naming it).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kpis import paths
from kpis.errors import InputError
from kpis.reporting.hashes import NAME as STORE_NAME
from kpis.reporting.hashes import Store


@dataclass(frozen=True)
class Dep:
    """One dependency: `path` (a file or folder) and, for a folder, the glob of files that
    count. `what` says in words what it is (for messages)."""

    path: Path
    pattern: str = "**/*"
    what: str = "file"

    def files(self) -> list[Path]:
        """Every file of this dependency, sorted; InputError if the path does not exist."""
        if not self.path.exists():
            raise InputError(self.path, f"{self.what} not found (a declared dependency)")
        if self.path.is_file():
            return [self.path]
        return sorted(p for p in self.path.glob(self.pattern)
                      if p.is_file() and "__pycache__" not in p.parts)


def file(path: str | Path) -> Dep:
    return Dep(Path(path), what="file")


def folder(path: str | Path, pattern: str = "**/*") -> Dep:
    return Dep(Path(path), pattern, what="folder")


def package_data(name: str) -> Dep:
    """A file or folder of kpis' package data (src/kpis/data/<name>)."""
    return Dep(Path(str(resources.files("kpis").joinpath("data", *name.split("/")))),
               what="package data")


def module(dotted: str) -> Dep:
    """A kpis module or subpackage, located by the import system (a package: all its .py)."""
    spec = importlib.util.find_spec(dotted)
    if spec is None or spec.origin is None:
        raise InputError(dotted, "module not found (a declared dependency)")
    origin = Path(spec.origin)
    if spec.submodule_search_locations:  # a package: every module in it
        return Dep(origin.parent, "**/*.py", what="module")
    return Dep(origin, what="module")


@dataclass(frozen=True)
class Output:
    """A built output and what it depends on."""

    name: str
    target: Path
    deps: tuple[Dep, ...]
    store: Path | None = None  # the hash store (None: decide by time only)

    def files(self) -> list[Path]:
        """Every dependency file (raises InputError for a missing dependency)."""
        return [f for d in self.deps for f in d.files()]

    def _named(self) -> list[tuple[str, Path]]:
        out = []
        for d in self.deps:
            for f in d.files():
                rel = f.name if d.path.is_file() else f.relative_to(d.path).as_posix()
                out.append((f"{d.what}:{d.path.name}/{rel}", f))
        return out

    def deps_digest(self, store: Store) -> str:
        """SHA-256 over every dependency file's name and bytes."""
        return store.tree(self._named())

    def target_digest(self, store: Store) -> str | None:
        """SHA-256 of the target (a folder: its files' names and bytes); None if absent."""
        t = self.target
        if t.is_file():
            return store.file(t)
        if t.is_dir():
            return store.tree((p.relative_to(t).as_posix(), p)
                              for p in sorted(t.rglob("*")) if p.is_file())
        return None

    def record(self) -> None:
        """Remember what the target was built from (call after building it)."""
        if self.store is None:
            return
        store = Store(self.store)
        target = self.target_digest(store)
        if target is not None:
            store.set_output(self.name, {"deps": self.deps_digest(store), "target": target})
        store.save()

    def built_at(self) -> float | None:
        """When the target was written (a folder: its newest file); None if absent or empty."""
        t = self.target
        if t.is_file():
            return t.stat().st_mtime
        if t.is_dir():
            return max((p.stat().st_mtime for p in t.rglob("*") if p.is_file()), default=None)
        return None

    def stale(self) -> bool:
        """True when the target is missing or what it depends on changed (by content when the
        build recorded it, else by time; see the module docstring). Every dependency is
        checked to exist even when the target is missing."""
        files = self.files()
        built = self.built_at()
        if built is None:
            return True
        if self.store is not None:
            store = Store(self.store)
            rec = store.output(self.name)
            if rec is not None and rec.get("target") == self.target_digest(store):
                stale = rec.get("deps") != self.deps_digest(store)
                store.save()  # remember the hashes just computed
                return stale
        newest = max((f.stat().st_mtime for f in files), default=0.0)
        if newest > built:
            return True
        self.record()  # up to date by time: from now on, decided by content
        return False


def declared(raw: Path, processed: Path) -> dict[str, Output]:
    """The outputs of a report run and their dependencies: the one place they are declared."""
    raw, processed = Path(raw), Path(processed)
    synthetic = paths.synthetic_beside(processed)
    store = processed / STORE_NAME
    return {
        "scorecard": Output("scorecard", processed / paths.SCORECARD_CSV, (
            folder(raw, "*.csv"), package_data("catalogue"), package_data("scorecard"),
            module("kpis.scorecard"), module("kpis.catalogue"), module("kpis.files")), store),
        "synthetic": Output("synthetic council", synthetic, (
            module("kpis.synth"), module("kpis.files")), store),
        "computed": Output("computed series", processed / paths.COMPUTED_SYNTHETIC, (
            folder(synthetic), package_data("catalogue"), package_data("records"),
            module("kpis.records"), module("kpis.catalogue"), module("kpis.files")), store),
    }
