"""Does the scorecard agree with the official statistics?

`reconcile_scorecard` puts each scorecard actual (tidy scorecard, `kind == 'actual'`, period
`YYYY-MM`) beside the council's published figure for the nearest reporting year: the one whose
last day (31 March, or 30 September for the workforce census) is closest to the end of the
scorecard's month (an equal distance goes to the earlier, already published, year). The
difference is scorecard minus published, in the indicator's unit. Within `tolerance` (1
percentage point, as the distance-travelled rule) the figures `agree`; otherwise the reasons
known for that indicator (`data/catalogue/reconciliation_reasons.csv`: a period reason when the
months differ, and definition / in-month-vs-annual reasons per indicator) are given, or
`unexplained`.

`reconcile_computed` does the same for `kpis compute` output: council-level March month-ends
(the year to 31 March) beside the published year ending that March.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ["indicator_id", "breakdown", "indicator", "scorecard_period", "scorecard_value",
           "published_period", "period_end", "published_value", "difference", "agreement",
           "reason", "scorecard_source", "published_source"]


def _month_end(period: pd.Series) -> pd.Series:
    return pd.to_datetime(period.astype(str) + "-01", errors="coerce") + pd.offsets.MonthEnd(0)


def _council_series(published: pd.DataFrame, catalogue: pd.DataFrame,
                    la_code: int) -> pd.DataFrame:
    pub = published[published["preferred"] & (published["area_code"] == int(la_code))]
    pub = catalogue[["indicator_id", "breakdown", "measure", "relation"]].merge(pub, on="measure")
    value = pub["value"].where(pub["relation"] != "complement", 100 - pub["value"])
    src = pub["source_table"] + " (" + pub["source_file"] + ")"
    src = src.where(pub["relation"] != "complement", "100 - " + src)
    return pd.DataFrame({"indicator_id": pub["indicator_id"], "breakdown": pub["breakdown"],
                         "published_period": pub["period"], "period_end": pub["period_end"],
                         "published_value": value, "published_symbol": pub["symbol"],
                         "published_source": src})


def _nearest(actuals: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """Each actual joined to the published year whose period_end is nearest its month-end."""
    a = actuals.reset_index(drop=True).assign(_row=lambda d: np.arange(len(d)))
    a["_end"] = _month_end(a["scorecard_period"])
    m = a.merge(series, on=["indicator_id", "breakdown"], how="left")
    m["_gap"] = (pd.to_datetime(m["period_end"]) - m["_end"]).abs()
    m["_later"] = pd.to_datetime(m["period_end"]) > m["_end"]
    m = m.sort_values(["_row", "_gap", "_later"], na_position="last", kind="stable")
    return m.drop_duplicates("_row").sort_values("_row")


def _reasons(m: pd.DataFrame, reasons: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    diff = m["scorecard_value"] - m["published_value"]
    m = m.assign(difference=diff.round(3))
    per = reasons[reasons["indicator_id"] != "*"]
    per = per.groupby(["indicator_id", "breakdown"])["reason"].agg("; ".join)
    generic = reasons.loc[(reasons["indicator_id"] == "*") & (reasons["kind"] == "period"),
                          "reason"]
    template = generic.iloc[0] if len(generic) else ""
    same_month = (m["_end"].dt.strftime("%Y-%m-%d") == m["period_end"].astype(str))
    period_reason = pd.Series([
        template.format(scorecard_period=sp, period_end=pe) if isinstance(pe, str) else ""
        for sp, pe in zip(m["scorecard_period"], m["period_end"], strict=True)], index=m.index)
    period_reason = period_reason.where(~same_month, "")
    key = pd.MultiIndex.from_frame(m[["indicator_id", "breakdown"]])
    known = pd.Series(key.map(per), index=m.index, dtype=object).fillna("")
    text = (period_reason + "; " + known).str.strip("; ").str.replace(r"^; |; $", "", regex=True)
    agree = diff.abs() <= tolerance
    m["agreement"] = np.select(
        [m["published_value"].isna(), agree, text.ne("")],
        ["no published figure", "agrees", "differs: reason known"], "differs: unexplained")
    m["reason"] = np.where(m["agreement"].eq("differs: unexplained"), "unexplained",
                           np.where(m["agreement"].eq("agrees"), "", text))
    m.loc[m["published_value"].isna(), "reason"] = m["published_symbol"].fillna("").map(
        lambda s: f"DfE symbol {s!r}" if s else "no figure for this year")
    return m


def reconcile_scorecard(scorecard: pd.DataFrame, published: pd.DataFrame,
                        catalogue: pd.DataFrame, reasons: pd.DataFrame, la_code: int,
                        tolerance: float = 1.0) -> pd.DataFrame:
    """Each scorecard actual beside the published figure (see the module docstring)."""
    sc = scorecard[(scorecard["kind"] == "actual")
                   & scorecard["indicator_id"].isin(catalogue["indicator_id"])]
    sc = sc[sc["value"].notna()]
    actuals = pd.DataFrame({
        "indicator_id": sc["indicator_id"], "breakdown": sc["breakdown"].fillna(""),
        "indicator": sc["indicator"], "scorecard_period": sc["period"].astype(str),
        "scorecard_value": sc["value"].astype(float), "scorecard_source": sc["source"]})
    m = _nearest(actuals, _council_series(published, catalogue, la_code))
    m = _reasons(m, reasons, tolerance)
    return m[COLUMNS].reset_index(drop=True)


def reconcile_computed(computed: pd.DataFrame, published: pd.DataFrame,
                       catalogue: pd.DataFrame, reasons: pd.DataFrame, la_code: int,
                       tolerance: float = 1.0) -> pd.DataFrame:
    """`kpis compute` council-level figures at March month-ends beside the published year."""
    c = computed[(computed["level"] == "council")
                 & computed["period"].astype(str).str.endswith("-03")]
    c = c.assign(source=c["source"] + " (" + c["note"].fillna("") + ")")
    return reconcile_scorecard(c.assign(kind="actual"), published, catalogue, reasons, la_code,
                               tolerance)


def load_inputs(scorecard_path: str, la_code: int, computed_path: str = "",
                external: str | None = None, raw_dir: str = "../data/raw",
                ) -> dict[str, pd.DataFrame]:
    """For the notebook: the scorecard and computed reconciliations and the council's
    benchmarks, from the tidy scorecard, `kpis compute` output (optional) and data/external."""
    from kpis.national import catalogue as cat
    from kpis.national import store
    from kpis.national.benchmarks import benchmarks_for

    tables = store.load_all(external)
    measures = cat.national_measures()
    reasons = cat.reconciliation_reasons()
    from kpis.scorecard.tidy import read_scorecard  # built in memory when there is none yet

    scorecard = read_scorecard(scorecard_path, raw_dir)
    out = {
        "scorecard": reconcile_scorecard(scorecard, tables["published"], measures, reasons,
                                         la_code),
        "benchmarks": benchmarks_for(la_code, tables["published"], tables["neighbours"],
                                     tables["judgements"], measures, tables["la_codes"]),
        "catalogue": measures,
        "computed": pd.DataFrame(columns=COLUMNS),
    }
    if computed_path and Path(computed_path).exists():
        computed = pd.read_csv(computed_path, keep_default_na=False, low_memory=False,
                               na_values={c: [""] for c in ("value", "numerator", "denominator")})
        out["computed"] = reconcile_computed(computed, tables["published"], measures, reasons,
                                             la_code)
    return out
