"""Reuse a council's figures when nothing they depend on changed (issue 15: rebuild only what
changed).

`kpis compute --out FILE` keeps, beside FILE, a hidden folder `.<FILE name>.kpis-cache/` with
one entry per council: what the worker sent back (figures, quarantine, repairs, row counts and
notes). A council is read and computed again only when its key changed. The key is a SHA-256
over:

- the council folder's path as given (it names the council and the files in the quarantine),
  and the bytes and relative names of every file under it that is not hidden (the reader's
  candidates, the postcode file among them), by content, not by modification time;
- the postcode file given with --postcodes, if any;
- the month-ends and levels asked for;
- every file of the kpis package (code and package data: column maps, code lists), and the
  versions of Python, pandas, NumPy, pyarrow and holidays;
- today's date (the extract date leaves out dates after today: `readers.dates`).

An entry that cannot be read is recomputed and written again. After a complete run, entries the
run did not use are removed, so the folder holds one run's councils; kpis removes only files it
wrote there (`*.council`), and `--no-cache` neither reads nor writes it. Entries are Python
pickles, zlib-compressed (about 150 KB a council), exact to the last dtype. They hold the same
child-level detail as the quarantine and repairs files beside the output, and whoever can write
in that folder can already replace the outputs themselves.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import zlib
from datetime import date
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from kpis import stopping

log = logging.getLogger(__name__)

SUFFIX = ".council"
VERSION = "kpis council cache 1"
PACKAGES = ("pandas", "numpy", "pyarrow", "holidays")
_BLOCK = 1 << 20


def folder_for(out: Path) -> Path:
    """The cache folder kept beside an output file."""
    out = Path(out)
    return out.with_name(f".{out.name}.kpis-cache")


def _file_sha(path: Path, h: Any) -> None:
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            h.update(block)


@cache
def code_digest() -> str:
    """Every file of the installed kpis package (modules and package data) and the versions of
    the packages that compute with it (once per process)."""
    import kpis

    root = Path(kpis.__file__).resolve().parent
    h = hashlib.sha256(f"{VERSION}\n{sys.version}\n".encode())
    for name in PACKAGES:
        try:
            h.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-\n".encode())
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc":
            h.update(f"{p.relative_to(root).as_posix()}\0".encode())
            _file_sha(p, h)
    return h.hexdigest()


def council_key(folder: Path, parts: dict[str, Any]) -> str:
    """The key of one council: its files' names and bytes, plus `parts` (month-ends, levels,
    the --postcodes file, the code digest; see the module docstring) and today's date."""
    folder = Path(folder)
    h = hashlib.sha256(repr(sorted((k, str(v)) for k, v in parts.items())).encode())
    h.update(f"\nfolder={folder}\n".encode())  # the council's name and the files' paths
    h.update(f"today={date.today().isoformat()}\n".encode())
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).parts
        if p.is_file() and not any(x.startswith(".") for x in rel):
            h.update(f"\n{'/'.join(rel)}\0".encode())
            _file_sha(p, h)
    postcodes = parts.get("postcodes")
    if postcodes:
        h.update(b"\npostcodes\0")
        _file_sha(Path(postcodes), h)
    return h.hexdigest()


def usable(cache_dir: Path) -> bool:
    """Can this run keep a cache there (the folder, or where it would be made, writable)? If
    not, says why once: the run goes on without it."""
    cache_dir = Path(cache_dir)
    place = cache_dir
    while not place.exists() and place != place.parent:
        place = place.parent
    if not place.is_dir():
        why = "not a folder"
    elif not os.access(place, os.W_OK | os.X_OK):
        why = "not writable"
    else:
        return True
    log.warning("not keeping councils for the next run: cannot use %s (%s)", cache_dir, why)
    return False


def load(cache_dir: Path, key: str) -> Any | None:
    """The entry stored under `key`, or None (absent or unreadable: then it is recomputed)."""
    path = Path(cache_dir) / f"{key}{SUFFIX}"
    try:
        value = pickle.loads(zlib.decompress(path.read_bytes()))
    except FileNotFoundError:
        return None
    except Exception as err:  # noqa: BLE001 - a damaged entry is only a miss
        log.info("cache entry %s unreadable (%s): computing again", path.name, err)
        return None
    os.utime(path)  # used by this run: kept by `prune`
    return value


def store(cache_dir: Path, key: str, value: Any) -> None:
    """Write an entry atomically; a folder that cannot be written only loses the cache."""
    cache_dir = Path(cache_dir)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=cache_dir)
    except OSError as err:
        log.warning("cannot write the cache in %s (%s): councils will be computed again next "
                    "time", cache_dir, err.strerror or err)
        return
    def remove() -> None:
        if os.path.exists(tmp):
            os.unlink(tmp)

    try:
        with stopping.cleanup_if_stopped(remove):  # a worker stopped mid-write leaves nothing
            with os.fdopen(fd, "wb") as f:
                f.write(zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1))
            mask = os.umask(0o022)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)  # as any new file under the user's umask
            os.replace(tmp, cache_dir / f"{key}{SUFFIX}")
    except OSError as err:
        log.warning("cannot write the cache in %s (%s)", cache_dir, err.strerror or err)
    finally:
        remove()


def prune(cache_dir: Path, since: float) -> int:
    """Remove this folder's entries not used since `since` (a time.time(): the start of the
    run; `load` and `store` mark what a run uses) and stray temporary files; only files kpis
    wrote. Returns how many were removed."""
    cache_dir = Path(cache_dir)
    if not cache_dir.is_dir():
        return 0
    removed = 0
    for p in cache_dir.iterdir():
        ours = p.name.endswith(SUFFIX) or (p.name.startswith(".") and p.name.endswith(".tmp"))
        try:
            if p.is_file() and ours and p.stat().st_mtime < since:
                p.unlink()
                removed += 1
        except OSError:
            pass
    return removed
