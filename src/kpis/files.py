"""File output that never leaves a half-written file: write to a temporary file, then rename.

Files get the permissions any new file gets under the user's umask (mkstemp's 0600 is widened
to 0666 & ~umask), and every CSV kpis writes has spreadsheet formulas neutralised
(`neutralise_csv`, OWASP "CSV injection")."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise_csv(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
    carriage return) get a leading apostrophe; numbers, and text that is just a number such as
    "-3.5", are unchanged. Returns a copy only when something changed."""
    out = df
    for c in df.columns:
        col = df[c]
        if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
            continue
        text = col.where(col.map(lambda v: isinstance(v, str)), None)
        t = text.astype("string")
        bad = t.str.match(_FORMULA).fillna(False).astype(bool) & ~t.str.strip().str.match(
            _NUMBER).fillna(False).astype(bool)
        if bad.any():
            if out is df:
                out = df.copy()
            new = col.astype(object).copy()
            new[bad.to_numpy()] = ("'" + t[bad]).astype(object).to_numpy()
            out[c] = new
    return out


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_file_mode(path: str | Path) -> None:
    """mkstemp creates 0600; give the file what open() would have given it."""
    os.chmod(path, 0o666 & ~_umask())


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it over `target`.

    On any exception the temporary file is removed and `target` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    _new_file_mode(tmp)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: str | Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv(df: pd.DataFrame, target: str | Path, **kwargs: object) -> None:
    with atomic_path(target) as tmp:
        neutralise_csv(df).to_csv(tmp, index=False, **kwargs)


def write_parquet(df: pd.DataFrame, target: str | Path) -> None:
    with atomic_path(target) as tmp:
        df.to_parquet(tmp, index=False)


def write_all(writers: dict[Path, Callable[[Path], None]]) -> None:
    """Write several files as one step: every file goes to a temporary name first and all are
    renamed only once every writer has succeeded, so a failure leaves no file changed."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, write in writers.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
            staged.append((Path(tmp), target))
            _new_file_mode(tmp)
            write(Path(tmp))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            if tmp.exists():
                tmp.unlink()


def replace_dir(built: Path, target: Path) -> None:
    """Swap a fully built directory into place (old one removed only after the new one is in)."""
    target = Path(target)
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(built, target)
    if old.exists():
        shutil.rmtree(old)
