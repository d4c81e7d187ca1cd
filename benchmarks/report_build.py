"""Time the full `kpis report` against a naive floor, in one run.

Full build: `kpis report` into a temporary folder (fresh data/processed, so it cleans once).
Floor: the same number of papermill executions, run one after another, of a notebook that only
imports what the real notebooks import (IPython.display, kpis.reporting and kpis.scorecard: pandas,
matplotlib, seaborn). Target: full build <= 0.8 x floor.

    .venv/bin/python benchmarks/report_build.py [--no-synthetic] [--jobs 2]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parents[1]


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


def full_build(work: Path, jobs: int, synthetic: bool) -> tuple[float, int]:
    """Seconds for `kpis report` into `work`, and the number of notebooks it ran."""
    proc_dir = work / "processed"
    cmd = [str(Path(sys.executable).with_name("kpis")), "report", "--raw", str(ROOT / "data/raw"),
           "--processed", str(proc_dir), "--out", str(work / "reports"),
           "--notebooks", str(ROOT / "notebooks"), "--jobs", str(jobs)]
    if not synthetic:
        cmd.append("--no-synthetic")
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if res.returncode != 0:
        print(res.stdout[-2000:], res.stderr[-2000:], file=sys.stderr)
    n = len(list((work / "reports").glob("*.ipynb")))
    return seconds, n


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--no-synthetic", action="store_true")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kpis-bench-"))
    try:
        build_s, n = full_build(work, args.jobs, not args.no_synthetic)
        floor_s = floor(n, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"full build: {build_s:.1f} s ({n} notebooks, --jobs {args.jobs}"
          f"{', no synthetic' if args.no_synthetic else ''})")
    print(f"floor:      {floor_s:.1f} s ({n} sequential import-only papermill runs)")
    print(f"ratio:      {build_s / floor_s:.2f} (target <= 0.80)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
