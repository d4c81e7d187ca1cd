"""`kpis report`: execute every notebook with papermill and export offline HTML to reports/.

Steps: clean the data if data/processed/scorecard.csv is missing or older than a raw file;
compute the distance table once (data/processed/distance.parquet, shared by every notebook);
unless --no-synthetic, generate the synthetic council (kpis.synth.generate, into data/synthetic if
absent) and compute its monthly series (kpis.records.batch -> data/processed/computed_synthetic.csv)
while the overview and domain notebooks already run; then run the deep dives with it. Each
notebook runs in its own worker process (and kernel), --jobs at a time. HTML is exported with
code hidden, figures embedded and no CDN script. The report set is written to a temporary
folder and swapped into place (kpis.files.replace_dir), with an index.html linking every report
with its parameters, run time, data timestamp and git revision. A failed notebook does not stop
the others: the index marks it failed and the command exits 1 naming it.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import html
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kpis import catalogue
from kpis import files as io
from kpis.errors import InputError

DEEP_DIVES = ("repeat_work", "stability", "workforce")
#: Reports that take the synthetic council's computed monthly series (`computed_path`).
CHILD_LEVEL = "child_level"
COMPUTED_REPORTS = (*DEEP_DIVES, CHILD_LEVEL)
#: First month-end of the synthetic council's series in the reports: the scorecard's baseline
#: (the 2017 inspection). Its history starts in 2015, so every 12-month window is full by then.
SYNTHETIC_FROM = "2017-03"
EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^\"']*[\"'][^>]*>\s*</script>",
                             re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)


@dataclass
class Job:
    """One notebook execution: the source notebook, the report name and its parameters."""

    name: str
    notebook: Path
    parameters: dict[str, Any]
    title: str
    status: str = "pending"
    seconds: float = 0.0
    error: str = ""
    files: list[str] = field(default_factory=list)


def notebook_parameters(path: Path) -> dict[str, Any]:
    """Default parameters of a notebook (from its `parameters` cell), via papermill."""
    import papermill

    return {k: v["default"] for k, v in papermill.inspect_notebook(str(path)).items()}


def _coerce(value: str, default: Any) -> Any:
    """Convert a -p value to the type of the notebook's default literal."""
    if isinstance(default, str) and default.startswith(("'", '"')):
        return value
    try:
        literal = json.loads(default) if isinstance(default, str) else default
    except (ValueError, TypeError):
        return value
    for typ in (bool, int, float):
        if isinstance(literal, typ):
            if typ is bool:
                return value.lower() in {"1", "true", "yes"}
            try:
                return typ(value)
            except ValueError as err:
                raise InputError("-p", f"{value!r} is not a valid {typ.__name__}") from err
    return value


def plan(notebooks: Path, overrides: list[tuple[str, str]], only: list[str]) -> list[Job]:
    """The jobs of a report run: overview, one domain report per domain, the deep dives.

    Overrides are checked against the notebooks' parameters: a name no notebook has is an
    InputError; a known name is passed to every notebook that has it."""
    sources = {n: notebooks / f"{n}.ipynb" for n in ("overview", "domain", *COMPUTED_REPORTS)}
    missing = [str(p) for p in sources.values() if not p.exists()]
    if missing:
        raise InputError(missing[0], "notebook not found")
    params = {n: notebook_parameters(p) for n, p in sources.items()}
    known = set().union(*params.values())
    for name, _ in overrides:
        if name not in known:
            raise InputError("-p", f"unknown parameter {name!r}; notebooks take: "
                                   f"{', '.join(sorted(known))}")

    def with_overrides(n: str, **extra: Any) -> dict[str, Any]:
        out = dict(extra)
        for k, v in overrides:
            if k in params[n]:
                out[k] = _coerce(v, params[n][k])
        return out

    jobs = [Job("overview", sources["overview"], with_overrides("overview"),
                "Overview: the whole scorecard")]
    for _, d in catalogue.domains().iterrows():
        jobs.append(Job(f"domain-{d['slug']}", sources["domain"],
                        with_overrides("domain", domain=d["domain"]), f"Domain: {d['domain']}"))
    for n in DEEP_DIVES:
        jobs.append(Job(n, sources[n], with_overrides(n),
                        f"Deep dive: {n.replace('_', ' ').capitalize()}"))
    jobs.append(Job(CHILD_LEVEL, sources[CHILD_LEVEL], with_overrides(CHILD_LEVEL),
                    "Child-level records: computed indicators against Appendix 1"))
    if only:
        jobs = [j for j in jobs if any(o in j.name for o in only)]
        if not jobs:
            raise InputError("--only", f"no report name contains {only!r}")
    return jobs


