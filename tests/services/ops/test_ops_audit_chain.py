"""repti-ops keeps every service's audit records in one hash chain: consumed idempotently,
appended in order, and verified record by record, naming the first that was tampered with."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import uuid

import msgspec
import pytest
from ops_testkit import change
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.ops.audit_ingest import AuditIngest
from reptidex.adapters.sql.ops.audit_trail import SqlChainSource
from reptidex.adapters.sql.ops.audit_verification import verify_database
from reptidex.domain.audit import GENESIS, chain_hash, record_of
from reptidex.domain.audit.verification import Verdict, verify_trail

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
        handler = AuditIngest(engine, "ops:audit")
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


TAMPERING = [
    ("UPDATE audit_record SET action = 'deleted' WHERE seq = 3", 3, 2, "content"),
    ('UPDATE audit_record SET before = \'{"name": "Forged"}\' WHERE seq = 4', 4, 3, "content"),
    ("DELETE FROM audit_record WHERE seq = 2", 3, 1, "missing"),
    ("DELETE FROM audit_record WHERE seq = 3", 4, 2, "missing"),
    ("UPDATE audit_record SET previous_hash = hash WHERE seq = 5", 5, 4, "previous hash"),
    ("DELETE FROM audit_record WHERE seq = 6", 6, 5, "head"),
]
"""A tampering, the record named as the first broken, the records before it that hold and
why."""


@pytest.mark.parametrize(("statement", "seq", "checked", "reason"), TAMPERING)
def test_verify_names_the_first_broken_record(
    ops_database: str, statement: str, seq: int, checked: int, reason: str
) -> None:
    asyncio.run(_consume(ops_database, [change(ORG, resource_id=f"a{i}") for i in range(6)]))
    asyncio.run(_execute(ops_database, statement))
    verdict, _ = asyncio.run(_verify(ops_database))
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.checked) == (seq, checked)
    assert reason in verdict.broken.reason


@pytest.mark.parametrize(
    ("statement", "seq", "checked", "reason"),
    [TAMPERING[3], TAMPERING[4]],  # where two segments meet, and within one
)
def test_verify_in_worker_processes_names_the_same_record(
    ops_database: str, statement: str, seq: int, checked: int, reason: str
) -> None:
    asyncio.run(_consume(ops_database, [change(ORG, resource_id=f"a{i}") for i in range(6)]))
    intact = asyncio.run(verify_database(ops_database, jobs=3, batch=1, min_segment=1))
    assert (intact.checked, intact.broken, intact.last.seq) == (6, None, 6)
    asyncio.run(_execute(ops_database, statement))
    seen: list[tuple[int, int]] = []
    verdict = asyncio.run(
        verify_database(
            ops_database, jobs=3, batch=1, min_segment=1, progress=lambda a, b: seen.append((a, b))
        )
    )
    one_pass, _ = asyncio.run(_verify(ops_database, batch=1))
    assert verdict == one_pass
    assert verdict.broken is not None
    assert (verdict.broken.seq, verdict.checked) == (seq, checked)
    assert reason in verdict.broken.reason
    assert seen
    assert all(0 <= done <= total for done, total in seen)


def test_one_pass_reads_one_state_while_a_record_arrives(ops_database: str) -> None:
    asyncio.run(_consume(ops_database, [change(ORG, resource_id=f"s{i}") for i in range(5)]))
    appended: list[int] = []

    def append_once(checked: int, _total: int) -> None:
        # another connection appends while the verification is between its reads
        if not appended:
            appended.append(checked)
            writer = threading.Thread(
                target=asyncio.run, args=(_consume(ops_database, [change(ORG, resource_id="x")]),)
            )
            writer.start()
            writer.join()

    during = asyncio.run(verify_database(ops_database, batch=1, progress=append_once))
    assert appended
    assert (during.intact, during.checked) == (True, 5)
    after = asyncio.run(verify_database(ops_database))
    assert (after.intact, after.checked) == (True, 6)


def test_verify_in_workers_reads_one_state_while_records_arrive(ops_database: str) -> None:
    asyncio.run(_consume(ops_database, [change(ORG, resource_id=f"s{i}") for i in range(30)]))

    async def verify_while_appending() -> tuple[Verdict, Verdict]:
        engine = create_engine(ops_database)
        try:
            ingest = AuditIngest(engine, "ops:audit")
            verifying = asyncio.create_task(
                verify_database(ops_database, jobs=2, batch=1, min_segment=1)
            )
            for i in range(15):
                await ingest(change(ORG, resource_id=f"t{i}"))
                await asyncio.sleep(0.01)
            during = await verifying
            return during, await verify_database(ops_database, jobs=2, min_segment=1)
        finally:
            await engine.dispose()

    during, after = asyncio.run(verify_while_appending())
    assert during.intact
    assert 30 <= during.checked <= 45
    assert (after.intact, after.checked) == (True, 45)


def test_concurrent_consumers_keep_one_unbroken_chain(ops_database: str) -> None:
    events = [change(ORG, resource_id=f"c{i}") for i in range(24)]

    async def consume_side_by_side() -> None:
        engine = create_engine(ops_database)
        try:
            handlers = [AuditIngest(engine, "ops:audit") for _ in "ab"]

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


def test_records_arriving_together_are_appended_in_few_transactions(ops_database: str) -> None:
    events = [change(ORG, resource_id=f"b{i}") for i in range(40)]
    commits: list[int] = []

    async def deliver_at_once() -> list[BaseException | None]:
        engine = create_engine(ops_database)
        event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
        try:
            ingest = AuditIngest(engine, "ops:audit")
            # each event twice (a redelivery racing the first), and one that is no audit record
            broken = msgspec.structs.replace(
                events[0], id=uuid.uuid4(), payload={"service": "animal"}
            )
            deliveries = [ingest(e) for e in [*events, *events[::-1], broken]]
            return await asyncio.gather(*deliveries, return_exceptions=True)
        finally:
            await engine.dispose()

    outcomes = asyncio.run(deliver_at_once())
    assert outcomes[:-1] == [None] * 80
    assert isinstance(outcomes[-1], msgspec.ValidationError)  # it alone fails
    assert 1 <= len(commits) < 40  # together, not one transaction each
    verdict, _ = asyncio.run(_verify(ops_database))
    assert verdict.intact
    assert verdict.checked == 40
    asyncio.run(_consume(ops_database, events[5:9]))  # delivered again later: still once
    assert asyncio.run(_verify(ops_database))[0].checked == 40


def test_a_batch_that_cannot_commit_fails_each_delivery(ops_database: str) -> None:
    events = [change(ORG, resource_id=f"f{i}") for i in range(3)]

    async def deliver_while_the_head_is_gone() -> list[BaseException | None]:
        engine = create_engine(ops_database)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("DELETE FROM audit_chain_head"))
            ingest = AuditIngest(engine, "ops:audit")
            return await asyncio.gather(*(ingest(e) for e in events), return_exceptions=True)
        finally:
            await engine.dispose()

    outcomes = asyncio.run(deliver_while_the_head_is_gone())
    assert all(isinstance(outcome, Exception) for outcome in outcomes)
