"""`kpis compute`: read every council under --input, compute monthly indicators, write them.

    kpis compute --input DIR --out FILE [--from YYYY-MM --to YYYY-MM --levels council,team,worker]
                 [--postcodes CENTROIDS.csv]

FILE is CSV, or Parquet when it ends in .parquet. Beside it: `<stem>.quarantine.csv` (rows the
readers could not use) and `<stem>.repairs.csv` (SSDA903 repairs), all written atomically and
only once everything has been computed (bad input -> InputError, exit 2, nothing written).
A council unchanged since the last run to the same FILE is reused from the cache beside it
(kpis.records.cache; --no-cache: never).
`compute_dir` is the same without writing, for the report builder and notebooks.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from kpis.errors import InputError
from kpis.files import neutralise_csv, write_all
from kpis.log import progress
from kpis.records import cache
from kpis.records.engine import LEVELS
from kpis.records.months import (
    OpenRange,
    Ranged,
    latest_date,
    month,
    month_ends,
    needs_data_range,
    own_range,
    run_range,
)
from kpis.records.readers import (
    QUARANTINE_COLUMNS,
    REPAIR_COLUMNS,
    ReadResult,
    council_dirs,
    read_councils,
)


@dataclass
class ComputeResult:
    """Figures for every council, plus what the readers quarantined and repaired."""

    figures: pd.DataFrame
    quarantine: pd.DataFrame
    repairs: pd.DataFrame
    rows_read: dict[str, dict[str, int]] = field(default_factory=dict)  # council -> table -> n
    timings: dict[str, float] = field(default_factory=dict)
    #: council -> {"rows_in", "blank", "merged", "extract_date", "notes", "not_computed",
    #: "months"}: the accounting and notes of the run summary
    accounts: dict[str, dict] = field(default_factory=dict)
    #: the folder the councils were kept in for the next run (kpis.records.cache), if any
    cache_dir: Path | None = None


def parse_levels(text: str | Sequence[str]) -> tuple[str, ...]:
    items = [x.strip() for x in (text.split(",") if isinstance(text, str) else text)]
    items = [x for x in items if x]
    bad = [x for x in items if x not in LEVELS]
    if bad or not items:
        raise InputError("--levels", f"unknown level(s) {bad or items}; choose from "
                                     f"{', '.join(LEVELS)}")
    return tuple(items)


@dataclass
class CouncilResult:
    """What one worker sends back for one council (never its Records: they stay in the worker,
    so the parent holds only figures and logs)."""

    council: str
    figures: pd.DataFrame
    quarantine: pd.DataFrame
    repairs: pd.DataFrame
    rows_read: dict[str, int]
    read_s: float
    compute_s: float
    account: dict = field(default_factory=dict)


@dataclass
class _Keyed:
    """A council's result with the cache keys it was found or kept under."""

    keys: tuple[str, ...]
    value: object


Months = pd.DatetimeIndex | OpenRange | None  # (what a worker computes a council for)


