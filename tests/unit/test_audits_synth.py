"""The synthetic audits follow the board report's timeline (issue 14; prose 7.0-8.0)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpis.synth.audits import monthly_plan, simulate_audits

START, END = "2015-04-01", "2021-03-31"
DAY = pd.Timestamp("1970-01-01")


def _council() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """120 practitioners in 15 teams, all in post throughout, each holding 10 children."""
    t0 = (pd.Timestamp("2014-01-01") - DAY).days
    workers = pd.DataFrame({"id": np.arange(120), "team": np.arange(120) % 15,
                            "start": t0, "end": -1, "agency": np.arange(120) % 4 == 0})
    alloc = pd.DataFrame({"child": np.arange(1200), "worker": np.arange(1200) // 10,
                          "start": t0, "end": -1})
    return workers, alloc, [f"Team {i}" for i in range(15)]


@pytest.fixture(scope="module")
def audits() -> pd.DataFrame:
    w, a, teams = _council()
    df = simulate_audits(np.random.default_rng(11), w, a, teams, START, END)
    df["month"] = pd.to_datetime(df["Date Completed"], format="%d/%m/%Y").dt.to_period("M")
    return df


def _per_month(audits: pd.DataFrame) -> pd.Series:
    return audits.groupby("month").size().reindex(
        pd.period_range("2015-04", "2021-03", freq="M"), fill_value=0)


def test_volume_timeline(audits: pd.DataFrame) -> None:
    n = _per_month(audits)
    # "averaged in the mid 20's" (autumn 2018): quota 25 +/- 2 a month
    assert n["2018-09":"2018-11"].mean() == pytest.approx(25, abs=2)
    # "in the 3 months prior to the COVID-19 pandemic we averaged 58"
    assert n["2019-12":"2020-02"].mean() == pytest.approx(58, abs=2)
    # the pause, and "recommenced in June when 54 audits were completed"
    assert n["2020-04"] == 0 and n["2020-05"] == 0
    assert n["2020-06"] == 54
    assert n["2016-01":"2016-12"].max() <= 13  # "audit activity was limited" before


def test_grade_mix_june_2020(audits: pd.DataFrame) -> None:
    # "33% good, 48% requires improvement and 19% inadequate": 54 audits ->
    # round(54 * .33) = 18 good or better (33.3%), round(54 * .81) - 18 = 26 RI (48.1%),
    # 10 inadequate (18.5%)
    g = audits.loc[audits["month"] == pd.Period("2020-06", "M"), "Grade"].value_counts()
    assert g.get("Good", 0) + g.get("Outstanding", 0) == 18
    assert g["Requires improvement"] == 26 and g["Inadequate"] == 10


def test_grades_broadly_similar_in_autumn_2018(audits: pd.DataFrame) -> None:
    # at the DCS's appointment "inadequate and requires improvement ... broadly similar"
    g = audits.loc[audits["month"].astype(str).between("2018-09", "2018-11"), "Grade"]
    share = g.value_counts(normalize=True)
    assert abs(share["Inadequate"] - share["Requires improvement"]) < 0.08
    assert share.get("Good", 0) + share.get("Outstanding", 0) < 0.2


def test_each_practitioner_twice_a_year_mostly(audits: pd.DataFrame) -> None:
    d = pd.to_datetime(audits["Date Completed"], format="%d/%m/%Y")
    year = audits[(d > "2019-02-28") & (d <= "2020-02-29")]
    per = year["Worker"].value_counts().reindex([f"SW{10000 + i}" for i in range(120)],
                                                fill_value=0)
    assert (per >= 2).mean() >= 0.9


def test_moderation_some_marked_down(audits: pd.DataFrame) -> None:
    order = {"Outstanding": 1, "Good": 2, "Requires improvement": 3, "Inadequate": 4}
    m = audits[audits["Moderation Grade"] != ""]
    assert 0.08 < len(m) / len(audits) < 0.2
    down = m["Moderation Grade"].map(order) > m["Grade"].map(order)
    assert 0.05 < down.mean() < 0.4
    assert (pd.to_datetime(m["Date Completed"], format="%d/%m/%Y") >= "2018-09-01").all()


def test_types_after_may_2020_revision(audits: pd.DataFrame) -> None:
    before = audits[audits["month"] < pd.Period("2020-06", "M")]
    after = audits[audits["month"] >= pd.Period("2020-06", "M")]
    assert set(before["Audit Type"]) == {"Case file"}
    assert {"Thematic", "Observation of practice"} <= set(after["Audit Type"])


def test_deterministic_per_seed() -> None:
    w, a, teams = _council()
    one = simulate_audits(np.random.default_rng(3), w, a, teams, START, END)
    two = simulate_audits(np.random.default_rng(3), w, a, teams, START, END)
    other = simulate_audits(np.random.default_rng(4), w, a, teams, START, END)
    pd.testing.assert_frame_equal(one, two)
    assert not one.equals(other)


def test_plan_scales_with_council_size() -> None:
    p = monthly_plan("2019-12-01", "2020-02-29", scale=0.5)
    assert p["quota"].tolist() == [29.0, 29.0, 29.0]
