"""The kernel's CPU pool: work off the event loop, at most ``workers`` at once, closed at the end."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from litestar import Litestar

from reptidex.domain.cpu_work import CpuRunner, run_here
from reptidex.services.kernel.cpu_pool import CpuPool


async def until(condition: Callable[[], bool]) -> None:
    """Wait (yielding to the loop) until ``condition()`` holds; fail after about 5 s."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not met in time")


async def test_work_runs_on_the_pools_threads_and_returns_its_result() -> None:
    pool = CpuPool(2, name="drawing")
    loop_thread = threading.current_thread()
    ran_on = await pool.run(threading.current_thread)
    assert ran_on is not loop_thread
    assert ran_on.name.startswith("drawing")
    assert await pool(lambda: 6 * 7) == 42
    pool.close()


async def test_an_error_of_the_work_reaches_the_caller() -> None:
    pool = CpuPool(1, name="errors")

    def broken() -> None:
        raise ValueError("bad pixels")

    with pytest.raises(ValueError, match="bad pixels"):
        await pool.run(broken)
    assert (pool.running, pool.waiting) == (0, 0)
    pool.close()


async def test_the_loop_keeps_serving_while_work_runs() -> None:
    pool = CpuPool(1, name="slow")
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "released" if release.is_set() else "timed out"

    work = asyncio.ensure_future(pool.run(slow))
    await asyncio.to_thread(started.wait, 5)
    served = await asyncio.ensure_future(asyncio.sleep(0, result="served"))
    assert served == "served"
    assert not work.done()
    release.set()
    assert await work == "released"
    pool.close()


async def test_no_more_than_workers_run_at_once_the_rest_wait() -> None:
    pool = CpuPool(2, name="bounded")
    release = threading.Event()
    lock = threading.Lock()
    active, most = 0, 0

    def work() -> None:
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        release.wait(5)
        with lock:
            active -= 1

    jobs = [asyncio.ensure_future(pool.run(work)) for _ in range(5)]
    await until(lambda: pool.running == 2 and pool.waiting == 3)
    assert most == 2
    release.set()
    await asyncio.gather(*jobs)
    assert most == 2
    assert (pool.running, pool.waiting) == (0, 0)
    pool.close()


async def test_work_whose_caller_left_before_it_started_is_not_counted_as_waiting() -> None:
    pool = CpuPool(1, name="cancelled")
    release = threading.Event()
    first = asyncio.ensure_future(pool.run(lambda: release.wait(5)))
    second = asyncio.ensure_future(pool.run(lambda: "never"))
    await until(lambda: pool.running == 1 and pool.waiting == 1)
    second.cancel()
    await until(lambda: pool.waiting == 0)
    release.set()
    assert await first is True
    pool.close()


async def test_the_lifespan_closes_the_pool() -> None:
    pool = CpuPool(1, name="closing")
    async with pool.lifespan(Litestar()):
        assert await pool.run(lambda: "open") == "open"
    with pytest.raises(RuntimeError, match="shutdown"):
        await pool.run(lambda: "closed")


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="at least one"):
        CpuPool(0, name="empty")


async def test_the_pool_and_run_here_are_cpu_runners() -> None:
    pool = CpuPool(1, name="runner")
    runners: list[CpuRunner] = [pool, pool.run, run_here]
    assert [await runner(lambda: "done") for runner in runners] == ["done"] * 3
    pool.close()
    loop_thread = threading.current_thread()
    assert await run_here(threading.current_thread) is loop_thread
