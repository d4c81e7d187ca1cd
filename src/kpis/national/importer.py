"""Read DfE's published files into kpis's small derived tables in `data/external/`.

Files read (recognised by name and content, see `classify`):
- LAIT's long table (`bds_long*.parquet` or `.csv`: `Short Desc, Years, LA and Regions, Values,
  LA Number, ...`), the primary source;
- explore-education-statistics CSVs (`time_period, geographic_level, ..., old_la_code`) named in
  `data/catalogue/ees_measures.csv`; they fill years and councils LAIT lacks;
- statistical neighbours: LAIT's `sn_*_2021.xlsx` / `sn_*_2025.xlsx` (sheet `LA SN Groups`),
  the April 2021 groupings CSV, `sn_model_2025_wide.csv`;
- Ofsted's `LA_Inspection_Outcomes_as_at_*.ods` (sheet `Inspections_as_at_31_March`);
- LAIT's `la_code_list.xlsx`.

Tables built (each a pure function of the files): `published` (one row per measure, area and
year label as published; DfE symbols kept in `symbol` with their meaning, value missing, never
zero), `neighbours`, `judgements`, `la_codes`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from kpis.errors import InputError
from kpis.national import catalogue
from kpis.national.years import parse_year_label, period_end

log = logging.getLogger(__name__)

PUBLISHED_COLUMNS = [
    "measure", "area_code", "area_name", "area_level", "period", "period_end", "year_label",
    "value", "symbol", "symbol_meaning", "preferred", "source_file", "source_table",
    "source_column",
]
NEIGHBOUR_COLUMNS = ["model", "la_code", "la_name", "neighbour_rank", "neighbour_code",
                     "closeness", "source_file"]
JUDGEMENT_COLUMNS = ["la_code", "new_la_code", "la_name", "inspection_date", "publication_date",
                     "overall_effectiveness", "as_at", "source_file"]
LA_CODE_COLUMNS = ["la_code", "la_name", "new_la_code", "region_code", "region_name", "la_type"]

_NUMBER = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


# --------------------------------------------------------------------------- values
def split_values(raw: pd.Series, file: str | Path, column: str) -> pd.DataFrame:
    """Published text -> `value` (float, NaN for a symbol) and `symbol` (`''` for a number).

    Known DfE symbols (`data/catalogue/dfe_symbols.csv`) are kept with their meaning; anything
    else that is not a number is bad input.
    """
    meanings = catalogue.dfe_symbols()
    text = raw.astype("string").fillna("").str.strip()
    is_num = text.str.match(_NUMBER)
    symbol = text.where(~is_num, "")
    unknown = ~is_num & ~symbol.isin(list(meanings))
    if unknown.any():
        first = unknown.idxmax()
        raise InputError(file, f"value {text[first]!r} is neither a number nor a DfE symbol "
                               f"({', '.join(repr(s) for s in meanings if s)})",
                         row=_row(raw, first), column=column)
    # LAIT stores some figures with binary noise ('40.300000000000004'): 6 decimals is
    # well beyond any published precision
    value = pd.to_numeric(text.where(is_num), errors="coerce").astype(float).round(6)
    return pd.DataFrame({"value": value, "symbol": symbol.astype(str),
                         "symbol_meaning": symbol.map(meanings).where(~is_num, "").fillna("")
                         .astype(str)},
                        index=raw.index)


def _row(df_or_series: pd.DataFrame | pd.Series, label: object) -> int | None:
    """1-based file line of a row label for CSVs read with a default index (header = line 1)."""
    try:
        return int(df_or_series.index.get_loc(label)) + 2
    except (KeyError, TypeError):
        return None


def _require(df: pd.DataFrame, columns: Iterable[str], file: str | Path) -> None:
    for col in columns:
        if col not in df.columns:
            raise InputError(file, "missing column", column=col)


def _periods(labels: pd.Series, file: str | Path, column: str) -> pd.DataFrame:
    out = {}
    for label in pd.unique(labels.astype(str)):
        try:
            parsed = parse_year_label(label)
        except ValueError as err:
            first = labels.astype(str).eq(label).idxmax()
            raise InputError(file, str(err), row=_row(labels, first), column=column) from None
        out[label] = parsed
    text = labels.astype(str)
    return pd.DataFrame({
        "period": text.map({k: v.year for k, v in out.items()}).astype(int),
        "revision_rank": text.map({k: v.revision_rank for k, v in out.items()}).astype(int),
    }, index=labels.index)


def _area_level(code: pd.Series) -> pd.Series:
    level = pd.Series("la", index=code.index, dtype=object)
    level[code >= 980] = "region"
    level[code == 970] = "england"
    return level


# --------------------------------------------------------------------------- LAIT
def read_lait(path: Path, measures: pd.DataFrame) -> pd.DataFrame:
    """LAIT's long table, only the measures in `national_measures.csv`."""
    if path.suffix == ".parquet":
        raw = pd.read_parquet(path)
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    _require(raw, ["Short Desc", "Years", "LA and Regions", "Values", "LA Number"], path)
    df = raw[raw["Short Desc"].astype(str).str.strip().isin(set(measures["measure"]))].copy()
    df["Short Desc"] = df["Short Desc"].astype(str).str.strip()
    code = pd.to_numeric(df["LA Number"], errors="coerce")
    if code.isna().any():
        first = code.isna().idxmax()
        raise InputError(path, "LA Number is not a number", row=_row(raw, first),
                         column="LA Number")
    years = _periods(df["Years"], path, "Years")
    values = split_values(df["Values"], path, "Values")
    year_type = df["Short Desc"].map(measures.drop_duplicates("measure")
                                     .set_index("measure")["year_type"])
    out = pd.DataFrame({
        "measure": df["Short Desc"],
        "area_code": code.astype(int),
        "area_name": df["LA and Regions"].astype(str),
        "period": years["period"],
        "year_label": df["Years"].astype(str),
        "revision_rank": years["revision_rank"],
        "source_table": "LAIT " + df["Short Desc"],
        "source_column": "Values",
        "year_type": year_type,
    })
    out = pd.concat([out, values], axis=1)
    out["source_file"] = path.name
    out["source_priority"] = 0
    return out


