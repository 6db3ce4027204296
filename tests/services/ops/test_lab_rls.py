"""Lab integrations under PostgreSQL's row-level security, with repti-ops connected as its
non-owner role: configured through the API as that role, then read and written directly as
the role: an organisation sees, adds, changes and deletes only its own integrations, and an
unscoped transaction none. The policy is needed: loosened (``rls_mutation``), the checks
fail."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import pytest
from litestar.testing import TestClient
from ops_testkit import bearer, mint_token

from core_tokens import StaticKeys
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import load_settings
from reptidex.services.ops.app import create_app
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn

TABLE = "lab_integration"
INSERT = (
    "INSERT INTO lab_integration (id, created_at, updated_at, organisation_id, lab, lab_key, "
    "columns) VALUES ($1, now(), now(), $2, 'Lab X', 'lab x', '{}')"
)


@dataclass(frozen=True)
class Labs:
    """Alpha's integration and beta's, configured through the API as the role."""

    owner_url: str
    role_url: str
    alpha: uuid.UUID
    beta: uuid.UUID


@pytest.fixture(scope="module")
def labs(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Labs]:
    alpha, beta = uuid.uuid4(), uuid.uuid4()
    with non_owner_database(postgres_server, "ops") as (owner_url, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "REPTIDEX_LOG_FORMAT": "json",
                "REPTIDEX_OPS_DATABASE_URL": role_url,
            }
        )
        app = create_app(settings, authenticator=Authenticator(StaticKeys()))
        with TestClient(app) as client:
            for organisation in (alpha, beta):
                answer = client.post(
                    "/integrations/configure",
                    json={"kind": "genetics_lab", "lab": "Example Genetics", "api_key": "k"},
                    headers=bearer(mint_token(organisation, "owner")),
                )
                assert answer.status_code == 200, answer.text
                listed = client.get(
                    "/integrations/labs", headers=bearer(mint_token(organisation, "admin"))
                )
                assert len(listed.json()["items"]) == 1
        yield Labs(owner_url, role_url, alpha, beta)


async def _outcome(connection: asyncpg.Connection, statement: str, *args: object) -> str:
    await connection.execute("SAVEPOINT attempt")
    try:
        return str(await connection.execute(statement, *args))
    except asyncpg.InsufficientPrivilegeError:
        return "refused"
    finally:
        await connection.execute("ROLLBACK TO SAVEPOINT attempt")


async def _checks(labs: Labs) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(labs.role_url))
    try:
        await assert_row_security_applies(connection, TABLE)
        async with connection.transaction():
            assert await connection.fetchval("SELECT count(*) FROM lab_integration") == 0
            assert await _outcome(connection, "DELETE FROM lab_integration") == "DELETE 0"
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(labs.alpha)
            )
            rows = await connection.fetch("SELECT organisation_id FROM lab_integration")
            assert [r["organisation_id"] for r in rows] == [labs.alpha]
            assert await _outcome(connection, INSERT, uuid.uuid4(), labs.beta) == "refused"
            assert await _outcome(connection, INSERT, uuid.uuid4(), labs.alpha) == "INSERT 0 1"
            moved = "UPDATE lab_integration SET organisation_id = $1"
            assert await _outcome(connection, moved, labs.beta) == "refused"
            assert await _outcome(connection, "UPDATE lab_integration SET lab = 'Y'") == (
                "UPDATE 1"
            )
            assert await _outcome(connection, "DELETE FROM lab_integration") == "DELETE 1"
    finally:
        await connection.close()


def test_the_api_works_as_the_role_and_the_role_is_bound(labs: Labs) -> None:
    asyncio.run(_checks(labs))


def test_every_policy_is_needed(labs: Labs) -> None:
    result = asyncio.run(
        require_policies_needed(labs.owner_url, lambda: _checks(labs), tables=(TABLE,))
    )
    assert sorted(result.killed) == sorted(
        [
            "lab_integration_tenant USING (true)",
            "lab_integration_tenant WITH CHECK (true)",
            "lab_integration: row level security disabled",
        ]
    )
    assert result.survived == []
