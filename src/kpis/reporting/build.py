"""`kpis report`: execute every notebook with papermill and export offline HTML to reports/.

Steps: plan the runs from src/kpis/data/reports.yml (kpis.reporting.plan); clean the data when
the scorecard is stale (kpis.reporting.outputs declares what it depends on); compute the
distance table once (data/processed/distance.parquet, shared by every notebook); unless
--no-synthetic, generate the synthetic council (kpis.synth, into data/synthetic, when stale)
and compute its monthly series (kpis.records.batch -> data/processed/computed_synthetic.csv)
while the reports that do not need it already run; then run the reports marked `computed`.
Each notebook runs in its own worker process (and kernel), --jobs at a time. HTML is exported
with code hidden, figures embedded and no CDN script (kpis.reporting.html). The report set is
written to a temporary folder and swapped into place (kpis.files.replace_dir), with an
index.html linking every report with its parameters, run time, data timestamp and git revision.
A failed notebook does not stop the others: the index marks it failed and the command exits 1
naming it.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kpis import files, paths
from kpis.log import progress
from kpis.reporting import front_page, html, outputs
from kpis.reporting.kernel import INLINE_BACKEND
from kpis.reporting.params import check_parameters
from kpis.reporting.plan import Job, default_value, notebook_parameters, plan

log = logging.getLogger(__name__)

#: First month-end of the synthetic council's series in the reports: the scorecard's baseline
#: (the 2017 inspection). Its history starts in 2015, so every 12-month window is full by then.
SYNTHETIC_FROM = "2017-03"


def _execute(job: Job, out_dir: Path, cwd: Path, index: int, total: int,
             fresh_kernel: bool = False) -> Job:
    """Worker: run one notebook with papermill, then export it to HTML.

    The kernel is this worker's warm kernel, wiped clean first (kpis.reporting.kernel), or a new one
    with `fresh_kernel`. A notebook whose kernel fails to start is tried once more."""
    import papermill

    from kpis.reporting import kernel

    # whatever the parent says (dev.py sets Agg for the tests), kernels draw inline
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    progress(f"[{index:>2}/{total}] start  {job.name}")
    start = time.perf_counter()
    ipynb = out_dir / f"{job.name}.ipynb"
    try:
        with files.atomic_path(ipynb) as tmp:
            tmp_nb = tmp.with_suffix(".ipynb")
            try:
                for attempt in (1, 2):
                    try:
                        how: dict[str, Any] = (
                            {"kernel_manager_class": kernel.IPCKernelManager} if fresh_kernel
                            else {"km": kernel.warm_kernel(cwd)})
                        papermill.execute_notebook(
                            str(job.notebook), str(tmp_nb), parameters=job.parameters,
                            kernel_name="python3", progress_bar=False, log_output=False,
                            cwd=str(cwd), **how,
                        )
                        break
                    except papermill.PapermillExecutionError:
                        kernel.discard(cwd)
                        raise  # an error in a cell: report it, do not retry
                    except Exception:  # noqa: BLE001 - the kernel failed to start or died
                        kernel.discard(cwd)
                        if attempt == 2:
                            raise
                        progress(f"        retry  {job.name} (kernel did not start)")
            finally:
                if tmp_nb.exists():
                    os.replace(tmp_nb, tmp)
        html.export_html(ipynb, out_dir / f"{job.name}.html", job.title, NAV)
        job.status, job.files = "ok", [f"{job.name}.html", f"{job.name}.ipynb"]
    except Exception as err:  # noqa: BLE001 - reported in the index, others carry on
        job.status = "failed"
        job.error = _summary(err)
        if ipynb.exists():
            job.files = [f"{job.name}.ipynb"]
    job.seconds = time.perf_counter() - start
    return job


#: The links at the top of every report page.
NAV = [("index.html", "Front page: all reports"), ("accessibility.html", "Accessibility")]


def _summary(err: Exception) -> str:
    """One readable line for an error (papermill's cell errors carry ename/evalue)."""
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    return f"{ename}: {evalue}".splitlines()[0][:300]


def _synthetic(raw: Path, processed: Path, dist: Any = None) -> tuple[Path | None, str]:
    """Generate the synthetic council (when stale) and compute its monthly series (when stale).

    The council is written to data/synthetic (Annex A as one CSV per list, the fast layout;
    `kpis synth` writes the .xlsx workbook). Its council- and team-level series is cached in
    data/processed/computed_synthetic.csv. What each depends on: kpis.reporting.outputs.
    Returns (csv path or None, status text for the index)."""
    try:
        from kpis.records import batch
        from kpis.synth import generate
    except ImportError as err:
        return None, f"skipped: {err}"
    try:
        declared = outputs.declared(raw, processed)
        syn_dir = declared["synthetic"].target
        if declared["synthetic"].stale():
            # absent, or made by an older generator: build it aside, then swap it in
            syn_dir.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".synthetic-", dir=syn_dir.parent))
            staging.chmod(0o755)
            try:
                generate.generate(staging, seed=2020, councils=1, annex_format="csv")
                files.replace_dir(staging, syn_dir)
            finally:
                if staging.exists():
                    shutil.rmtree(staging)
        series = declared["computed"]
        out = series.target
        if not series.stale():
            from kpis.reporting.load import load_computed

            _spc(load_computed(out), processed, dist)
            return out, f"ok: cached series reused ({out.name} is newer than its inputs)"
        result = batch.compute_dir(syn_dir, start=SYNTHETIC_FROM, levels=("council", "team"))
        figures = result.figures
        files.write_csv(figures, out)
        _spc(figures, processed, dist)
        return out, f"ok: {len(figures)} rows from {syn_dir}"
    except Exception as err:  # noqa: BLE001 - the report still builds without it
        return None, f"skipped: {_summary(err)}"


