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
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.ops.audit_ingest import AuditIngest
from reptidex.adapters.sql.ops.audit_personal_data import SqlAuditPersonalData
from reptidex.adapters.sql.ops.audit_trail import SqlChainSource, scope_session
from reptidex.domain.audit.verification import verify_trail
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn


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
            handler = AuditIngest(engine, "ops:audit")
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
    result = asyncio.run(
        require_policies_needed(
            trail.owner_url,
            trail.checks,
            tables=("audit_record",),  # the webhooks' tables: test_webhook_rls.py
            equivalent={
                "audit_record_pseudonymise USING (true)": (
                    "its WITH CHECK (the whole-trail scope) still refuses every row the "
                    "loosened USING lets an update reach, so no row can be rewritten"
                ),
                "audit_record_expiry USING (true)": (
                    "the role has no DELETE privilege: only the owner deletes, in the expiry "
                    "(test_ops_audit_cli.py runs it as a non-superuser owner)"
                ),
                "audit_record_pseudonymise WITH CHECK (true)": (
                    "its USING tests the same transaction-wide setting, not the row: a row "
                    "an update reaches passes the original check as well"
                ),
            },
        )
    )
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
        await assert_row_security_applies(connection, "audit_record")

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
            # pseudonymising is for the whole trail only: scoped, no row may be rewritten
            await connection.execute("SAVEPOINT attempt")
            try:
                outcome = await connection.execute("UPDATE audit_record SET actor_id = NULL")
            except asyncpg.InsufficientPrivilegeError:
                outcome = "refused"
                await connection.execute("ROLLBACK TO SAVEPOINT attempt")
            assert outcome in ("UPDATE 0", "refused")
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


def test_the_service_role_pseudonymises_a_users_records_and_nothing_else(
    postgres_server: str,
) -> None:
    user, pseudonym, alpha = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def erase(ops_role_url: str) -> tuple[dict[str, int], bool]:
        engine = create_engine(ops_role_url)
        try:
            handler = AuditIngest(engine, "ops:audit")
            await handler(change(alpha, actor_id=user))
            await handler(change(alpha, actor_id=uuid.uuid4()))
            counts = await SqlAuditPersonalData(async_sessionmaker(engine)).erase(user, pseudonym)
            async with AsyncSession(engine) as session, session.begin():
                await scope_session(session, None)
                verdict = await verify_trail(SqlChainSource(session))
            return counts, verdict.intact
        finally:
            await engine.dispose()

    with non_owner_database(postgres_server, "ops") as (_, ops_role_url):
        counts, intact = asyncio.run(erase(ops_role_url))
        assert counts["audit_records_pseudonymised"] == 1
        assert intact
        asyncio.run(_pseudonymised_only(ops_role_url, user, pseudonym, alpha))


async def _pseudonymised_only(
    url: str, user: uuid.UUID, pseudonym: uuid.UUID, alpha: uuid.UUID
) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        # scoped to an organisation, the pseudonymising policy lets no row be rewritten
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(alpha)
            )
            assert await connection.execute("UPDATE audit_record SET actor_id = NULL") == (
                "UPDATE 0"
            )
        await connection.execute("SELECT set_config('reptidex.audit_scope', 'all', false)")
        actors = {
            r["actor_id"] for r in await connection.fetch("SELECT actor_id FROM audit_record")
        }
        assert pseudonym in actors
        assert user not in actors
        for statement in (
            "UPDATE audit_record SET action = 'forged'",
            "UPDATE audit_record SET hash = 'x'",
            "UPDATE audit_record SET occurred_at = now()",
            "DELETE FROM audit_record",
            "DELETE FROM audit_pseudonymised",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute(statement)
    finally:
        await connection.close()
