"""The one error type that ends a command cleanly: bad input, named by file, row and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class InputError(Exception):
    """Bad input. The CLI prints `str(error)` on stderr and exits with code 2, no traceback.

    `row` is the 1-based line number in the file as a person sees it in an editor
    (the header is line 1), or a sheet row for workbooks; None when the problem is the whole file.
    """

    file: str | Path
    message: str
    row: int | None = None
    column: str | None = None

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        """Pickle with all four fields (a dataclass exception otherwise loses them on the way
        back from a worker process)."""
        return (type(self), (self.file, self.message, self.row, self.column))

    def __str__(self) -> str:
        where = [str(self.file)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"error: {', '.join(where)}: {self.message}"