def _benchmarks(processed: Path, la_code: int | None = None) -> Any:
    """data/processed/benchmarks.csv: the council's published figures beside England, its
    region and its statistical neighbours (kpis.national.benchmarks), from data/external/.
    Returns the table (None without data/external/)."""
    from kpis.national.benchmarks import DEFAULT_LA_CODE, write_benchmarks

    try:
        return write_benchmarks(la_code or DEFAULT_LA_CODE, processed / paths.BENCHMARKS)
    except FileNotFoundError as err:  # a project without data/external/: say so, go on
        log.warning("benchmarks.csv not written: %s", err)
        return None


def _spc(figures: Any, processed: Path, dist: Any) -> None:
    """data/processed/spc.csv: XmR points (Making Data Count rules) for every council-level
    in-month and month-end series of the computed figures, with the scorecard's targets for
    assurance (kpis.stats.spc)."""
    from kpis.stats.spc import IN_MONTH, STOCK, spc_table

    targets = {}
    if dist is not None:
        has = dist.dropna(subset=["target"])
        targets = {(i, b): float(t) for i, b, t in
                   zip(has["indicator_id"], has["breakdown"], has["target"], strict=True)}
    table = spc_table(figures, targets=targets, windows=(IN_MONTH, STOCK))
    files.write_csv(table, processed / paths.SPC)


