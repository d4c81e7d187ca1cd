"""`kpis compute`: read every council under --input, compute monthly indicators, write them.

    kpis compute --input DIR --out FILE [--from YYYY-MM --to YYYY-MM --levels council,team,worker]

FILE is CSV, or Parquet when it ends in .parquet. Beside it: `<stem>.quarantine.csv` (rows the
readers could not use) and `<stem>.repairs.csv` (SSDA903 repairs), all written atomically and
only once everything has been computed (bad input -> InputError, exit 2, nothing written).
`compute_dir` is the same without writing, for the report builder and notebooks.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpis.errors import InputError
from kpis.io import write_all
from kpis.readers import QUARANTINE_COLUMNS, REPAIR_COLUMNS, ReadResult, council_dirs, read_council

LEVELS = ("council", "team", "worker")


@dataclass
class ComputeResult:
    """Figures for every council, plus what the readers quarantined and repaired."""

    figures: pd.DataFrame
    quarantine: pd.DataFrame
    repairs: pd.DataFrame
    rows_read: dict[str, dict[str, int]] = field(default_factory=dict)  # council -> table -> n
    timings: dict[str, float] = field(default_factory=dict)


def _month(text: str | None, flag: str) -> pd.Timestamp | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}", str(text)):
        raise InputError(flag, f"expected YYYY-MM, got {text!r}")
    return pd.Timestamp(f"{text}-01") + pd.offsets.MonthEnd(0)


def month_ends(start: str | None, end: str | None,
               results: Sequence[ReadResult]) -> pd.DatetimeIndex | None:
    """Month-ends from --from/--to (either may be missing: then the engine's default for that
    end is used by passing None when both are missing; one-sided ranges run to/from the data)."""
    first = _month(start, "--from")
    last = _month(end, "--to")
    if first is None and last is None:
        return None
    if first is None or last is None:
        latest = _latest_date(results)
        if last is None:
            last = (latest + pd.offsets.MonthEnd(0)) if latest is not None else first
        if first is None:
            first = last - pd.offsets.MonthEnd(11)
    if last < first:
        raise InputError("--to", f"--to {end} is before --from {start}")
    return pd.date_range(first, last, freq="ME")


def _latest_date(results: Sequence[ReadResult]) -> pd.Timestamp | None:
    latest: pd.Timestamp | None = None
    for r in results:
        for col, table in (("referral_date", r.records.referrals), ("decom", r.records.episodes)):
            if len(table):
                v = table[col].max()
                if pd.notna(v) and (latest is None or v > latest):
                    latest = v
    return latest


def parse_levels(text: str | Sequence[str]) -> tuple[str, ...]:
    items = [x.strip() for x in (text.split(",") if isinstance(text, str) else text)]
    items = [x for x in items if x]
    bad = [x for x in items if x not in LEVELS]
    if bad or not items:
        raise InputError("--levels", f"unknown level(s) {bad or items}; choose from "
                                     f"{', '.join(LEVELS)}")
    return tuple(items)


def compute_dir(path: Path, start: str | None = None, end: str | None = None,
                levels: str | Sequence[str] = LEVELS) -> ComputeResult:
    """Read every council under `path` and compute its monthly indicators.

    `start`/`end` are YYYY-MM month-ends (None: the engine's default range).
    """
    from kpis import engine

    lv = parse_levels(levels)
    t0 = time.perf_counter()
    results = [read_council(p) for p in council_dirs(Path(path))]
    t1 = time.perf_counter()
    me = month_ends(start, end, results)
    figures = []
    for r in results:  # one iteration per council
        f = engine.compute(r.records, me, levels=lv)
        figures.append(f)
    t2 = time.perf_counter()
    fig = pd.concat(figures, ignore_index=True) if figures else pd.DataFrame()
    quarantine = pd.concat(
        [r.quarantine.assign(council=r.records.council) for r in results], ignore_index=True
    )[["council", *QUARANTINE_COLUMNS]] if results else pd.DataFrame(
        columns=["council", *QUARANTINE_COLUMNS])
    repairs = pd.concat(
        [r.repairs.assign(council=r.records.council) for r in results], ignore_index=True
    )[["council", *REPAIR_COLUMNS]] if results else pd.DataFrame(
        columns=["council", *REPAIR_COLUMNS])
    return ComputeResult(fig, quarantine, repairs,
                         {r.records.council: r.rows_read for r in results},
                         {"read": t1 - t0, "compute": t2 - t1})


def side_paths(out: Path) -> tuple[Path, Path]:
    """Where the quarantine and repairs logs go, beside the output file."""
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    return out.with_name(f"{stem}.quarantine.csv"), out.with_name(f"{stem}.repairs.csv")


def write_result(result: ComputeResult, out: Path) -> list[Path]:
    """Write figures (CSV or Parquet), quarantine and repairs together (all or nothing)."""
    out = Path(out)
    q_path, r_path = side_paths(out)
    figures = result.figures

    def write_figures(tmp: Path) -> None:
        if out.suffix.lower() == ".parquet":
            figures.to_parquet(tmp, index=False)
        else:
            figures.to_csv(tmp, index=False)

    write_all({
        out: write_figures,
        q_path: lambda tmp: result.quarantine.to_csv(tmp, index=False),
        r_path: lambda tmp: result.repairs.to_csv(tmp, index=False),
    })
    return [out, q_path, r_path]


def summary(result: ComputeResult, written: Sequence[Path], total: float) -> str:
    """The run summary printed by `kpis compute`."""
    lines = [f"kpis compute: {len(result.rows_read)} council(s)"]
    totals: dict[str, int] = {}
    for rows in result.rows_read.values():
        for t, n in rows.items():
            totals[t] = totals.get(t, 0) + n
    lines.append("  rows read: " + ", ".join(f"{t} {n:,}" for t, n in totals.items()))
    q = result.quarantine
    if len(q):
        by = q["reason"].value_counts().sort_index()
        lines.append(f"  rows quarantined: {len(q):,} ("
                     + ", ".join(f"{k} {v:,}" for k, v in by.items()) + ")")
    else:
        lines.append("  rows quarantined: 0")
    rp = result.repairs
    if len(rp):
        by = rp["action"].value_counts().sort_index()
        lines.append(f"  repairs: {len(rp):,} (" + ", ".join(f"{k} {v:,}" for k, v in by.items())
                     + ")")
    else:
        lines.append("  repairs: 0")
    lines.append(f"  rows written: {len(result.figures):,} -> {written[0]}")
    lines.append(f"  quarantine -> {written[1]}; repairs -> {written[2]}")
    t = result.timings
    lines.append(f"  time: read {t.get('read', 0):.1f} s, compute {t.get('compute', 0):.1f} s, "
                 f"total {total:.1f} s")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """`kpis compute` (arguments: input, out, start, end, levels; see kpis.cli)."""
    t0 = time.perf_counter()
    levels = parse_levels(args.levels)
    _month(args.start, "--from")
    _month(args.end, "--to")
    result = compute_dir(args.input, args.start, args.end, levels)
    written = write_result(result, args.out)
    print(summary(result, written, time.perf_counter() - t0))
    return 0
