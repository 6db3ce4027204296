"""Each service's migrations run the same on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import (
    alembic_config,
    current_revisions,
    downgrade,
    head_revisions,
    upgrade,
)
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.events import new_event
from reptidex.services.kernel.catalog import SERVICE_NAMES


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'service.sqlite3'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_upgrade_reaches_every_head_and_is_repeatable(
    database_url: str, service: str
) -> None:
    engine = create_engine(database_url)
    try:
        assert await current_revisions(engine) == frozenset()
        upgrade(service, database_url)
        upgrade(service, database_url)  # a second start changes nothing
        assert await current_revisions(engine) == head_revisions(service)
        assert "outbox_message" in await table_names(engine)
    finally:
        await engine.dispose()


async def test_downgrade_to_base_removes_the_tables(database_url: str) -> None:
    upgrade("ops", database_url)
    downgrade("ops", database_url, "base")
    engine = create_engine(database_url)
    try:
        assert "outbox_message" not in await table_names(engine)
        assert await current_revisions(engine) == frozenset()
    finally:
        await engine.dispose()


async def test_outbox_rows_commit_or_roll_back_with_the_transaction(database_url: str) -> None:
    upgrade("animal", database_url)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    model = OUTBOX_MODELS["animal"]
    kept = new_event("animal.created", producer="animal", payload={"name": "Aurora"})
    dropped = new_event("animal.created", producer="animal", payload={"name": "Ghost"})
    try:
        async with sessions() as session, session.begin():
            SqlOutbox(session, "animal").add(kept)
        async with sessions() as session, session.begin():
            SqlOutbox(session, "animal").add(dropped)
            await session.flush()
            await session.rollback()
        async with sessions() as session:
            rows = (await session.execute(select(model))).scalars().all()
        assert [row.event_id for row in rows] == [kept.id]  # type: ignore[attr-defined]
        (row,) = rows
        assert row.payload == {"name": "Aurora"}  # type: ignore[attr-defined]
        assert row.published_at is None  # type: ignore[attr-defined]
        assert row.created_at.tzinfo is not None
        assert row.created_at.utcoffset() == dt.timedelta(0)
        assert row.occurred_at.utcoffset() == dt.timedelta(0)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


def test_an_unknown_service_has_no_history() -> None:
    with pytest.raises(KeyError, match="kennel"):
        alembic_config("kennel", "sqlite://")


async def test_the_transfer_offers_migration_goes_down_and_up_again(database_url: str) -> None:
    upgrade("animal", database_url)
    downgrade("animal", database_url, "animal_0009")
    engine = create_engine(database_url)
    try:
        assert "animal_transfer_offer" not in await table_names(engine)
        upgrade("animal", database_url)
        assert "animal_transfer_offer" in await table_names(engine)
        assert await current_revisions(engine) == head_revisions("animal")
    finally:
        await engine.dispose()
