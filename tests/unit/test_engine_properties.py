"""Property tests: numerator <= denominator, team and worker figures add up to the council's,
drill-down rows reproduce the figure, day arithmetic matches pandas.DateOffset."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpis.records.engine import REGISTRY, compute, drilldown, records_from
from kpis.records.indicators.arrays import shift_months
from kpis.records.tables import Records

BASE = pd.Timestamp("2018-01-01")
MONTH_ENDS = pd.date_range("2019-01-31", "2020-12-31", freq="ME")
CHILDREN = [f"c{i}" for i in range(8)]
WORKERS = ["w0", "w1", "w2", "w3"]
TEAMS = ["T1", "T2", None]

day = st.integers(0, 1100)
child = st.sampled_from(CHILDREN)
team = st.sampled_from(TEAMS)
worker = st.sampled_from([*WORKERS, None])


def d(off: int | None) -> pd.Timestamp | None:
    return None if off is None else BASE + pd.Timedelta(days=off)


@st.composite
def records(draw: st.DrawFn) -> Records:
    referrals = [{"child_id": c, "referral_date": d(o), "team": t, "worker": w}
                 for c, o, t, w in draw(st.lists(st.tuples(child, day, team, worker),
                                                 max_size=12))]
    plans = [{"child_id": c, "start_date": d(o),
              "end_date": None if n is None else d(o + n), "previous_plans": p, "team": t,
              "worker": w}
             for c, o, n, p, t, w in draw(st.lists(st.tuples(
                 child, day, st.none() | st.integers(0, 900), st.sampled_from([0, 1, None]),
                 team, worker), max_size=8))]
    assessments = [{"child_id": c, "start_date": d(o), "auth_date": d(o + n), "team": t,
                    "worker": w}
                   for c, o, n, t, w in draw(st.lists(st.tuples(
                       child, day, st.integers(-5, 90), team, worker), max_size=8))]
    s47 = [{"child_id": c, "strategy_date": d(o), "icpc_date": None if n is None else d(o + n),
            "icpc_unnecessary": n is None, "team": t, "worker": w}
           for c, o, n, t, w in draw(st.lists(st.tuples(
               child, day, st.none() | st.integers(-5, 40), team, worker), max_size=8))]
    episodes = []
    for c in draw(st.lists(child, max_size=6, unique=True)):
        t = draw(st.integers(0, 600))
        steps = draw(st.lists(st.tuples(
            st.integers(0, 120), st.integers(1, 400), st.sampled_from(list("SPBTUL")),
            st.sampled_from(["U1", "U4", "T0", "A4"]), st.sampled_from(["c1", "c2", "c3"]),
            st.sampled_from(["X1", "X1", "E11"]), st.sampled_from(["C2", "V2", "V3"])),
            min_size=1, max_size=6))
        for i, (gap, length, rne, place, urn, rec, ls) in enumerate(steps):
            t += gap
            last_open = i == len(steps) - 1 and draw(st.booleans())
            episodes.append({"child_id": c, "decom": d(t), "rne": "S" if i == 0 else rne,
                             "dec": None if last_open else d(t + length),
                             "rec": None if last_open else rec, "place": place, "urn": urn,
                             "ls": ls})
            t += length
    sw = [{"child_id": c, "sw_id": w, "start": d(o), "end": None if n is None else d(o + n)}
          for c, w, o, n in draw(st.lists(st.tuples(
              child, st.sampled_from(WORKERS), day, st.none() | st.integers(0, 400)),
              max_size=14))]
    workers = [{"worker_id": w, "team": draw(team), "fte": draw(st.sampled_from([0, 0.5, 1.0])),
                "agency": draw(st.booleans()), "start_date": d(draw(day)),
                "end_date": draw(st.none() | st.just(d(1000)))}
               for w in WORKERS if draw(st.booleans())]
    children = [{"child_id": c, "dob": d(draw(st.integers(-6500, 0)))} for c in CHILDREN]
    missing = [{"child_id": c, "missing_type": k, "start": d(o), "end": d(o)}
               for c, k, o in draw(st.lists(st.tuples(
                   child, st.sampled_from(["M", "M", "A"]), day), max_size=10))]
    tables = {"referrals": referrals, "cp_plans": plans, "assessments": assessments,
              "s47": s47, "episodes": episodes, "sw_episodes": sw, "workers": workers,
              "children": children, "missing": missing}
    return records_from("C", **{k: v for k, v in tables.items() if v})


SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(records())
def test_numerator_le_denominator_and_units_add_up(r: Records) -> None:
    out = compute(r, MONTH_ENDS)
    assert (out["numerator"] >= 0).all() and (out["denominator"] >= 0).all()
    pct = out[out["unit"] == "percent"]
    assert (pct["numerator"] <= pct["denominator"] + 1e-9).all()
    assert pct["value"].dropna().between(0, 100).all()
    keys = ["indicator_id", "breakdown", "period"]
    council = out[out["level"] == "council"].set_index(keys)[["numerator", "denominator"]]
    assert len(council) == len(REGISTRY_BREAKDOWNS) * len(MONTH_ENDS)
    for level in ("team", "worker"):
        sums = out[out["level"] == level].groupby(keys)[["numerator", "denominator"]].sum()
        sums = sums.reindex(council.index, fill_value=0.0)
        np.testing.assert_allclose(sums.to_numpy(), council.to_numpy(), atol=1e-9)


REGISTRY_BREAKDOWNS = [(i, b) for i, s in REGISTRY.items() for b in s.notes]


@SETTINGS
@given(records())
def test_shared_cohorts_agree(r: Records) -> None:
    """Indicators built on the same cohort have the same denominators: open CP plans
    (repeat_cp_all, cp_plan_under_2y); looked after at month-end without short breaks
    (placements_3plus, cla_s20, cla_missing's "looked after at month-end"), which is within
    cla_missing's headline cohort (looked after during the 12 months), numerator too."""
    ids = ["repeat_cp_all", "cp_plan_under_2y", "placements_3plus", "cla_s20", "cla_missing"]
    out = compute(r, MONTH_ENDS, levels=["council"], indicators=ids)
    den = out.pivot_table(index="period", columns=["indicator_id", "breakdown"],
                          values="denominator")
    num = out.pivot_table(index="period", columns=["indicator_id", "breakdown"],
                          values="numerator")
    np.testing.assert_array_equal(den[("repeat_cp_all", "")], den[("cp_plan_under_2y", "")])
    at_me = ("cla_missing", "looked after at month-end")
    np.testing.assert_array_equal(den[("cla_s20", "")], den[("placements_3plus", "")])
    np.testing.assert_array_equal(den[("cla_s20", "")], den[at_me])
    assert (den[at_me] <= den[("cla_missing", "")]).all()
    assert (num[at_me] <= num[("cla_missing", "")]).all()


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records(), st.sampled_from(REGISTRY_BREAKDOWNS), st.sampled_from(["2019-06", "2020-03"]))
def test_drilldown_reproduces_figure(r: Records, ind_bd: tuple[str, str], period: str) -> None:
    ind, bd = ind_bd
    out = compute(r, pd.DatetimeIndex([pd.Period(period, "M").end_time.normalize()]),
                  levels=["council", "team"], indicators=[ind])
    row = out[(out["level"] == "council") & (out["breakdown"] == bd)].iloc[0]
    dd = drilldown(r, ind, period, breakdown=bd)
    assert np.isclose(dd["num"].sum(), row["numerator"])
    assert np.isclose(dd["den"].sum(), row["denominator"])
    for _, t in out[(out["level"] == "team") & (out["breakdown"] == bd)].iterrows():
        dt = drilldown(r, ind, period, "team", t["org_unit"], breakdown=bd)
        assert np.isclose(dt["num"].sum(), t["numerator"])
        assert np.isclose(dt["den"].sum(), t["denominator"])


@given(st.dates(min_value=pd.Timestamp("1990-01-01").date(),
                max_value=pd.Timestamp("2040-12-31").date()), st.integers(-40, 40))
def test_shift_months_matches_dateoffset(x: object, months: int) -> None:
    ts = pd.Timestamp(x)
    got = shift_months(np.array([ts.to_datetime64().astype("datetime64[D]").view(np.int64)]),
                       months)
    assert pd.Timestamp(got.view("datetime64[D]")[0]) == ts + pd.DateOffset(months=months)
