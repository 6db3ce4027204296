"""Verifying repti-ops' audit chain from its database: in one pass, or on PostgreSQL as
consecutive segments checked by worker processes side by side.

Every reader sees the same state of the trail: the verification's own transaction is
``REPEATABLE READ`` and, on PostgreSQL, exports its snapshot, which each worker's
transaction adopts (``SET TRANSACTION SNAPSHOT``); records the service appends meanwhile are
neither read nor mistaken for a broken head.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.sharedctypes import Synchronized

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from reptidex.adapters.sql.engine import create_engine, is_sqlite
from reptidex.adapters.sql.ops.audit_trail import SqlChainSource, scope_session
from reptidex.domain.audit.verification import (
    Segment,
    SegmentVerdict,
    Verdict,
    join,
    split,
    verify_segment,
    verify_trail,
)

Progress = Callable[[int, int], None]
"""Told ``(checked, total)`` as the verification goes."""

PROGRESS_SECONDS = 1.0
"""How often a parallel verification reports its progress."""

_checked: Synchronized[int] | None = None
"""In a worker process: the count of checked records shared by every worker."""


MIN_SEGMENT = 100_000
"""Records a worker process checks at least: below it, starting one costs more than it saves."""


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The garbage collector's cycle search paused: a verification makes no cycles, but the
    search kept walking each batch's thousands of live objects (a third of a pass's time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def verify_database(
    url: str,
    *,
    jobs: int = 1,
    batch: int = 5000,
    progress: Progress | None = None,
    min_segment: int = MIN_SEGMENT,
) -> Verdict:
    """Verify the audit chain stored at ``url`` (the owner's URL, or a role that may read
    the whole trail) with up to ``jobs`` worker processes, each checking ``min_segment``
    records or more (PostgreSQL only; one pass otherwise)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            isolated = await _repeatable(connection, url)
            async with isolated.begin():
                await _hold_one_state(isolated, url)
                session = AsyncSession(bind=isolated)
                await scope_session(session, None)
                source = SqlChainSource(session)
                # counted only when workers could share it (one pass counts for itself)
                shared = jobs > 1 and not is_sqlite(url)
                total = await source.count() if shared else 0
                workers = min(jobs, total // max(1, min_segment))
                if workers <= 1:
                    with _no_cycle_collection():
                        return await verify_trail(source, batch=batch, progress=progress)
                snapshot = await _export_snapshot(isolated)
                start, head = await source.start(), await source.head()
                segments = split(start, head, workers)
                verdicts = await _in_workers(url, snapshot, segments, batch, total, progress)
                return join(start, verdicts, head)
    finally:
        await engine.dispose()


async def _repeatable(connection: AsyncConnection, url: str) -> AsyncConnection:
    if is_sqlite(url):
        return connection
    return await connection.execution_options(isolation_level="REPEATABLE READ")


async def _hold_one_state(connection: AsyncConnection, url: str) -> None:
    """On SQLite, open the transaction in the database itself: the driver begins one only
    before a write, so each read would otherwise see the file as it is at that moment (a
    head read after the records could name a record appended in between). A SQLite
    transaction reads one state of the file from its first read on."""
    if is_sqlite(url):
        await connection.exec_driver_sql("BEGIN")


async def _export_snapshot(connection: AsyncConnection) -> str:
    return str(await connection.scalar(text("SELECT pg_export_snapshot()")))


async def _in_workers(
    url: str,
    snapshot: str,
    segments: list[Segment],
    batch: int,
    total: int,
    progress: Progress | None,
) -> list[SegmentVerdict]:
    """Each segment checked in its own process (spawned: no state of this one is shared)."""
    context = multiprocessing.get_context("spawn")
    checked: Synchronized[int] = context.Value("q", 0)
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(
        len(segments), mp_context=context, initializer=_share_count, initargs=(checked,)
    ) as pool:
        runs = [
            loop.run_in_executor(pool, check_segment, url, snapshot, segment, batch)
            for segment in segments
        ]
        pending = asyncio.gather(*runs)
        while True:
            done, _ = await asyncio.wait({pending}, timeout=PROGRESS_SECONDS)
            if progress is not None:
                progress(checked.value, total)
            if done:
                return list(pending.result())


def _share_count(checked: Synchronized[int]) -> None:
    global _checked  # set once per worker process, by the pool's initializer
    _checked = checked


def check_segment(url: str, snapshot: str, segment: Segment, batch: int) -> SegmentVerdict:
    """In a worker process: ``segment``'s verdict, read in the verification's snapshot."""
    return asyncio.run(_check_segment(url, snapshot, segment, batch))


async def _check_segment(url: str, snapshot: str, segment: Segment, batch: int) -> SegmentVerdict:
    engine = create_engine(url, pool_size=1)
    reported = 0

    def count(done: int) -> None:
        nonlocal reported
        if _checked is not None:
            with _checked.get_lock():
                _checked.value += done - reported
        reported = done

    try:
        async with engine.connect() as connection:
            isolated = await connection.execution_options(isolation_level="REPEATABLE READ")
            async with isolated.begin():
                await isolated.execute(text(f"SET TRANSACTION SNAPSHOT '{_quoted(snapshot)}'"))
                session = AsyncSession(bind=isolated)
                await scope_session(session, None)
                with _no_cycle_collection():
                    return await verify_segment(
                        SqlChainSource(session), segment, batch=batch, progress=count
                    )
    finally:
        await engine.dispose()


def _quoted(snapshot: str) -> str:
    # a snapshot id is hex digits and dashes (e.g. 00000003-0000001B-1); refuse anything else
    if not snapshot.replace("-", "").isalnum():
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    return snapshot
