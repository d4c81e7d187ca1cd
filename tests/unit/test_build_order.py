"""kpis.reporting.plan.longest_first: the order `kpis report` starts its notebooks in."""

from pathlib import Path

from kpis.reporting.plan import Job, longest_first, plan

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _job(name: str, cost: float) -> Job:
    return Job(name, Path(f"{name}.ipynb"), {}, name, cost=cost)


def test_longest_cost_first_and_equal_ones_keep_their_order() -> None:
    jobs = [_job("a", 2), _job("b", 9), _job("c", 2), _job("d", 4.5)]
    assert [j.name for j in longest_first(jobs)] == ["b", "d", "a", "c"]


def test_the_last_builds_seconds_come_before_the_cost() -> None:
    jobs = [_job("a", 2), _job("b", 9), _job("c", 2)]
    last = {"a": {"status": "ok", "seconds": 12.5},  # took longest last time
            "b": {"status": "failed", "seconds": 0.4},  # failed: its time says nothing
            "c": {"status": "reused", "seconds": 0.0}}
    assert [j.name for j in longest_first(jobs, last)] == ["a", "b", "c"]


def test_reports_yml_costs_reach_the_jobs() -> None:
    jobs = {j.name: j for j in plan(NOTEBOOKS, [], [])}
    assert jobs["child_level"].cost == 9 and jobs["overview"].cost == 3
    assert jobs["domain-workforce"].cost == 2
    assert longest_first(list(jobs.values()))[0].name == "child_level"
