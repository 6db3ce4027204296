"""The fair pool: requests waiting for a connection get one in arrival order, a newcomer
never overtakes them, and one that gives up (time-out, cancellation) loses no connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import greenlet_spawn
from sqlalchemy.util.queue import Empty

from reptidex.adapters.sql.fair_pool import FairAsyncPool, FairAsyncQueue


async def test_a_returned_item_goes_to_the_first_waiter_never_to_a_newcomer() -> None:
    queue = FairAsyncQueue[str](maxsize=2)
    got: list[tuple[str, str]] = []

    async def wait(name: str) -> None:
        got.append((name, await greenlet_spawn(queue.get)))

    waiters = [asyncio.create_task(wait(f"waiter {n}")) for n in range(2)]
    await asyncio.sleep(0.02)
    queue.put_nowait("first")
    with pytest.raises(Empty):  # (asyncio.Queue would give "first" to this newcomer)
        queue.get_nowait()
    queue.put_nowait("second")
    await asyncio.gather(*waiters)
    assert got == [("waiter 0", "first"), ("waiter 1", "second")]
    queue.put_nowait("idle")  # nobody waits: kept for the next taker
    assert queue.get_nowait() == "idle"


@pytest.fixture
async def one_connection(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}",
        poolclass=FairAsyncPool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=5,
    )
    yield engine
    await engine.dispose()


async def test_waiters_are_served_in_arrival_order_and_newcomers_queue(
    one_connection: AsyncEngine,
) -> None:
    served: list[str] = []
    holder = await one_connection.connect()

    async def use(name: str) -> None:
        async with one_connection.connect() as connection:
            served.append(name)
            await connection.execute(text("SELECT 1"))

    waiters = [asyncio.create_task(use(f"waiter {n}")) for n in range(3)]
    await asyncio.sleep(0.05)  # all three are waiting, in order
    await holder.close()  # hands the connection to waiter 0 ...
    newcomer = asyncio.create_task(use("newcomer"))  # ... which this one must not take
    await asyncio.gather(*waiters, newcomer)
    assert served == ["waiter 0", "waiter 1", "waiter 2", "newcomer"]


async def test_a_waiter_that_times_out_or_is_cancelled_loses_no_connection(
    tmp_path: Path,
) -> None:
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'pool.db'}",
        poolclass=FairAsyncPool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=0.1,
    )
    try:
        holder = await engine.connect()
        with pytest.raises(PoolTimeout):
            await engine.connect()
        cancelled = asyncio.create_task(engine.connect().start())
        await asyncio.sleep(0.02)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await holder.close()
        async with engine.connect() as connection:  # the one connection is still there
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
