"""`kpis synth`: synthetic councils written in the real file formats, from event histories.

Nothing here stamps an outcome: every indicator the engine computes emerges from the event
probabilities, durations and hazards in `Params` (for example the share of referrals followed by
another within 12 months, the placement-move hazard, the probability a child who went home comes
back into care). The default `Params` are calibrated so the default council's computed June 2020
values land near Gloucestershire's Appendix 1 (re-referrals ~32%, repeat CP plans ~33%, 3+
placements ~17.5%, long-term stability ~60%, assessments in 45 working days ~88%, ICPCs in 15
working days ~73%, caseload ~14 per FTE, agency ~29%, section 20 ~27%, children in care with
a missing episode in 12 months ~15%, care leavers in touch ~96% and in EET ~43%, no child
unallocated or held by a manager for more than 2 weeks, against 88 and 3 in March 2017).
`benchmarks/calibration.py` prints the whole table; tests/backtests/test_calibration.py holds
the default council to it.

The simulation runs from `start - Params.burn_in_years` so children already in care, on plans or
with earlier referrals at `start` have a history; files hold the events from `start` to `end`
(SSDA903 episodes of every period of care still open or ended within a year before `start`).

How one council is generated (all vectorised with numpy; one Generator per council):
1. Referral chains: each child's first referral arrives uniformly in time; each referral is
   followed by another within 12 months with probability `rereferral_12m`, later with
   `rereferral_later` (geometric chains). A child is `high risk` with probability `p_high_risk`.
2. Each referral: contact the same day or up to 2 days before (plus unconverted contacts);
   NFA with `p_nfa`; otherwise an assessment whose length is drawn from a two-part mixture
   (`p_assessment_fast` within 60 calendar days); S47 with a risk-dependent probability; ICPC
   (`p_icpc`), on time with `p_icpc_fast`; CP plan (`p_plan`) lasting a lognormal time. The next
   referral comes after the plan (or period of care) ends. `previous_plans` counts plans earlier
   in the child's history.
3. Care: a referral starts a period of care with a risk-dependent probability. Periods last a
   mixture of short (return home) and long stays, end at 18 at the latest; REC codes follow
   the route out (home, adoption, SGO, 18+). Children who went home return with probability
   `p_readmit`. Inside a period: placement moves are a Poisson process (rate by child type,
   plus an early move), legal status changes (interim -> full care order, `L` episodes), placements
   for adoption (with the existing foster carer `U`, else `B`), temporary placements T0-T4 with
   a return to the same carer. Missing episodes are a Poisson process for missing-prone children.
   Care leavers aged 17-21 at `end` get an OC3 row.
4. Workforce: teams of three kinds (assessment, safeguarding, children in care) sized to their
   demand at `target_caseload`; each post is a chain of workers (permanent or agency, exponential
   tenures, vacancy gaps); FTE 1.0, 0.8 or 0.5. Children open to social care (assessment/CIN,
   CP plan, care) are allocated to a worker in the right team, weighted by FTE; the worker
   changes at transfers between teams, at random reallocations (rate by team kind) and when the
   worker leaves. A case needing a worker (new, transferred, its worker left) may wait for one
   (`p_wait`, falling from March 2017 to March 2020), a few of the waits held by the team's
   manager (one `Team Manager` per team): kpis.synth.workforce._allocation_gaps.

Planted bad rows, per council (so the quarantine and the repairs are exercised; see `PLANTED`):
- Annex A list 3 (referrals): one referral date `31/02/<year>` -> quarantine "unparseable date";
- Annex A list 7 (CP plans): one plan whose end is before its start -> "end before start";
- Annex A list 4 (assessments): one row written twice -> "duplicate row";
- SSDA903 missing.csv: one missing episode of type `X` -> "unknown code";
- SSDA903 episodes.csv: one episode written twice -> repair "duplicate_removed", and one closed
  episode followed by a later one written as open (DEC and REC blank) -> repair
  "open_closed_at_next_decom".
Children's ethnicity and disability come from kpis.synth.characteristics, the QA audits
(audits/audits.csv, no bad rows) from kpis.synth.audits, and the HOME_POST/PL_POST postcodes
with the council's centroid file (postcodes/postcode_centroids.csv, invented postcodes) from
kpis.synth.postcodes, each with its own Generator.

"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from kpis import stopping
from kpis.errors import InputError
from kpis.log import progress
from kpis.synth.audits import write_audits
from kpis.synth.characteristics import add_characteristics
from kpis.synth.files import FILES_CSV, _write_xlsx, build_tables, write_csv
from kpis.synth.params import Params
from kpis.synth.postcodes import add_postcodes, write_centroids
from kpis.synth.simulate import Sim, simulate

#: The file that marks a generated council as synthetic (kpis.reporting.load reads it; a
#: council's own extract has none, so its reports never call its data synthetic).
MARK = "kpis-synthetic.yml"


def write_mark(out: Path, prefix: str) -> Path:
    """Write `kpis-synthetic.yml`: the generated council's name and what it is."""
    name = "Synthetic shire" if prefix == "C" else f"Synthetic shire {prefix}"
    target = out / MARK
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "# Written by kpis synth: this folder is a generated council, not real records.\n"
        f"name: {name}\n"
        "description: a synthetic council generated by kpis synth; none of it is real "
        "children's data\n", encoding="utf-8")
    return target


