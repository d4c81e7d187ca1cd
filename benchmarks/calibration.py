"""Calibration table: the default synthetic council's June 2020 against Appendix 1's Jun-20.

The synthetic council's event probabilities (kpis.synth.params.Params, kpis.synth.snapshots.
SnapshotParams) are calibrated so its computed June 2020 figures land near Gloucestershire's
published ones (issue 13). This script prints, for every scorecard line kpis compute computes
(src/kpis/data/catalogue/coverage.csv, computed = yes), the synthetic June 2020 value with its
numerator / denominator, Appendix 1's Jun-20 value (data/raw/appendix1_scorecard.csv, read by
kpis.scorecard.clean.build) and the difference (points for percentages, relative for counts).

Two councils are generated, both with `kpis.synth.generate.generate`'s default seed (2020) and
scale (1.0), Annex A written as CSVs (the same records as the default workbook, read faster):
- the default council (2015-04-01 .. 2021-03-31): the lines computed from event histories
  (referrals, plans, 903 episodes, allocations, workforce) at the 2020-06 month-end;
- the same arguments ending 2020-06-30: the snapshot lines (Annex A lists 6, 8 and 9, list 7's
  visit and review columns, SSDA903 OC3 and reviews), which describe the extract date only, so
  June 2020 needs a June 2020 extract. (Changing `end` changes the simulation's draws, so this
  is a second sample of the same process, not the default council cut short.)

    PYTHONPATH=src .venv/bin/python benchmarks/calibration.py [--seed 2020] [--scale 1.0]
        [--cache build/calibration] [--csv table.csv]

`--cache` keeps the generated councils (delete the folder to regenerate after changing params).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
JUNE = "2020-06"
JUNE_END = "2020-06-30"
DEFAULT_END = "2021-03-31"
#: lines whose records describe the extract date only (snapshot lists, OC3, reviews): taken
#: from the council extracted on 2020-06-30
SNAPSHOT = ("visits_cin", "visits_cp", "visits_cla", "care_leavers_in_touch",
            "cin_plan_under_1y", "rcpc_up_to_date", "cla_reviews", "cla_pwp", "care_leavers_pwp",
            "health_assessments_cla", "health_assessments_over5", "health_assessments_under5",
            "dental_assessments", "care_leavers_suitable_accom_all",
            "care_leavers_suitable_accom_19_21", "missing_return_interview",
            "care_leavers_eet_all", "care_leavers_eet_19_21")


def council(cache: Path, end: str, seed: int, scale: float) -> Path:
    """Generate (unless cached) the council ending `end`; its folder."""
    from kpis.synth.generate import generate

    folder = cache / f"seed{seed}-scale{scale:g}-{end}"
    done = folder / ".complete"
    if not done.exists():
        if folder.exists():
            shutil.rmtree(folder)
        generate(folder, seed=seed, scale=scale, end=end, annex_format="csv")
        done.write_text(f"seed {seed} scale {scale} end {end}\n")
    return folder


def june(folder: Path) -> pd.DataFrame:
    """Council-level figures for the 2020-06 month-end."""
    from kpis.records.engine import compute
    from kpis.records.readers import read_council

    rec = read_council(folder).records
    fig = compute(rec, pd.DatetimeIndex([pd.Timestamp(JUNE_END)]), levels=("council",))
    return fig[fig["period"] == JUNE].fillna({"breakdown": ""})


def trajectory(folder: Path) -> str:
    """The allocation lines at each quarter-end March 2017 .. June 2020 (Appendix 1 gives March
    2017: 88 unallocated (from the contact date), 3 with a manager; June 2020: 0 and 0)."""
    from kpis.records.engine import compute
    from kpis.records.readers import read_council

    rec = read_council(folder).records
    ids = ["unallocated_2wk", "manager_allocated_2wk"]
    f = compute(rec, pd.date_range("2017-03-31", JUNE_END, freq="QE-MAR"), levels=("council",),
                indicators=ids)
    t = f.pivot(index="period", columns="indicator_id", values="value")[ids]
    rows = ["| month | " + " | ".join(ids) + " |", "| --- | ---: | ---: |"]
    rows += [f"| {k} | {r.iloc[0]:g} | {r.iloc[1]:g} |" for k, r in t.iterrows()]
    return "\n".join(rows)


def appendix1() -> pd.DataFrame:
    """Appendix 1's Jun-20 actuals (indicator_id, breakdown, value, unit)."""
    from kpis.scorecard.clean import build

    t = build(ROOT / "data" / "raw")[0]
    t = t[(t["kind"] == "actual") & (t["period"] == JUNE)]
    return t[["indicator_id", "breakdown", "value", "unit"]].fillna({"breakdown": ""})