def needs_clean(raw: Path, processed: Path) -> bool:
    """True when processed/scorecard.csv is missing or older than any raw CSV, or than the
    catalogue, word lists and code that make it (a new kpis release re-cleans)."""
    out = processed / "scorecard.csv"
    if not out.exists():
        return True
    pkg = Path(__file__).resolve().parents[1]
    inputs = (list(raw.glob("*.csv")) if raw.exists() else []) + [
        pkg / "data", pkg / "scorecard"]
    return _newest_mtime(inputs) > out.stat().st_mtime


_EXPORTERS: dict[str, Any] = {}


def say(line: str) -> None:
    """Print one progress line with a single write, so lines from parallel workers do not
    interleave."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def export_html(nb_path: Path, html_path: Path) -> None:
    """Executed notebook -> standalone HTML: no code, no prompts, images inline, no CDN."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(nb_path, as_version=4)
    exporter = _EXPORTERS.get("html")
    if exporter is None:  # one per process: loading the template is the slow part
        exporter = _EXPORTERS["html"] = HTMLExporter(
            template_name="lab", exclude_input=True, exclude_input_prompt=True,
            exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    io.write_text(html_path, offline_html(body))


def offline_html(body: str) -> str:
    """Remove scripts loaded from the network (require.js, MathJax, mermaid): the reports
    are emailed and opened offline, and contain no maths or widgets that need them."""
    body = EXTERNAL_SCRIPT.sub("", body)
    return INLINE_SCRIPT.sub(lambda m: "" if "https://" in m.group(0) else m.group(0), body)


def _execute(job: Job, out_dir: Path, cwd: Path, index: int, total: int,
             fresh_kernel: bool = False) -> Job:
    """Worker: run one notebook with papermill, then export it to HTML.

    The kernel is this worker's warm kernel, wiped clean first (kpis.reporting.kernel), or a new one
    with `fresh_kernel`. A notebook whose kernel fails to start is tried once more."""
    import papermill

    from kpis.reporting import kernel

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    say(f"[{index:>2}/{total}] start  {job.name}")
    start = time.perf_counter()
    ipynb = out_dir / f"{job.name}.ipynb"
    try:
        with io.atomic_path(ipynb) as tmp:
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
                        say(f"        retry  {job.name} (kernel did not start)")
            finally:
                if tmp_nb.exists():
                    os.replace(tmp_nb, tmp)
        export_html(ipynb, out_dir / f"{job.name}.html")
        job.status, job.files = "ok", [f"{job.name}.html", f"{job.name}.ipynb"]
    except Exception as err:  # noqa: BLE001 - reported in the index, others carry on
        job.status = "failed"
        job.error = _summary(err)
        if ipynb.exists():
            job.files = [f"{job.name}.ipynb"]
    job.seconds = time.perf_counter() - start
    return job


def _summary(err: Exception) -> str:
    """One readable line for an error (papermill's cell errors carry ename/evalue)."""
    ename = getattr(err, "ename", type(err).__name__)
    evalue = getattr(err, "evalue", str(err))
    return f"{ename}: {evalue}".splitlines()[0][:300]


def _newest_mtime(paths: list[Path]) -> float:
    return max((f.stat().st_mtime for p in paths for f in
                ([p] if p.is_file() else p.rglob("*")) if f.is_file()), default=0.0)


def _synthetic(raw: Path, processed: Path) -> tuple[Path | None, str]:
    """Generate the synthetic council (if absent) and compute its monthly series.

    The council is written once to data/synthetic (Annex A as one CSV per list, the fast
    layout; `kpis synth` writes the .xlsx workbook). Its council- and team-level series is
    cached in data/processed/computed_synthetic.csv and recomputed only when the synthetic files
    or the code that reads and computes them are newer than it.
    Returns (csv path or None, status text for the index)."""
    try:
        from kpis.records import batch as compute
        from kpis.synth import generate as synth
    except ImportError as err:
        return None, f"skipped: {err}"
    try:
        syn_dir = processed.parent / "synthetic"
        pkg = Path(__file__).resolve().parents[1]
        if not syn_dir.exists() or not any(syn_dir.iterdir()) or \
                _newest_mtime([pkg / "synth"]) > _newest_mtime([syn_dir]):
            # absent, or made by an older generator: build it aside, then swap it in
            staging = Path(tempfile.mkdtemp(prefix=".synthetic-", dir=syn_dir.parent))
            staging.chmod(0o755)
            try:
                synth.generate(staging, seed=2020, councils=1, annex_format="csv")
                io.replace_dir(staging, syn_dir)
            finally:
                if staging.exists():
                    shutil.rmtree(staging)
        out = processed / "computed_synthetic.csv"
        inputs = [syn_dir, pkg / "records", pkg / "data"]
        if out.exists() and out.stat().st_mtime > _newest_mtime(inputs):
            return out, f"ok: cached series reused ({out.name} is newer than its inputs)"
        result = compute.compute_dir(syn_dir, start=SYNTHETIC_FROM, levels=("council", "team"))
        figures = result.figures
        io.write_csv(figures, out)
        return out, f"ok: {len(figures)} rows from {syn_dir}"
    except Exception as err:  # noqa: BLE001 - the report still builds without it
        return None, f"skipped: {_summary(err)}"


def _git_revision(cwd: Path) -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=cwd, text=True,
                             capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=cwd, text=True, capture_output=True).stdout.strip()
        return rev + (" (uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _stamp(t: float) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def _show_param(v: Any, root: Path) -> str:
    if isinstance(v, str) and v.startswith("/"):
        try:
            return str(Path(v).relative_to(root))
        except ValueError:
            return Path(v).name
    return repr(v) if isinstance(v, str) else str(v)


def index_html(jobs: list[Job], meta: dict[str, str], root: Path) -> str:
    """The index page: one row per report with link, parameters, status and run time."""
    rows = []
    for j in jobs:
        link = (f'<a href="{html.escape(j.name)}.html">{html.escape(j.title)}</a>'
                if f"{j.name}.html" in j.files else html.escape(j.title))
        nb = (f' (<a href="{html.escape(j.name)}.ipynb">notebook</a>)'
              if f"{j.name}.ipynb" in j.files else "")
        params = "<br>".join(f"{html.escape(k)} = {html.escape(_show_param(v, root))}"
                             for k, v in j.parameters.items()) or "defaults"
        status = "OK" if j.status == "ok" else f"FAILED: {html.escape(j.error)}"
        rows.append(f"<tr><td>{link}{nb}</td><td>{status}</td><td>{params}</td>"
                    f"<td>{j.seconds:.1f} s</td></tr>")
    meta_rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                        for k, v in meta.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Distance travelled: reports</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}
