"""`kpis benchmarks import FILES...` and `kpis benchmarks build [--la CODE] [--out FILE]`.

Hooked into `kpis.cli` by two lines: `add_parser(sub)` and a dispatch to `run(args)`.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from kpis.errors import InputError

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    b = subparsers.add_parser("benchmarks", help="published national figures: import, build")
    bsub = b.add_subparsers(dest="benchmarks_command", required=True)
    i = bsub.add_parser("import", help="rebuild data/external/ from DfE's published files")
    i.add_argument("files", nargs="+", type=Path,
                   help="LAIT bds_long*.parquet, EES CSVs, sn_*.xlsx/csv, "
                        "LA_Inspection_Outcomes_*.ods, la_code_list.xlsx")
    i.add_argument("--out", type=Path, default=Path("data/external"),
                   help="default: data/external")
    w = bsub.add_parser("build", help="write benchmarks.csv for one council")
    w.add_argument("--la", type=int, required=True, help="the council's DfE LA code, e.g. 916")
    w.add_argument("--out", type=Path, default=Path("data/processed/benchmarks.csv"))
    w.add_argument("--external", type=Path, default=None, help="default: data/external")
    return b


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.benchmarks_command == "import":
        from kpis.national import importer, store
        existing = None
        codes_path = args.out / store.TABLES["la_codes"]
        if codes_path.exists():
            existing = store.load("la_codes", args.out)
        tables = importer.build_tables(args.files, existing_codes=existing)
        if not tables:
            raise InputError(args.files[0], "none of the files gives a table")
        for path in store.save(tables, args.out):
            print(f"wrote {path}")
        return 0
    from kpis.national.benchmarks import write_benchmarks
    df = write_benchmarks(args.la, args.out, args.external)
    print(f"wrote {args.out} ({len(df)} rows)")
    return 0