def _council_task(paths: list[Path], me: Months, levels: tuple[str, ...],
                  postcodes: Path | None = None, cache_dir: Path | None = None,
                  code: str = "") -> list[CouncilResult | Ranged | _Keyed]:
    """Read a batch of councils (`_batches`) and compute each one's figures for the month-ends
    `me` (an `OpenRange`: to each council's own latest date, as a `Ranged`); a result per
    council, in order.

    With `cache_dir`, a council whose key is there is not read or computed again
    (kpis.records.cache); its result says so (`account["reused"]`) and comes wrapped with its
    keys (`_Keyed`, unwrapped by `_run`). For an OpenRange a council has two entries: its
    latest date, and its result for its own range.
    Runs in a pool worker or in-process; an InputError reaches the parent whole (it pickles)."""
    out: list[CouncilResult | Ranged | _Keyed | None] = [None] * len(paths)
    parts = {"levels": levels, "postcodes": postcodes, "code": code}
    files: dict[int, str] = {}

    def key(i: int, months: pd.DatetimeIndex | None, latest: bool = False) -> str:
        ms = None if months is None else list(months.strftime("%Y-%m"))
        return cache.council_key(paths[i], {**parts, "latest_only": latest, "months": ms},
                                 files[i])

    for i, path in enumerate(paths if cache_dir is not None else []):
        t0 = time.perf_counter()
        files[i] = cache.files_digest(path, postcodes)
        if not isinstance(me, OpenRange):
            hit = _reused(cache_dir, k := key(i, me), t0)
            out[i] = None if hit is None else _Keyed((k,), hit)
            continue
        seen = cache.load(cache_dir, first := key(i, None, latest=True))
        if not (isinstance(seen, dict) and "latest" in seen):
            continue
        own = own_range(me.start, seen["latest"])
        hit = None if own is None else _reused(cache_dir, k := key(i, own), t0)
        if own is None or hit is not None:
            out[i] = _Keyed((first,) if own is None else (first, k),
                            Ranged(seen["latest"], own, hit))
    todo = [i for i in range(len(paths)) if out[i] is None]
    done = _council_work([paths[i] for i in todo], me, levels, postcodes)
    for i, got in zip(todo, done, strict=True):  # (each kept in the cache as it is done)
        if cache_dir is None:
            out[i] = got
            continue
        result = got.result if isinstance(got, Ranged) else got
        keys: tuple[str, ...] = ()
        if isinstance(got, Ranged):
            cache.store(cache_dir, k := key(i, None, latest=True), {"latest": got.latest})
            keys += (k,)
        if isinstance(result, CouncilResult):
            result.account = {**result.account, "reused": False}
            cache.store(cache_dir, k := key(i, got.months if isinstance(got, Ranged) else me),
                        result)
            keys += (k,)
        out[i] = _Keyed(keys, got)
    return out  # type: ignore[return-value]


def _reused(cache_dir: Path, key: str, t0: float) -> CouncilResult | None:
    """A council's result kept under `key`, marked as reused (None: not there)."""
    hit = cache.load(cache_dir, key)
    if not isinstance(hit, CouncilResult):
        return None
    hit.read_s, hit.compute_s = time.perf_counter() - t0, 0.0
    hit.account = {**hit.account, "reused": True}
    return hit


def _council_work(paths: list[Path], me: Months, levels: tuple[str, ...],
                  postcodes: Path | None = None) -> Iterator[CouncilResult | Ranged]:
    """`_council_task` without the cache: the councils read together (`read_councils`), then
    computed one by one, each result given as soon as it is done (so the cache keeps it even if
    the run stops in the batch); the first council that cannot be read raises its error there.
    Each council's read time is its share, by rows in, of the batch's."""
    if not paths:
        return
    t0 = time.perf_counter()
    reads = read_councils(paths, postcodes=postcodes)
    read_s = time.perf_counter() - t0
    rows = [r.rows_in if isinstance(r, ReadResult) else 0 for r in reads]
    for k, r in enumerate(reads):
        if isinstance(r, Exception):  # (the councils before it were given and kept)
            raise r
        reads[k] = None  # type: ignore[call-overload]  # (free each council once computed)
        share = read_s * max(rows[k], 1) / max(sum(rows), 1)
        if not isinstance(me, OpenRange):
            yield _computed(r, me, levels, share)
            continue
        latest = latest_date([r])
        own = own_range(me.start, latest)
        yield Ranged(latest, own, None if own is None else _computed(r, own, levels, share))


def _computed(r: ReadResult, me: pd.DatetimeIndex | None, levels: tuple[str, ...],
              read_s: float) -> CouncilResult:
    """A council as read -> its figures (indicators it lacks the files for marked), its logs
    labelled with its name, and its accounting; `read_s`: the time its reading took."""
    from kpis.records import engine

    t = time.perf_counter()
    figures = engine.compute(r.records, me, levels=levels)
    figures, missing = mark_not_computed(figures, r)
    council = r.records.council
    return CouncilResult(council, figures, r.quarantine.assign(council=council),
                         r.repairs.assign(council=council), r.rows_read, read_s,
                         time.perf_counter() - t, _account(r, missing, figures))


