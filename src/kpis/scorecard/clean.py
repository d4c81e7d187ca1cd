"""`kpis clean`: the scorecard as printed (data/raw) -> one tidy table (data/processed).

Inputs, never edited by code:
- `appendix1_scorecard.csv`: Appendix 1 of the July 2020 board report, every cell as printed;
- `narrative_figures.csv`: figures stated in the prose of the board report and the 2021 Ofsted
  letter, each with its verbatim quote.

Outputs (written together, atomically; on any error nothing in the output folder changes):
- `scorecard.csv` and `scorecard.parquet`: one row per observation (docs/contracts.md);
- `inspection_findings.csv`: the Inspection column's words, per indicator.

A narrative figure with `use = corroborates` restates a figure already in the table (the same
indicator, breakdown, kind and period): it must agree, and its quote is added to that row's
`source`. One with `use = observation` adds a row.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

from kpis import catalogue
from kpis import files as io
from kpis.errors import InputError
from kpis.log import progress
from kpis.scorecard import schemas
from kpis.scorecard.cells import CellError, normalise, parse_cell, split_inspection

APPENDIX = "appendix1_scorecard.csv"
NARRATIVE = "narrative_figures.csv"
FIXED = ["Target", "Benchmarking", "Inspection"]
PERIOD_HEADER = re.compile(r"^[A-Z][a-z]{2}-\d{2}$")
OPTIONAL = ["breakdown", "Remarks", "flag", "flag_note"]


def read_raw(path: Path) -> pd.DataFrame:
    """Read a raw CSV as text, every cell a string. Empty, missing or non-UTF-8 files are
    InputErrors naming the file (and the row of the first undecodable byte)."""
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file (a folder or device has this name)")
    data = path.read_bytes()
    if not data.strip():
        raise InputError(path, "file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        row = data[: err.start].count(b"\n") + 1
        raise InputError(path, f"not UTF-8 text (byte 0x{data[err.start]:02x}); save it as "
                               "UTF-8", row=row) from None
    from io import StringIO
    try:
        df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as err:
        raise InputError(path, f"not a readable CSV: {err}") from None
    if df.empty:
        raise InputError(path, "file has a header but no rows")
    df.columns = [c.strip() for c in df.columns]
    return df


def period_of(header: str) -> str:
    """`Mar-17` -> `2017-03`."""
    return pd.to_datetime(header, format="%b-%y").strftime("%Y-%m")


def _match_catalogue(df: pd.DataFrame, path: Path) -> pd.Series:
    """indicator_id for each row, matched on domain and name (white space and case folded)."""
    cat = catalogue.indicators()
    key = cat["domain"].map(normalise).str.casefold() + "|" + cat["indicator"].map(normalise) \
        .str.casefold()
    lookup = dict(zip(key, cat["indicator_id"], strict=True))
    row_key = df["domain"].map(normalise).str.casefold() + "|" + df["indicator"].map(normalise) \
        .str.casefold()
    ids = row_key.map(lookup)
    unknown = ids.isna()
    if unknown.any():
        i = unknown.idxmax()
        raise InputError(path, f"indicator {df.at[i, 'indicator']!r} in domain "
                               f"{df.at[i, 'domain']!r} is not in the catalogue "
                               "(src/kpis/data/indicators.csv)", row=int(i) + 2,
                         column="indicator")
    return ids


def appendix_observations(df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every figure of Appendix 1 as a row, with `_file/_row/_col` naming its cell; and the
    Inspection column's words as findings."""
    df = df.copy()
    for col in OPTIONAL:
        if col not in df.columns:
            df[col] = ""
    period_cols = [c for c in df.columns if PERIOD_HEADER.match(c)]
    if not period_cols:
        raise InputError(path, "no period column (a header such as 'Mar-17')", column="Mar-17")
    schemas.validate(schemas.appendix_schema(period_cols), df, path)
    df["indicator_id"] = _match_catalogue(df, path)
    cat = catalogue.indicators().set_index("indicator_id")
    inspection_period = min(period_of(c) for c in period_cols)

    rows: list[dict[str, object]] = []
    findings: list[dict[str, object]] = []
    # Cells are text to be read one by one (a few hundred of them): a loop over cells is the
    # clearest way, and the table does not grow with the council's size.
    for i, rec in df.iterrows():
        iid = rec["indicator_id"]
        unit = cat.at[iid, "unit"]
        line = int(i) + 2
        remark = normalise(rec["Remarks"])
        base = {"indicator_id": iid, "domain": cat.at[iid, "domain"],
                "indicator": cat.at[iid, "indicator"], "flag": normalise(rec["flag"])}
        cells: list[tuple[str, str, str, str]] = [(c, "actual", period_of(c), rec[c])
                                                  for c in period_cols]
        cells += [("Target", "target", "", rec["Target"]),
                  ("Benchmarking", "benchmark", "", rec["Benchmarking"])]
        figure, finding = split_inspection(rec["Inspection"])
        cells.append(("Inspection", "inspection", inspection_period, figure))
        if finding:
            findings.append({"indicator_id": iid, "domain": base["domain"],
                             "indicator": base["indicator"], "finding": finding,
                             "source": f"{path.name} row {line}, column Inspection"})
        for col, kind, period, text in cells:
            try:
                parts = parse_cell(text, unit)
            except CellError as err:
                raise InputError(path, str(err), row=line, column=col) from None
            for part in parts:
                notes = list(part.notes)
                if kind == "inspection":
                    notes.append("figure printed in the Inspection column (what the 2017 "
                                 "inspection found)")
                if kind == "actual" and remark:
                    notes.append(remark)
                rows.append({**base,
                             "breakdown": normalise(rec["breakdown"]) or part.breakdown,
                             "kind": kind,
                             "comparator": (part.comparator or "unspecified")
                             if kind == "benchmark" else "",
                             "period": period, "value": part.value, "unit": part.unit,
                             "note": "; ".join(notes),
                             "source": f"{path.name} row {line}, column {col}",
                             "_file": str(path), "_row": line, "_col": col})
    return pd.DataFrame(rows), pd.DataFrame(findings, columns=["indicator_id", "domain",
                                                               "indicator", "finding", "source"])


