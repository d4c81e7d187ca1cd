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


class _Stdout(logging.StreamHandler):
    """A handler that writes to whatever `sys.stdout` is when a line is logged (not the
    stream of the moment it was made), so redirected or captured output gets the lines."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201 - logging's own attribute
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
    handler = _Stdout()
    handler.setFormatter(logging.Formatter(
        "%(message)s" if verbosity <= 0 else "%(levelname)s %(name)s: %(message)s"))
    setattr(handler, _HANDLER_FLAG, True)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def progress(line: str) -> None:
    """One progress line on stdout when the `kpis` logger shows INFO (the CLI's default; not
    with -q). A single write, not through a handler: report workers are forked processes, and
    a handler lock held at the fork would hang them; one write keeps their lines whole."""
    if logging.getLogger(LOGGER).isEnabledFor(logging.INFO):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
