"""repti-ops keeps every service's audit records in one hash chain: consumed idempotently,
appended in order, and verified record by record, naming the first that was tampered with."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from ops_testkit import change
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.idempotent_consumer import idempotent_handler
from reptidex.adapters.sql.ops.audit_trail import SqlChainSource
from reptidex.domain.audit import GENESIS, chain_hash, record_of
from reptidex.domain.audit.verification import Verdict, verify_trail
from reptidex.services.ops.wiring import keep_record

ORG = uuid.uuid4()


async def _verify(url: str, *, batch: int = 5000) -> tuple[Verdict, list[tuple[int, int]]]:
    engine = create_engine(url)
    seen: list[tuple[int, int]] = []
    try:
        async with AsyncSession(engine) as session:
            verdict = await verify_trail(
                SqlChainSource(session), batch=batch, progress=lambda a, b: seen.append((a, b))
            )
        return verdict, seen
    finally:
        await engine.dispose()


async def _consume(url: str, events: list) -> None:  # type: ignore[type-arg]
    engine = create_engine(url)
    try:
        handler = idempotent_handler(engine, "ops", "ops:audit", keep_record)
        for event in events:
            await handler(event)
    finally:
        await engine.dispose()


async def _execute(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def test_records_chain_once_each_and_verify(ops_database: str) -> None:
    events = [change(ORG, resource_id=f"a{i}", after={"n": i, "w": 0.1 * i}) for i in range(7)]
    asyncio.run(_consume(ops_database, events))
    asyncio.run(_consume(ops_database, events[2:4]))  # redelivered: stored once
    verdict, progress = asyncio.run(_verify(ops_database, batch=3))
    assert verdict.intact
    assert verdict.checked == 7
    assert verdict.last.seq == 7
    assert progress == [(3, 7), (6, 7), (7, 7)]

    async def first_two() -> list[tuple[int, str, str]]:
        engine = create_engine(ops_database)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text("SELECT seq, previous_hash, hash FROM audit_record ORDER BY seq LIMIT 2")
                )
                return [(r[0], r[1], r[2]) for r in rows]
        finally:
            await engine.dispose()

    (one, first_previous, first_hash), (two, second_previous, _) = asyncio.run(first_two())
    assert (one, two) == (1, 2)
    assert first_previous == GENESIS
    assert second_previous == first_hash
    assert first_hash == chain_hash(record_of(events[0]), 1, GENESIS)


@pytest.mark.parametrize(
    ("statement", "seq", "reason"),
    [
        ("UPDATE audit_record SET action = 'deleted' WHERE seq = 3", 3, "content"),
        ('UPDATE audit_record SET before = \'{"name": "Forged"}\' WHERE seq = 4', 4, "content"),
        ("DELETE FROM audit_record WHERE seq = 2", 3, "missing"),
        ("UPDATE audit_record SET previous_hash = hash WHERE seq = 5", 5, "previous hash"),
        ("DELETE FROM audit_record WHERE seq = 6", 6, "head"),
    ],
)
def test_verify_names_the_first_broken_record(
    ops_database: str, statement: str, seq: int, reason: str
) -> None:
    asyncio.run(_consume(ops_database, [change(ORG, resource_id=f"a{i}") for i in range(6)]))
    asyncio.run(_execute(ops_database, statement))
    verdict, _ = asyncio.run(_verify(ops_database))
    assert verdict.broken is not None
    assert verdict.broken.seq == seq
    assert reason in verdict.broken.reason


def test_concurrent_consumers_keep_one_unbroken_chain(ops_database: str) -> None:
    events = [change(ORG, resource_id=f"c{i}") for i in range(24)]

    async def consume_side_by_side() -> None:
        engine = create_engine(ops_database)
        try:
            handlers = [idempotent_handler(engine, "ops", "ops:audit", keep_record) for _ in "ab"]

            async def run(handler, share) -> None:  # type: ignore[no-untyped-def]
                for event in share:
                    for attempt in range(50):
                        try:
                            await handler(event)
                            break
                        except Exception:  # SQLite's one writer: "database is locked"
                            if attempt == 49:
                                raise
                            await asyncio.sleep(0.02)

            await asyncio.gather(run(handlers[0], events[::2]), run(handlers[1], events[1::2]))
        finally:
            await engine.dispose()

    asyncio.run(consume_side_by_side())
    verdict, _ = asyncio.run(_verify(ops_database))
    assert verdict.intact
    assert verdict.checked == 24


def test_a_record_of_another_time_zone_hashes_the_same() -> None:
    event = change(ORG, occurred_at=dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC))
    record = record_of(event)
    shifted = dt.datetime(2026, 1, 2, 5, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    import msgspec

    moved = msgspec.structs.replace(record, occurred_at=shifted)
    assert chain_hash(record, 1, GENESIS) == chain_hash(moved, 1, GENESIS)
    assert chain_hash(record, 1, GENESIS) != chain_hash(record, 2, GENESIS)
