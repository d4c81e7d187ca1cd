"""Time one council's monthly rebuild, records to HTML: `kpis report --council FILE`.

A Gloucestershire-sized council (kpis synth's default scale: 15 teams, ~13 MB of extracts; Annex
A as CSVs), its synthetic marking removed, a two-line config. Printed side by side: the whole
build, its records-to-figures part (read + compute, kpis.reporting.council.prepare), and the
papermill floor for the same number of notebooks (benchmarks/report_build.py: import-only
notebooks run one after another), so a busy machine shows up in both. Target: build <= 60 s.

    .venv/bin/python benchmarks/council_build.py [--jobs N] [--no-floor]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from report_build import cpu_seconds, load  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=None, help="default: kpis report's own")
    ap.add_argument("--no-floor", action="store_true")
    args = ap.parse_args()
    from kpis.reporting import config, council
    from kpis.synth import generate

    with tempfile.TemporaryDirectory(prefix="kpis-council-bench-") as tmp:
        home = Path(tmp)
        t = time.perf_counter()
        generate.generate(home / "extracts", annex_format="csv")
        (home / "extracts" / generate.MARK).unlink()
        gen_s = time.perf_counter() - t
        (home / "council.yml").write_text("name: Benchmark council\nrecords: extracts\n")
        t = time.perf_counter()
        data = council.prepare(config.load(home / "council.yml"), home / "prep")
        prep_s = time.perf_counter() - t
        loads = [load()]
        c0 = cpu_seconds()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
        t = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "kpis.cli", "-q", "report", "--council", "council.yml",
             "--notebooks", str(ROOT / "notebooks"), "--out", "reports", "--processed",
             "processed"] + (["--jobs", str(args.jobs)] if args.jobs else []), cwd=home,
            env=env, text=True,
            capture_output=True)
        build_s = time.perf_counter() - t
        build_cpu = cpu_seconds() - c0
        loads.append(load())
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        manifest = json.loads((home / "reports" / "manifest.json").read_text())
        n = len(manifest["reports"])
        floor_s = floor_cpu = None
        if not args.no_floor:
            from report_build import floor

            work = home / "floor"
            work.mkdir()
            c0 = cpu_seconds()
            floor_s = floor(n, work)
            floor_cpu = cpu_seconds() - c0
            loads.append(load())
    print(f"council: {len(data.teams)} teams, {data.baseline_period} to {data.latest_period} "
          f"(generated in {gen_s:.1f} s)")
    print("| measure | seconds |\n| --- | --- |")
    print(f"| kpis report --council, records to HTML, {n} notebooks, --jobs "
          f"{args.jobs or f'{os.cpu_count() + 1} (default)'} "
          f"| {build_s:.1f} (CPU {build_cpu:.1f}) |")
    print(f"| of which read + compute (prepare, measured alone) | {prep_s:.1f} |")
    if floor_s is not None:
        print(f"| floor: {n} import-only papermill runs, one after another | {floor_s:.1f} "
              f"(CPU {floor_cpu:.1f}) |")
        print(f"| build / floor | {build_s / floor_s:.2f} |")
    print(f"| load average (1 min): before build, after build, after floor (2 cores) "
          f"| {', '.join(loads)} |")
    print(f"| target | <= 60 s: {'met' if build_s <= 60 else 'NOT met'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
