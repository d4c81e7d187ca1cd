"""The `kpis` command: clean, report, synth, compute.

Each subcommand lives in the module named for it; this file only parses arguments.
Bad input (kpis.errors.InputError) ends with its message on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kpis.errors import InputError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kpis", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("clean", help="raw scorecard and narrative figures -> tidy scorecard")
    c.add_argument("--raw", type=Path, default=Path("data/raw"), help="default: data/raw")
    c.add_argument("--out", type=Path, default=Path("data/processed"),
                   help="default: data/processed")

    r = sub.add_parser("report", help="execute every notebook and export HTML to reports/")
    r.add_argument("--raw", type=Path, default=Path("data/raw"))
    r.add_argument("--processed", type=Path, default=Path("data/processed"))
    r.add_argument("--out", type=Path, default=Path("reports"))
    r.add_argument("--notebooks", type=Path, default=Path("notebooks"))
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                   metavar=("NAME", "VALUE"), help="override a notebook parameter")
    r.add_argument("--only", action="append", default=[],
                   help="build only reports whose name contains this text (repeatable)")
    r.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2)")
    r.add_argument("--no-synthetic", action="store_true",
                   help="skip the synthetic council's child-level run")
    r.add_argument("--fresh-kernels", action="store_true",
                   help="a new kernel for every notebook (default: each worker reuses one, "
                        "wiped clean between notebooks)")

    s = sub.add_parser("synth", help="write a synthetic council in the real file formats")
    s.add_argument("--out", type=Path, default=Path("data/synthetic"))
    s.add_argument("--seed", type=int, default=2020)
    s.add_argument("--councils", type=int, default=1)
    s.add_argument("--start", default="2015-04-01", help="first day of history")
    s.add_argument("--end", default="2021-03-31", help="last day of history")

    m = sub.add_parser("compute", help="monthly indicators from child-level records")
    m.add_argument("--input", type=Path, required=True)
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--from", dest="start", default=None, help="first month-end, YYYY-MM")
    m.add_argument("--to", dest="end", default=None, help="last month-end, YYYY-MM")
    m.add_argument("--levels", default="council,team,worker")
    m.add_argument("--jobs", type=int, default=None,
                   help="councils processed at once (default: one per CPU)")
    from kpis.national import cli as national_cli  # issue 11
    national_cli.add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "clean":
            from kpis.clean import run
        elif args.command == "report":
            from kpis.report import run
        elif args.command == "synth":
            from kpis.synth import run
        elif args.command == "benchmarks":
            from kpis.national.cli import run
        else:
            from kpis.compute import run
        return int(run(args) or 0)
    except InputError as err:
        print(err, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