def narrative_observations(df: pd.DataFrame, path: Path,
                           table: pd.DataFrame) -> pd.DataFrame:
    """Add the narrative figures to `table` (appendix observations): `observation` rows are
    appended; `corroborates` rows must agree with the row they restate (to 0.05)."""
    df = df.copy()
    for col in ("flag", "flag_note"):
        if col not in df.columns:
            df[col] = ""
    schemas.validate(schemas.NARRATIVE_SCHEMA, df, path)
    cat = catalogue.indicators().set_index("indicator_id")
    keys = ["indicator_id", "breakdown", "kind", "period"]
    table = table.copy()
    new: list[dict[str, object]] = []
    for i, rec in df.iterrows():
        line = int(i) + 2
        iid = rec["indicator_id"]
        try:
            parts = parse_cell(rec["value_text"], cat.at[iid, "unit"])
        except CellError as err:
            raise InputError(path, str(err), row=line, column="value_text") from None
        if len(parts) != 1:
            raise InputError(path, "a narrative figure must hold exactly one figure",
                             row=line, column="value_text")
        part = parts[0]
        cite = f"{path.name} {rec['figure_id']} ({rec['document']} {rec['section']})"
        notes = [*part.notes, *([rec["flag_note"]] if rec["flag_note"] else [])]
        row = {"indicator_id": iid, "domain": cat.at[iid, "domain"],
               "indicator": cat.at[iid, "indicator"], "breakdown": rec["breakdown"],
               "kind": rec["kind"], "comparator": "unspecified" if rec["kind"] == "benchmark"
               else "", "period": rec["period"], "value": part.value, "unit": part.unit,
               "note": "; ".join(notes), "source": cite, "flag": rec["flag"],
               "_file": str(path), "_row": line, "_col": "value_text"}
        if rec["use"] == "observation":
            new.append(row)
            continue
        pool = pd.concat([table, pd.DataFrame(new, columns=table.columns)], ignore_index=True)
        same = pool[keys].eq(pd.Series({k: row[k] for k in keys})).all(axis=1)
        if not same.any():
            raise InputError(path, f"says it corroborates {iid} {rec['kind']} {rec['period']}, "
                                   "but no such figure is in the appendix or the narrative",
                             row=line, column="use")
        target = same.idxmax()
        if abs(pool.at[target, "value"] - part.value) > 0.05:
            raise InputError(path, f"{rec['value_text']!r} disagrees with "
                                   f"{pool.at[target, 'value']:g} from {pool.at[target, 'source']}",
                             row=line, column="value_text")
        if target < len(table):
            table.at[target, "source"] += f"; corroborated by {cite}"
        else:
            new[target - len(table)]["source"] += f"; corroborated by {cite}"
    return pd.concat([table, pd.DataFrame(new, columns=table.columns)], ignore_index=True)


def build(raw_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and check the raw files; return (tidy scorecard, inspection findings). Pure of
    output: writes nothing."""
    raw_dir = Path(raw_dir)
    a_path, n_path = raw_dir / APPENDIX, raw_dir / NARRATIVE
    obs, findings = appendix_observations(read_raw(a_path), a_path)
    obs = narrative_observations(read_raw(n_path), n_path, obs)
    order = catalogue.indicators().reset_index()[["indicator_id", "index"]]
    obs = obs.merge(order.rename(columns={"index": "_order"}), on="indicator_id", how="left")
    obs["_kind"] = obs["kind"].map({k: i for i, k in enumerate(schemas.KINDS)})
    obs = obs.sort_values(["_order", "_kind", "period"], kind="stable").reset_index(drop=True)
    obs["value"] = obs["value"].astype(float)
    locate = obs[["_file", "_row", "_col"]]
    table = obs[schemas.SCORECARD_COLUMNS].astype(
        {c: str for c in schemas.SCORECARD_COLUMNS if c != "value"})
    schemas.validate(schemas.SCORECARD_SCHEMA, table, a_path, locate=locate)
    return table, findings


def clean(raw_dir: Path, out_dir: Path) -> pd.DataFrame:
    """Build the tidy scorecard from `raw_dir` and write it to `out_dir` (all files or none)."""
    table, findings = build(raw_dir)
    out_dir = Path(out_dir)
    io.write_all({
        out_dir / "scorecard.csv": lambda p: io.neutralise_csv(table).to_csv(p, index=False),
        out_dir / "scorecard.parquet": lambda p: table.to_parquet(p, index=False),
        out_dir / "inspection_findings.csv": lambda p: io.neutralise_csv(findings).to_csv(
            p, index=False),
    })
    return table


def run(args: argparse.Namespace) -> int:
    table = clean(args.raw, args.out)
    counts = table["kind"].value_counts()
    missing = int(table["value"].isna().sum())
    progress(f"kpis clean: {len(table)} observations of {table['indicator_id'].nunique()} "
             f"indicators ({', '.join(f'{k} {v}' for k, v in counts.items())}; "
             f"{missing} missing values with reasons) -> {args.out}/scorecard.csv, .parquet")
    return 0
