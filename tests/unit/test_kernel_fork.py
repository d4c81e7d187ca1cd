"""A report worker forked from a process that has run a notebook itself does not hang: it
forgets jupyter_core's task runner, whose thread the fork did not copy
(kpis.reporting.kernel.forget_parent_loops)."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import multiprocessing

import pytest
from jupyter_core.utils import run_sync

from kpis import stopping
from kpis.reporting import kernel


async def _answer() -> int:
    return 42


def _inside_a_running_loop() -> int:
    """What nbclient does: a sync call made while an event loop runs goes to a task runner
    (a background thread with its own loop), kept per thread name."""

    async def main() -> int:
        return run_sync(_answer)()

    return asyncio.run(main())


def _in_worker(initializer: object) -> int:
    ctx = multiprocessing.get_context("fork")
    pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=initializer)
    try:
        return pool.submit(_inside_a_running_loop).result(timeout=60)
    finally:
        stopping.stop_pool(pool)  # a hung worker is killed, not waited for


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_forked_worker_does_not_wait_on_the_parents_task_runner() -> None:
    assert _inside_a_running_loop() == 42  # this process now holds a runner for MainThread
    assert _in_worker(kernel.worker_init) == 42


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_without_forgetting_the_worker_hangs() -> None:
    """The failure the fix is for, shown with a worker that does not forget (its wait is cut
    short so the test ends)."""
    assert _inside_a_running_loop() == 42
    with pytest.raises(cf.TimeoutError):
        ctx = multiprocessing.get_context("fork")
        pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx,
                                      initializer=stopping.worker_init)
        try:
            pool.submit(_inside_a_running_loop).result(timeout=5)
        finally:
            stopping.stop_pool(pool)
