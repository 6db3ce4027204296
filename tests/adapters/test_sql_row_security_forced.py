"""Row-level security on PostgreSQL, for every service: FORCEd on every table under it (the owner
is bound too), and the outbox under it (a transaction stages events; only the relay reads them),
proven as the non-owner role and as a non-superuser owner."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from reptidex.adapters.sql.outbox_relay import OutboxRelay
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.events import DomainEvent, new_event
from reptidex.services.kernel.catalog import SERVICE_NAMES
from rls_mutation import non_owner_database, require_policies_needed
from service_database import asyncpg_dsn, run_sql

RELAY = "SELECT set_config('reptidex.outbox_relay', 'on', true)"
TABLES = (
    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
    "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
)


@pytest.fixture(params=SERVICE_NAMES)
def database(
    request: pytest.FixtureRequest, postgres_server: str
) -> Iterator[tuple[str, str, str]]:
    """A service's migrated database: (service, owner URL, non-owner role URL)."""
    with non_owner_database(postgres_server, request.param) as (owner_url, role_url):
        yield request.param, owner_url, role_url


async def _fetch(url: str, query: str, *setup: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with connection.transaction():
            for statement in setup:
                await connection.execute(statement)
            return list(await connection.fetch(query))
    finally:
        await connection.close()


class Recorder:
    """A publisher that keeps what it was given."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, event: DomainEvent) -> None:
        self.events.append(event)


async def _stage(url: str, service: str, count: int) -> None:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            outbox = SqlOutbox(session, service)
            for index in range(count):
                outbox.add(new_event("animal.created", producer=service, payload={"n": index}))
            await session.commit()
    finally:
        await engine.dispose()


def test_every_table_under_row_level_security_is_forced(database: tuple[str, str, str]) -> None:
    _, owner_url, _ = database
    tables = asyncio.run(_fetch(owner_url, TABLES))
    secured = {t["relname"] for t in tables if t["relrowsecurity"]}
    forced = {t["relname"] for t in tables if t["relforcerowsecurity"]}
    assert "outbox_message" in secured
    assert secured - forced == set()


def test_the_role_stages_events_that_only_the_relay_reads(database: tuple[str, str, str]) -> None:
    service, _, role_url = database
    asyncio.run(_stage(role_url, service, 3))  # a use case's transaction adds rows
    outbox = "SELECT event_id FROM outbox_message"
    assert asyncio.run(_fetch(role_url, outbox)) == []
    changed = "WITH c AS (UPDATE outbox_message SET attempts = 9 RETURNING 1) SELECT * FROM c"
    assert asyncio.run(_fetch(role_url, changed)) == []
    deleted = "WITH d AS (DELETE FROM outbox_message RETURNING 1) SELECT * FROM d"
    assert asyncio.run(_fetch(role_url, deleted)) == []
    assert len(asyncio.run(_fetch(role_url, outbox, RELAY))) == 3


def test_the_relay_publishes_as_the_non_owner_role(database: tuple[str, str, str]) -> None:
    service, owner_url, role_url = database

    async def relay() -> list[uuid.UUID]:
        engine = create_async_engine(role_url)
        recorder = Recorder()
        try:
            relay = OutboxRelay(engine, service, recorder)
            assert await relay.relay_once() == 2
            assert (await relay.measure()).pending == 0
        finally:
            await engine.dispose()
        return [event.id for event in recorder.events]

    asyncio.run(_stage(role_url, service, 2))
    published = asyncio.run(relay())
    stamped = asyncio.run(
        _fetch(owner_url, "SELECT event_id FROM outbox_message WHERE published_at IS NOT NULL")
    )
    assert sorted(published) == sorted(r["event_id"] for r in stamped)


def test_the_relays_admission_ends_with_its_transaction(database: tuple[str, str, str]) -> None:
    service, _, role_url = database

    async def relay_then_read() -> tuple[int, str | None, int]:
        # one pooled connection: what the relay set must not outlive its own transaction
        engine = create_async_engine(role_url, pool_size=1, max_overflow=0)
        try:
            relayed = await OutboxRelay(engine, service, Recorder()).relay_once()
            async with engine.connect() as connection:
                setting = await connection.scalar(
                    text("SELECT current_setting('reptidex.outbox_relay', true)")
                )
                visible = await connection.scalar(text("SELECT count(*) FROM outbox_message"))
            return relayed, setting, int(visible or 0)
        finally:
            await engine.dispose()

    asyncio.run(_stage(role_url, service, 2))
    relayed, setting, visible = asyncio.run(relay_then_read())
    assert relayed == 2
    assert setting in (None, "")
    assert visible == 0


def test_a_non_superuser_owner_is_bound_by_the_policies(database: tuple[str, str, str]) -> None:
    service, owner_url, _ = database
    owner = f"owner_{uuid.uuid4().hex[:10]}"
    name = owner_url.rsplit("/", 1)[1]
    asyncio.run(_stage(owner_url, service, 2))
    tables = [t["relname"] for t in asyncio.run(_fetch(owner_url, TABLES))]
    asyncio.run(
        run_sql(
            owner_url,
            f"CREATE ROLE {owner} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
            f'GRANT ALL ON DATABASE "{name}" TO {owner}',
            *(f"ALTER TABLE {table} OWNER TO {owner}" for table in tables),
        )
    )
    try:
        owner_as_user = f"postgresql+asyncpg://{owner}:pw@{owner_url.split('@', 1)[1]}"
        outbox = "SELECT event_id FROM outbox_message"
        assert asyncio.run(_fetch(owner_as_user, outbox)) == []
        assert len(asyncio.run(_fetch(owner_as_user, outbox, RELAY))) == 2
        if service == "animal":
            asyncio.run(_owner_sees_only_its_organisation(owner_url, owner_as_user))
    finally:
        asyncio.run(
            run_sql(
                owner_url,
                *(f"ALTER TABLE {table} OWNER TO postgres" for table in tables),
                f'REVOKE ALL ON DATABASE "{name}" FROM {owner}',
                f"DROP ROLE {owner}",
            )
        )


async def _owner_sees_only_its_organisation(superuser_url: str, owner_url: str) -> None:
    alpha, beta = uuid.uuid4(), uuid.uuid4()
    await run_sql(
        superuser_url,
        *(
            "INSERT INTO animal_id_code (id, organisation_id, next_number, created_at, updated_at)"
            f" VALUES ('{uuid.uuid4()}', '{org}', 1, now(), now())"
            for org in (alpha, beta)
        ),
    )
    codes = "SELECT organisation_id FROM animal_id_code"
    assert await _fetch(owner_url, codes) == []
    scoped = f"SELECT set_config('reptidex.organisation_id', '{alpha}', true)"
    assert [r["organisation_id"] for r in await _fetch(owner_url, codes, scoped)] == [alpha]


def test_every_outbox_policy_is_needed(postgres_server: str) -> None:
    with non_owner_database(postgres_server, "media") as (owner_url, role_url):
        asyncio.run(_stage(owner_url, "media", 1))

        async def checks() -> None:
            connection = await asyncpg.connect(asyncpg_dsn(role_url))
            try:
                tx = connection.transaction()
                await tx.start()
                try:
                    await connection.execute(
                        "INSERT INTO outbox_message (id, event_id, event_type, version, producer,"
                        " occurred_at, payload, attempts, created_at, updated_at) VALUES ($1, $2,"
                        " 'animal.created', 1, 'media', now(), '{}', 0, now(), now())",
                        uuid.uuid4(),
                        uuid.uuid4(),
                    )
                    assert await connection.fetchval("SELECT count(*) FROM outbox_message") == 0
                    await connection.execute(RELAY)
                    assert await connection.fetchval("SELECT count(*) FROM outbox_message") == 2
                finally:
                    await tx.rollback()
            finally:
                await connection.close()

        result = asyncio.run(require_policies_needed(owner_url, checks, tables=("outbox_message",)))
    assert result.admitting == ["outbox_message_stage"]
    assert sorted(result.killed) == [
        "outbox_message: row level security disabled",
        "outbox_message_relay USING (true)",
    ]


def test_a_data_migration_sees_every_row_inside_every_row_visible(postgres_server: str) -> None:
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from reptidex.adapters.sql.migrations.app_role import every_row_visible

    def forced(connection: Any) -> bool:
        return bool(
            connection.exec_driver_sql(
                "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'outbox_message'"
            ).scalar()
        )

    def migrate(connection: Any) -> tuple[bool, bool, bool]:
        with Operations.context(MigrationContext.configure(connection)):
            before = forced(connection)
            with every_row_visible(["outbox_message"]):
                during = forced(connection)
            return before, during, forced(connection)

    async def run(url: str) -> tuple[bool, bool, bool]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(migrate)
        finally:
            await engine.dispose()

    with non_owner_database(postgres_server, "animal") as (owner_url, _):
        assert asyncio.run(run(owner_url)) == (True, False, True)
