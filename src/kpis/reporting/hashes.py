"""Content hashes of build inputs, remembered between runs (`data/processed/.kpis-hashes.json`).

The store keeps, per file, its SHA-256 with the size, mtime and inode it had when hashed, so a
file is read again only when one of those changed (a touched file with the same bytes hashes
the same: it is the content that decides, the stat only saves re-reading). It also keeps, per
built output (kpis.reporting.outputs), the digest of its dependencies and of the target as
built. Several processes of one build may save: each save merges into what is on disk under a
lock, and the file is replaced atomically.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

NAME = ".kpis-hashes.json"


def sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


class Store:
    """File hashes and output records kept in one JSON file (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.files: dict[str, list[Any]] = {}
        self.outputs: dict[str, dict[str, str]] = {}
        self._new_files: dict[str, list[Any]] = {}
        self._new_outputs: dict[str, dict[str, str]] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self.files = dict(data.get("files") or {})
        self.outputs = dict(data.get("outputs") or {})

    def file(self, path: Path) -> str:
        """SHA-256 of a file's bytes (from the store when its size, mtime and inode match)."""
        key = str(Path(path).resolve())
        st = os.stat(key)
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        known = self.files.get(key)
        if known and known[:3] == stamp:
            return known[3]
        h = hashlib.sha256()
        with open(key, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        entry = [*stamp, h.hexdigest()]
        self.files[key] = self._new_files[key] = entry
        return entry[3]

    def tree(self, named: Iterable[tuple[str, Path]]) -> str:
        """One digest over (name, file) pairs: the names and every file's bytes."""
        h = hashlib.sha256()
        for name, p in named:
            h.update(f"{name}\0{self.file(p)}\n".encode())
        return h.hexdigest()

    def output(self, name: str) -> dict[str, str] | None:
        return self.outputs.get(name)

    def set_output(self, name: str, record: dict[str, str]) -> None:
        self.outputs[name] = self._new_outputs[name] = record

    def save(self) -> None:
        """Merge this process's new hashes and records into the file on disk."""
        if not (self._new_files or self._new_outputs):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        with open(lock, "a") as fd:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                disk = Store(self.path)
                disk.files.update(self._new_files)
                disk.outputs.update(self._new_outputs)
                live = {k: v for k, v in disk.files.items() if os.path.exists(k)}
                _write(self.path, json.dumps({"files": live, "outputs": disk.outputs},
                                             indent=0, sort_keys=True))
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        self._new_files, self._new_outputs = {}, {}


def _write(target: Path, text: str) -> None:
    """Write atomically (kpis.files without importing pandas: the up-to-date check is quick)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