def write_council(sim: Sim, out: Path, start: str, end: str, prefix: str, xlsx: bool,
                  rng: np.random.Generator) -> list[Path]:
    """Write one council's files under `out` (and its kpis-synthetic.yml); return the paths
    written."""
    tables = build_tables(sim, start, end, prefix, xlsx, rng)
    written: list[Path] = [write_mark(out, prefix)]
    if xlsx:
        target = out / "annex_a.xlsx"
        _write_xlsx(tables.annex, target)
        written.append(target)
    else:
        for name, df in tables.annex.items():
            target = out / "annex_a" / f"{FILES_CSV[name]}.csv"
            write_csv(df, target)
            written.append(target)
    for rel, df in tables.files.items():
        write_csv(df, out / rel)
        written.append(out / rel)
    return written


def council_scales(rng: np.random.Generator, councils: int) -> np.ndarray:
    """Relative sizes of councils (1 = Gloucestershire). One council: 1. Several: lognormal,
    mean about 0.72 (England is about 108 Gloucestershires spread over 150 councils)."""
    if councils == 1:
        return np.ones(1)
    return np.clip(rng.lognormal(np.log(0.6), 0.6, councils), 0.12, 3.5)


def generate(out: Path, seed: int = 2020, councils: int = 1, start: str = "2015-04-01",
             end: str = "2021-03-31", scale: float = 1.0, annex_format: str = "auto",
             params: Params | None = None, workers: int | None = None) -> list[Path]:
    """Write `councils` synthetic councils under `out` and return the files written.

    One council is written to `out` directly; several go to `out/<code>/` (codes LA801...).
    `scale` multiplies every council's size (tests use small values). `annex_format` is
    "xlsx", "csv" or "auto" (xlsx for one council, CSV per list for several).
    Same arguments -> byte-identical files (councils are independent, so running them in
    `workers` processes, default one per CPU, changes nothing).
    """
    workers = workers if workers is not None else (os.cpu_count() or 1)
    out = Path(out)
    root_rng = np.random.default_rng(seed)
    scales = council_scales(root_rng, councils) * scale
    xlsx = annex_format == "xlsx" or (annex_format == "auto" and councils == 1)
    jobs = [(i, float(sc), seed, out if councils == 1 else out / f"LA{801 + i}",
             "C" if councils == 1 else f"C{i + 1:03d}", start, end, xlsx, params)
            for i, sc in enumerate(scales)]
    if councils == 1 or workers <= 1:
        return [p for job in jobs for p in _one_council(job)]
    pool = ProcessPoolExecutor(max_workers=workers, initializer=stopping.worker_init)
    try:
        written = [p for paths in pool.map(_one_council, jobs) for p in paths]
    except BaseException:  # Ctrl-C, SIGTERM: stop the councils being simulated now
        stopping.stop_pool(pool)
        raise
    pool.shutdown()
    return written


