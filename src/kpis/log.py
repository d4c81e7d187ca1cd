"""Logging, configured once by the CLI: progress lines on stdout, `-v` for detail, `-q` for quiet.

Modules below the CLI log with `logging.getLogger(__name__)` (all under the `kpis` logger) and
never print. `progress()` is for the lines a person watches while a command runs (a report
starting and finishing, a summary); they show at the default level and `-q` hides them.
"""

from __future__ import annotations

import logging
import sys

LOGGER = "kpis"
_HANDLER_FLAG = "_kpis_cli_handler"


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time of each line (not the stream it was set up
    with: that one may since have been closed or replaced, e.g. by a test's capture)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def setup(verbosity: int = 0) -> None:
    """Configure the `kpis` logger: verbosity -1 (quiet) shows warnings only, 0 progress lines,
    1 or more debug detail. Safe to call again (replaces the handler it added before)."""
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    logger = logging.getLogger(LOGGER)
    for h in [h for h in logger.handlers if getattr(h, _HANDLER_FLAG, False)]:
        logger.removeHandler(h)
    handler = _StdoutHandler()
    handler.setFormatter(logging.Formatter(
        "%(message)s" if verbosity <= 0 else "%(levelname)s %(name)s: %(message)s"))
    setattr(handler, _HANDLER_FLAG, True)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def progress(line: str) -> None:
    """One progress line (a single write, so lines from parallel workers do not interleave)."""
    logger = logging.getLogger(LOGGER)
    logger.info(line)
    for h in logger.handlers:
        h.flush()