def _git_revision(cwd: Path) -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=cwd, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=cwd, text=True, capture_output=True).stdout.strip()
        return rev + (" (uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _prepare(todo: list[Job], raw: Path, processed: Path
             ) -> tuple[Path, dict[str, Any], Any]:
    """Clean when the scorecard is stale, check every report's parameters against it (before
    any notebook runs: a bad month, domain, comparator or path is exit 2), write the shared
    distance table and give every job the shared paths. Returns (scorecard path, the distance
    table's periods, the distance table)."""
    scorecard = outputs.declared(raw, processed)["scorecard"]
    if scorecard.stale():
        from kpis.scorecard import clean

        progress(f"cleaning {raw} -> {processed}")
        clean.clean(raw, processed)
    from kpis import catalogue
    from kpis.scorecard import distance, tidy

    tidy_table = tidy.read_scorecard(scorecard.target)
    domains = catalogue.domains()["domain"].tolist()
    for j in todo:
        check_parameters(j.parameters, tidy_table, domains)
    first = todo[0].parameters
    defaults = notebook_parameters(todo[0].notebook)
    periods = {k: first.get(k, default_value(defaults.get(k)))
               for k in ("baseline_period", "latest_period", "comparator")}
    bench = _benchmarks(processed)
    if bench is not None:  # blank or 'unspecified' benchmarks filled from the published data
        from kpis.national.catalogue import national_measures
        from kpis.national.scorecard_fill import add_published_benchmarks

        tidy_table = add_published_benchmarks(tidy_table, bench, national_measures(),
                                              periods["latest_period"])
    dist = distance.distance_table(tidy_table, **periods)
    dist_path = processed / paths.DISTANCE
    files.write_parquet(dist, dist_path)
    shared = {"scorecard_path": str(scorecard.target), "raw_dir": str(raw),
              "distance_path": str(dist_path)}
    for j in todo:
        j.parameters = {**shared, **j.parameters}
    return scorecard.target, periods, dist


def _run_all(todo: list[Job], build_dir: Path, notebooks: Path, raw: Path, processed: Path,
             overrides: list[tuple[str, str]], jobs: int, synthetic: bool,
             fresh_kernels: bool, dist: Any = None) -> str:
    """Execute every job in a process pool; the synthetic council is built beside the first
    reports and those marked `computed` are queued once it is ready. Returns its status."""
    total = len(todo)
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    synth_status = "skipped: --no-synthetic"
    with cf.ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx) as pool, \
            cf.ThreadPoolExecutor(max_workers=1) as side:
        deep = [j for j in todo if j.computed]
        futures: dict[cf.Future, Job] = {}

        def submit(batch: list[Job]) -> None:
            for j in batch:
                futures[pool.submit(_execute, j, build_dir, notebooks,
                                    todo.index(j) + 1, total, fresh_kernels)] = j

        # the others first; the synthetic council is built beside them (started after the
        # workers are forked) and the computed reports are queued once it is ready
        submit([j for j in todo if not j.computed])
        syn = side.submit(_synthetic, raw, processed, dist) if synthetic and deep else None
        if syn is None:
            submit(deep)
        pending: set[cf.Future] = set(futures) | ({syn} if syn else set())
        while pending:
            done_set, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in done_set:
                if fut is syn:
                    computed, synth_status = fut.result()
                    progress(f"synthetic council: {synth_status}")
                    for j in deep:
                        if "computed_path" not in dict(overrides):
                            j.parameters["computed_path"] = str(computed) if computed else ""
                        if (computed and j.parameters.get("records_dir") == ""
                                and "records_dir" not in dict(overrides)):  # issue 14
                            j.parameters["records_dir"] = str(paths.synthetic_beside(processed))
                    before = set(futures)
                    submit(deep)
                    pending |= set(futures) - before
                    continue
                done = fut.result()
                j = futures[fut]
                j.status, j.seconds, j.error, j.files = (done.status, done.seconds,
                                                         done.error, done.files)
                word = "done  " if j.status == "ok" else "FAILED"
                progress(f"[{todo.index(j) + 1:>2}/{total}] {word} {j.name} "
                         f"({j.seconds:.1f} s)" + (f": {j.error}" if j.error else ""))
    return synth_status


def heading(dist: Any) -> str:
    """The front page's heading, from the distance table's periods."""
    from kpis.reporting.fmt import period_label

    return (f"Children's social care: distance travelled, "
            f"{period_label(dist.attrs.get('baseline_period', ''))} to "
            f"{period_label(dist.attrs.get('latest_period', ''))}")