def table(default: pd.DataFrame, extract: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """One row per computed scorecard line: synthetic (num/den), published, difference."""
    cov = pd.read_csv(ROOT / "src" / "kpis" / "data" / "catalogue" / "coverage.csv",
                      dtype=str, keep_default_na=False)
    lines = cov[cov["computed"] == "yes"][["indicator_id", "breakdown"]]
    cols = ["indicator_id", "breakdown", "value", "numerator", "denominator"]
    snap = lines["indicator_id"].isin(SNAPSHOT)
    got = pd.concat([lines[~snap].merge(default[cols], how="left").assign(council="default"),
                     lines[snap].merge(extract[cols], how="left").assign(council="Jun-20")])
    got = got.merge(published.rename(columns={"value": "appendix1"}), how="left")
    got["diff"] = got["value"] - got["appendix1"]
    count = got["unit"] != "percent"
    got["rel"] = (got["diff"] / got["appendix1"].where(got["appendix1"] != 0)).where(count)
    order = {(i, b): k for k, (i, b) in enumerate(zip(lines["indicator_id"], lines["breakdown"],
                                                      strict=True))}
    got["order"] = [order[k] for k in zip(got["indicator_id"], got["breakdown"], strict=True)]
    return got.sort_values("order").drop(columns="order").reset_index(drop=True)


def far(row: pd.Series) -> bool:
    """More than 3 points off (percentages) or 15% relative (counts; any count vs 0 if > 2)."""
    if pd.isna(row["diff"]):
        return False
    if row["unit"] == "percent":
        return abs(row["diff"]) > 3
    if row["appendix1"] == 0:
        return abs(row["value"]) > 2
    return abs(row["rel"]) > 0.15


def show(t: pd.DataFrame) -> str:
    def num(v: float, d: int = 1) -> str:
        return "" if pd.isna(v) else f"{v:.{d}f}"

    lines = ["| line | from | synthetic Jun-20 | n / d | Appendix 1 Jun-20 | diff | off |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for _, r in t.iterrows():
        name = r["indicator_id"] + (f" ({r['breakdown']})" if r["breakdown"] else "")
        nd = "" if pd.isna(r["denominator"]) else f"{r['numerator']:g} / {r['denominator']:g}"
        diff = num(r["diff"]) + ("" if pd.isna(r["rel"]) else f" ({r['rel']:+.0%})")
        lines.append(f"| {name} | {r['council']} | {num(r['value'])} | {nd} | "
                     f"{num(r['appendix1'])} | {diff} | {'**far**' if far(r) else ''} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "calibration")
    ap.add_argument("--csv", type=Path, default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    default = june(council(args.cache, DEFAULT_END, args.seed, args.scale))
    extract = june(council(args.cache, JUNE_END, args.seed, args.scale))
    t = table(default, extract, appendix1())
    print(show(t))
    print("\nAllocation lines, default council, quarter-ends:\n")
    print(trajectory(council(args.cache, DEFAULT_END, args.seed, args.scale)))
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\n{int(t.apply(far, axis=1).sum())} of {len(t)} lines far off; "
          f"{time.perf_counter() - t0:.1f} s wall, {ru.ru_utime + ru.ru_stime:.1f} s CPU",
          file=sys.stderr)
    if args.csv:
        t.to_csv(args.csv, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
