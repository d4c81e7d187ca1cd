"""Benchmark the readers (issue 9): rows read per second, by delivery form, side by side.

Forms, each read with `kpis.records.readers.read_council` (best of `--repeat` runs, here):
  synthetic CSV     the synthetic council (kpis.synth, seed 2020, Annex A as CSVs), as written
  synthetic xlsx    the same council with the Annex A as a workbook (calamine)
  synthetic 1252    the CSV council with every Annex A CSV saved as Windows-1252 with Excel's
                    empty rows (',,,,') after every 50th row: the encoding and blank-row paths
  903 fake x20      the DfE validator's fake 903 CSVs (tests/fixtures/corpus) 20 times over, in
                    per-year folders (duplicates merged as repairs)
  903 XML x20       the fake XML return, 20 copies of its CHILD elements
Rows = rows in (every data row of every file, blank rows included); rows/s = rows / seconds.

    .venv/bin/python benchmarks/reading.py [--repeat 3] [--cache build/bench_reading]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kpis.records.readers import read_council  # noqa: E402
from kpis.synth.generate import generate  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def build(cache: Path) -> dict[str, Path]:
    forms = {"synthetic CSV": cache / "csv", "synthetic xlsx": cache / "xlsx",
             "synthetic 1252": cache / "cp1252", "903 fake x20": cache / "903csv",
             "903 XML x20": cache / "903xml"}
    if all(p.exists() for p in forms.values()):
        return forms
    shutil.rmtree(cache, ignore_errors=True)
    generate(forms["synthetic CSV"], seed=2020, annex_format="csv")
    generate(forms["synthetic xlsx"], seed=2020, annex_format="xlsx")
    shutil.copytree(forms["synthetic CSV"], forms["synthetic 1252"])
    for p in (forms["synthetic 1252"] / "annex_a").glob("*.csv"):
        lines = p.read_text(encoding="utf-8").splitlines()
        width = lines[0].count(",")
        out = [x for i, line in enumerate(lines)
               for x in ([line, "," * width] if i and i % 50 == 0 else [line])]
        p.write_bytes(("\r\n".join(out) + "\r\n").encode("cp1252", errors="replace"))
    for year in range(20):
        d = forms["903 fake x20"] / "ssda903" / str(2000 + year)
        d.mkdir(parents=True)
        for f in (CORPUS / "903_fake").glob("*.csv"):
            shutil.copyfile(f, d / f"SSDA903_{2000 + year}_{f.stem}.csv")
    text = (CORPUS / "903_fake" / "fake_903.xml").read_text()
    head, body = text.split("<EXPSSDA903>", 1)
    children = re.findall(r"<CHILD>.*?</CHILD>", body, flags=re.S)
    forms["903 XML x20"].mkdir(parents=True)
    (forms["903 XML x20"] / "return.xml").write_text(
        head + "<EXPSSDA903>" + "".join(children) * 20 + "</EXPSSDA903>\n")
    return forms


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "bench_reading")
    args = ap.parse_args()
    forms = build(args.cache)
    print(f"{'form':<16}{'rows in':>10}{'quarantined':>13}{'blank':>8}{'seconds':>9}"
          f"{'rows/s':>10}")
    for name, path in forms.items():
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            r = read_council(path)
            best = min(best, time.perf_counter() - t)
        print(f"{name:<16}{r.rows_in:>10,}{len(r.quarantine):>13,}{r.blank_rows:>8,}"
              f"{best:>9.2f}{r.rows_in / best:>10,.0f}")


if __name__ == "__main__":
    main()
