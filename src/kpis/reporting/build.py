"""`kpis report`: execute every notebook with papermill and export offline HTML to reports/.

Steps: plan the runs from src/kpis/data/reports.yml (kpis.reporting.plan); clean the data when
the scorecard is stale (kpis.reporting.outputs declares what it depends on); compute the
distance table once (data/processed/distance.parquet, shared by every notebook); unless
--no-synthetic, generate the synthetic council (kpis.synth, into data/synthetic, when stale)
and compute its monthly series (kpis.records.batch -> data/processed/computed_synthetic.csv)
while the reports that do not need it already run; then run the reports marked `computed`.
Each notebook runs in its own worker process (and kernel), --jobs at a time. HTML is exported
with code hidden, figures embedded and no CDN script (kpis.reporting.html). The report set is
written to a scratch folder (kpis.stopping: outside the project when it can be) and swapped into
place (kpis.files.replace_dir), with an index.html linking every report with its parameters, run
time, data timestamp and git revision. A failed notebook does not stop the others: the index
marks it failed, its executed copy is kept beside the index, and the command exits 1 naming it.
A report whose inputs did not change is reused from the last build (kpis.reporting.incremental).
Ctrl-C or SIGTERM stops the workers and their kernels and leaves the last build as it was
(kpis.stopping).
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
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kpis import files, paths, stopping
from kpis.log import progress
from kpis.reporting import front_page, html, incremental, kernel, outputs
from kpis.reporting.kernel import INLINE_BACKEND
from kpis.reporting.params import check_parameters
from kpis.reporting.plan import Job, default_value, longest_first, notebook_parameters, plan

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
    start, cpu0, kernel_cpu = time.perf_counter(), time.process_time(), 0.0
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
                        k0 = kernel.cpu_seconds(how.get("km"))
                        papermill.execute_notebook(
                            str(job.notebook), str(tmp_nb), parameters=job.parameters,
                            kernel_name="python3", progress_bar=False, log_output=False,
                            cwd=str(cwd), **how,
                        )
                        kernel_cpu = kernel.cpu_seconds(how.get("km")) - k0
                        break
                    except papermill.PapermillExecutionError:
                        kernel.discard(cwd)
                        raise  # an error in a cell: report it, do not retry
                    except Exception:  # noqa: BLE001 - the kernel failed to start or died
                        kernel.discard(cwd)
                        if attempt == 2:
                            raise
                        progress(f"        retry  {job.name} (kernel did not start)")
            except BaseException:  # a failed run's executed copy is kept, to inspect
                if tmp_nb.exists():
                    os.replace(tmp_nb, ipynb)
                raise
            os.replace(tmp_nb, tmp)
        html.export_html(ipynb, out_dir / f"{job.name}.html", job.title, NAV, job.banner)
        job.status, job.files = "ok", [f"{job.name}.html", f"{job.name}.ipynb"]
    except Exception as err:  # noqa: BLE001 - reported in the index, others carry on
        job.status = "failed"
        job.error = _summary(err)
        if ipynb.exists():
            job.files = [f"{job.name}.ipynb"]
    job.seconds = time.perf_counter() - start
    job.cpu = time.process_time() - cpu0 + kernel_cpu
    return job


#: The links at the top of every report page.
NAV = [("index.html", "Front page: all reports"), ("accessibility.html", "Accessibility")]


def _synthetic_process(*args: Any) -> tuple[Path | None, str]:
    """`_synthetic` in its own process: SIGTERM runs its clean-ups (`finally`), then it leaves."""
    try:
        return _synthetic(*args)
    except KeyboardInterrupt:
        os._exit(143)


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
            staging = stopping.scratch_dir(syn_dir, "synthetic")
            try:
                written = generate.generate(staging, seed=2020, councils=1, annex_format="csv")
                # never replace a folder with files kpis did not write
                generate.check_out(syn_dir, {p.relative_to(staging).as_posix() for p in written})
                generate.mark(staging, written, {"seed": 2020, "councils": 1, "annex": "csv"})
                with stopping.deferred():
                    files.replace_dir(staging, syn_dir)
            finally:
                if staging.exists():
                    shutil.rmtree(staging)
            declared["synthetic"].record()
        series = declared["computed"]
        out = series.target
        if not series.stale():
            from kpis.reporting.load import load_computed

            _spc(load_computed(out), processed, dist)
            return out, f"ok: cached series reused ({out.name} is newer than its inputs)"
        result = batch.compute_dir(syn_dir, start=SYNTHETIC_FROM, levels=("council", "team"))
        figures = result.figures
        from kpis.reporting.load import records_about

        name = records_about(syn_dir).get("name")  # the generated council's own name
        if name:
            figures["council"] = name
            figures.loc[figures["level"].eq("council"), "org_unit"] = name
        files.write_csv(figures, out)
        series.record()
        _spc(figures, processed, dist)
        return out, f"ok: {len(figures)} rows from {syn_dir}"
    except Exception as err:  # noqa: BLE001 - the report still builds without it
        return None, f"skipped: {_summary(err)}"


def _benchmarks(processed: Path, la_code: int) -> Any:
    """data/processed/benchmarks.csv: the council's published figures beside England, its
    region and its statistical neighbours (kpis.national.benchmarks), from data/external/.
    Returns the table (None without data/external/)."""
    from kpis.national.benchmarks import write_benchmarks

    try:
        return write_benchmarks(la_code, processed / paths.BENCHMARKS)
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


def _prepare(todo: list[Job], raw: Path, processed: Path, own: Any = None
             ) -> tuple[Path, dict[str, Any], Any]:
    """Clean when the scorecard is stale, check every report's parameters against it (before
    any notebook runs: a bad month, domain, comparator or path is exit 2), write the shared
    distance table and give every job the shared paths. Returns (scorecard path, the distance
    table's periods, the distance table). `own`: a council's computed scorecard and periods
    (kpis.reporting.council.CouncilData), used instead of the raw scorecard."""
    scorecard = outputs.declared(raw, processed)["scorecard"]
    if own is not None:
        scorecard = outputs.Output("scorecard", own.scorecard, ())
    elif scorecard.stale():
        from kpis.scorecard import clean

        progress(f"cleaning {raw} -> {processed}")
        clean.clean(raw, processed)
        scorecard.record()
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
    if own is not None:
        periods.update(baseline_period=first.get("baseline_period", own.baseline_period),
                       latest_period=first.get("latest_period", own.latest_period))
    else:
        from kpis.reporting.load import resolve_periods

        periods.update(zip(("baseline_period", "latest_period"), resolve_periods(
            tidy_table, raw, periods["baseline_period"], periods["latest_period"]),
            strict=True))
    bench = None
    from kpis.reporting.load import la_code as _la_code

    la = own.la_code if own is not None else _la_code(raw)  # default: data/raw/scorecard.yml's
    if la:
        bench = _benchmarks(processed, int(la))
    elif (processed / paths.BENCHMARKS).exists():  # another council's, from an earlier run
        (processed / paths.BENCHMARKS).unlink()
    if bench is not None:  # blank or 'unspecified' benchmarks filled from the published data
        from kpis.national.catalogue import national_measures
        from kpis.national.scorecard_fill import add_published_benchmarks

        tidy_table = add_published_benchmarks(tidy_table, bench, national_measures(),
                                              periods["latest_period"])
    dist = distance.distance_table(tidy_table, **periods)
    dist_path = processed / paths.DISTANCE
    files.write_parquet(dist, dist_path)
    from kpis.national.store import external_dir

    shared = {"scorecard_path": str(scorecard.target), "raw_dir": str(raw),
              "distance_path": str(dist_path),
              "external_dir": str(external_dir(raw.parent.parent))}  # published data, ONS
    if la:
        shared["la_code"] = la
    if own is not None:
        shared.update(computed_path=str(own.computed), council_name=own.name,
                      about=own.about, records_about="", disclosure=own.disclosure,
                      caseloads_path=str(own.caseloads), exceptions_path=str(own.exceptions),
                      suppress_threshold=own.disclosure,
                      baseline_period=periods["baseline_period"],
                      latest_period=periods["latest_period"],
                      records_dir=str(own.records or ""))
    takes = {nb: set(notebook_parameters(nb)) for nb in {j.notebook for j in todo}}
    for j in todo:
        mine = {k: v for k, v in shared.items()
                if k in ("scorecard_path", "raw_dir", "distance_path") or k in takes[j.notebook]}
        j.parameters = {**mine, **j.parameters}
        if own is not None and j.parameters.get("records_dir") == "":  # the council's extracts
            j.parameters["records_dir"] = shared["records_dir"]
    return scorecard.target, periods, dist


def _run_all(todo: list[Job], build_dir: Path, notebooks: Path, raw: Path, processed: Path,
             overrides: list[tuple[str, str]], synthetic: bool, fresh_kernels: bool,
             pool: cf.ProcessPoolExecutor, dist: Any = None,
             reuse: incremental.Reuser | None = None) -> str:
    """Execute every job in `pool` (kernel.report_pool, left running for its owner); the
    synthetic council is built beside the first reports (in a process of its
    own) and those marked `computed` are queued once it is ready. Jobs are queued longest
    first (`longest_first`). A job `reuse` finds unchanged is copied from the last build
    instead. On Ctrl-C or SIGTERM the workers and their kernels are stopped at once. Returns
    the synthetic council's status."""
    total = len(todo)
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    synth_status = "skipped: --no-synthetic"
    side = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx,
                                  initializer=stopping.worker_init, initargs=(False,))
    try:
        deep = [j for j in todo if j.computed]
        futures: dict[cf.Future, Job] = {}

        def submit(batch: list[Job]) -> None:
            for j in longest_first(batch, reuse.last if reuse is not None else None):
                if reuse is not None and reuse(j, build_dir):
                    progress(f"[{todo.index(j) + 1:>2}/{total}] reused {j.name} (unchanged)")
                    continue
                futures[pool.submit(_execute, j, build_dir, notebooks,
                                    todo.index(j) + 1, total, fresh_kernels)] = j

        # the others first; the synthetic council is built beside them (started after the
        # workers are forked) and the computed reports are queued once it is ready
        syn = None
        if synthetic and deep:
            submit([j for j in todo if not j.computed])
            syn = side.submit(_synthetic_process, raw, processed, dist)
        else:  # nothing to wait for: one queue, longest first
            submit(todo)
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
                j.status, j.seconds, j.error, j.files, j.cpu = (
                    done.status, done.seconds, done.error, done.files, done.cpu)
                word = "done  " if j.status == "ok" else "FAILED"
                progress(f"[{todo.index(j) + 1:>2}/{total}] {word} {j.name} "
                         f"({j.seconds:.1f} s, CPU {j.cpu:.1f} s)"
                         + (f": {j.error}" if j.error else ""))
    except BaseException:  # Ctrl-C, SIGTERM, or a bug: stop now, not after the queue
        stopping.stop_pool(pool)
        stopping.stop_pool(side)
        raise
    side.shutdown()
    return synth_status


