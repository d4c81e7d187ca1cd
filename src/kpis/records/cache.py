"""Reuse a council's figures when nothing they depend on changed (issue 15: rebuild only what
changed).

`kpis compute --out FILE` keeps, beside FILE, a hidden folder `.<FILE name>.kpis-cache/` with
one entry per council: what the worker sent back (figures, quarantine, repairs, row counts and
notes). A council is read and computed again only when its key changed. The key is a SHA-256
over:

- the council folder's path as given (it names the council and the files in the quarantine),
  and, for every file the readers would look at (`readers.discover.data_files`: CSV, workbooks
  and XML, not hidden; the postcode file among them), its relative name, length and SHA-256:
  by content, not by modification time, and each file framed so no two deliveries hash alike;
- the postcode file given with --postcodes, if any;
- the month-ends and levels asked for;
- every file of the kpis package (code and package data: column maps, code lists), and the
  versions of Python and of the libraries that read and compute (`PACKAGES`);
- today's date (the extract date leaves out dates after today: `readers.dates`).

Entries are Python pickles (zlib-compressed; about 0.1 MB a council at council and team level,
a few MB with every worker), exact to the last dtype. Unpickling runs code, so an entry is read
only from a folder that is the user's own and that no one else can write in, and only when the
entry itself is a regular file of the user's that no one else can write; kpis makes the folder
private (0700) and writes entries no one else can write. A folder that fails those checks (a
colleague's, one others can write in, a file in its place) is one warning, and the run goes on
without the cache. An entry that cannot be read is a miss: the council is computed again.

After a complete run, entries the run did not use are removed, so the folder holds one run's
councils. kpis removes only files it names itself (`<64 hex digits>.council` and its temporary
files), never another file in the folder; `--no-cache` neither reads nor writes the folder. The
entries hold the same child-level detail as the quarantine and repairs files beside the output.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import stat
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
VERSION = "kpis council cache 2"
#: the libraries whose version can change what is read or computed
PACKAGES = ("pandas", "numpy", "pyarrow", "holidays", "python-calamine", "pyyaml")
_ENTRY = re.compile(r"[0-9a-f]{64}\.council")
_TEMP = re.compile(r"\.[0-9a-f]{64}\..*\.tmp")
_BLOCK = 1 << 20
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


def folder_for(out: Path) -> Path:
    """The cache folder kept beside an output file."""
    out = Path(out)
    return out.with_name(f".{out.name}.kpis-cache")


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def _framed(h: Any, name: str, path: Path) -> None:
    """One file into the key: name (no NUL in a file name), length and the file's own digest,
    so the boundary between files is unambiguous."""
    h.update(f"{name}\0{path.stat().st_size}\0{_file_sha(path)}\n".encode())


@cache
def code_digest() -> str:
    """Every file of the installed kpis package (modules and package data) and the versions of
    the libraries that read and compute with it (once per process)."""
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
            _framed(h, p.relative_to(root).as_posix(), p)
    return h.hexdigest()


def files_digest(folder: Path, postcodes: Any = None) -> str:
    """The files the readers would look at in a council folder (names, lengths, digests), and
    the --postcodes file if one is given: the part of `council_key` that reads files."""
    from kpis.records.readers.discover import data_files

    folder = Path(folder)
    h = hashlib.sha256()
    for p in data_files(folder):
        _framed(h, p.relative_to(folder).as_posix(), p)
    if postcodes:
        _framed(h, "--postcodes", Path(postcodes))
    return h.hexdigest()


def council_key(folder: Path, parts: dict[str, Any], files: str | None = None) -> str:
    """The key of one council: its files (`files_digest`; `files`: that digest, if already
    worked out), plus `parts` (month-ends, levels, the --postcodes file, the code digest; see
    the module docstring) and today's date."""
    folder = Path(folder)
    h = hashlib.sha256(repr(sorted((k, str(v)) for k, v in parts.items())).encode())
    h.update(f"\nfolder={folder}\0today={date.today().isoformat()}\n".encode())
    h.update((files or files_digest(folder, parts.get("postcodes"))).encode())
    return h.hexdigest()