def _finish(todo: list[Job], build_dir: Path, out: Path, meta: dict[str, str],
            root: Path, partial: bool, dist: Any) -> None:
    """Write the front page, build details, accessibility statement and manifest, and swap
    the report set into place."""
    from kpis.reporting.a11y import markdown_page

    title = heading(dist)
    shown = [_relative(j, root) for j in todo]
    files.write_text(build_dir / "index.html", front_page.front_page(dist, todo, title))
    files.write_text(build_dir / "build.html", front_page.build_page(shown, meta, title))
    statement = root / "docs" / "accessibility.md"
    text = (statement.read_text(encoding="utf-8") if statement.exists() else
            "# Accessibility statement\n\nSee docs/accessibility.md in the kpis project.\n")
    files.write_text(build_dir / "accessibility.html",
                     markdown_page(text, "Accessibility statement", front_page.CSS,
                                   [("index.html", "Front page: all reports")]))
    files.write_text(build_dir / "manifest.json",
                     json.dumps({"meta": meta, "reports": [asdict(j) for j in todo]},
                                indent=1, default=str))
    if partial and out.exists():  # a partial run keeps the other reports of the last run
        for p in out.iterdir():
            if not (build_dir / p.name).exists() and p.is_file():
                shutil.copy2(p, build_dir / p.name)
    gitkeep = out / ".gitkeep"
    if gitkeep.exists():
        shutil.copy2(gitkeep, build_dir / ".gitkeep")
    files.replace_dir(build_dir, out)


def _relative(job: Job, root: Path) -> Job:
    """A copy of a job whose path parameters are shown relative to the project folder."""
    from dataclasses import replace

    def show(v: Any) -> Any:
        if isinstance(v, str) and v.startswith("/"):
            try:
                return str(Path(v).relative_to(root))
            except ValueError:
                return Path(v).name
        return v

    return replace(job, parameters={k: show(v) for k, v in job.parameters.items()})


def build(raw: Path, processed: Path, out: Path, notebooks: Path,
          overrides: list[tuple[str, str]] | None = None, only: list[str] | None = None,
          jobs: int = 2, synthetic: bool = True, fresh_kernels: bool = False) -> list[Job]:
    """Build the report set into `out` (see the module docstring). Returns the jobs."""
    t0 = time.perf_counter()
    overrides, only = overrides or [], only or []
    notebooks, raw, processed, out = (p.resolve() for p in (notebooks, raw, processed, out))
    todo = plan(notebooks, overrides, only)
    scorecard, periods, dist = _prepare(todo, raw, processed)
    out.parent.mkdir(parents=True, exist_ok=True)
    build_dir = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        synth_status = _run_all(todo, build_dir, notebooks, raw, processed, overrides, jobs,
                                synthetic, fresh_kernels, dist)
        meta = {
            "Built": html.stamp(time.time()),
            "Build time": f"{time.perf_counter() - t0:.1f} s",
            "Data (scorecard.csv)": html.stamp(scorecard.stat().st_mtime),
            "Raw data (latest file)": max((html.stamp(p.stat().st_mtime)
                                           for p in raw.glob("*.csv")), default="none"),
            "Git revision": _git_revision(notebooks),
            "Synthetic council": synth_status,
            "Distance table": f"baseline {periods['baseline_period']}, latest "
                              f"{periods['latest_period']}, comparator "
                              f"{periods['comparator'] or 'first available'}",
        }
        _finish(todo, build_dir, out, meta, notebooks.parent, bool(only), dist)
    finally:
        if build_dir.exists():
            shutil.rmtree(build_dir)
    return todo


def run(args: argparse.Namespace) -> int:
    """CLI entry: `kpis report` (see kpis.cli for the arguments)."""
    t0 = time.perf_counter()
    jobs = build(args.raw, args.processed, args.out, args.notebooks,
                 [tuple(p) for p in args.parameter], args.only, args.jobs,
                 synthetic=not args.no_synthetic,
                 fresh_kernels=getattr(args, "fresh_kernels", False))
    failed = [j.name for j in jobs if j.status != "ok"]
    progress(f"{len(jobs) - len(failed)} of {len(jobs)} reports built in "
             f"{time.perf_counter() - t0:.1f} s -> {args.out / 'index.html'}")
    if failed:
        print(f"error: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
