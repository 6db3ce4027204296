"""The search index's batching consumer: the events arriving together are applied in one
transaction, the newest news of each document winning within a batch as across batches; an
event the index cannot read fails alone."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from community_testkit import animal_event, listing_event
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from reptidex.adapters.sql.batched_consumer import BatchedConsumer
from reptidex.adapters.sql.community.search_index import SqlSearchIndex
from reptidex.adapters.sql.engine import create_engine
from reptidex.domain.community.search.documents import IndexChange
from reptidex.services.community.search_wiring import index_changes, indexed_change
from service_database import migrated_database_url

ORG = uuid.uuid4()
T0 = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return migrated_database_url(request, tmp_path, "community")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=4)
    yield engine
    await engine.dispose()


def consumer(engine: AsyncEngine) -> BatchedConsumer[IndexChange | None]:
    return BatchedConsumer(engine, "community", "community:search", index_changes, indexed_change)


def index(engine: AsyncEngine) -> SqlSearchIndex:
    return SqlSearchIndex(async_sessionmaker(engine, expire_on_commit=False))


async def test_the_newest_news_of_each_document_wins_within_a_batch(engine: AsyncEngine) -> None:
    handle = consumer(engine)
    kept, taken_out = uuid.uuid4(), uuid.uuid4()
    commits: list[int] = []
    sa_event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    batch = [
        animal_event(kept, ORG, name="Newest", occurred_at=at(3)),
        animal_event(kept, ORG, visibility="private", occurred_at=at(1)),  # older: ignored
        animal_event(kept, ORG, name="Older", occurred_at=at(2)),
        animal_event(taken_out, ORG, name="Gone", occurred_at=at(1)),
        animal_event(taken_out, ORG, kind="animal.deleted", occurred_at=at(2)),
    ]

    assert await asyncio.gather(*(handle(e) for e in batch)) == [None] * 5

    assert len(commits) <= 2  # the first alone at most, then the rest together
    document = await index(engine).get("animal", str(kept))
    assert document is not None
    assert document.title.startswith("Newest")
    assert await index(engine).get("animal", str(taken_out)) is None


async def test_an_older_event_in_a_later_batch_changes_nothing(engine: AsyncEngine) -> None:
    handle = consumer(engine)
    animal, removed = uuid.uuid4(), uuid.uuid4()
    await asyncio.gather(
        handle(animal_event(animal, ORG, name="Current", occurred_at=at(5))),
        handle(animal_event(removed, ORG, kind="animal.deleted", occurred_at=at(5))),
    )
    await asyncio.gather(
        handle(animal_event(animal, ORG, name="Stale", occurred_at=at(4))),
        handle(animal_event(animal, ORG, visibility="private", occurred_at=at(4))),
        handle(animal_event(removed, ORG, name="Back", occurred_at=at(4))),
    )
    document = await index(engine).get("animal", str(animal))
    assert document is not None
    assert document.title.startswith("Current")
    assert await index(engine).get("animal", str(removed)) is None


async def test_an_event_the_index_cannot_read_fails_alone(engine: AsyncEngine) -> None:
    handle = consumer(engine)
    good = uuid.uuid4()
    broken = listing_event(uuid.uuid4(), ORG, price_amount="a lot")

    outcomes = await asyncio.gather(
        handle(broken), handle(listing_event(good, ORG)), return_exceptions=True
    )

    assert isinstance(outcomes[0], ValueError)
    assert outcomes[1] is None
    assert await index(engine).get("listing", str(good)) is not None


async def test_many_documents_in_one_batch_are_all_found(engine: AsyncEngine) -> None:
    handle = consumer(engine)
    listings = [uuid.uuid4() for _ in range(1200)]  # several statements' worth

    await asyncio.gather(*(handle(listing_event(i, ORG)) for i in listings))

    assert await index(engine).count() == 1200
    assert await index(engine).get("listing", str(listings[-1])) is not None
