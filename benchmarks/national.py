"""National scale, side by side in one run: 150 synthetic councils read and computed (issue 15).

Data: `kpis.synth.generate.generate(seed=2020, councils=150, annex_format="csv")`, cached in
build/bench/150/ (as benchmarks/engine.py) or given with --data. Printed, best of --repeat runs,
every run in its own subprocess (so its peak memory is its own):

  bare pyarrow read  every CSV file of every council read with `pyarrow.csv.read_csv` (one
                     thread, default options: type inference), one process, nothing else: the
                     floor for getting the same bytes into columns (the files are read once,
                     untimed, first: from the page cache, as the kpis runs after it read them);
  kpis read          `read_council` stage time summed over councils (jobs=1 run): identify,
                     read, parse, quarantine, repair, the records contract;
  compute            `engine.compute` stage time summed over councils (jobs=1 run), 12
                     month-ends (2020-04 .. 2021-03), council and team level;
  wall j1, wall j2   elapsed time of `compute_dir` with jobs=1 and jobs=2 (read + compute);
  --from only        wall j2 again with --from 2020-04 and no --to (the range runs to the
                     latest date in the data: here the same 12 month-ends), which before the
                     fifth session read every council twice;
  CPU s              CPU seconds of all processes of a run (getrusage), less stretched than
                     wall time when other work shares the machine;
  peak GB            max RSS of the parent and of the largest pool worker (getrusage); with
                     jobs=2, parent + 2 workers is the most held at once;
  cache              `kpis compute`'s council cache (kpis.records.cache), jobs=2: the run that
                     fills it, the same run again, and a run after one council's file changed.

Targets: wall with jobs=2 <= 30 s; peak <= 2 GB (parent + workers); kpis read <= 3x bare read.

Measured 27 Nov 2026 (fifth session, 20:20), /tmp/nat150 (150 councils, 23.1M rows, 1,650
CSVs, 1.89 GB), 2-core machine, `--repeat 1`: bare read 11.1 s wall / 11.0 s CPU; kpis read
51.3 s (4.6x), compute 32.0 s (stage sums, jobs=1); wall j1 84.0 s (CPU 83.8 s), wall j2
42.9 s (CPU 81.1 s); --from only, j2 40.2 s (CPU 76.3 s); peak 1.60 GB parent + 2 workers.
With the cache: fill 42.5 s, nothing changed 2.4 s, one council changed 3.2 s. Targets: peak
met; wall j2 and read missed. The machine's speed drifts by up to 20% within an hour, so
compare side by side: against the session start (fcda11a), in turns, reading alone went from
47.7-63.3 s to 46.7-54.4 s CPU (-2% to -15% a pair: CSVs kept in Arrow until stacked), jobs=2
wall by a mean -4% over four pairs (within the drift), and --from without --to from 67.2 /
75.0 s to 46.7 / 44.2 s (each council read once, not twice). Earlier: fourth session wall j2
48.4 s (read 61.8 s, compute 34.0 s, bare 11.7 s: 5.3x); third session 60.5 s (bare 10.8 s:
5.9x); second session 73.5 s; first session 109.9 s; 26 Nov, before issue 15's speed-ups,
291 s.

    .venv/bin/python benchmarks/national.py [--councils 150] [--repeat 2] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "2020-04", "2021-03"
LEVELS = ("council", "team")
TARGET_WALL = 30.0
TARGET_PEAK_GB = 2.0
TARGET_READ_X = 3.0


def bare_read(folder: Path) -> dict[str, float]:
    """Every CSV under `folder` through pyarrow.csv.read_csv, one thread: seconds, rows, bytes."""
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    files = sorted(p for council in folder.iterdir() if council.is_dir()
                   for p in council.rglob("*.csv") if not p.name.startswith("."))
    for p in files:  # (untimed: the files in the page cache, as for the kpis runs after it)
        p.read_bytes()
    t = time.perf_counter()
    c = time.process_time()
    rows = size = 0
    for p in files:
        table = pa_csv.read_csv(p, read_options=pa_csv.ReadOptions(use_threads=False,
                                                                  block_size=1 << 24))
        rows += table.num_rows
        size += p.stat().st_size
    return {"seconds": time.perf_counter() - t, "cpu_s": time.process_time() - c, "rows": rows,
            "bytes": size, "files": len(files)}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (pool workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(folder: Path, jobs: int, open_range: bool = False) -> dict[str, float]:
    """`compute_dir` on every council under `folder` with `jobs` processes (`open_range`:
    --from without --to, to the latest date in the data)."""
    sys.path.insert(0, str(ROOT / "src"))
    from kpis.records.batch import compute_dir

    t0 = time.perf_counter()
    c0 = _cpu()
    res = compute_dir(folder, START, None if open_range else END, levels=LEVELS, jobs=jobs)
    wall = time.perf_counter() - t0
    cpu = _cpu() - c0
    return {"councils": len(res.rows_read), "jobs": res.timings["jobs"],
            "rows_in": sum(a["rows_in"] for a in res.accounts.values()),
            "rows_out": len(res.figures), "read_s": res.timings["read"],
            "compute_s": res.timings["compute"], "wall_s": wall, "cpu_s": cpu,
            "self_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2,
            "child_gb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2}


def measure_cache(folder: Path, jobs: int = 2) -> dict[str, float]:
    """`kpis compute`'s council cache (kpis.records.cache), jobs=2: a cold run that fills it,
    the same run again (every council reused), and a run after one council's file changed.
    The councils are linked into a scratch folder, so the changed one is a copy."""
    import shutil
    import tempfile

    sys.path.insert(0, str(ROOT / "src"))
    from kpis.records.batch import compute_dir

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kpis-bench-cache-") as tmp:
        linked = Path(tmp) / "councils"
        linked.mkdir()
        dirs = sorted(p for p in folder.iterdir() if p.is_dir())
        for d in dirs:
            (linked / d.name).symlink_to(d)
        cache_dir = Path(tmp) / "cache"
        for name in ("fill", "unchanged", "one_changed"):
            if name == "one_changed":  # a council resends its referrals with one more blank row
                first = linked / dirs[0].name
                first.unlink()
                shutil.copytree(dirs[0], first)
                csv = sorted(first.rglob("*.csv"))[0]
                with open(csv, "a", encoding="utf-8") as f:
                    f.write(",,,\n")
            t0, c0 = time.perf_counter(), _cpu()
            res = compute_dir(linked, START, END, levels=LEVELS, jobs=jobs, cache_dir=cache_dir)
            out[f"{name}_s"] = time.perf_counter() - t0
            out[f"{name}_cpu"] = _cpu() - c0
            out[f"{name}_reused"] = res.timings["reused"]
        out["cache_mb"] = sum(p.stat().st_size for p in cache_dir.iterdir()) / 1e6
    return out


def sub(*args: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(runs: list[dict[str, float]], key: str) -> dict[str, float]:
    return min(runs, key=lambda r: r[key])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--councils", type=int, default=150)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--data", type=Path, help="a folder of councils (default: build/bench/N)")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--bare", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--open-range", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.jobs, args.open_range)))
        return 0
    if args.cache:
        print(json.dumps(measure_cache(args.cache)))
        return 0
    if args.bare:
        print(json.dumps(bare_read(args.bare)))
        return 0

    folder = args.data
    if folder is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from engine import ensure_data

        folder, gen_s = ensure_data(ROOT / "build" / "bench", args.councils)
        if gen_s is not None:
            print(f"generated {args.councils} councils in {gen_s:.1f} s -> {folder}", flush=True)
    load = os.getloadavg()[0]
    bare, j1, j2, j2_open = [], [], [], []
    for i in range(args.repeat):
        bare.append(sub("--bare", str(folder)))
        j1.append(sub("--measure", str(folder), "--jobs", "1"))
        j2.append(sub("--measure", str(folder), "--jobs", "2"))
        j2_open.append(sub("--measure", str(folder), "--jobs", "2", "--open-range"))
        print(f"run {i + 1}: bare {bare[-1]['seconds']:.1f} s, read {j1[-1]['read_s']:.1f} s, "
              f"compute {j1[-1]['compute_s']:.1f} s, wall j1 {j1[-1]['wall_s']:.1f} s, "
              f"wall j2 {j2[-1]['wall_s']:.1f} s, --from only j2 {j2_open[-1]['wall_s']:.1f} s "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    b, s, p = best(bare, "seconds"), best(j1, "wall_s"), best(j2, "wall_s")
    read_s = min(r["read_s"] for r in j1)
    compute_s = min(r["compute_s"] for r in j1)
    peak_one = max(max(r["self_gb"], r["child_gb"]) for r in j1 + j2)
    peak_all = max(r["self_gb"] + r["jobs"] * r["child_gb"] for r in j2)
    peak_all = max(peak_all, max(r["self_gb"] for r in j1))
    print()
    print(f"{s['councils']:.0f} councils, {s['rows_in']:,.0f} rows in ({b['files']} CSV files, "
          f"{b['bytes'] / 1e9:.2f} GB), {s['rows_out']:,.0f} figures; best of {args.repeat}; "
          f"load average {load:.1f} at the start on {os.cpu_count()} cores")
    head = (f"{'bare read s':>11} {'kpis read s':>11} {'read x':>6} {'compute s':>9} "
            f"{'wall j1':>8} {'wall j2':>8} {'peak GB':>8}")
    print(head)
    print("-" * len(head))
    print(f"{b['seconds']:>11.1f} {read_s:>11.1f} {read_s / b['seconds']:>6.1f} "
          f"{compute_s:>9.1f} {s['wall_s']:>8.1f} {p['wall_s']:>8.1f} {peak_all:>8.2f}")
    print(f"CPU seconds (all processes; a busy machine stretches wall time, less so these): bare "
          f"read {b['cpu_s']:.1f}, jobs=1 {s['cpu_s']:.1f}, jobs=2 {p['cpu_s']:.1f}")
    print()
    print(f"peak: largest single process {peak_one:.2f} GB; jobs=2 parent + 2 workers "
          f"{peak_all:.2f} GB")
    o = best(j2_open, "wall_s")
    print(f"--from {START} without --to (to the latest date in the data: the same months here), "
          f"jobs=2: wall {o['wall_s']:.1f} s, CPU {o['cpu_s']:.1f} s (each council read once)")
    c = sub("--cache", str(folder))
    print(f"with kpis compute's council cache (jobs=2): cold run that fills it "
          f"{c['fill_s']:.1f} s (CPU {c['fill_cpu']:.1f} s; {c['cache_mb']:.0f} MB kept); "
          f"again, nothing changed {c['unchanged_s']:.1f} s (CPU {c['unchanged_cpu']:.1f} s, "
          f"{c['unchanged_reused']:.0f} reused); one council's file changed "
          f"{c['one_changed_s']:.1f} s (CPU {c['one_changed_cpu']:.1f} s, "
          f"{c['one_changed_reused']:.0f} reused)")
    ok = {True: "OK", False: "MISSED"}
    print(f"targets: wall j2 {p['wall_s']:.1f} s <= {TARGET_WALL:.0f} s "
          f"{ok[p['wall_s'] <= TARGET_WALL]}; peak {peak_all:.2f} GB <= {TARGET_PEAK_GB:.0f} GB "
          f"{ok[peak_all <= TARGET_PEAK_GB]}; read {read_s / b['seconds']:.1f}x bare <= "
          f"{TARGET_READ_X:.0f}x {ok[read_s / b['seconds'] <= TARGET_READ_X]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
