"""The published figures in the reports (issue 11 item 3): the scorecard's blank or
'unspecified' benchmarks filled from them, the neighbour comparison and the scorecard continued
with the published years.

Hand-checked figures, read from DfE's LAIT long table (bds_long_0.parquet) for Gloucestershire
(LA 916) and its 10 statistical neighbours in DfE's 2021 model (sn_april_2021.xlsx):
- ReReferral, year to 31 March 2020: 9 of 10 neighbours published (Dorset '-'), mean 22.489
  -> 22.5 (the same figure tests/unit/test_build_outputs.py checks in benchmarks.csv);
- Work_Force_AvgNumCase_SW at 30 September 2019: Bath and NE Somerset 13.5, South
  Gloucestershire 16.8, Dorset 17.6, Hampshire 17.7, Wiltshire 17.0, Cambridgeshire 14.3,
  Devon 13.1, Worcestershire 18.1, Shropshire 17.2, West Sussex 16.8: sum 162.1, mean 16.21;
- ReReferral, the council, years to 31 March 2021-2025: 30.2, 24.5, 27.2, 21.5, 22.4.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpis.national import catalogue as national
from kpis.national.scorecard_fill import FLAG, add_published_benchmarks
from kpis.reporting import benchmark_charts as bc
from kpis.reporting import published
from kpis.scorecard import distance

ROOT = Path(__file__).resolve().parents[2]


def _line(iid: str, kind: str, value: float, comparator: str = "", period: str = "",
          unit: str = "percent", domain: str = "Repeat Work") -> dict:
    return {"indicator_id": iid, "domain": domain, "indicator": iid, "breakdown": "",
            "kind": kind, "comparator": comparator, "period": period, "value": value,
            "unit": unit, "note": "", "source": "appendix1_scorecard.csv row 1", "flag": ""}


@pytest.fixture(scope="module")
def bench() -> pd.DataFrame:
    return published.load_benchmarks(la_code=916)  # the default scorecard's council


@pytest.fixture(scope="module")
def scorecard() -> pd.DataFrame:
    return pd.DataFrame([
        _line("re_referrals", "actual", 24.0, period="2017-03"),
        _line("re_referrals", "actual", 32.0, period="2020-06"),
        _line("re_referrals", "benchmark", 19.7, comparator="unspecified"),
        _line("caseload_per_fte", "actual", 15.0, period="2020-06", unit="children per FTE",
              domain="Workforce"),
        _line("sw_changes_12m_cla", "actual", 60.0, period="2020-06", domain="Stability"),
        _line("sw_changes_12m_cla", "benchmark", 66.0, comparator="inadequate LAs",
              domain="Stability"),
        _line("contact_decision_24h", "actual", 90.0, period="2020-06", domain="Decision"),
    ])


def test_blank_and_unspecified_benchmarks_are_filled_naming_the_comparator(
        scorecard: pd.DataFrame, bench: pd.DataFrame) -> None:
    out = add_published_benchmarks(scorecard, bench, national.national_measures(), "2020-06")
    assert out.iloc[:len(scorecard)].equals(scorecard)  # nothing of the scorecard changed
    added = out.iloc[len(scorecard):].set_index("indicator_id")
    assert set(added.index) == {"re_referrals", "caseload_per_fte"}  # no published equivalent
    # for contact_decision_24h; sw_changes_12m_cla already has a named benchmark
    rr = added.loc["re_referrals"]
    assert rr["kind"] == "benchmark" and rr["flag"] == FLAG
    assert rr["comparator"] == "statistical neighbours 2021 mean, 2019-20"
    assert rr["value"] == 22.5
    assert "ReReferral" in rr["source"] and "bds_long_0.parquet" in rr["source"]
    assert "2019-20" in rr["source"] and rr["note"].startswith("published: 9 of")
    cl = added.loc["caseload_per_fte"]
    assert cl["comparator"] == "statistical neighbours 2021 mean, 30 September 2019"
    assert cl["value"] == 16.2 and cl["unit"] == "children per FTE"


def test_the_published_benchmark_heads_the_distance_table(scorecard: pd.DataFrame,
                                                          bench: pd.DataFrame) -> None:
    filled = add_published_benchmarks(scorecard, bench, national.national_measures(),
                                      "2020-06")
    d = distance.distance_table(filled).set_index("indicator_id")
    assert d.loc["re_referrals", "benchmark"] == 22.5
    assert d.loc["re_referrals", "benchmark_comparator"] == \
        "statistical neighbours 2021 mean, 2019-20"
    assert d.loc["re_referrals", "benchmark: unspecified"] == 19.7  # kept beside it
    assert d.loc["re_referrals", "benchmark_position"] == "worse"  # 32 vs 22.5, lower better
    assert d.loc["sw_changes_12m_cla", "benchmark_comparator"] == "inadequate LAs"
    assert d.loc["caseload_per_fte", "benchmark_position"] == "better"  # 15 vs 16.2


def test_england_when_no_neighbour_has_a_figure_and_the_year_before_the_month() -> None:
    sc = pd.DataFrame([_line("re_referrals", "actual", 30.0, period="2019-02")])
    rows = []
    for period, sn, eng in ((2018, 20.0, 21.0), (2019, None, 22.0), (2020, 25.0, 23.0)):
        rows.append({"indicator_id": "re_referrals", "breakdown": "", "period": period,
                     "period_end": f"{period}-03-31", "comparator": "England",
                     "statistic": "value", "value": eng, "n_councils": None,
                     "source": "LAIT ReReferral (x.parquet)"})
        rows.append({**rows[-1], "comparator": "statistical neighbours 2021",
                     "statistic": "mean", "value": sn, "n_councils": 10 if sn else 0})
        rows.append({**rows[-2], "comparator": "council", "value": 30.0, "n_councils": 1})
    b = pd.DataFrame(rows)
    out = add_published_benchmarks(sc, b, national.national_measures(), "2019-02")
    # February 2019: the latest year ending by then is 2017-18, whose neighbours have a mean
    assert out["comparator"].iloc[-1] == "statistical neighbours 2021 mean, 2017-18"
    assert out["value"].iloc[-1] == 20.0
    out = add_published_benchmarks(sc, b, national.national_measures(), "2019-06")
    # June 2019: 2018-19, where no neighbour has a figure: England's
    assert out["comparator"].iloc[-1] == "England, 2018-19"
    assert out["value"].iloc[-1] == 22.0


def test_the_scorecard_continues_with_the_published_years(scorecard: pd.DataFrame,
                                                          bench: pd.DataFrame) -> None:
    its = published.items(["re_referrals", "contact_decision_24h"], bench,
                          {"re_referrals": "Re-referrals"})
    assert its["indicator_id"].tolist() == ["re_referrals"]
    t = bc.continuation_table(scorecard, bench, its, "2020-06").iloc[0]
    assert t["scorecard (June 2020)"] == 32.0
    assert [t[f"published (year to 31 March {y})"] for y in range(2021, 2026)] == \
        [30.2, 24.5, 27.2, 21.5, 22.4]
    assert "published (year to 31 March 2020)" not in t.index  # not after the scorecard
    chart = bc.continuation_chart(scorecard, bench, its, "2020-06", "After the scorecard")
    assert "scorecard 32% in June 2020; published 30.2% for 2020-21 to 22.4% for 2024-25" \
        in chart.alt
    assert set(chart.data.loc[chart.data["after the scorecard"].eq("yes"), "figure"]) == {
        f"published (year to 31 March {y})" for y in range(2021, 2026)}


def test_the_neighbour_chart_has_rank_band_and_the_neighbours_in_its_data(
        bench: pd.DataFrame) -> None:
    its = published.items(["re_referrals"], bench, {"re_referrals": "Re-referrals"})
    chart = bc.neighbour_chart(bench, its, "Re-referrals against the neighbours")
    row = chart.data.set_index("year").loc[2020]
    assert row["council"] == 30.0 and row["England"] == 22.6
    assert row["neighbours 2025 mean"] == 22.2 and row["neighbours 2025 median"] == 21.1
    assert row["rank"] == "137 of 148" and row["quartile band"] == "D"
    assert chart.alt.startswith("Re-referrals against the neighbours. Re-referrals: council "
                                "25.2% in 2016, 22.4% in 2025")
    assert chart.png()[:4] == b"\x89PNG"
