"""Pandera schemas for the raw and processed scorecard tables, and the translation of a schema
failure into one clear InputError naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from kpis import catalogue
from kpis.errors import InputError

KINDS = ("actual", "target", "benchmark", "inspection")
COMPARATORS = ("statistical neighbours", "England", "inadequate LAs", "good/outstanding LAs",
               "unspecified")
SCORECARD_COLUMNS = ["indicator_id", "domain", "indicator", "breakdown", "kind", "comparator",
                     "period", "value", "unit", "note", "source", "flag"]
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


def _text(*checks: pa.Check, **kw: object) -> pa.Column:
    return pa.Column(str, list(checks) or None, **kw)


def appendix_schema(period_columns: list[str]) -> pa.DataFrameSchema:
    """Appendix 1 as keyed: one row per indicator (and breakdown), every cell text."""
    cols = {
        "domain": _text(pa.Check.isin(catalogue.domains()["domain"].tolist(),
                                      error="unknown domain (not in data/domains.csv)")),
        "indicator": _text(pa.Check.str_length(min_value=1, error="empty indicator name")),
        "breakdown": _text(), "Target": _text(), "Benchmarking": _text(), "Inspection": _text(),
        "Remarks": _text(required=False), "flag": _text(required=False),
        "flag_note": _text(required=False),
    }
    cols.update({c: _text() for c in period_columns})
    return pa.DataFrameSchema(cols, unique=["domain", "indicator", "breakdown"],
                              report_duplicates="exclude_first", strict=False)


NARRATIVE_SCHEMA = pa.DataFrameSchema(
    {
        "figure_id": _text(pa.Check.str_length(min_value=1), unique=True),
        "indicator_id": _text(pa.Check.isin(catalogue.indicators()["indicator_id"].tolist(),
                                            error="unknown indicator_id (not in the catalogue)")),
        "breakdown": _text(),
        "kind": _text(pa.Check.isin(KINDS, error=f"kind must be one of {', '.join(KINDS)}")),
        "period": _text(pa.Check.str_matches(r"^$|" + PERIOD, error="period must be YYYY-MM")),
        "value_text": _text(pa.Check.str_length(min_value=1, error="empty value")),
        "use": _text(pa.Check.isin(["observation", "corroborates"],
                                   error="use must be 'observation' or 'corroborates'")),
        "document": _text(), "section": _text(), "quote": _text(pa.Check.str_length(min_value=1)),
        "flag": _text(required=False), "flag_note": _text(required=False),
    },
    strict=False,
)


def _percent_in_range(df: pd.DataFrame) -> pd.Series:
    v = df["value"]
    return (df["unit"] != "percent") | v.isna() | ((v >= 0) & (v <= 100))


def _period_matches_kind(df: pd.DataFrame) -> pd.Series:
    dated = df["kind"].isin(["actual", "inspection"])
    return (dated & df["period"].str.match(PERIOD)) | (~dated & df["period"].eq(""))


SCORECARD_SCHEMA = pa.DataFrameSchema(
    {
        "indicator_id": _text(pa.Check.isin(catalogue.indicators()["indicator_id"].tolist())),
        "domain": _text(pa.Check.isin(catalogue.domains()["domain"].tolist())),
        "indicator": _text(), "breakdown": _text(),
        "kind": _text(pa.Check.isin(KINDS)),
        "comparator": _text(pa.Check.isin(("",) + COMPARATORS)),
        "period": _text(), "value": pa.Column(float, nullable=True),
        "unit": _text(pa.Check.str_length(min_value=1)), "note": _text(), "source": _text(),
        "flag": _text(),
    },
    checks=[
        pa.Check(_percent_in_range, error="percentage outside 0-100"),
        pa.Check(_period_matches_kind,
                 error="actual and inspection figures need a YYYY-MM period; targets and "
                       "benchmarks none"),
    ],
    unique=["indicator_id", "breakdown", "kind", "comparator", "period"],
    report_duplicates="exclude_first",
    strict=True, ordered=True,
)


def validate(schema: pa.DataFrameSchema, df: pd.DataFrame, file: str | Path,
             locate: pd.DataFrame | None = None) -> pd.DataFrame:
    """Validate `df`; on failure raise one InputError for the first problem.

    Rows are named as in the file: by default index + 2 (header is row 1). `locate`, if given,
    has columns `_file`, `_row`, `_col` aligned with `df`'s index and names the raw cell a
    processed row came from.
    """
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as errors:
        fc = errors.failure_cases
        first = fc.iloc[0]
        check = str(first["check"])
        column = None if pd.isna(first["column"]) else str(first["column"])
        if first["index"] is None or pd.isna(first["index"]):
            if check == "column_in_dataframe":
                raise InputError(file, "required column is missing",
                                 column=str(first["failure_case"])) from None
            raise InputError(file, f"{check}: {first['failure_case']}", column=column) from None
        idx = first["index"]
        if "duplicates" in check or "unique" in check or "field_uniqueness" in check:
            message = "duplicated: the same indicator (and breakdown) appears twice"
        elif first["schema_context"] == "DataFrameSchema" and "value" in df.columns \
                and idx in df.index:
            # a check across columns: show the number it is about, not the first column
            message = f"{check} (value {df.at[idx, 'value']:g})"
        else:
            message = f"{check}" + ("" if column is None else f" (value {first['failure_case']!r})")
        if locate is not None and idx in locate.index:
            loc = locate.loc[idx]
            raise InputError(loc["_file"], message, row=int(loc["_row"]),
                             column=str(loc["_col"])) from None
        raise InputError(file, message, row=int(idx) + 2, column=column) from None