def heading(dist: Any, name: str = "") -> str:
    """The front page's heading, from the council's name and the distance table's periods."""
    from kpis.reporting.fmt import period_label

    return (f"{name + ': c' if name else 'C'}hildren's social care: distance travelled, "
            f"{period_label(dist.attrs.get('baseline_period', ''))} to "
            f"{period_label(dist.attrs.get('latest_period', ''))}")


def _finish(todo: list[Job], build_dir: Path, out: Path, meta: dict[str, str],
            root: Path, partial: bool, dist: Any, name: str = "", intro: str = "",
            stamp: str = "") -> None:
    """Write the front page, build details, accessibility statement and manifest, and swap
    the report set into place."""
    from kpis.reporting.a11y import markdown_page

    title = heading(dist, name)
    shown = [_relative(j, root) for j in todo]
    files.write_text(build_dir / "index.html", front_page.front_page(dist, todo, title, intro))
    files.write_text(build_dir / "build.html", front_page.build_page(shown, meta, title))
    statement = root / "docs" / "accessibility.md"
    text = (statement.read_text(encoding="utf-8") if statement.exists() else
            "# Accessibility statement\n\nSee docs/accessibility.md in the kpis project.\n")
    files.write_text(build_dir / "accessibility.html",
                     markdown_page(text, "Accessibility statement", front_page.CSS,
                                   [("index.html", "Front page: all reports")]))
    files.write_text(build_dir / "manifest.json",
                     json.dumps({"meta": meta, "stamp": stamp,
                                 "reports": [asdict(j) for j in todo]}, indent=1, default=str))
    if partial and out.exists():  # a partial run keeps the other reports of the last run
        mine = {f"{j.name}{ext}" for j in todo for ext in (".html", ".ipynb")}
        for p in out.iterdir():
            if not (build_dir / p.name).exists() and p.is_file() and p.name not in mine:
                shutil.copy2(p, build_dir / p.name)
    gitkeep = out / ".gitkeep"
    if gitkeep.exists():
        shutil.copy2(gitkeep, build_dir / ".gitkeep")
    with stopping.deferred():  # never half-swapped
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