#: councils are read in batches of about this many bytes of files (`_batches`): 150 councils
#: read in 68 batches of 32 MB took 66-70 s CPU, in 32 of 64 MB 61 s (peak 0.47 GB a process),
#: in 16 of 128 MB 56 s (0.74 GB: with two workers and the parent, too near 2 GB)
BATCH_BYTES = 64 << 20


def _batches(dirs: list[Path], jobs: int) -> list[list[Path]]:
    """Councils in order, in batches of consecutive ones up to `BATCH_BYTES` of files (a
    larger council alone); with several jobs, at most an eighth of the work per job in a
    batch, so the workers finish together."""
    from kpis.records.readers.discover import data_files

    sizes = [sum(f.stat().st_size for f in data_files(d)) for d in dirs]
    cap = BATCH_BYTES if jobs == 1 else min(BATCH_BYTES, sum(sizes) // (8 * jobs))
    out: list[list[Path]] = []
    size = cap + 1
    for d, n in zip(dirs, sizes, strict=True):
        if size + n > cap:
            out.append([])
            size = 0
        out[-1].append(d)
        size += n
    return out


def _inputs() -> dict:
    from kpis.records.readers.parsing import load_yaml

    return load_yaml("indicator_inputs.yml")


def not_computed(r: ReadResult) -> dict[str, list[str]]:
    """indicator id -> the files it needs that the delivery lacks
    (data/records/indicator_inputs.yml)."""
    cfg = _inputs()
    out = {}

    def has(t: str) -> bool:
        table, _, col = t.partition(".")
        df = getattr(r.records, table)
        if not col:
            return bool(len(df))
        return col in df and bool(df[col].astype("string").str.strip().fillna("").ne("").any())

    for ind, tables in cfg["indicators"].items():
        lacking = []
        for t in tables:  # an entry that is a list: any one of them will do
            options = t if isinstance(t, list) else [t]
            if not any(has(x) for x in options):
                lacking.append(" or ".join(cfg["tables"][x] for x in options))
        if lacking:
            out[ind] = lacking
    return out


NOT_COMPUTED = "not computed"


def mark_not_computed(figures: pd.DataFrame, r: ReadResult,
                      ) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """An indicator whose records are absent is not computed: its team and worker rows go, its
    council rows keep no value, flag `not computed` and a note naming the file it needs."""
    missing = not_computed(r)
    if not missing or figures.empty:
        return figures, missing
    ind = figures["indicator_id"]
    gone = ind.isin(list(missing))
    figures = figures.loc[~gone | (figures["level"] == "council")].copy()
    gone = figures["indicator_id"].isin(list(missing))
    figures.loc[gone, ["value", "numerator", "denominator"]] = float("nan")
    figures.loc[gone, "flag"] = NOT_COMPUTED
    figures.loc[gone, "note"] = NOT_COMPUTED + ": needs " + figures.loc[
        gone, "indicator_id"].map(lambda i: " and ".join(missing[i]))
    return figures.reset_index(drop=True), missing


def _account(r: ReadResult, missing: dict[str, list[str]], figures: pd.DataFrame) -> dict:
    periods = figures["period"] if len(figures) else pd.Series(dtype=str)
    return {"rows_in": r.rows_in, "blank": r.blank_rows, "merged": r.merged, "kept": r.rows_kept,
            "quarantined": len(r.quarantine), "extract_date": r.extract_date,
            "notes": list(r.notes), "not_computed": missing,
            "months": (str(periods.min()), str(periods.max())) if len(periods) else None}


def _effective_jobs(jobs: int | None, n_councils: int) -> int:
    jobs = (os.cpu_count() or 1) if jobs is None else int(jobs)
    if jobs < 1:
        raise InputError("--jobs", f"must be 1 or more, got {jobs}")
    if multiprocessing.current_process().daemon:  # daemonic processes cannot have children
        return 1
    return max(1, min(jobs, n_councils))


def _worker_init() -> None:
    """Pool workers run one thread each: the processes already use every core, and pandas'
    multi-threaded read_csv / pyarrow's thread pool on top of them only oversubscribe. Ctrl-C
    and SIGTERM are the parent's to handle; a worker whose parent is gone leaves (kpis.stopping).
    """
    from kpis import stopping

    stopping.worker_init()
    pd.set_option("mode.max_threads", 1)
    try:
        import pyarrow

        pyarrow.set_cpu_count(1)
        pyarrow.set_io_thread_count(1)
    except ImportError:  # pragma: no cover - pyarrow is a dependency of the readers
        pass


def _run(dirs: list[Path], jobs: int, me: Months, levels: tuple[str, ...],
         postcodes: Path | None = None, cache_dir: Path | None = None,
         used: set[str] | None = None) -> Iterator[Any]:
    """`_council_task` for every council, results in council order (whatever finishes first);
    with a cache, the keys found or kept go into `used`."""
    for out in _run_tasks(dirs, jobs, me, levels, postcodes, cache_dir):
        if isinstance(out, _Keyed):
            if used is not None:
                used.update(out.keys)
            out = out.value
        yield out


def _run_tasks(dirs: list[Path], jobs: int, me: Months, levels: tuple[str, ...],
               postcodes: Path | None, cache_dir: Path | None) -> Iterator[object]:
    code = ""
    if cache_dir is not None:
        code = cache.code_digest()
    task = partial(_council_task, me=me, levels=levels, postcodes=postcodes,
                   cache_dir=cache_dir, code=code)
    batches = _batches(dirs, jobs)
    if jobs == 1:
        for b in batches:
            yield from task(b)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    # map() keeps input order; chunksize 1 balances batches of different sizes
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init)
    try:
        for out in pool.map(task, batches, chunksize=1):
            yield from out
    except BaseException:  # Ctrl-C, SIGTERM, an error: stop the workers now (kpis.stopping)
        from kpis import stopping

        stopping.stop_pool(pool)
        raise
    finally:  # on an error, don't wait for the councils still queued
        pool.shutdown(wait=True, cancel_futures=True)