# --------------------------------------------------------------------------- EES
def _ees_spec(path: Path) -> pd.DataFrame:
    specs = catalogue.ees_measures()
    return specs[[path.name.startswith(p) for p in specs["file_prefix"]]]


def read_ees(path: Path, measures: pd.DataFrame) -> pd.DataFrame:
    """An explore-education-statistics tidy CSV: the columns `ees_measures.csv` names."""
    specs = _ees_spec(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    _require(raw, ["time_period", "geographic_level", "old_la_code"], path)
    region_codes = catalogue.region_codes().set_index("alias")["region_code"]
    level = raw["geographic_level"].str.strip()
    code = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    code[level.eq("National")] = 970
    if "region_name" in raw.columns:
        reg = raw["region_name"].str.strip().map(region_codes).astype("Int64")
        code[level.eq("Regional")] = reg[level.eq("Regional")]
    la = level.eq("Local authority")
    code[la] = pd.to_numeric(raw.loc[la, "old_la_code"], errors="coerce").astype("Int64")
    name = pd.Series("England", index=raw.index, dtype=object)
    if "region_name" in raw.columns:
        name[level.eq("Regional")] = raw.loc[level.eq("Regional"), "region_name"]
    if "la_name" in raw.columns:
        name[la] = raw.loc[la, "la_name"]
    keep_rows = code.notna()
    if (~keep_rows).any():
        log.warning("%s: %d rows without a single LA or region code left out (e.g. old_la_code "
                    "%r)", path.name, int((~keep_rows).sum()),
                    raw.loc[(~keep_rows).idxmax(), "old_la_code"])
    frames = []
    for spec in specs.itertuples():
        _require(raw, [spec.value_column], path)
        mask = keep_rows.copy()
        for cond in filter(None, spec.filters.split(";")):
            col, _, val = cond.partition("=")
            _require(raw, [col], path)
            mask &= raw[col].str.strip().eq(val)
        part = raw[mask]
        if part.empty:
            continue
        years = _periods(part["time_period"], path, "time_period")
        values = split_values(part[spec.value_column], path, spec.value_column)
        year_type = measures.drop_duplicates("measure").set_index("measure")["year_type"]
        frames.append(pd.concat([pd.DataFrame({
            "measure": spec.measure,
            "area_code": code[mask].astype(int),
            "area_name": name[mask].astype(str),
            "period": years["period"],
            "year_label": part["time_period"].astype(str),
            "revision_rank": years["revision_rank"],
            "source_table": spec.table,
            "source_column": spec.value_column,
            "year_type": year_type.get(spec.measure, "financial"),
        }), values], axis=1))
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    out["source_file"] = path.name
    out["source_priority"] = 1
    return out


def ees_codes(path: Path) -> pd.DataFrame:
    """old_la_code -> new_la_code pairs from an EES CSV (for Ofsted's area codes)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                      usecols=lambda c: c in {"old_la_code", "new_la_code", "geographic_level"})
    if not {"old_la_code", "new_la_code"} <= set(raw.columns):
        return pd.DataFrame(columns=["la_code", "new_la_code"])
    raw = raw[raw["old_la_code"].str.strip().str.fullmatch(r"\d+")
              & raw["new_la_code"].str.strip().ne("")]
    return pd.DataFrame({"la_code": raw["old_la_code"].astype(int),
                         "new_la_code": raw["new_la_code"].str.strip()}).drop_duplicates()


def assemble_published(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One table; `preferred` marks the figure benchmarks use for each measure, area and year:
    a revised/final label over an unmarked one over a provisional one, then LAIT over EES."""
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=PUBLISHED_COLUMNS)
    df = pd.concat(parts, ignore_index=True)
    df["period_end"] = [period_end(p, t) for p, t in zip(df["period"], df["year_type"],
                                                         strict=True)]
    df["area_level"] = _area_level(df["area_code"])
    df = df.sort_values(["measure", "area_code", "period", "revision_rank", "source_priority"],
                        ascending=[True, True, True, False, True], kind="stable")
    df["preferred"] = ~df.duplicated(["measure", "area_code", "period"], keep="first")
    return df[PUBLISHED_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- neighbours
def _model_year(path: Path) -> int:
    m = re.search(r"(20\d\d)", path.name)
    if not m:
        raise InputError(path, "cannot tell the statistical-neighbour model's year from the "
                               "file name (expected e.g. sn_may_2025.xlsx)")
    return int(m.group(1))


def read_neighbours(path: Path) -> pd.DataFrame:
    """Each council's 10 statistical neighbours, long: one row per (council, neighbour)."""
    model = _model_year(path)
    if path.suffix in {".xlsx", ".xls", ".ods"}:
        raw = pd.read_excel(path, sheet_name=0, header=None, dtype=str, engine="calamine")
        header_row = raw.index[raw.iloc[:, 0].astype(str).str.strip().eq("LA num")]
        if len(header_row) == 0:
            raise InputError(path, "no header row starting 'LA num'")
        h = header_row[0]
        raw.columns = [str(c).strip() for c in raw.iloc[h]]
        raw = raw.iloc[h + 1:]
    else:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                          header=None)
        raw.columns = [str(c).strip() for c in raw.iloc[0]]
        raw = raw.iloc[1:]
    cols = list(raw.columns)
    code_col = "LA num" if "LA num" in cols else "old_la_code"
    name_col = "LA Name" if "LA Name" in cols else "la_name"
    _require(raw, [code_col, name_col], path)
    sn_idx = [i for i, c in enumerate(cols) if re.fullmatch(r"SN_?\d+", c)]
    if len(sn_idx) != 10:
        raise InputError(path, f"expected 10 neighbour columns SN1..SN10, found {len(sn_idx)}")
    raw = raw[pd.to_numeric(raw[code_col], errors="coerce").notna()]
    none = raw.iloc[:, sn_idx].astype(str).apply(lambda c: c.str.strip().isin(["-", "", "nan"]))
    if none.all(axis=1).any():
        log.info("%s: no neighbours in this model for %s", path.name,
                 ", ".join(raw.loc[none.all(axis=1), name_col].astype(str)))
        raw = raw[~none.all(axis=1)]
    rows = []
    for rank, i in enumerate(sn_idx, start=1):
        rows.append(pd.DataFrame({
            "model": model,
            "la_code": pd.to_numeric(raw[code_col]).astype(int).to_numpy(),
            "la_name": raw[name_col].astype(str).str.strip().to_numpy(),
            "neighbour_rank": rank,
            "neighbour_code": pd.to_numeric(raw.iloc[:, i], errors="coerce").to_numpy(),
            "closeness": raw.iloc[:, i + 1].astype(str).str.strip().to_numpy(),
        }))
    out = pd.concat(rows, ignore_index=True)
    bad = out["neighbour_code"].isna()
    if bad.any():
        raise InputError(path, f"council {out.loc[bad.idxmax(), 'la_code']} has a neighbour "
                               "code that is not a number", column=cols[sn_idx[0]])
    out["neighbour_code"] = out["neighbour_code"].astype(int)
    out["source_file"] = path.name
    return out.sort_values(["model", "la_code", "neighbour_rank"])[NEIGHBOUR_COLUMNS]


