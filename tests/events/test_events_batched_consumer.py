"""Batching idempotent consumers: the events arriving together commit in one transaction with
their marks, each at most once; a refused event fails alone, a failed batch fails each."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from reptidex.adapters.sql.batched_consumer import BatchedConsumer, batched_idempotent_handler
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.idempotent_consumer import was_processed
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.events import DomainEvent, new_event
from service_database import migrated_database_url

SERVICE = "community"
GROUP = "community:batch"
Outbox = OUTBOX_MODELS[SERVICE]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return migrated_database_url(request, tmp_path, SERVICE)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=4)
    yield engine
    await engine.dispose()


class Notifier:
    """The effect: one follow-up event per event of the batch, staged in the consumer's outbox;
    the batches it was given."""

    def __init__(self) -> None:
        self.batches: list[list[DomainEvent]] = []

    async def __call__(self, events: Sequence[DomainEvent], session: AsyncSession) -> None:
        self.batches.append(list(events))
        outbox = SqlOutbox(session, SERVICE)
        for event in events:
            outbox.add(new_event("notification.requested", producer=SERVICE,
                                 payload={"because": str(event.id)}))  # fmt: skip


async def effects(engine: AsyncEngine) -> int:
    async with AsyncSession(engine) as session:
        return int(await session.scalar(select(func.count()).select_from(Outbox)) or 0)


def animal_events(count: int) -> list[DomainEvent]:
    return [new_event("animal.listed", producer="animal", payload={"n": n}) for n in range(count)]


async def test_events_arriving_together_commit_together(engine: AsyncEngine) -> None:
    notify = Notifier()
    handler = batched_idempotent_handler(engine, SERVICE, GROUP, notify)
    events = animal_events(30)
    commits: list[int] = []
    sa_event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))

    assert await asyncio.gather(*(handler(e) for e in events)) == [None] * 30

    assert await effects(engine) == 30
    assert 1 <= len(commits) < 30
    assert [e for batch in notify.batches for e in batch] == events  # in arrival order
    assert all([await was_processed(engine, SERVICE, GROUP, e) for e in events])


async def test_a_duplicate_in_a_batch_or_a_later_one_has_no_second_effect(
    engine: AsyncEngine,
) -> None:
    notify = Notifier()
    handler = batched_idempotent_handler(engine, SERVICE, GROUP, notify)
    events = animal_events(5)

    outcomes = await asyncio.gather(*(handler(e) for e in [*events, *events[::-1]]))
    assert outcomes == [None] * 10  # each delivery of a duplicate succeeds
    assert await effects(engine) == 5

    await asyncio.gather(*(handler(e) for e in events[1:3]))  # redelivered later
    await handler(events[0])
    assert await effects(engine) == 5
    assert all(notify.batches)  # a batch of redeliveries only does not reach the handler
    assert sum(map(len, notify.batches)) == 5


async def test_a_batch_holds_at_most_max_batch_events(engine: AsyncEngine) -> None:
    notify = Notifier()
    handler = batched_idempotent_handler(engine, SERVICE, GROUP, notify, max_batch=3)
    await asyncio.gather(*(handler(e) for e in animal_events(10)))
    assert max(map(len, notify.batches)) == 3
    assert await effects(engine) == 10


async def test_a_refused_event_fails_alone(engine: AsyncEngine) -> None:
    def prepare(event: DomainEvent) -> DomainEvent:
        if "n" not in event.payload:
            raise ValueError("not an animal event")
        return event

    handler = BatchedConsumer(engine, SERVICE, GROUP, Notifier(), prepare)
    events = animal_events(4)
    broken = new_event("animal.listed", producer="animal", payload={})

    outcomes = await asyncio.gather(
        *(handler(e) for e in [*events[:2], broken, *events[2:]]), return_exceptions=True
    )

    assert outcomes[:2] + outcomes[3:] == [None] * 4
    assert isinstance(outcomes[2], ValueError)
    assert await effects(engine) == 4
    assert not await was_processed(engine, SERVICE, GROUP, broken)


async def test_a_batch_that_cannot_commit_fails_each_delivery_and_marks_none(
    engine: AsyncEngine,
) -> None:
    notify = Notifier()
    failures = [RuntimeError("the database went away")]

    async def fails_once(events: Sequence[DomainEvent], session: AsyncSession) -> None:
        await notify(events, session)
        if failures:
            raise failures.pop()

    handler = batched_idempotent_handler(engine, SERVICE, GROUP, fails_once)
    events = animal_events(6)

    outcomes = await asyncio.gather(*(handler(e) for e in events), return_exceptions=True)
    assert outcomes[0] is not None  # the first delivery starts a batch alone
    failed = [o for o in outcomes if o is not None]
    assert all(isinstance(o, RuntimeError) for o in failed)
    for event, outcome in zip(events, outcomes, strict=True):
        assert await was_processed(engine, SERVICE, GROUP, event) is (outcome is None)

    await asyncio.gather(*(handler(e) for e in events))  # the bus's retries
    assert await effects(engine) == 6
    assert all([await was_processed(engine, SERVICE, GROUP, e) for e in events])


async def test_consumers_of_different_groups_each_apply_the_event(engine: AsyncEngine) -> None:
    event = animal_events(1)[0]
    await batched_idempotent_handler(engine, SERVICE, "community:a", Notifier())(event)
    await batched_idempotent_handler(engine, SERVICE, "community:b", Notifier())(event)
    assert await effects(engine) == 2


def test_a_batch_is_at_least_one_event() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        BatchedConsumer(None, SERVICE, GROUP, Notifier(), lambda e: e, max_batch=0)  # type: ignore[arg-type]