def compute_dir(path: Path, start: str | None = None, end: str | None = None,
                levels: str | Sequence[str] = LEVELS, jobs: int | None = None,
                postcodes: Path | None = None, cache_dir: Path | None = None,
                ) -> ComputeResult:
    """Read every council under `path` and compute its monthly indicators.

    `start`/`end` are YYYY-MM month-ends (None: the engine's default range). Councils are read
    and computed in `jobs` worker processes (default: one per CPU; 1 = in this process); the
    result is the same, row for row and in the same order (by council), whatever `jobs` is.
    Each worker reads a batch of consecutive councils together (`_batches`, about
    `BATCH_BYTES` of files; `read_councils`), computes them one by one and returns only
    figures and logs, so memory holds at most `jobs` batches' records at a time. With --from
    but no --to, the range runs to the latest date in any council: each council is computed
    to its own latest date, and only those whose data end in an earlier month are read again
    for the run's range (kpis.records.months).

    `postcodes`: a postcode centroid file used for every council (kpis compute --postcodes);
    without it each council's own folder is searched for one (kpis.records.readers.postcodes).
    A file given that does not exist is an InputError before any work is done.

    `cache_dir`: reuse each council's result from there when nothing it depends on changed,
    and keep this run's results there (kpis.records.cache; entries this run did not use are
    removed at the end). With --from but no --to, a council's latest date is kept too.

    timings: "read" and "compute" are summed over councils (stage time, whichever process ran
    it; a reused council's read time is the time to hash its files and load its entry); "wall"
    is the elapsed time of the whole call; "jobs" the number of processes used; "reused" the
    councils reused from the cache.
    """
    t0 = time.perf_counter()
    used: set[str] = set()
    lv = parse_levels(levels)
    month(start, "--from")
    month(end, "--to")
    dirs = council_dirs(Path(path))
    if postcodes is not None and not Path(postcodes).is_file():
        raise InputError(postcodes, "--postcodes: postcode centroid file not found")
    n_jobs = _effective_jobs(jobs, len(dirs))
    if cache_dir is not None:
        cache_dir = Path(cache_dir) if cache.usable(cache_dir) else None
    read_s = compute_s = 0.0
    results: list[CouncilResult]
    if needs_data_range(start, end):  # each council to its own latest date, then some again
        first = list(_run(dirs, n_jobs, OpenRange(str(start)), lv, postcodes=postcodes,
                          cache_dir=cache_dir, used=used))
        me = run_range(str(start), [r.latest for r in first])
        redo = iter(_run([d for d, r in zip(dirs, first, strict=True) if not r.final_for(me)],
                         n_jobs, me, lv, postcodes=postcodes, cache_dir=cache_dir, used=used))
        results = [r.result if r.final_for(me) else next(redo) for r in first]
        for r in first:  # (the time spent on the councils read again counts too)
            if r.result is not None and not r.final_for(me):
                read_s += r.result.read_s
                compute_s += r.result.compute_s
    else:
        me = month_ends(start, end)
        results = list(_run(dirs, n_jobs, me, lv, postcodes=postcodes,
                            cache_dir=cache_dir, used=used))
    read_s += sum(r.read_s for r in results)
    compute_s += sum(r.compute_s for r in results)
    fig = pd.concat([r.figures for r in results], ignore_index=True) if results \
        else pd.DataFrame()
    quarantine = pd.concat([r.quarantine for r in results], ignore_index=True)[
        ["council", *QUARANTINE_COLUMNS]] if results else pd.DataFrame(
        columns=["council", *QUARANTINE_COLUMNS])
    repairs = pd.concat([r.repairs for r in results], ignore_index=True)[
        ["council", *REPAIR_COLUMNS]] if results else pd.DataFrame(
        columns=["council", *REPAIR_COLUMNS])
    if cache_dir is not None:
        cache.prune(cache_dir, used)
    return ComputeResult(fig, quarantine, repairs, {r.council: r.rows_read for r in results},
                         {"read": read_s, "compute": compute_s,
                          "wall": time.perf_counter() - t0, "jobs": float(n_jobs),
                          "reused": float(sum(bool(r.account.get("reused"))
                                              for r in results))},
                         {r.council: r.account for r in results}, cache_dir)