def _why_not_private(path: Path) -> str | None:
    """Why an existing cache folder cannot be trusted (None: it is the user's own and no one
    else can write in it)."""
    try:
        st = os.stat(path)
    except OSError as err:
        return err.strerror or str(err)
    if not stat.S_ISDIR(st.st_mode):
        return "not a folder"
    if st.st_uid != os.geteuid():
        return "another user's folder"
    if st.st_mode & _OTHERS_WRITE:
        return "others can write in it"
    if not os.access(path, os.W_OK | os.X_OK):
        return "not writable"
    return None


def usable(cache_dir: Path) -> bool:
    """Can this run keep a cache there: the user's own private folder, or a place to make one?
    If not, says why once: the run goes on without it."""
    cache_dir = Path(cache_dir)
    if os.path.lexists(cache_dir):
        why = _why_not_private(cache_dir)
    else:
        place = cache_dir.parent
        while not place.exists() and place != place.parent:
            place = place.parent
        why = None if place.is_dir() and os.access(place, os.W_OK | os.X_OK) else \
            "its folder cannot be written"
    if why is None:
        return True
    log.warning("not keeping councils for the next run: cannot use %s (%s)", cache_dir, why)
    return False


def _trusted_entry(path: Path) -> bool:
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid()
            and not st.st_mode & _OTHERS_WRITE)


def load(cache_dir: Path, key: str) -> Any | None:
    """The entry stored under `key`, or None (absent, unreadable, or not to be trusted: then
    it is computed again)."""
    cache_dir = Path(cache_dir)
    path = cache_dir / f"{key}{SUFFIX}"
    if not os.path.lexists(path):
        return None
    if _why_not_private(cache_dir) is not None or not _trusted_entry(path):
        log.info("cache entry %s not the user's own, or others can write it: computing again",
                 path.name)
        return None
    try:
        return pickle.loads(zlib.decompress(path.read_bytes()))
    except Exception as err:  # noqa: BLE001 - a damaged or vanished entry is only a miss
        log.info("cache entry %s unreadable (%s): computing again", path.name, err)
        return None


def store(cache_dir: Path, key: str, value: Any) -> None:
    """Write an entry atomically into the user's private cache folder (made 0700 if need be);
    a folder that cannot be written, or is not the user's own, only loses the cache."""
    cache_dir = Path(cache_dir)
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        why = _why_not_private(cache_dir)
        if why is not None:
            log.info("not writing the cache in %s (%s)", cache_dir, why)
            return
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=cache_dir)
    except OSError as err:
        log.info("cannot write the cache in %s (%s)", cache_dir, err.strerror or err)
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
            # as any new file under the user's umask, but never writable by others (it is
            # unpickled next time)
            os.chmod(tmp, 0o666 & ~mask & ~_OTHERS_WRITE)
            os.replace(tmp, cache_dir / f"{key}{SUFFIX}")
    except OSError as err:
        log.info("cannot write the cache in %s (%s)", cache_dir, err.strerror or err)
    finally:
        remove()


def prune(cache_dir: Path, keep: set[str]) -> int:
    """Remove the entries of this folder whose key is not in `keep` (the keys the run loaded
    or stored), and temporary files of writes that never finished; only names kpis gives its
    own files, and only regular files. Returns how many were removed."""
    cache_dir = Path(cache_dir)
    if _why_not_private(cache_dir) is not None:
        return 0
    removed = 0
    for p in cache_dir.iterdir():
        name = p.name
        entry = _ENTRY.fullmatch(name) is not None and name[: -len(SUFFIX)] not in keep
        temp = _TEMP.fullmatch(name) is not None  # a write the run did not finish
        try:
            if (entry or temp) and stat.S_ISREG(os.lstat(p).st_mode):
                p.unlink()
                removed += 1
        except OSError:
            pass
    return removed
