"""`kpis clean` on the real raw files: hand-checked figures and a back-test against the
hand-checked expected table (tests/fixtures/scorecard_expected.csv, reviewed line by line
against Appendix 1 of the board report and the prose of both documents)."""

from pathlib import Path

import pandas as pd
import pytest

from kpis import catalogue
from kpis.scorecard.clean import build, clean
from kpis.scorecard.schemas import SCORECARD_COLUMNS
from kpis.scorecard.tidy import read_scorecard

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "raw"
EXPECTED = Path(__file__).resolve().parents[1] / "fixtures" / "scorecard_expected.csv"


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return build(RAW)[0]


def value(table, iid, kind="actual", period="", breakdown="", comparator=""):
    sel = table[(table.indicator_id == iid) & (table.kind == kind) & (table.period == period)
                & (table.breakdown == breakdown) & (table.comparator == comparator)]
    assert len(sel) == 1, (iid, kind, period, breakdown, comparator, sel)
    return sel.iloc[0]


def test_columns_are_the_contract(table):
    assert list(table.columns) == SCORECARD_COLUMNS


def test_re_referrals_as_printed(table):
    # Appendix 1, Repeat Work: "Re-referrals 24% 32% 24% 19.7%"
    assert value(table, "re_referrals", "actual", "2017-03").value == 24
    assert value(table, "re_referrals", "actual", "2020-06").value == 32
    assert value(table, "re_referrals", "target").value == 24
    assert value(table, "re_referrals", "benchmark", comparator="unspecified").value == 19.7


def test_tbc_is_missing_with_reason_never_zero(table):
    row = value(table, "contact_outcome_48h", "actual", "2020-06")
    assert pd.isna(row.value) and "tbc" in row.note
    assert row.flag == "two_figures"
    post16 = value(table, "pep_up_to_date", "actual", "2020-06", breakdown="Post 16s")
    assert pd.isna(post16.value) and "no data" in post16.note


def test_words_go_to_note(table):
    row = value(table, "visits_cin", "actual", "2017-03")
    assert row.value == 89.3 and row.note == "seen in the last 7 weeks"
    ytd = value(table, "proceedings_pre", "actual", "2020-06")
    assert ytd.value == 82 and "ytd" in ytd.note
    assert "not in line with national definition" in \
        value(table, "cla_persistent_absence", "actual", "2020-06").note


def test_breakdowns_and_named_comparators(table):
    assert value(table, "initial_visits", "actual", "2017-03", "S47").value == 61
    assert value(table, "initial_visits", "actual", "2020-06", "closed not seen").value == 11
    assert value(table, "returns_to_care", "actual", "2020-06", "single month").value == 50
    assert value(table, "returns_to_care", "actual", "2017-03").note == "rolling year"
    assert value(table, "sw_changes_12m_cla", "benchmark",
                 comparator="good/outstanding LAs").value == 75
    s20 = value(table, "cla_s20", "actual", "2020-06", "number of children")
    assert (s20.value, s20.unit) == (208, "children")


def test_source_names_the_cell(table):
    row = value(table, "re_referrals", "actual", "2020-06")
    assert row.source == "appendix1_scorecard.csv row 26, column Jun-20"
    raw = pd.read_csv(RAW / "appendix1_scorecard.csv", dtype=str, keep_default_na=False)
    assert raw.at[26 - 2, "indicator"] == "Re-referrals" and raw.at[26 - 2, "Jun-20"] == "32%"


def test_narrative_figures_with_quotes_and_corroboration(table):
    agency = table[(table.indicator_id == "agency_rate") & (table.kind == "actual")]
    assert dict(zip(agency.period, agency.value, strict=True)) == {
        "2018-09": 50, "2020-06": 29, "2021-09": 20}
    # The letter's "over 50% three years ago" restates the board report's "around 50%" peak.
    assert "NF16" in value(table, "agency_rate", "actual", "2018-09").source
    # "around 88" unallocated children restates Appendix 1's Mar-17 cell.
    assert "NF01" in value(table, "unallocated_2wk", "actual", "2017-03").source
    le18 = table[(table.indicator_id == "caseload_18_or_fewer") & (table.kind == "actual")
                 & (table.breakdown == "")]
    assert dict(zip(le18.period, le18.value, strict=True)) == {"2020-06": 78, "2021-09": 44}
    grades = table[table.indicator_id == "audit_grades"].set_index("breakdown")["value"]
    assert grades.to_dict() == {"good": 33, "requires improvement": 48, "inadequate": 19}


def test_every_domain_and_catalogued_indicator_is_known(table):
    assert set(table.domain) <= set(catalogue.domains().domain)
    appendix_domains = set(catalogue.domains().query("in_appendix").domain)
    assert appendix_domains <= set(table.domain)


def test_back_test_against_hand_checked_table(table):
    expected = pd.read_csv(EXPECTED, dtype=str, keep_default_na=False)
    got = table[expected.columns.drop("value").tolist()].copy()
    got["value"] = table["value"].map(lambda v: "" if pd.isna(v) else f"{v:.4g}")
    key = ["indicator_id", "breakdown", "kind", "comparator", "period"]
    merged = expected.merge(got, on=key, how="outer", suffixes=("_expected", "_got"),
                            indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["value_expected"] == merged["value_got"]).all()
    assert (merged["unit_expected"] == merged["unit_got"]).all()
    assert len(expected) == 175


def test_clean_writes_csv_and_parquet_that_read_back(tmp_path):
    table = clean(RAW, tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {
        "scorecard.csv", "scorecard.parquet", "inspection_findings.csv"}
    assert not list(tmp_path.glob(".*tmp"))
    back = read_scorecard(tmp_path / "scorecard.parquet")
    pd.testing.assert_frame_equal(back, table)
    (tmp_path / "scorecard.parquet").unlink()
    back_csv = read_scorecard(tmp_path / "scorecard.csv")
    assert back_csv["value"].isna().sum() == 3
    assert back_csv["value"].sum() == pytest.approx(table["value"].sum())
    findings = pd.read_csv(tmp_path / "inspection_findings.csv")
    assert "Strategy Discussions are frequently delayed" in set(findings.finding)