# --------------------------------------------------------------------------- Ofsted
def read_judgements(path: Path, codes: pd.DataFrame) -> pd.DataFrame:
    """Ofsted's latest overall effectiveness per council, with LAIT's 3-digit LA code."""
    sheets = pd.ExcelFile(path, engine="calamine").sheet_names
    sheet = next((s for s in sheets if s.lower().startswith("inspections_as_at")), None)
    if sheet is None:
        raise InputError(path, "no sheet 'Inspections_as_at_31_March'")
    raw = pd.read_excel(path, sheet_name=sheet, header=None, engine="calamine")
    hdr = raw.index[raw.astype(str).apply(
        lambda r: r.str.strip().eq("Overall effectiveness").any(), axis=1)]
    if len(hdr) == 0:
        raise InputError(path, "no column 'Overall effectiveness'", column="Overall effectiveness")
    raw.columns = [str(c).strip() for c in raw.iloc[hdr[0]]]
    raw = raw.iloc[hdr[0] + 1:]
    need = ["Local authority area code", "Local authority name", "Overall effectiveness"]
    _require(raw, need, path)
    m = re.search(r"as_at_(\d+)_([A-Za-z]+)_(\d{4})", path.name)
    as_at = (pd.to_datetime(f"{m.group(1)} {m.group(2)} {m.group(3)}").date().isoformat()
             if m else "")
    lookup = codes.drop_duplicates("new_la_code").set_index("new_la_code")["la_code"]
    out = pd.DataFrame({
        "new_la_code": raw["Local authority area code"].astype(str).str.strip(),
        "la_name": raw["Local authority name"].astype(str).str.strip(),
        "inspection_date": pd.to_datetime(raw.get("Inspection date"), errors="coerce")
        .dt.date.astype(str),
        "publication_date": pd.to_datetime(raw.get("Publication date"), errors="coerce")
        .dt.date.astype(str),
        "overall_effectiveness": raw["Overall effectiveness"].astype(str).str.strip(),
    })
    out = out[out["new_la_code"].str.match(r"^E\d{8}$")]
    out["la_code"] = out["new_la_code"].map(lookup).astype("Int64")
    by_name = codes.assign(_k=_name_key(codes["la_name"])).drop_duplicates("_k").set_index(
        "_k")["la_code"]
    out["la_code"] = out["la_code"].fillna(_name_key(out["la_name"]).map(by_name).astype("Int64"))
    unmatched = out["la_code"].isna()
    if unmatched.any():
        log.warning("%s: %d councils' area codes not matched to an LA number: %s", path.name,
                    int(unmatched.sum()), ", ".join(out.loc[unmatched, "la_name"]))
    out["as_at"] = as_at
    out["source_file"] = path.name
    return out[JUDGEMENT_COLUMNS]