table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}}</style>
</head><body>
<h1>Children's social care: distance travelled since the 2017 inspection</h1>
<table>{meta_rows}</table>
<h2>Reports</h2>
<table><tr><th>Report</th><th>Status</th><th>Parameters</th><th>Run time</th></tr>
{''.join(rows)}
</table></body></html>
"""


def build(raw: Path, processed: Path, out: Path, notebooks: Path,
          overrides: list[tuple[str, str]] | None = None, only: list[str] | None = None,
          jobs: int = 2, synthetic: bool = True, fresh_kernels: bool = False) -> list[Job]:
    """Build the report set into `out` (see the module docstring). Returns the jobs."""
    t0 = time.perf_counter()
    overrides, only = overrides or [], only or []
    notebooks, raw, processed, out = (p.resolve() for p in (notebooks, raw, processed, out))
    todo = plan(notebooks, overrides, only)
    if needs_clean(raw, processed):
        from kpis.scorecard import clean

        say(f"cleaning {raw} -> {processed}")
        clean.clean(raw, processed)
    scorecard = processed / "scorecard.csv"

    from kpis.scorecard import distance, tidy

    first = todo[0].parameters
    defaults = notebook_parameters(todo[0].notebook)
    periods = {k: first.get(k, _coerce_default(defaults.get(k)))
               for k in ("baseline_period", "latest_period", "comparator")}
    dist = distance.distance_table(tidy.read_scorecard(scorecard), **periods)
    dist_path = processed / "distance.parquet"
    io.write_parquet(dist, dist_path)
    shared = {"scorecard_path": str(scorecard), "raw_dir": str(raw),
              "distance_path": str(dist_path)}
    for j in todo:
        j.parameters = {**shared, **j.parameters}

    out.parent.mkdir(parents=True, exist_ok=True)
    build_dir = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    total = len(todo)
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    synth_status = "skipped: --no-synthetic"
    try:
        with cf.ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx) as pool, \
                cf.ThreadPoolExecutor(max_workers=1) as side:
            deep = [j for j in todo if j.name in COMPUTED_REPORTS]
            futures: dict[cf.Future, Job] = {}

            def submit(batch: list[Job]) -> None:
                for j in batch:
                    futures[pool.submit(_execute, j, build_dir, notebooks,
                                        todo.index(j) + 1, total, fresh_kernels)] = j

            # overview and domains first; the synthetic council is built beside them (started
            # after the workers are forked) and the deep dives are queued once it is ready
            submit([j for j in todo if j.name not in COMPUTED_REPORTS])
            syn = side.submit(_synthetic, raw, processed) if synthetic and deep else None
            if syn is None:
                submit(deep)
            pending: set[cf.Future] = set(futures) | ({syn} if syn else set())
            while pending:
                done_set, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done_set:
                    if fut is syn:
                        computed, synth_status = fut.result()
                        say(f"synthetic council: {synth_status}")
                        for j in deep:
                            if "computed_path" not in dict(overrides):
                                j.parameters["computed_path"] = str(computed) if computed else ""
                        before = set(futures)
                        submit(deep)
                        pending |= set(futures) - before
                        continue
                    done = fut.result()
                    j = futures[fut]
                    j.status, j.seconds, j.error, j.files = (done.status, done.seconds,
                                                             done.error, done.files)
                    word = "done  " if j.status == "ok" else "FAILED"
                    say(f"[{todo.index(j) + 1:>2}/{total}] {word} {j.name} "
                        f"({j.seconds:.1f} s)" + (f": {j.error}" if j.error else ""))
        meta = {
            "Built": _stamp(time.time()),
            "Build time": f"{time.perf_counter() - t0:.1f} s",
            "Data (scorecard.csv)": _stamp(scorecard.stat().st_mtime),
            "Raw data (latest file)": max((_stamp(p.stat().st_mtime) for p in raw.glob("*.csv")),
                                          default="none"),
            "Git revision": _git_revision(notebooks),
            "Synthetic council": synth_status,
            "Distance table": f"baseline {periods['baseline_period']}, latest "
                              f"{periods['latest_period']}, comparator "
                              f"{periods['comparator'] or 'first available'}",
        }
        io.write_text(build_dir / "index.html", index_html(todo, meta, notebooks.parent))
        io.write_text(build_dir / "manifest.json",
                      json.dumps({"meta": meta, "reports": [asdict(j) for j in todo]},
                                 indent=1, default=str))
        if only and out.exists():  # a partial run keeps the other reports of the last run
            for p in out.iterdir():
                if not (build_dir / p.name).exists() and p.is_file():
                    shutil.copy2(p, build_dir / p.name)
        gitkeep = out / ".gitkeep"
        if gitkeep.exists():
            shutil.copy2(gitkeep, build_dir / ".gitkeep")
        io.replace_dir(build_dir, out)
    finally:
        if build_dir.exists():
            shutil.rmtree(build_dir)
    return todo


def _coerce_default(literal: Any) -> Any:
    """A parameter default as papermill reports it (source text) -> Python value."""
    if isinstance(literal, str):
        try:
            return json.loads(literal)
        except ValueError:
            return literal.strip("'\"")
    return literal


def run(args: argparse.Namespace) -> int:
    """CLI entry: `kpis report` (see kpis.cli for the arguments)."""
    t0 = time.perf_counter()
    jobs = build(args.raw, args.processed, args.out, args.notebooks,
                 [tuple(p) for p in args.parameter], args.only, args.jobs,
                 synthetic=not args.no_synthetic,
                 fresh_kernels=getattr(args, "fresh_kernels", False))
    failed = [j.name for j in jobs if j.status != "ok"]
    say(f"{len(jobs) - len(failed)} of {len(jobs)} reports built in "
          f"{time.perf_counter() - t0:.1f} s -> {args.out / 'index.html'}")
    if failed:
        print(f"error: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
