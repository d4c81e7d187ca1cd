"""Disproportionality: rates, relative rates and Katz intervals worked by hand; code lists;
the ONS extract; a small council end to end (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpis.errors import InputError
from kpis.records import disproportionality as d
from kpis.records.engine import records_from

EXTERNAL = Path(__file__).resolve().parents[2] / "data" / "external"


def test_rate_per_10k_by_hand() -> None:
    # 25 children of 12,500 -> 25 / 12,500 * 10,000 = 20.0; a zero population gives NaN
    out = d.rate_per_10k(np.array([25, 3]), np.array([12_500, 0]))
    assert out[0] == pytest.approx(20.0)
    assert np.isnan(out[1])


def test_rate_ratio_katz_by_hand() -> None:
    # group: 20 of 1,000 (2%); reference: 100 of 10,000 (1%) -> RR = 0.02 / 0.01 = 2.0
    # SE(log RR) = sqrt(1/20 - 1/1000 + 1/100 - 1/10000) = sqrt(0.0589) = 0.242693
    # 95%: 2 * exp(-/+ 1.959964 * 0.242693) = 2 * exp(-/+ 0.475667) = 1.24294 .. 3.21818
    rr, lo, hi = d.rate_ratio(np.array([20]), np.array([1000]), np.array([100]),
                              np.array([10_000]))
    assert rr[0] == pytest.approx(2.0)
    assert lo[0] == pytest.approx(1.24294, abs=1e-5)
    assert hi[0] == pytest.approx(3.21818, abs=1e-5)


def test_rate_ratio_zero_counts() -> None:
    # a = 0: RR 0, no interval; c = 0: no ratio
    rr, lo, hi = d.rate_ratio(np.array([0, 4]), np.array([100, 100]), np.array([5, 0]),
                              np.array([100, 100]))
    assert rr[0] == 0 and np.isnan(lo[0]) and np.isnan(hi[0])
    assert np.isnan(rr[1])


def test_ethnicity_codes_to_census_groups() -> None:
    s = pd.Series(["WBRI", "a) MWBC", "CHNE", "OOTH", "BAFR - Black African", "WROM", "REFU",
                   "NOBT", "", None, "XXXX", "White British", "aind"], dtype="string")
    assert d.ethnic_group(s).tolist() == [
        "White", "Mixed", "Asian", "Other", "Black", "White", "Not recorded", "Not recorded",
        "Not recorded", "Not recorded", "Unmapped", "White", "Asian"]


def test_disability_and_age_bands() -> None:
    s = pd.Series(["a) Yes", "No", "Y", "c) Unknown", None], dtype="string")
    assert d.disability_group(s).tolist() == ["Disabled", "Not disabled", "Disabled",
                                              "Not recorded", "Not recorded"]
    dob = pd.Series(pd.to_datetime(["2019-06-01", "2016-04-01", "2004-04-01", "2004-03-31",
                                    None]))
    # at 31 March 2020: 0 -> Under 1; 3 -> 1 to 4; 15 (birthday tomorrow) -> 10 to 15;
    # 16 today -> 16 and over; no date of birth -> Not recorded
    assert d.age_band(dob, pd.Timestamp("2020-03-31")).tolist() == [
        "Under 1", "1 to 4", "10 to 15", "16 and over", "Not recorded"]


def test_population_gloucestershire_by_hand() -> None:
    # ONS mid-2020, Gloucestershire (916 / E10000013), children 0-17: 127,161.
    # Census 2021 TS021: White = 565,811 + 4,034 + 965 + 714 + 28,790 = 600,314 of 645,079
    # -> share 0.930605; children 127,161 * 600,314 / 645,079 = 118,336.7
    # Mixed = 4,121 + 1,714 + 5,050 + 3,264 = 14,149 -> 127,161 * 14,149 / 645,079 = 2,789.1
    pop = d.population(EXTERNAL, "916", 2020).set_index("group")
    assert pop.loc["White", "census_share"] == pytest.approx(0.930605, abs=1e-6)
    assert pop.loc["White", "population"] == pytest.approx(118_336.7, abs=0.1)
    assert pop.loc["Mixed", "population"] == pytest.approx(2_789.1, abs=0.1)
    assert pop["population"].sum() == pytest.approx(127_161)
    assert d.population(EXTERNAL, "E10000013", 2020)["population"].sum() == pytest.approx(127_161)


def test_population_unknown_council_is_input_error() -> None:
    with pytest.raises(InputError, match="not found"):
        d.population(EXTERNAL, "999", 2020)


def _small_council() -> tuple:
    """16 children referred in the year to 31 March 2020: 10 White (WBRI), 6 Mixed (MWBC);
    2 more White children with a referral outside the year."""
    kids = ([{"child_id": f"W{i}", "sex": "M" if i % 2 else "F", "dob": "2010-05-01",
              "ethnicity": "WBRI", "disability": False} for i in range(12)]
            + [{"child_id": f"M{i}", "sex": "F", "dob": "2012-05-01", "ethnicity": "a) MWBC",
                "disability": i < 3} for i in range(6)])
    refs = ([{"child_id": f"W{i}", "referral_date": "2019-06-01", "team": "T1"}
             for i in range(10)]
            + [{"child_id": f"W{i}", "referral_date": "2018-01-01", "team": "T1"}
               for i in (10, 11)]
            + [{"child_id": f"M{i}", "referral_date": "2019-09-01", "team": "T1"}
               for i in range(6)])
    rec = records_from("Small", children=kids, referrals=refs)
    pop = pd.DataFrame({"group": ["White", "Mixed"], "population": [1000.0, 100.0]})
    return rec, pop


def test_small_council_rates_and_rri_by_hand() -> None:
    rec, pop = _small_council()
    t = d.disproportionality(rec, pop, "2020-03")
    e = t[(t["cohort"] == "referrals") & (t["characteristic"] == "ethnicity")].set_index("group")
    # White: 10 children in the year / 1,000 -> 100 per 10,000; Mixed: 6 / 100 -> 600
    assert e.loc["White", "count"] == 10 and e.loc["Mixed", "count"] == 6
    assert e.loc["White", "rate_per_10k"] == pytest.approx(100.0)
    assert e.loc["Mixed", "rate_per_10k"] == pytest.approx(600.0)
    # RRI = 600 / 100 = 6.0; SE = sqrt(1/6 - 1/100 + 1/10 - 1/1000) = 0.505635
    # 95%: 6 * exp(-/+ 1.959964 * 0.505635) = 2.22717 .. 16.16399
    assert e.loc["Mixed", "rri"] == pytest.approx(6.0)
    assert e.loc["Mixed", "rri_low"] == pytest.approx(2.22717, abs=1e-4)
    assert e.loc["Mixed", "rri_high"] == pytest.approx(16.16399, abs=1e-4)
    # the reference group has ratio 1 and no interval
    assert e.loc["White", "rri"] == pytest.approx(1.0) and np.isnan(e.loc["White", "rri_low"])
    # within the cohort: 6 of 16 Mixed = 37.5%; disability has no population -> share only:
    # 3 disabled of 16 referred = 18.75%
    assert e.loc["Mixed", "share_of_cohort"] == pytest.approx(37.5)
    dis = t[(t["cohort"] == "referrals") & (t["characteristic"] == "disability")
            ].set_index("group")
    assert dis.loc["Disabled", "share_of_cohort"] == pytest.approx(18.75)
    assert np.isnan(dis.loc["Disabled", "rate_per_10k"])


def test_reference_group_is_a_parameter() -> None:
    rec, pop = _small_council()
    t = d.disproportionality(rec, pop, "2020-03", reference={"ethnicity": "Mixed"})
    e = t[(t["cohort"] == "referrals") & (t["characteristic"] == "ethnicity")].set_index("group")
    # 100 / 600 = 0.1667
    assert e.loc["White", "rri"] == pytest.approx(1 / 6)


def test_small_numbers_suppressed_in_display() -> None:
    rec, pop = _small_council()
    t = d.disproportionality(rec, pop, "2020-03")
    shown = d.display_table(t, "cohort", "disability")
    row = shown[(shown["cohort"] == "Referrals") & (shown["group"] == "Disabled")].iloc[0]
    # 3 disabled children: 1-5 -> c, and everything derived from it
    assert row["children"] == "c" and row["% of cohort"] == "c"
    eth = d.display_table(t, "cohort", "ethnicity")
    white = eth[(eth["cohort"] == "Referrals") & (eth["group"] == "White")].iloc[0]
    assert white["children"] == 10  # 10 is shown
    assert "child_id" not in eth.columns


def test_relative_rate_chart_reads_in_plain_numbers() -> None:
    """The board reads 0.5, 1, 2, 4 on the log axis, not 10^0 and 2x10^0; the Mixed group's
    6.0 (2.2 to 16.2, worked above) is on the chart with its interval."""
    from kpis.reporting import disproportionality as dr

    rec, pop = _small_council()
    chart = dr.rri_chart(d.disproportionality(rec, pop, "2020-03"), "ethnicity", "cohort")
    chart.figure.canvas.draw()
    ax = chart.figure.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"\d+(\.\d+)?", t) for t in ticks), ticks
    assert "1" in ticks and "2" in ticks
    spans = [tuple(line.get_xdata()) for line in ax.lines
             if len(line.get_xdata()) == 2 and line.get_xdata()[0] != line.get_xdata()[1]]
    assert spans == [(pytest.approx(2.22717, abs=1e-4), pytest.approx(16.16399, abs=1e-4))]