#: The marking of the managers' pages (Government Security Classifications).
SENSITIVE = "OFFICIAL-SENSITIVE: names case and worker identifiers; for managers only"
MANAGERS = "managers"


def _council_jobs(todo: list[Job], own: Any, dist: Any, audiences: tuple[str, ...]
                  ) -> tuple[list[Job], list[Job]]:
    """A council's report set: the domain reports that have figures, and (managers'
    audience) a copy of every team report for managers, marked OFFICIAL-SENSITIVE."""
    from dataclasses import replace

    has = set(dist.loc[dist["latest"].notna() | dist["baseline"].notna(), "domain"])
    board = [replace(j, banner=f"{own.name}: children's social care performance")
             for j in todo if ("domain" not in j.parameters or j.parameters["domain"] in has)
             and all(getattr(own, key, None) for key in j.needs)]  # e.g. la_code: reports.yml
    managers = [replace(j, parameters={**j.parameters, "audience": MANAGERS},
                        banner=f"{SENSITIVE} ({own.name})", files=[])
                for j in board if "team" in j.parameters] if MANAGERS in audiences else []
    return board, managers


def _managers_index(jobs: list[Job], folder: Path, title: str) -> None:
    """reports/managers/index.html: the managers' team reports, marked OFFICIAL-SENSITIVE."""
    import html as h

    items = "".join(f"<li>{front_page._link(j)}</li>" for j in jobs)
    files.write_text(folder / "index.html", front_page.page(
        f"Managers' reports: {title}",
        f'<p class="kpis-banner"><strong>{h.escape(SENSITIVE)}</strong></p>'
        f"<h1>Managers' reports</h1><p>{h.escape(title)}. Each team's caseloads by worker "
        f"ID and its overdue work by case ID.</p><ul>{items}</ul>"
        '<p><a href="../index.html">Board reports</a></p>'))


