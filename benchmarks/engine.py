"""Benchmark the readers and the indicator engine on 1, 10 and 150 synthetic councils.

Data are generated once (`kpis.synth.generate`, seed 2020, Annex A as CSVs) and cached in
build/bench/<n>/ (delete it to regenerate). Each size is measured in its own subprocess so peak
memory (getrusage max RSS) is that size's alone. Compute = `kpis.engine.compute` for one year
of month-ends (2020-04 .. 2021-03) at council and team level, for every council.

Targets: compute <= 30 s at 150 councils, peak <= 6 GB, 10x data -> <= 12x time.

    .venv/bin/python benchmarks/engine.py [--sizes 1,10,150] [--cache build/bench]
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
MONTHS = ("2020-04-30", "2021-03-31")
TARGET_COMPUTE_150 = 30.0
TARGET_PEAK_GB = 6.0
TARGET_SCALING = 12.0


def ensure_data(cache: Path, n: int) -> tuple[Path, float | None]:
    """Generate n councils into cache/<n> unless already there; (folder, seconds or None)."""
    from kpis.synth import generate

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


def measure(folder: Path) -> dict[str, float]:
    """Read and compute every council under `folder` (run in a subprocess)."""
    import pandas as pd

    from kpis import engine
    from kpis.readers import council_dirs, read_council

    t0 = time.perf_counter()
    results = [read_council(p) for p in council_dirs(folder)]
    t1 = time.perf_counter()
    me = pd.date_range(*MONTHS, freq="ME")
    rows_out = 0
    for r in results:
        rows_out += len(engine.compute(r.records, me, levels=("council", "team")))
    t2 = time.perf_counter()
    rows_in = sum(sum(r.rows_read.values()) for r in results)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"councils": len(results), "rows_in": rows_in, "rows_out": rows_out,
            "read_s": t1 - t0, "compute_s": t2 - t1, "peak_gb": peak_kb / 1024 ** 2}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,150")
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "bench")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0

    sizes = [int(x) for x in args.sizes.split(",")]
    rows: dict[int, dict[str, float]] = {}
    for n in sizes:  # a few sizes
        folder, gen_s = ensure_data(args.cache, n)
        if gen_s is not None:
            print(f"generated {n} council(s) in {gen_s:.1f} s -> {folder}", flush=True)
        out = subprocess.run([sys.executable, __file__, "--measure", str(folder)],
                             check=True, capture_output=True, text=True)
        rows[n] = json.loads(out.stdout.strip().splitlines()[-1])
        r = rows[n]
        print(f"measured {n}: read {r['read_s']:.1f} s, compute {r['compute_s']:.1f} s, "
              f"peak {r['peak_gb']:.2f} GB", flush=True)

    print()
    head = (f"{'councils':>8} {'rows in':>11} {'rows out':>10} {'read s':>8} {'compute s':>10} "
            f"{'peak GB':>8} {'data x':>7} {'read x':>7} {'compute x':>9}")
    print(head)
    print("-" * len(head))
    prev: dict[str, float] | None = None
    for n in sizes:
        r = rows[n]
        if prev is None:
            ratios = f"{'':>7} {'':>7} {'':>9}"
        else:
            dx = r["rows_in"] / prev["rows_in"]
            ratios = (f"{dx:>7.1f} {r['read_s'] / prev['read_s']:>7.1f} "
                      f"{r['compute_s'] / prev['compute_s']:>9.1f}")
        print(f"{n:>8} {int(r['rows_in']):>11,} {int(r['rows_out']):>10,} {r['read_s']:>8.1f} "
              f"{r['compute_s']:>10.1f} {r['peak_gb']:>8.2f} {ratios}")
        prev = r
    print()
    if 150 in rows:
        r = rows[150]
        ok = "OK" if r["compute_s"] <= TARGET_COMPUTE_150 else "MISSED"
        print(f"compute at 150 councils: {r['compute_s']:.1f} s (target <= "
              f"{TARGET_COMPUTE_150:.0f} s) {ok}")
    peak = max(r["peak_gb"] for r in rows.values())
    print(f"peak memory: {peak:.2f} GB (target <= {TARGET_PEAK_GB:.0f} GB) "
          f"{'OK' if peak <= TARGET_PEAK_GB else 'MISSED'}")
    for a, b in zip(sizes, sizes[1:], strict=False):
        dx = rows[b]["rows_in"] / rows[a]["rows_in"]
        tx = rows[b]["compute_s"] / rows[a]["compute_s"]
        print(f"scaling {a} -> {b} councils: {dx:.1f}x data, {tx:.1f}x compute time "
              f"(per 10x data: {tx / dx * 10:.1f}x; target <= {TARGET_SCALING:.0f}x) "
              f"{'OK' if tx / dx * 10 <= TARGET_SCALING else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
