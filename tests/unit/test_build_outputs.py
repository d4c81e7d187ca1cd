"""What `kpis report` writes into data/processed beside the scorecard: benchmarks.csv from the
published statistics, spc.csv from the computed series. Expected figures read by hand from
DfE's LAIT table (bds_long_0.parquet, ReReferral, Years 2020 = year to 31 March 2020)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kpis.reporting import build


def test_benchmarks_csv_has_the_council_england_and_both_neighbour_models(tmp_path: Path):
    build._benchmarks(tmp_path, 916)  # the default scorecard's LA (data/raw/scorecard.yml)
    b = pd.read_csv(tmp_path / "benchmarks.csv", keep_default_na=False)
    rr = b[b["indicator_id"].eq("re_referrals") & b["period"].astype(str).eq("2020")]

    def one(comparator: str, statistic: str) -> float:
        hit = rr[rr["comparator"].eq(comparator) & rr["statistic"].eq(statistic)]
        assert len(hit) == 1, (comparator, statistic)
        return float(hit["value"].iloc[0])

    assert one("council", "value") == 30.0          # Gloucestershire 2019-20
    assert one("England", "value") == 22.6
    # 2021 model: 9 of 10 neighbours published (Dorset printed '-'), mean 22.489, median 22.9
    assert abs(one("statistical neighbours 2021", "mean") - 22.489) < 0.001
    assert one("statistical neighbours 2021", "median") == 22.9
    assert abs(one("statistical neighbours 2025", "mean") - 22.23) < 0.001
    assert one("statistical neighbours 2025", "median") == 21.1
    assert set(rr["period_end"]) == {"2020-03-31"}


def test_spc_csv_has_the_issue_columns_and_the_target_assurance(tmp_path: Path):
    # repeat_cp (in month) for 12 months: 10,20,10,20,... mean 15, mean moving range 10,
    # limits 15 +/- 26.6 -> 0 (clipped) to 41.6; target 30 (lower is better): every point
    # passes, the upper limit (41.6) is above the target -> 'hit and miss'
    months = pd.period_range("2019-07", "2020-06", freq="M").astype(str)
    figures = pd.DataFrame({
        "indicator_id": "repeat_cp", "breakdown": "", "level": "council", "org_unit": "C",
        "period": months, "value": [10.0, 20.0] * 6, "unit": "percent", "flag": ""})
    dist = pd.DataFrame({"indicator_id": ["repeat_cp"], "breakdown": [""], "target": [30.0]})
    build._spc(figures, tmp_path, dist)
    spc = pd.read_csv(tmp_path / "spc.csv", keep_default_na=False)
    assert list(spc.columns) == ["indicator_id", "breakdown", "level", "org_unit", "period",
                                 "value", "centre", "lower", "upper", "in_baseline",
                                 "special_cause", "rules", "variation", "assurance"]
    assert len(spc) == 12
    assert spc["centre"].eq(15.0).all() and spc["lower"].eq(0.0).all()
    assert abs(spc["upper"].iloc[0] - 41.6) < 1e-9
    assert set(spc["assurance"]) == {"hit and miss"}
    assert set(spc["variation"]) == {"common cause"}