def _name_key(names: pd.Series) -> pd.Series:
    """'Telford & Wrekin' ~ 'Telford and Wrekin'; 'St. Helens' ~ 'St Helens'."""
    return (names.astype(str).str.lower().str.replace("&", "and", regex=False)
            .str.replace(r"[^a-z]", "", regex=True))


# --------------------------------------------------------------------------- LA codes
def read_la_codes(path: Path) -> pd.DataFrame:
    raw = pd.read_excel(path, sheet_name=0, dtype=str, engine="calamine")
    raw.columns = [str(c).strip() for c in raw.columns]
    _require(raw, ["LA Number", "LA Name", "Region"], path)
    region = catalogue.region_codes()
    lookup = region.set_index("alias")["region_code"]
    names = region.drop_duplicates("region_code").set_index("region_code")["region_name"]
    raw = raw[pd.to_numeric(raw["LA Number"], errors="coerce").notna()]
    out = pd.DataFrame({
        "la_code": pd.to_numeric(raw["LA Number"]).astype(int),
        "la_name": raw["LA Name"].str.strip(),
        "region_code": raw["Region"].str.strip().map(lookup).astype("Int64"),
        "la_type": raw.get("Type", pd.Series("", index=raw.index)).fillna(""),
    })
    out["region_name"] = out["region_code"].map(names)
    out["new_la_code"] = ""
    return out[LA_CODE_COLUMNS]


