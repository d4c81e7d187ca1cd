"""benchmarks_for on the LAIT extract (tests/fixtures/national/), numbers worked by hand.

Hand working (pandas look at bds_long_extract.parquet, Short Desc 'ReReferral', Years '2020'):
- Gloucestershire (916): 30. England (970): 22.6. South West (990): 21.
- 2021 model neighbours 865 Wiltshire 21.4, 800 Bath and NE Somerset 18.2, 938 West Sussex 26.6,
  873 Cambridgeshire 22.9, 878 Devon 17.2, 838 Dorset '-', 893 Shropshire 16.7, 850 Hampshire
  32.3, 803 South Gloucestershire 22.9, 885 Worcestershire 24.2: 9 figures, sum 202.4,
  mean 22.4889, sorted 16.7 17.2 18.2 21.4 [22.9] 22.9 24.2 26.6 32.3 -> median 22.9.
- 2025 model 937 Warwickshire 19.2, 938 26.6, 850 32.3, 802 North Somerset 25.3, 865 21.4,
  895 Cheshire East 15.8, 855 Leicestershire 20.8, 931 Oxfordshire 17.7, 881 Essex 19,
  885 24.2: sum 222.3, mean 22.23, median (20.8 + 21.4) / 2 = 21.1.
- 148 councils have a figure; 136 are below 30 and Wakefield also has 30: Gloucestershire and
  Wakefield share rank 137 (ties take the lowest rank). numpy/R type-7 quartiles of the 148:
  17.175, 20.85, 25.0; 30 > 25.0 -> band D for a lower-is-better measure.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpis.national import catalogue, importer
from kpis.national.benchmarks import benchmarks_for, quartile_band, rank_best_first

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "national"


@pytest.fixture(scope="module")
def bench() -> pd.DataFrame:
    t = importer.build_tables([FIX / "bds_long_extract.parquet",
                               FIX / "New_Statistical_Neighbour_Groupings_April_2021.csv",
                               FIX / "sn_model_2025_wide.csv", FIX / "la_code_list.xlsx",
                               FIX / "LA_Inspection_Outcomes_as_at_31_March_2025.ods"])
    return benchmarks_for(916, t["published"], t["neighbours"], t["judgements"],
                          catalogue.national_measures(), t["la_codes"])


def _get(b: pd.DataFrame, comparator: str, statistic: str, period: int = 2020,
         indicator: str = "re_referrals") -> pd.Series:
    row = b[(b["indicator_id"] == indicator) & (b["period"] == period)
            & (b["comparator"] == comparator) & (b["statistic"] == statistic)]
    assert len(row) == 1, row
    return row.iloc[0]


def test_columns(bench: pd.DataFrame) -> None:
    assert list(bench.columns) == ["indicator_id", "breakdown", "period", "period_end",
                                   "comparator", "statistic", "value", "n_councils", "source"]


def test_council_england_region(bench: pd.DataFrame) -> None:
    assert _get(bench, "council", "value")["value"] == 30.0
    assert _get(bench, "council", "value")["period_end"] == "2020-03-31"
    assert _get(bench, "England", "value")["value"] == 22.6
    assert _get(bench, "region", "value")["value"] == 21.0


def test_neighbour_mean_and_median_by_hand(bench: pd.DataFrame) -> None:
    m21 = _get(bench, "statistical neighbours 2021", "mean")
    assert m21["value"] == pytest.approx(202.4 / 9) and m21["n_councils"] == 9
    assert _get(bench, "statistical neighbours 2021", "median")["value"] == pytest.approx(22.9)
    assert _get(bench, "statistical neighbours 2021", "min")["value"] == pytest.approx(16.7)
    m25 = _get(bench, "statistical neighbours 2025", "mean")
    assert m25["value"] == pytest.approx(22.23) and m25["n_councils"] == 10
    assert _get(bench, "statistical neighbours 2025", "median")["value"] == pytest.approx(21.1)


def test_rank_tie_and_band_on_real_data(bench: pd.DataFrame) -> None:
    rank = _get(bench, "council", "rank")
    assert rank["value"] == 137 and rank["n_councils"] == 148
    band = _get(bench, "council", "quartile band")
    assert band["value"] == 4 and "quartile band D" in band["source"]


def test_icpc_2016_17(bench: pd.DataFrame) -> None:
    # LAIT CP_conf_15days '2017', 916 -> 40.3 (the board report's "DfE published 40.3%")
    assert _get(bench, "council", "value", 2017, "icpc_15wd")["value"] == 40.3


def test_rank_ties_by_hand() -> None:
    v = pd.Series([10.0, 12.0, 12.0, 15.0, 20.0, float("nan")])
    assert rank_best_first(v, "lower").tolist()[:5] == [1, 2, 2, 4, 5]
    assert rank_best_first(v, "higher").tolist()[:5] == [5, 3, 3, 2, 1]
    assert pd.isna(rank_best_first(v, "lower").iloc[5])


def test_quartile_band_ties_by_hand() -> None:
    # type-7 quartiles of 10 12 12 15 20: positions 1, 2, 3 (0-based) -> Q1 = 12, Q2 = 12, Q3 = 15
    field = pd.Series([10.0, 12.0, 12.0, 15.0, 20.0])
    assert [quartile_band(x, field, "lower") for x in (10, 12, 15, 20)] == ["A", "A", "C", "D"]
    # a value on a cut point goes to the band below numerically: 12 -> D when higher is better
    assert [quartile_band(x, field, "higher") for x in (10, 12, 15, 20)] == ["D", "D", "B", "A"]
    assert quartile_band(12.0, field, "neither") is None