def side_paths(out: Path) -> tuple[Path, Path]:
    """Where the quarantine and repairs logs go, beside the output file."""
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    return out.with_name(f"{stem}.quarantine.csv"), out.with_name(f"{stem}.repairs.csv")


def write_result(result: ComputeResult, out: Path) -> list[Path]:
    """Write figures (CSV or Parquet), quarantine and repairs together (all or nothing).
    `--out` naming a symbolic link (to a shared folder, say) writes the file it points to
    and keeps the link, as `>` in a shell does; the logs go beside the name given."""
    out = Path(out)
    q_path, r_path = side_paths(out)
    figures = result.figures
    target = out
    if out.is_symlink():  # (only the file the user named: kpis's own outputs never follow)
        real = Path(os.path.realpath(out))
        if real.parent.is_dir() and not real.is_dir():
            target = real

    def write_figures(tmp: Path) -> None:
        if out.suffix.lower() == ".parquet":
            figures.to_parquet(tmp, index=False)
        else:
            neutralise_csv(figures).to_csv(tmp, index=False)

    write_all({
        target: write_figures,
        q_path: lambda tmp: neutralise_csv(result.quarantine).to_csv(tmp, index=False),
        r_path: lambda tmp: neutralise_csv(result.repairs).to_csv(tmp, index=False),
    })
    return [out, q_path, r_path]