# --------------------------------------------------------------------------- dispatch
def classify(path: Path) -> str:
    """`lait`, `ees`, `neighbours`, `judgements` or `la_codes`; bad input otherwise."""
    name = path.name.lower()
    if name.startswith("bds_long") and path.suffix in {".parquet", ".csv"}:
        return "lait"
    if name.startswith("la_inspection_outcomes"):
        return "judgements"
    if name.startswith("la_code_list"):
        return "la_codes"
    if name.startswith("sn_") or "statistical_neighbour" in name:
        return "neighbours"
    if path.suffix == ".csv" and not _ees_spec(path).empty:
        return "ees"
    raise InputError(path, "not a file kpis benchmarks import reads (LAIT bds_long*, an EES CSV "
                           "named in data/catalogue/ees_measures.csv, sn_*, "
                           "LA_Inspection_Outcomes_*.ods, la_code_list.xlsx)")


def _guard(reader, path: Path, *args):  # noqa: ANN001, ANN202
    """Run a reader; a file it cannot parse at all becomes bad input naming the file."""
    try:
        return reader(path, *args)
    except InputError:
        raise
    except Exception as err:  # noqa: BLE001 - any parser failure is the file's fault
        raise InputError(path, f"cannot read: {type(err).__name__}: {err}".splitlines()[0]) \
            from None


def build_tables(files: Iterable[str | Path],
                 existing_codes: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Read every file; return only the tables those files rebuild."""
    measures = catalogue.national_measures()
    groups: dict[str, list[Path]] = {}
    for f in map(Path, files):
        if not f.is_file():
            raise InputError(f, "no such file")
        groups.setdefault(classify(f), []).append(f)
    tables: dict[str, pd.DataFrame] = {}
    parts = [_guard(read_lait, p, measures) for p in groups.get("lait", [])]
    parts += [_guard(read_ees, p, measures) for p in groups.get("ees", [])]
    if parts:
        tables["published"] = assemble_published(parts)
    codes = existing_codes if existing_codes is not None else pd.DataFrame(
        columns=LA_CODE_COLUMNS)
    if groups.get("la_codes"):
        codes = pd.concat([_guard(read_la_codes, p) for p in groups["la_codes"]]).drop_duplicates(
            "la_code")
    pairs = [_guard(ees_codes, p) for p in groups.get("ees", [])]
    if pairs:
        new = pd.concat(pairs).drop_duplicates("la_code").set_index("la_code")["new_la_code"]
        codes = codes.copy()
        codes["new_la_code"] = codes["la_code"].map(new).fillna(codes["new_la_code"]).fillna("")
    if groups.get("la_codes") or pairs:
        tables["la_codes"] = codes[LA_CODE_COLUMNS].sort_values("la_code")
    if groups.get("neighbours"):
        sn = pd.concat([_guard(read_neighbours, p) for p in groups["neighbours"]])
        tables["neighbours"] = sn.drop_duplicates(["model", "la_code", "neighbour_rank"])
    if groups.get("judgements"):
        tables["judgements"] = pd.concat([_guard(read_judgements, p, codes)
                                          for p in groups["judgements"]])
    return tables
