"""Benchmark `kpis compute` (readers + indicator engine) on 1, 10 and 150 synthetic councils.

Data are generated once (`kpis.synth.generate.generate`, seed 2020, Annex A as CSVs) and cached in
build/bench/<n>/ (delete it to regenerate). Each measurement is `kpis.records.batch.compute_dir` for
one year of month-ends (2020-04 .. 2021-03) at council and team level, run in its own
subprocess so its peak memory is its own, once with jobs=1 (in-process) and once with jobs=2
(a process pool, one council per task).

Printed per size, side by side:
  read s, compute s  stage time: per-council seconds summed over councils (jobs=1 run), i.e.
                     the CPU time each stage costs whichever process runs it;
  wall j1, wall j2   elapsed time of the whole compute_dir with jobs=1 and with jobs=2;
  peak GB            max RSS of the measuring process and of its pool workers
                     (getrusage RUSAGE_SELF / RUSAGE_CHILDREN; the larger of the two runs).

Targets (from the issue), and the figure each is compared with:
  compute <= 30 s at 150 councils   -> compute stage time (summed per-council compute seconds)
  peak memory <= 6 GB               -> peak GB, largest single process in either run
  10x data -> <= 12x time           -> compute stage time ratio, normalised to 10x rows read

    .venv/bin/python benchmarks/engine.py [--sizes 1,10,150] [--jobs 2] [--cache build/bench]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "2020-04", "2021-03"  # month-ends 2020-04-30 .. 2021-03-31
LEVELS = ("council", "team")
TARGET_COMPUTE_150 = 30.0
TARGET_PEAK_GB = 6.0
TARGET_SCALING = 12.0


def ensure_data(cache: Path, n: int) -> tuple[Path, float | None]:
    """Generate n councils into cache/<n> unless already there; (folder, seconds or None)."""
    from kpis.synth.generate import generate

    folder = cache / str(n)
    done = folder / ".complete"
    if done.exists():
        return folder, None
    t = time.perf_counter()
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    generate(folder, seed=2020, councils=n, annex_format="csv")
    done.write_text("seed 2020\n")
    return folder, time.perf_counter() - t


def measure(folder: Path, jobs: int) -> dict[str, float]:
    """`compute_dir` on every council under `folder` with `jobs` processes (in a subprocess)."""
    from kpis.records.batch import compute_dir

    t0 = time.perf_counter()
    res = compute_dir(folder, START, END, levels=LEVELS, jobs=jobs)
    wall = time.perf_counter() - t0
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # largest pool worker
    return {"councils": len(res.rows_read), "jobs": res.timings["jobs"],
            "rows_in": sum(sum(r.values()) for r in res.rows_read.values()),
            "rows_out": len(res.figures), "read_s": res.timings["read"],
            "compute_s": res.timings["compute"], "wall_s": wall,
            "self_gb": self_kb / 1024 ** 2, "child_gb": child_kb / 1024 ** 2}


def run_measure(folder: Path, jobs: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--measure", str(folder), "--jobs", str(jobs)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,150")
    ap.add_argument("--jobs", type=int, default=2, help="pool size for the parallel run")
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "bench")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.jobs)))
        return 0

    sizes = [int(x) for x in args.sizes.split(",")]
    seq: dict[int, dict[str, float]] = {}
    par: dict[int, dict[str, float]] = {}
    for n in sizes:  # a few sizes
        folder, gen_s = ensure_data(args.cache, n)
        if gen_s is not None:
            print(f"generated {n} council(s) in {gen_s:.1f} s -> {folder}", flush=True)
        seq[n] = run_measure(folder, 1)
        par[n] = run_measure(folder, args.jobs)
        s, p = seq[n], par[n]
        print(f"measured {n}: read {s['read_s']:.1f} s, compute {s['compute_s']:.1f} s "
              f"(stage sums); wall {s['wall_s']:.1f} s with jobs=1, {p['wall_s']:.1f} s with "
              f"jobs={int(p['jobs'])} (stage sums there: read {p['read_s']:.1f} s, compute "
              f"{p['compute_s']:.1f} s)", flush=True)

    j = args.jobs
    print()
    head = (f"{'councils':>8} {'rows in':>11} {'rows out':>9} {'read s':>7} {'compute s':>9} "
            f"{'wall j1':>8} {f'wall j{j}':>8} {'speedup':>7} {'peak GB':>7} "
            f"{'data x':>6} {'read x':>6} {'compute x':>9} {'wall x':>6}")
    print(head)
    print("-" * len(head))
    prev: int | None = None
    for n in sizes:
        s, p = seq[n], par[n]
        peak = max(s["self_gb"], s["child_gb"], p["self_gb"], p["child_gb"])
        if prev is None:
            ratios = f"{'':>6} {'':>6} {'':>9} {'':>6}"
        else:
            a = seq[prev]
            ratios = (f"{s['rows_in'] / a['rows_in']:>6.1f} {s['read_s'] / a['read_s']:>6.1f} "
                      f"{s['compute_s'] / a['compute_s']:>9.1f} "
                      f"{p['wall_s'] / par[prev]['wall_s']:>6.1f}")
        print(f"{n:>8} {int(s['rows_in']):>11,} {int(s['rows_out']):>9,} {s['read_s']:>7.1f} "
              f"{s['compute_s']:>9.1f} {s['wall_s']:>8.1f} {p['wall_s']:>8.1f} "
              f"{s['wall_s'] / p['wall_s']:>6.2f}x {peak:>7.2f} {ratios}")
        prev = n
    print()
    print("peak GB per run (parent / largest pool worker):")
    for n in sizes:
        s, p = seq[n], par[n]
        print(f"  {n:>4} councils: jobs=1 {s['self_gb']:.2f} GB; jobs={int(p['jobs'])} "
              f"{p['self_gb']:.2f} / {p['child_gb']:.2f} GB (all at once at most "
              f"{p['self_gb'] + p['jobs'] * p['child_gb']:.2f} GB)")
    print()
    print("targets:")
    if 150 in seq:
        c = seq[150]["compute_s"]
        print(f"  compute stage time at 150 councils (summed per-council engine.compute seconds): "
              f"{c:.1f} s (target <= {TARGET_COMPUTE_150:.0f} s) "
              f"{verdict(c <= TARGET_COMPUTE_150)}")
        w1, w2 = seq[150]["wall_s"], par[150]["wall_s"]
        print(f"  for reference, whole compute_dir at 150 councils (read + compute, wall): "
              f"{w1:.1f} s with jobs=1, {w2:.1f} s with jobs={int(par[150]['jobs'])}")
    else:
        print(f"  compute stage time at 150 councils: not measured (sizes {args.sizes})")
    peak = max(max(r["self_gb"], r["child_gb"]) for d in (seq, par) for r in d.values())
    print(f"  peak memory, largest single process in any run: {peak:.2f} GB (target <= "
          f"{TARGET_PEAK_GB:.0f} GB) {verdict(peak <= TARGET_PEAK_GB)}")
    for a, b in zip(sizes, sizes[1:], strict=False):
        dx = seq[b]["rows_in"] / seq[a]["rows_in"]
        tx = seq[b]["compute_s"] / seq[a]["compute_s"]
        print(f"  scaling {a} -> {b} councils: {dx:.1f}x data, {tx:.1f}x compute stage time "
              f"(per 10x data: {tx / dx * 10:.1f}x; target <= {TARGET_SCALING:.0f}x) "
              f"{verdict(tx / dx * 10 <= TARGET_SCALING)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