def summary(result: ComputeResult, written: Sequence[Path], total: float) -> str:
    """The run summary printed by `kpis compute`."""
    lines = [f"kpis compute: {len(result.rows_read)} council(s)"]
    reused = int(result.timings.get("reused", 0))
    if reused:
        lines.append(f"  reused: {reused} of {len(result.rows_read)} council(s) unchanged since "
                     "the last run (files, kpis and options the same; --no-cache computes all)")
    totals: dict[str, int] = {}
    for rows in result.rows_read.values():
        for t, n in rows.items():
            totals[t] = totals.get(t, 0) + n
    lines.append("  rows read: " + ", ".join(f"{t} {n:,}" for t, n in totals.items() if n))
    acc = result.accounts
    if acc:
        n_in = sum(a["rows_in"] for a in acc.values())
        blank = sum(a["blank"] for a in acc.values())
        merged = sum(a["merged"] for a in acc.values())
        nq = sum(a["quarantined"] for a in acc.values())
        kept = sum(a["kept"] for a in acc.values())
        lines.append(f"  rows in: {n_in:,} = read {kept:,} + quarantined "
                     f"{nq:,} + blank rows dropped {blank:,} + duplicates merged {merged:,}")
        for council, a in acc.items():
            who = f"{council}: " if len(acc) > 1 else ""
            if a["extract_date"] is not None:
                months = a["months"]
                span = f"; months {months[0]} to {months[1]}" if months else ""
                lines.append(f"  {who}extract date {a['extract_date']:%Y-%m-%d} (latest activity"
                             f", outliers and dates after today left out){span}")
            for ind, needs in a["not_computed"].items():
                lines.append(f"  {who}not computed: {ind} (needs {' and '.join(needs)})")
            for note in a["notes"]:
                lines.append(f"  {who}note: {note}")
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
    if result.cache_dir is not None:
        lines.append(f"  kept for the next run: {result.cache_dir} (child-level detail, as the "
                     "quarantine; --no-cache keeps none)")
    t = result.timings
    jobs = int(t.get("jobs", 1))
    per = f" (summed over councils, {jobs} processes)" if jobs > 1 else ""
    lines.append(f"  time: read {t.get('read', 0):.1f} s, compute {t.get('compute', 0):.1f} s"
                 f"{per}, total {total:.1f} s")
    return "\n".join(lines)


def check_out(out: Path, inputs: Path) -> None:
    """Refuse an output path kpis cannot or must not write (before any work is done): a folder,
    a path under a file, a read-only place, or one of the input files (nor may the quarantine
    or repairs file beside it be one)."""
    from kpis.records.readers.discover import data_files

    out = Path(out)
    if out.is_dir():
        raise InputError(out, "--out is a folder; give a file name such as figures.csv")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(out, f"--out sits under {parent}, which is a file")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise InputError(out, f"--out cannot be written: {parent} is read-only")
            break
    if out.exists() and not os.access(out, os.W_OK):
        raise InputError(out, "--out cannot be written: the file is read-only")
    inp = Path(inputs)
    if inp.is_dir():
        targets = {p.resolve() for p in (out, *side_paths(out))}
        clash = [p for p in data_files(inp) if p.resolve() in targets]
        if clash:
            raise InputError(out, f"--out would overwrite the input file {clash[0]}; write the "
                                  "figures somewhere else")


def run(args: argparse.Namespace) -> int:
    """`kpis compute` (arguments: input, out, start, end, levels; see kpis.cli)."""
    t0 = time.perf_counter()
    levels = parse_levels(args.levels)
    month(args.start, "--from")
    month(args.end, "--to")
    jobs = getattr(args, "jobs", None)
    if jobs is not None and jobs < 1:
        raise InputError("--jobs", f"must be 1 or more, got {jobs}")
    check_out(args.out, args.input)
    result = compute_dir(args.input, args.start, args.end, levels,
                         jobs=getattr(args, "jobs", None),
                         postcodes=getattr(args, "postcodes", None),
                         cache_dir=None if getattr(args, "no_cache", False)
                         else cache.folder_for(args.out))
    try:
        written = write_result(result, args.out)
    except OSError as err:
        raise InputError(args.out, f"cannot write the output: {err.strerror or err}") from err
    progress(summary(result, written, time.perf_counter() - t0))
    return 0
