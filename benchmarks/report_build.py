"""Time `kpis report` (cold, nothing changed, one notebook edited) against papermill, in one run.

1. Full build from cold, with charts: `kpis report` into a new folder (fresh data/processed, so
   it cleans; unless --no-synthetic, the synthetic council is generated and computed too), with
   a copy of notebooks/.
2. No-change rebuild: the same command again (kpis.reporting.incremental: up to date).
3. One notebook edited: a heading of the copied domain.ipynb changes; only the domain reports
   should run again (the lines "start NAME" say which did; the others are reused).
4. Floor: N papermill executions, one after another, of a notebook that only imports what the
   real notebooks import (IPython.display, kpis.reporting and kpis.scorecard: pandas,
   matplotlib, seaborn); one papermill run is the floor / N.
Targets (issue 15): no-change <= 0.5 x one papermill run; full build <= 0.5 x floor.

    .venv/bin/python benchmarks/report_build.py [--no-synthetic] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its finished children so far: other
    work on the machine stretches this less than wall time."""
    return sum(getattr(resource.getrusage(who), f) for who in
               (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))


def load() -> str:
    """The 1-minute load average now (2 cores here: above 2, others are using the CPU)."""
    return f"{os.getloadavg()[0]:.1f}"


def floor(n: int, work: Path) -> float:
    """Seconds for n sequential papermill runs of an import-only notebook."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "from IPython.display import Markdown, display\n"
        "from kpis.reporting import findings, fmt, load, plots, tables\n"
        "from kpis.scorecard import distance")]
    src = work / "floor.ipynb"
    nbformat.write(nb, src)
    t0 = time.perf_counter()
    for i in range(n):
        papermill.execute_notebook(str(src), str(work / f"floor-{i}.ipynb"),
                                   kernel_name="python3", progress_bar=False)
    return time.perf_counter() - t0


def report(work: Path, jobs: int | None, synthetic: bool) -> tuple[float, str]:
    """Seconds for one `kpis report` into `work`, and its output (CPU seconds: cpu_seconds)."""
    cmd = [sys.executable, "-m", "kpis.cli", "report", "--raw", str(ROOT / "data/raw"),
           "--processed", str(work / "processed"), "--out", str(work / "reports"),
           "--notebooks", str(work / "notebooks")] + (["--jobs", str(jobs)] if jobs else [])
    if not synthetic:
        cmd.append("--no-synthetic")
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}  # this tree's kpis
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    if res.returncode != 0:
        print(res.stdout[-2000:], res.stderr[-2000:], file=sys.stderr)
    return seconds, res.stdout


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=None, help="default: kpis report's own")
    p.add_argument("--no-synthetic", action="store_true")
    args = p.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT / "src")  # the floor's kernels import this tree's kpis
    synthetic = not args.no_synthetic
    work = Path(tempfile.mkdtemp(prefix="kpis-bench-"))
    try:
        shutil.copytree(ROOT / "notebooks", work / "notebooks")
        loads = [load()]
        c0 = cpu_seconds()
        cold_s, _ = report(work, args.jobs, synthetic)
        cold_cpu = cpu_seconds() - c0
        loads.append(load())
        n = len(list((work / "reports").glob("*.ipynb")))
        same_s, same_out = report(work, args.jobs, synthetic)
        nb = work / "notebooks" / "domain.ipynb"
        nb.write_text(nb.read_text().replace('"## ', '"## Edited: ', 1))
        one_s, one_out = report(work, args.jobs, synthetic)
        loads.append(load())
        c0 = cpu_seconds()
        floor_s = floor(n, work)
        floor_cpu = cpu_seconds() - c0
        loads.append(load())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ran = re.findall(r"\] start  (\S+)", one_out)
    reused = re.findall(r"\] reused (\S+)", one_out)
    one_run = floor_s / n
    print(f"full build, cold: {cold_s:.1f} s, CPU {cold_cpu:.1f} s ({n} notebooks, --jobs "
          f"{args.jobs or f'{os.cpu_count() + 1} (default)'}"
          f"{', no synthetic' if args.no_synthetic else ', with the synthetic council'})")
    print(f"floor:            {floor_s:.1f} s, CPU {floor_cpu:.1f} s ({n} sequential "
          f"import-only papermill runs; one run {one_run:.2f} s)")
    print(f"  ratio full / floor:      {cold_s / floor_s:.2f} (target <= 0.50)")
    print(f"no-change rebuild: {same_s:.2f} s "
          f"({'up to date' if 'up to date' in same_out else 'NOT up to date'})")
    print(f"  ratio no-change / one papermill run: {same_s / one_run:.2f} (target <= 0.50)")
    print(f"domain.ipynb edited: {one_s:.1f} s; re-ran {len(ran)}: {', '.join(ran)}; "
          f"reused {len(reused)}: {', '.join(reused)}")
    print(f"load average (1 min) before cold, after cold, before floor, after floor: "
          f"{', '.join(loads)} (2 cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