def build(raw: Path, processed: Path, out: Path, notebooks: Path,
          overrides: list[tuple[str, str]] | None = None, only: list[str] | None = None,
          jobs: int = 2, synthetic: bool = True, fresh_kernels: bool = False,
          council: Any = None, audiences: tuple[str, ...] = (),
          force: bool = False) -> list[Job]:
    """Build the report set into `out` (see the module docstring). Returns the jobs.

    `council` (kpis.reporting.config.Config): build from that council's records instead of
    the default scorecard (kpis.reporting.council); `audiences` adds to the config's. `force`:
    run every report even if the last build's copy is up to date.

    The workers that run the notebooks are started first and warm up (their kernels import
    what the notebooks import) while this process cleans and computes the data."""
    import papermill  # noqa: F401 - needed here anyway (plan); the forked workers inherit it

    notebooks = notebooks.resolve()
    pool = kernel.report_pool(jobs, notebooks, fresh_kernels)
    try:
        done = _build(raw, processed, out, notebooks, overrides, only, synthetic,
                      fresh_kernels, council, audiences, force, pool)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: workers and kernels go now
        stopping.stop_pool(pool)
        raise
    except BaseException:  # bad input or a bug: the same, and the pool's threads are ended
        stopping.stop_pool(pool)  # before the caller goes on (a later fork must not copy them)
        pool.shutdown(wait=True)
        raise
    if any(j.status not in ("reused", "pending") for j in done):
        pool.shutdown()
    else:  # nothing was run: the warming kernels are not waited for
        stopping.stop_pool(pool)
    return done


