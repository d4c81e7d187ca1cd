"""The engine's API: output columns and constants, default month-ends, empty input, errors."""

from __future__ import annotations

import pandas as pd
import pytest

from kpis import catalogue
from kpis.records.engine import (
    OUTPUT_COLUMNS,
    REGISTRY,
    compute,
    default_month_ends,
    drilldown,
    records_from,
)
from kpis.records.tables import Records


@pytest.fixture
def small() -> Records:
    return records_from(
        "Shire",
        referrals=[{"child_id": "A", "referral_date": "2020-01-15", "team": "T1", "worker": "w1"},
                   {"child_id": "A", "referral_date": "2020-03-02", "team": "T1"}],
        sw_episodes=[{"child_id": "A", "sw_id": "w1", "start": "2020-01-15"}],
        workers=[{"worker_id": "w1", "team": "T1", "fte": 1.0, "agency": False,
                  "start_date": "2019-01-01"}],
    )


def test_columns_and_constants(small: Records) -> None:
    out = compute(small, pd.DatetimeIndex(["2020-03-31"]))
    assert list(out.columns) == OUTPUT_COLUMNS
    assert set(out["kind"]) == {"actual"} and set(out["comparator"]) == {""}
    assert set(out["source"]) == {"kpis compute"}
    # referrals begin 2020-01-15, under 12 months before 2020-03-31: flagged, with why;
    # indicators whose tables hold no dates (e.g. SSDA903 here) have nothing to flag
    assert set(out["flag"]) == {"", "partial history"}
    assert set(out["council"]) == {"Shire"} and set(out["period"]) == {"2020-03"}
    cat = catalogue.indicators().set_index("indicator_id")
    # the catalogue's unit, except a count breakdown given its own (Spec.count_unit: the
    # children whose placement location is not known are a number of children, not a share)
    own = {(i, b): s.count_unit for i, s in REGISTRY.items() for b in s.counts if s.count_unit}
    want_unit = [own.get((i, b), cat.loc[i, "unit"])
                 for i, b in zip(out["indicator_id"], out["breakdown"], strict=True)]
    assert out["unit"].tolist() == want_unit
    assert own == {("cla_out_of_county", "location not known"): "children",
                   ("cla_placed_20miles", "location not known"): "children",
                   ("cla_s20", "number of children"): "children"}
    s20 = out[(out["indicator_id"] == "cla_s20") & (out["level"] == "council")]
    assert dict(zip(s20["breakdown"], s20["unit"], strict=True)) == {
        "": "percent", "number of children": "children"}
    for col in ("domain", "indicator"):
        assert (out[col].to_numpy() == cat.loc[out["indicator_id"], col].to_numpy()).all()
    assert set(out["indicator_id"]) == set(REGISTRY)
    c = out[out["level"] == "council"]
    assert len(c) == sum(len(s.notes) for s in REGISTRY.values())
    rr = c[c["indicator_id"] == "re_referrals"].iloc[0]
    assert (rr["numerator"], rr["denominator"], rr["value"]) == (1, 2, 50.0)
    assert rr["flag"] == "partial history"
    assert rr["note"] == ("rolling 12 months to month-end; data begin 2020-01-15, less than 12 "
                          "months before this month-end: may be understated")
    assert c.loc[c["indicator_id"] == "placements_3plus", "flag"].iloc[0] == ""
    empty = c[c["indicator_id"] == "icpc_15wd"].iloc[0]
    assert (empty["numerator"], empty["denominator"]) == (0, 0) and pd.isna(empty["value"])
    assert empty["note"] == "no children in cohort"


def test_default_month_ends(small: Records) -> None:
    me = default_month_ends(small)
    assert list(me.strftime("%Y-%m")) == ["2020-01", "2020-02", "2020-03"]
    out = compute(small, levels=["council"])
    assert sorted(set(out["period"])) == ["2020-01", "2020-02", "2020-03"]


def test_levels_and_empty_records() -> None:
    out = compute(Records(council="Empty"), pd.DatetimeIndex(["2020-03-31"]), levels=["council"])
    assert list(out.columns) == OUTPUT_COLUMNS
    assert (out["denominator"] == 0).all() and out["value"].isna().all()
    assert len(compute(Records(), levels=["council", "team"])) == 0  # no data, no month-ends
    with pytest.raises(ValueError):
        compute(Records(), pd.DatetimeIndex(["2020-03-31"]), levels=["region"])


def test_unknown_indicator_and_breakdown(small: Records) -> None:
    with pytest.raises(KeyError):
        drilldown(small, "no_such_indicator", "2020-03")
    with pytest.raises(KeyError):
        drilldown(small, "re_referrals", "2020-03", breakdown="single month")


def test_drilldown_columns(small: Records) -> None:
    d = drilldown(small, "re_referrals", "2020-03", "worker", "unallocated")
    assert list(d.columns) == ["child_id", "referral_date", "previous_referral", "in_numerator",
                               "team", "worker", "num", "den"]
    assert d["child_id"].tolist() == ["A"] and d["in_numerator"].tolist() == [True]
