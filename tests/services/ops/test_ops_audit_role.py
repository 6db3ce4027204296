"""On PostgreSQL the role repti-ops runs as can append audit records but never change or remove
one, and row-level security shows a transaction only its organisation's records (or, asked
for, the whole trail); proven by connecting as that non-owner role."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from ops_testkit import change

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.idempotent_consumer import idempotent_handler
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.ops.wiring import keep_record


def _asyncpg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _run(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_asyncpg(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def ops_role_url(postgres_database: str) -> Iterator[str]:
    """The migrated ops database's URL for a fresh login role in ``reptidex_ops_app``."""
    upgrade("ops", postgres_database)
    role = f"ops_{uuid.uuid4().hex[:10]}"
    asyncio.run(
        _run(
            postgres_database,
            f"CREATE ROLE {role} LOGIN PASSWORD 'pw' NOSUPERUSER NOBYPASSRLS",
            f"GRANT reptidex_ops_app TO {role}",
        )
    )
    host = postgres_database.split("@", 1)[1]
    try:
        yield f"postgresql+asyncpg://{role}:pw@{host}"
    finally:
        admin = postgres_database.rsplit("/", 1)[0] + "/postgres"
        name = postgres_database.rsplit("/", 1)[1]
        asyncio.run(
            _run(
                admin,
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                f"DROP ROLE IF EXISTS {role}",
            )
        )


def test_the_service_role_appends_but_never_changes_a_record(ops_role_url: str) -> None:
    alpha, beta = uuid.uuid4(), uuid.uuid4()

    async def consume() -> None:
        engine = create_engine(ops_role_url)
        try:
            handler = idempotent_handler(engine, "ops", "ops:audit", keep_record)
            for organisation in (alpha, beta, alpha, None):
                await handler(change(organisation))
        finally:
            await engine.dispose()

    asyncio.run(consume())
    asyncio.run(_checks(ops_role_url, alpha, beta))


async def _checks(url: str, alpha: uuid.UUID, beta: uuid.UUID) -> None:
    connection = await asyncpg.connect(_asyncpg(url))
    try:
        role = await connection.fetchrow(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        assert (role["rolsuper"], role["rolbypassrls"]) == (False, False)
        owner = await connection.fetchval(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_record'"
        )
        assert owner != await connection.fetchval("SELECT current_user")

        # nothing without a scope; one organisation's records with it; all when asked
        assert await connection.fetchval("SELECT count(*) FROM audit_record") == 0
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(alpha)
            )
            organisations = {
                r["organisation_id"] for r in await connection.fetch("SELECT * FROM audit_record")
            }
            assert organisations == {alpha}
        async with connection.transaction():
            await connection.execute("SELECT set_config('reptidex.audit_scope', 'all', true)")
            assert await connection.fetchval("SELECT count(*) FROM audit_record") == 4

        # the whole trail in view for the rest of this connection: still nothing may change
        await connection.execute("SELECT set_config('reptidex.audit_scope', 'all', false)")
        for statement in (
            "UPDATE audit_record SET action = 'forged'",
            "DELETE FROM audit_record",
            "TRUNCATE audit_record",
            "UPDATE audit_checkpoint SET hash = 'x'",
            "DELETE FROM audit_checkpoint",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement)
        updated = "SELECT count(*) FROM audit_record WHERE action = 'updated'"
        assert await connection.fetchval(updated) == 4
    finally:
        await connection.close()
