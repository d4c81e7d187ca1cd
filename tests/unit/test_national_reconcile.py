"""Reconciliation of scorecard figures against the published ones (LAIT extract fixture).

Scorecard figures are as printed in data/raw/appendix1_scorecard.csv (ICPC Mar-17 66%,
re-referrals Jun-20 32%); published ones read by hand from bds_long_extract.parquet
(CP_conf_15days '2017' 916 = 40.3; ReReferral '2019' 916 = 28.8, '2020' 916 = 30).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpis.national import catalogue, importer
from kpis.national.reconcile import reconcile_scorecard

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "national"


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return importer.build_tables([FIX / "bds_long_extract.parquet"])["published"]


def _scorecard(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"indicator_id": i, "breakdown": "", "indicator": i, "kind": "actual",
                          "period": p, "value": v, "source": "test"} for i, p, v in rows])


def test_known_reasons(published: pd.DataFrame) -> None:
    sc = _scorecard([("icpc_15wd", "2017-03", 66.0), ("re_referrals", "2020-06", 32.0),
                     ("re_referrals", "2019-03", 29.0)])
    r = reconcile_scorecard(sc, published, catalogue.national_measures(),
                            catalogue.reconciliation_reasons(), la_code=916)
    icpc, jun, mar = (r.iloc[i] for i in range(3))
    assert (icpc["published_period"], icpc["published_value"]) == (2017, 40.3)
    assert icpc["difference"] == pytest.approx(25.7)
    assert "strategy discussion" in icpc["reason"] and "period" not in icpc["reason"]
    # June 2020: the year to March 2020 (3 months away) is nearer than to March 2021
    assert (jun["published_period"], jun["published_value"]) == (2020, 30.0)
    assert jun["difference"] == pytest.approx(2.0)
    assert jun["reason"].startswith("period: the scorecard's figure is for 2020-06")
    # March 2019: 29 vs 28.8 is within 1 point
    assert mar["agreement"] == "agrees" and mar["reason"] == ""


def test_unexplained_when_no_reason_is_known(published: pd.DataFrame) -> None:
    sc = _scorecard([("re_referrals", "2019-03", 20.0)])
    only_period = catalogue.reconciliation_reasons().query("indicator_id == '*'")
    r = reconcile_scorecard(sc, published, catalogue.national_measures(), only_period, 916)
    assert r.loc[0, "difference"] == pytest.approx(-8.8)
    assert (r.loc[0, "agreement"], r.loc[0, "reason"]) == ("differs: unexplained", "unexplained")
