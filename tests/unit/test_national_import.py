"""kpis benchmarks import on small extracts of DfE's real files (tests/fixtures/national/README.md).

Every expected number below was read from the fixture by hand (pandas look noted beside it),
not produced by kpis.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from kpis.errors import InputError
from kpis.national import importer
from kpis.national.years import parse_year_label

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "national"
LAIT = FIX / "bds_long_extract.parquet"
C1 = FIX / "c1_children_in_need_referrals_and_rereferrals_extract.csv"
CSWW = FIX / "csww_indicators_extract.csv"
SN21 = FIX / "New_Statistical_Neighbour_Groupings_April_2021.csv"
SN25 = FIX / "sn_model_2025_wide.csv"
OFSTED = FIX / "LA_Inspection_Outcomes_as_at_31_March_2025.ods"
CODES = FIX / "la_code_list.xlsx"


@pytest.mark.parametrize(("label", "year", "revision"), [
    ("2024", 2024, ""), ("2024 (Rev)", 2024, "rev"), ("2020 (Final)", 2020, "final"),
    ("2025 (prov)", 2025, "prov"), ("2023-24", 2024, ""), ("2016/17", 2017, ""),
    ("2016-17", 2017, ""), ("202324", 2024, ""), ("1999-00", 2000, ""),
])
def test_year_labels(label: str, year: int, revision: str) -> None:
    parsed = parse_year_label(label)
    assert (parsed.year, parsed.revision) == (year, revision)


def test_revised_outranks_plain_outranks_provisional() -> None:
    assert (parse_year_label("2024 (Rev)").revision_rank > parse_year_label("2024").revision_rank
            > parse_year_label("2024 (prov)").revision_rank)


@pytest.mark.parametrize("label", ["2014-16", "2013/14-15/16", "0", "next year"])
def test_multi_year_or_odd_labels_refused(label: str) -> None:
    with pytest.raises(ValueError, match="not a one-year label"):
        parse_year_label(label)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return importer.build_tables([LAIT, C1, CSWW, SN21, SN25, OFSTED, CODES])


def _one(pub: pd.DataFrame, **where: object) -> pd.Series:
    m = pd.Series(True, index=pub.index)
    for k, v in where.items():
        m &= pub[k] == v
    rows = pub[m]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_lait_values_and_provenance(tables: dict[str, pd.DataFrame]) -> None:
    pub = tables["published"]
    # LAIT: Short Desc ReReferral, Years '2020', LA Number 916 -> Values '30' (2019-20)
    row = _one(pub, measure="ReReferral", area_code=916, period=2020,
               source_file="bds_long_extract.parquet")
    assert row["value"] == 30.0 and row["period_end"] == "2020-03-31"
    assert row["year_label"] == "2020" and row["source_column"] == "Values"
    assert row["source_table"] == "LAIT ReReferral" and bool(row["preferred"])
    # LAIT: CP_conf_15days, '2017', 916 -> '40.300000000000004' (2016-17; the board report's 40.3)
    assert _one(pub, measure="CP_conf_15days", area_code=916, period=2017)["value"] == 40.3
    # LAIT: ReReferral '2020' England (970) -> 22.6, South West (990) -> 21
    assert _one(pub, measure="ReReferral", area_code=970, period=2020, preferred=True)[
        "value"] == 22.6
    assert _one(pub, measure="ReReferral", area_code=990, period=2020, preferred=True)[
        "area_level"] == "region"


def test_lait_dash_is_missing_not_zero(tables: dict[str, pd.DataFrame]) -> None:
    # LAIT: ReReferral '2020', Dorset (838, new council) -> '-'
    row = _one(tables["published"], measure="ReReferral", area_code=838, period=2020)
    assert math.isnan(row["value"]) and row["symbol"] == "-"
    assert "not published" in row["symbol_meaning"]


def test_ees_symbols_kept_with_meaning(tables: dict[str, pd.DataFrame]) -> None:
    pub = tables["published"]
    # C1 extract: 2021, Isles of Scilly (420), rereferral_percent 'c'
    row = _one(pub, measure="ReReferral", area_code=420, period=2021)
    assert math.isnan(row["value"]) and row["symbol"] == "c"
    assert row["symbol_meaning"].startswith("confidential")
    assert row["source_column"] == "rereferral_percent"
    # CSWW extract: 2025 Sunderland (394) agency_rate_fte 'low'; Kirklees (382) '0' stays 0
    low = _one(pub, measure="Work_Force_Agecy_Rate", area_code=394, period=2025)
    assert math.isnan(low["value"]) and low["symbol"] == "low"
    zero = _one(pub, measure="Work_Force_Agecy_Rate", area_code=382, period=2025)
    assert zero["value"] == 0.0 and zero["symbol"] == ""
    # CSWW: 2025 Gloucestershire turnover_rate_fte 10.9, census at 30 September
    to = _one(pub, measure="Work_Force_TO_Rate", area_code=916, period=2025)
    assert to["value"] == 10.9 and to["period_end"] == "2025-09-30"


def test_lait_preferred_over_ees_for_the_same_figure(tables: dict[str, pd.DataFrame]) -> None:
    pub = tables["published"]
    both = pub[(pub["measure"] == "ReReferral") & (pub["area_code"] == 916)
               & (pub["period"] == 2020)]
    # C1 2020 Gloucestershire rereferral_percent '30' = LAIT '30': two rows, LAIT preferred
    assert set(both["source_file"]) == {"bds_long_extract.parquet", C1.name}
    assert both.loc[both["preferred"], "source_file"].tolist() == ["bds_long_extract.parquet"]
    # 2021 is only in C1 (30.2): it is the preferred figure
    assert _one(pub, measure="ReReferral", area_code=916, period=2021, preferred=True)[
        "value"] == 30.2
    # C1 region 'Inner London' -> LAIT code 987
    assert _one(pub, measure="ReReferral", area_code=987, period=2021)["value"] == 19.4


def test_neighbours_both_models(tables: dict[str, pd.DataFrame]) -> None:
    sn = tables["neighbours"]
    glos = sn[sn["la_code"] == 916]
    # sn_model_2025_wide.csv row 916: SN_1..SN_10 = 937 938 850 802 865 895 855 931 881 885
    assert glos[glos["model"] == 2025]["neighbour_code"].tolist() == [
        937, 938, 850, 802, 865, 895, 855, 931, 881, 885]
    # April 2021 CSV row 916: 865 800 938 873 878 838 893 850 803 885
    assert glos[glos["model"] == 2021]["neighbour_code"].tolist() == [
        865, 800, 938, 873, 878, 838, 893, 850, 803, 885]
    shared = set(glos[glos["model"] == 2021]["neighbour_code"]) & set(
        glos[glos["model"] == 2025]["neighbour_code"])
    assert shared == {865, 938, 850, 885}  # the README's "share 4 of 10"


def test_ofsted_and_codes(tables: dict[str, pd.DataFrame]) -> None:
    j = tables["judgements"]
    # Inspections_as_at_31_March: E10000013 Gloucestershire, 2022-02-07, Requires improvement
    g = j[j["new_la_code"] == "E10000013"].iloc[0]
    assert g["la_code"] == 916 and g["overall_effectiveness"] == "Requires improvement to be good"
    assert g["as_at"] == "2025-03-31"
    # the sheet's counts: Inadequate 19, Good 67, Outstanding 36
    assert (j["overall_effectiveness"] == "Inadequate").sum() == 19
    codes = tables["la_codes"]
    assert codes.loc[codes["la_code"] == 916, "region_code"].item() == 990


def test_unknown_file_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a file kpis benchmarks import reads"):
        importer.build_tables([FIX / "README.md"])
    bad = tmp_path / "c1_children_in_need_referrals_and_rereferrals_bad.csv"
    pd.read_csv(C1, dtype=str).drop(columns="rereferral_percent").to_csv(bad, index=False)
    with pytest.raises(InputError) as err:
        importer.build_tables([bad])
    assert "rereferral_percent" in str(err.value) and bad.name in str(err.value)


def test_unknown_symbol_names_row_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "c1_children_in_need_referrals_and_rereferrals_bad.csv"
    df = pd.read_csv(C1, dtype=str, keep_default_na=False)
    df.loc[3, "rereferral_percent"] = "1O5"
    df.to_csv(bad, index=False)
    with pytest.raises(InputError) as err:
        importer.build_tables([bad])
    assert str(err.value).startswith(f"error: {bad}, row 5, column 'rereferral_percent'")