def _one_council(job: tuple) -> list[Path]:
    """Simulate and write council i (its own Generator seeded by (seed, i))."""
    i, sc, seed, target, prefix, start, end, xlsx, params = job
    rng = np.random.default_rng([seed, i])
    sim = simulate(rng, start, end, sc, params, prefix)
    # who the children are, and the QA audits: own Generators, so the other files' draws
    # are the same as without them (kpis.synth.characteristics, kpis.synth.audits)
    add_characteristics(np.random.default_rng([seed, i, 15]), sim)
    # home and placement postcodes, and the council's centroid file (kpis.synth.postcodes)
    centroids = add_postcodes(np.random.default_rng([seed, i, 13]), sim.episodes)
    written = write_council(sim, target, start, end, prefix, xlsx, rng)
    written.append(write_centroids(centroids, target))
    return written + write_audits(np.random.default_rng([seed, i, 14]), sim, target, start,
                                  end, sc, prefix)


def files_digest(paths: list[Path]) -> str:
    """SHA-256 over the files' relative names and bytes (determinism checks)."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()


#: The file that marks a folder as written by kpis synth, with the files it wrote.
MARKER = ".kpis-synth.json"


def mark(folder: Path, written: list[Path], arguments: dict) -> None:
    """Write the marker into a folder kpis synth has just filled."""
    folder = Path(folder)
    rel = sorted(Path(p).relative_to(folder).as_posix() for p in written)
    (folder / MARKER).write_text(json.dumps({"written_by": "kpis synth", "arguments": arguments,
                                             "files": rel}, indent=1), encoding="utf-8")


def check_out(out: Path, expected: set[str] | None = None) -> None:
    """Refuse (InputError) an --out that is not a new or empty folder, or one kpis synth wrote
    (its marker lists every file in it; or, for a folder written before markers, every file in
    it has a name in `expected`, the files just generated): kpis never deletes a file it did
    not write."""
    out = Path(out)
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError(out, "--out is a file; give a new or empty folder")
    entries = list(out.rglob("*"))
    if not entries:
        return
    try:
        listed = set(json.loads((out / MARKER).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        listed = set()
    ours = listed | {MARKER} | (expected or set())
    dirs = {p for f in ours for p in Path(f).parents if str(p) != "."}
    foreign = sorted(p.relative_to(out).as_posix() for p in entries  # files, empty folders
                     if p.relative_to(out).as_posix() not in ours and not (
                         p.is_dir() and (p.relative_to(out) in dirs or any(p.iterdir()))))
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise InputError(out, f"--out holds files kpis synth did not write ({foreign[0]}{more});"
                              " give a new or empty folder, or one kpis synth wrote")


def run(args: argparse.Namespace) -> int:
    """`kpis synth`: refuse a folder with other files in it, build in a scratch folder, then
    swap it into place (Ctrl-C or SIGTERM: nothing changed, no scratch folder left)."""
    t = time.perf_counter()
    out = Path(args.out)
    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    build = stopping.scratch_dir(out, "synth")
    try:
        files = generate(build, seed=args.seed, councils=args.councils, start=args.start,
                         end=args.end)
        mark(build, files, {"seed": args.seed, "councils": args.councils,
                            "start": args.start, "end": args.end})
        from kpis.files import replace_dir

        with stopping.deferred():
            replace_dir(build, out)
    finally:
        if build.exists():
            shutil.rmtree(build)
    size = sum((out / f.relative_to(build)).stat().st_size for f in files)
    progress(f"kpis synth: {args.councils} council(s), seed {args.seed}, {args.start} to "
             f"{args.end}: {len(files)} files, {size / 1e6:.1f} MB in {out} "
             f"({time.perf_counter() - t:.1f} s)")
    return 0


__all__ = ["Params", "generate", "run", "simulate", "replace"]
