"""The synthetic council's allocation-gap model (kpis.synth.workforce._allocation_gaps): waits
for a worker, manager-held cases, the waiting probability's trend. Hand-made allocation frames."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from kpis.synth.params import OPEN, Params, _days
from kpis.synth.workforce import MANAGER_ROLE, _allocation_gaps, _wait_probability


def _workers() -> pd.DataFrame:
    """Two social workers (ids 0, 1) in teams 0 and 1."""
    return pd.DataFrame({"post": [0, 1], "start": [100, 100], "end": [OPEN, OPEN],
                         "team": [0, 1], "agency": [False, True], "fte": [1.0, 1.0],
                         "capacity": [1.0, 1.0], "id": [0, 1],
                         "role": ["Social Worker", "Social Worker"]})


def _allocations() -> pd.DataFrame:
    """Child 0: new case with worker 0 (team 0) days 1000-1300, then reallocated within the
    team (REALLOC) 1300-1500; child 1: transferred to team 1 (worker 1) from 2000, still open;
    child 2: a 3-day new piece."""
    return pd.DataFrame({"seg": [0, 0, 1, 2], "start": [1000, 1300, 2000, 3000],
                         "end": [1300, 1500, OPEN, 3003],
                         "why": ["NEW", "REALLOC", "TRANSFER", "NEW"], "child": [0, 0, 1, 2],
                         "team": [0, 0, 1, 0], "worker": [0, 0, 1, 0]})


def test_wait_probability_moves_linearly_between_the_two_dates() -> None:
    p = Params()
    d0, d1 = _days("2017-03-31"), _days("2020-03-31")  # 1,096 days apart (2020 is leap)
    got = _wait_probability(p, np.array([d0 - 400, d0, d0 + 548, d1, d1 + 90]))
    assert got == pytest.approx([0.35, 0.35, 0.175, 0.0, 0.0])


def test_no_waits_leaves_allocations_and_adds_one_manager_per_team() -> None:
    p = replace(Params(), p_wait=(0.0, 0.0))
    W, AL = _allocation_gaps(np.random.default_rng(1), _allocations(), _workers(), 2, p)
    assert AL[["child", "start", "end", "worker", "why"]].values.tolist() == \
        _allocations()[["child", "start", "end", "worker", "why"]].values.tolist()
    mgr = W[W["role"] == MANAGER_ROLE]
    assert mgr["id"].tolist() == [2, 3] and mgr["team"].tolist() == [0, 1]
    assert (mgr["end"] == OPEN).all() and not mgr["agency"].any()
    assert (W["id"].to_numpy() == np.arange(len(W))).all()  # ids index the rows (files.py)


def test_every_case_needing_a_worker_waits_and_the_child_is_unallocated_meanwhile() -> None:
    p = replace(Params(), p_wait=(1.0, 1.0), p_wait_manager=0.0, wait_mean_days=20.0)
    _, AL = _allocation_gaps(np.random.default_rng(2), _allocations(), _workers(), 2, p)
    al = AL.set_index("child")
    assert al.loc[0, "start"].iloc[0] > 1000  # NEW: later than the case start (>= 1 day)
    assert al.loc[0, "start"].iloc[1] == 1300 and al.loc[0, "why"].iloc[1] == "REALLOC"
    assert al.loc[1, "start"] > 2000 and al.loc[1, "end"] == OPEN  # TRANSFER waited
    # child 2's piece lasts 3 days; a wait of 3 or more leaves no allocation at all, a shorter
    # one starts it later
    assert 2 not in al.index or al.loc[2, "start"] > 3000
    assert (AL["worker"] < 2).all()  # no manager holds anything


def test_manager_holds_the_wait_then_the_worker_takes_over() -> None:
    p = replace(Params(), p_wait=(1.0, 1.0), p_wait_manager=1.0, wait_mean_days=20.0)
    _, AL = _allocation_gaps(np.random.default_rng(3), _allocations(), _workers(), 2, p)
    one = AL[AL["child"] == 1].sort_values("start")
    # team 1's manager (id 2 + 1) from the transfer to the worker's start, then worker 1
    assert one["worker"].tolist() == [3, 1]
    assert one["start"].iloc[0] == 2000 and one["end"].iloc[0] == one["start"].iloc[1]
    assert one["why"].tolist() == ["TRANSFER", "REALLOC"] and one["end"].iloc[1] == OPEN
    zero = AL[AL["child"] == 0].sort_values("start")
    assert zero["worker"].tolist() == [2, 0, 0] and zero["start"].iloc[0] == 1000
    # no day of the original pieces is left uncovered
    assert zero["end"].iloc[0] == zero["start"].iloc[1] and zero["end"].iloc[2] == 1500
