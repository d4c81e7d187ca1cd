"""The `kpis` command: clean, report, synth, compute.

Each subcommand's `run` lives in its pipeline (scorecard.clean, reporting.build, synth.generate,
records.batch); this file parses arguments and configures logging once (-v more, -q less).
Bad input (kpis.errors.InputError) ends with its message on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kpis import log, paths, stopping
from kpis.errors import InputError


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr and exit code 2 (no usage dump)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {message}\n")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {n}")
    return n


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="kpis", description=__doc__.splitlines()[0])
    p.add_argument("-v", "--verbose", action="count", default=0, help="more detail (debug log)")
    p.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("clean", help="raw scorecard and narrative figures -> tidy scorecard")
    c.add_argument("--raw", type=Path, default=paths.RAW, help=f"default: {paths.RAW}")
    c.add_argument("--out", type=Path, default=paths.PROCESSED,
                   help=f"default: {paths.PROCESSED}")

    r = sub.add_parser("report", help="execute every notebook and export HTML to reports/")
    r.add_argument("--raw", type=Path, default=paths.RAW)
    r.add_argument("--processed", type=Path, default=paths.PROCESSED)
    r.add_argument("--out", type=Path, default=paths.REPORTS)
    r.add_argument("--notebooks", type=Path, default=paths.NOTEBOOKS)
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                   metavar=("NAME", "VALUE"), help="override a notebook parameter")
    r.add_argument("--only", action="append", default=[],
                   help="build only reports whose name contains this text (repeatable)")
    r.add_argument("--jobs", type=_positive, default=None,
                   help="notebooks executed at once (default: CPU cores + 1, as a notebook "
                        "waits on its kernel for about a third of its time)")
    r.add_argument("--no-synthetic", action="store_true",
                   help="skip the synthetic council's child-level run")
    r.add_argument("--fresh-kernels", action="store_true",
                   help="a new kernel for every notebook (default: each worker reuses one, "
                        "wiped clean between notebooks)")
    r.add_argument("--force", action="store_true",
                   help="run every report (default: reuse those whose inputs did not change)")

    r.add_argument("--council", type=Path, default=None, metavar="FILE",
                   help="build from a council's records, as its config says (kpis init)")
    r.add_argument("--audience", action="append", choices=("board", "managers"),
                   help="add an audience (managers: OFFICIAL-SENSITIVE team reports in "
                        "reports/managers/; needs --council)")

    i = sub.add_parser("init", help="write a council config to fill in (never overwrites)")
    i.add_argument("file", type=Path, nargs="?", default=Path("council.yml"))
    i.add_argument("--name", default="My council", help="the council's name")
    i.add_argument("--records", default="records", help="folder of the council's extracts")

    s = sub.add_parser("synth", help="write a synthetic council in the real file formats")
    s.add_argument("--out", type=Path, default=paths.SYNTHETIC)
    s.add_argument("--seed", type=int, default=2020)
    s.add_argument("--councils", type=int, default=1)
    s.add_argument("--start", default="2015-04-01", help="first day of history")
    s.add_argument("--end", default="2021-03-31", help="last day of history")

    m = sub.add_parser("compute", help="monthly indicators from child-level records")
    m.add_argument("--input", type=Path, required=True)
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--from", dest="start", default=None, help="first month-end, YYYY-MM")
    m.add_argument("--to", dest="end", default=None,
                   help="last month-end, YYYY-MM (with --from only: the latest in the data)")
    m.add_argument("--levels", default="council,team,worker")
    m.add_argument("--jobs", type=_positive, default=None,
                   help="councils processed at once (default: one per CPU)")
    m.add_argument("--postcodes", type=Path, default=None, metavar="FILE",
                   help="postcode centroid file (ONS Postcode Directory or Code-Point Open "
                        "extract) to place HOME_POST/PL_POST: children placed outside the "
                        "council and more than 20 miles (default: one in the council folder)")
    m.add_argument("--no-cache", action="store_true",
                   help="read and compute every council, without reusing or keeping results "
                        "in the hidden .<out>.kpis-cache folder beside --out")
    from kpis.national import cli as national_cli  # issue 11
    national_cli.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:  # a bad argument (one line printed) or --help
        return int(stop.code or 0) if isinstance(stop.code, int | None) else 2
    log.setup(-1 if args.quiet else args.verbose)
    stopping.install()
    try:
        if args.command == "clean":
            from kpis.scorecard.clean import run
        elif args.command == "report":
            from kpis.reporting import incremental

            if not args.force and incremental.current(args):  # before importing pandas
                return 0
            from kpis.reporting.build import run
        elif args.command == "synth":
            from kpis.synth.generate import run
        elif args.command == "init":
            from kpis.reporting.config import run
        elif args.command == "benchmarks":
            from kpis.national.cli import run
        else:
            from kpis.records.batch import run
        return int(run(args) or 0)
    except InputError as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM (kpis.stopping): temporary files
        # and folders were removed on the way out, the previous outputs are as they were
        print("interrupted: nothing written, previous outputs left as they were",
              file=sys.stderr)
        return stopping.exit_code(stop)


if __name__ == "__main__":
    sys.exit(main())
