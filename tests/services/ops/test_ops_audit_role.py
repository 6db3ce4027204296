"""On PostgreSQL the role repti-ops runs as can append audit records but never change or remove
one, and row-level security shows a transaction only its organisation's records (or, asked
for, the whole trail); proven by connecting as that non-owner role. Every policy is needed:
loosened one at a time (``rls_mutation``), each fails the checks."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import pytest
from ops_testkit import change

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.idempotent_consumer import idempotent_handler
from reptidex.services.ops.wiring import keep_record
from rls_mutation import asyncpg_dsn, non_owner_database, require_policies_needed


@dataclass(frozen=True)
class Trail:
    """Four records (two of alpha, one of beta, one of no organisation) kept as the role."""

    owner_url: str
    role_url: str
    alpha: uuid.UUID
    beta: uuid.UUID

    async def checks(self) -> None:
        """The direct checks on this trail."""
        await _checks(self.role_url, self.alpha, self.beta)


@pytest.fixture(scope="module")
def trail(postgres_server: str) -> Iterator[Trail]:
    """The module's trail, kept once by the consumer connected as the non-owner role."""
    alpha, beta = uuid.uuid4(), uuid.uuid4()

    async def consume(url: str) -> None:
        engine = create_engine(url)
        try:
            handler = idempotent_handler(engine, "ops", "ops:audit", keep_record)
            for organisation in (alpha, beta, alpha, None):
                await handler(change(organisation))
        finally:
            await engine.dispose()

    with non_owner_database(postgres_server, "ops") as (owner_url, role_url):
        asyncio.run(consume(role_url))
        yield Trail(owner_url, role_url, alpha, beta)


def test_the_service_role_appends_but_never_changes_a_record(trail: Trail) -> None:
    asyncio.run(trail.checks())


def test_every_policy_is_needed(trail: Trail) -> None:
    result = asyncio.run(require_policies_needed(trail.owner_url, trail.checks))
    # audit_record_read's USING and RLS on audit_record, both killed; audit_record_append is
    # WITH CHECK (true) by design (the consumer appends every organisation's records), so
    # loosening it changes nothing: it has no mutant
    assert result.killed == [
        "audit_record_read USING (true)",
        "audit_record: row level security disabled",
    ]
    assert result.admitting == ["audit_record_append"]


async def _checks(url: str, alpha: uuid.UUID, beta: uuid.UUID) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
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