def _build(raw: Path, processed: Path, out: Path, notebooks: Path,
           overrides: list[tuple[str, str]] | None, only: list[str] | None,
           synthetic: bool, fresh_kernels: bool, council: Any, audiences: tuple[str, ...],
           force: bool, pool: cf.ProcessPoolExecutor) -> list[Job]:
    """`build`, its notebooks run in `pool`."""
    t0 = time.perf_counter()
    overrides, only = overrides or [], only or []
    notebooks, raw, processed, out = (p.resolve() for p in (notebooks, raw, processed, out))
    own = None
    if council is not None:
        from kpis.reporting import council as council_data

        if council.indicators is not None:  # checked now, read by every notebook's kernel
            from kpis import catalogue

            os.environ[catalogue.EXTRA_ENV] = str(council.indicators)
            catalogue._extra(str(council.indicators))
        own = council_data.prepare(council, processed)
        synthetic = False
    elif audiences and MANAGERS in audiences:
        from kpis.errors import InputError

        raise InputError("--audience", "the managers' reports need a council's records "
                                       "(--council FILE)")
    todo = plan(notebooks, overrides, only, own.teams if own else None)
    scorecard, periods, dist = _prepare(todo, raw, processed, own)
    managers: list[Job] = []
    if own is not None:
        todo, managers = _council_jobs(todo, own, dist,
                                       tuple(dict.fromkeys((*council.audiences, *audiences))))
    out.parent.mkdir(parents=True, exist_ok=True)
    build_dir = stopping.scratch_dir(out, out.name)
    try:
        reuse = incremental.Reuser(out, processed, force,
                                   (notebooks.parent / "data" / "external",))
        synth_status = _run_all(todo, build_dir, notebooks, raw, processed, overrides,
                                synthetic, fresh_kernels, pool, dist, reuse)
        if managers:
            (build_dir / MANAGERS).mkdir()
            _run_all(managers, build_dir / MANAGERS, notebooks, raw, processed, overrides,
                     False, fresh_kernels, pool, dist)
            _managers_index(managers, build_dir / MANAGERS, heading(dist, own.name))
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
        if own is not None:  # a council's records: no raw scorecard, no generated council
            del meta["Raw data (latest file)"], meta["Synthetic council"]
            meta["Records"] = f"{council.records}: {own.status}"
        intro = "" if own is None else own.about + (
            " The managers' reports (OFFICIAL-SENSITIVE) are in managers/index.html, "
            "apart from these." if managers else "")
        complete = all(j.status in incremental.REUSABLE for j in todo)
        stamp = incremental.stamp(raw, processed, out, notebooks, overrides, only,
                                  synthetic) if complete and own is None else ""
        _finish(todo, build_dir, out, meta, notebooks.parent, bool(only), dist,
                own.name if own is not None else "", intro, stamp)
    finally:
        if build_dir.exists():
            shutil.rmtree(build_dir)
    return todo + managers


def run(args: argparse.Namespace) -> int:
    """CLI entry: `kpis report` (see kpis.cli for the arguments)."""
    t0 = time.perf_counter()
    council = None
    if getattr(args, "council", None) is not None:
        from kpis.reporting import config

        council = config.load(args.council)
    processed = args.processed
    if council is not None and Path(processed) == paths.PROCESSED:
        # a council's own folder, so the default scorecard in data/processed is left alone
        from kpis.reporting.plan import slug

        processed = paths.PROCESSED / f"council-{slug(council.name)}"
    force = getattr(args, "force", False)  # the up-to-date check is kpis.cli's, before pandas
    jobs = build(args.raw, processed, args.out, args.notebooks,
                 [tuple(p) for p in args.parameter], args.only, args.jobs or kernel.default_jobs(),
                 synthetic=not args.no_synthetic,
                 fresh_kernels=getattr(args, "fresh_kernels", False), council=council,
                 audiences=tuple(getattr(args, "audience", None) or ()), force=force)
    failed = [j.name for j in jobs if j.status not in incremental.REUSABLE]
    reused = sum(j.status == "reused" for j in jobs)
    progress(f"{len(jobs) - len(failed)} of {len(jobs)} reports built ({reused} reused, "
             f"unchanged) in {time.perf_counter() - t0:.1f} s -> {args.out / 'index.html'}")
    if failed:
        print(f"error: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
