"""Partner marketplace feeds under PostgreSQL's row-level security, with repti-ops connected
as its non-owner role: enabled and read through the API as that role (the partner's read by
token included), then read and written directly as the role: an organisation sees, adds,
changes and deletes only its own feeds; a transaction that sets a token's digest reads that
one feed and writes nothing; an unscoped transaction sees none. Every policy is needed:
loosened (``rls_mutation``), the checks fail."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from litestar.testing import TestClient
from ops_testkit import bearer, mint_token

from core_tokens import StaticKeys
from reptidex.domain.integrations.marketplaces.model import token_digest
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.peers import PeerClient
from reptidex.services.kernel.settings import load_settings
from reptidex.services.ops.app import create_app
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn

TABLE = "marketplace_feed"
INSERT = (
    "INSERT INTO marketplace_feed (id, created_at, updated_at, organisation_id, partner, "
    "partner_key, token_digest) VALUES ($1, now(), now(), $2, 'P', $3, $4)"
)


_NO_LISTINGS = httpx.MockTransport(
    lambda request: httpx.Response(200, json={"items": [], "total": 0, "limit": 100, "offset": 0})
)
"""repti-commerce's search, for a seller without open listings."""


@dataclass(frozen=True)
class Feeds:
    """Alpha's feed and beta's, enabled through the API as the role; alpha's token digest."""

    owner_url: str
    role_url: str
    alpha: uuid.UUID
    beta: uuid.UUID
    alpha_digest: str


@pytest.fixture(scope="module")
def feeds(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Feeds]:
    alpha, beta = uuid.uuid4(), uuid.uuid4()
    with non_owner_database(postgres_server, "ops") as (owner_url, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "REPTIDEX_LOG_FORMAT": "json",
                "REPTIDEX_OPS_DATABASE_URL": role_url,
            }
        )
        app = create_app(
            settings,
            authenticator=Authenticator(StaticKeys()),
            peers=PeerClient({"commerce": "http://commerce"}, 10.0, transport=_NO_LISTINGS),
        )
        tokens: dict[uuid.UUID, str] = {}
        with TestClient(app) as client:
            for organisation in (alpha, beta):
                answer = client.post(
                    "/integrations/configure",
                    json={"kind": "partner_marketplace", "partner": "Example Market"},
                    headers=bearer(mint_token(organisation, "owner")),
                )
                assert answer.status_code == 200, answer.text
                tokens[organisation] = answer.json()["feed_token"]
                listed = client.get(
                    "/integrations/marketplaces", headers=bearer(mint_token(organisation, "admin"))
                )
                assert len(listed.json()["items"]) == 1
            # the partner's read by token finds its feed as the role
            (feed,) = client.get(
                "/integrations/marketplaces", headers=bearer(mint_token(alpha, "admin"))
            ).json()["items"]
            by_token = client.get(feed["feed_path"], params={"token": tokens[alpha]})
            assert by_token.status_code == 200, by_token.text
            assert by_token.text.startswith("listing_id,")
            other = client.get(feed["feed_path"], params={"token": tokens[beta]})
            assert other.status_code == 404, other.text
        yield Feeds(owner_url, role_url, alpha, beta, token_digest(tokens[alpha]))


async def _outcome(connection: asyncpg.Connection, statement: str, *args: object) -> str:
    await connection.execute("SAVEPOINT attempt")
    try:
        return str(await connection.execute(statement, *args))
    except asyncpg.InsufficientPrivilegeError:
        return "refused"
    finally:
        await connection.execute("ROLLBACK TO SAVEPOINT attempt")


async def _checks(feeds: Feeds) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(feeds.role_url))
    try:
        await assert_row_security_applies(connection, TABLE)
        async with connection.transaction():
            assert await connection.fetchval("SELECT count(*) FROM marketplace_feed") == 0
            assert await _outcome(connection, "DELETE FROM marketplace_feed") == "DELETE 0"
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('reptidex.feed_token_digest', $1, true)", feeds.alpha_digest
            )
            rows = await connection.fetch("SELECT organisation_id FROM marketplace_feed")
            assert [r["organisation_id"] for r in rows] == [feeds.alpha]
            assert await _outcome(connection, "UPDATE marketplace_feed SET partner = 'Y'") == (
                "UPDATE 0"
            )
            assert await _outcome(connection, "DELETE FROM marketplace_feed") == "DELETE 0"
            digest = "f" * 64
            assert await _outcome(connection, INSERT, uuid.uuid4(), feeds.alpha, "q", digest) == (
                "refused"
            )
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('reptidex.feed_token_digest', $1, true)", "0" * 64
            )
            assert await connection.fetchval("SELECT count(*) FROM marketplace_feed") == 0
        async with connection.transaction():
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(feeds.alpha)
            )
            rows = await connection.fetch("SELECT organisation_id FROM marketplace_feed")
            assert [r["organisation_id"] for r in rows] == [feeds.alpha]
            insert = (INSERT, uuid.uuid4())
            assert await _outcome(connection, *insert, feeds.beta, "b", "b" * 64) == "refused"
            assert await _outcome(connection, *insert, feeds.alpha, "a", "a" * 64) == "INSERT 0 1"
            moved = "UPDATE marketplace_feed SET organisation_id = $1"
            assert await _outcome(connection, moved, feeds.beta) == "refused"
            assert await _outcome(connection, "UPDATE marketplace_feed SET partner = 'Y'") == (
                "UPDATE 1"
            )
            assert await _outcome(connection, "DELETE FROM marketplace_feed") == "DELETE 1"
    finally:
        await connection.close()


def test_the_api_works_as_the_role_and_the_role_is_bound(feeds: Feeds) -> None:
    asyncio.run(_checks(feeds))


def test_every_policy_is_needed(feeds: Feeds) -> None:
    result = asyncio.run(
        require_policies_needed(feeds.owner_url, lambda: _checks(feeds), tables=(TABLE,))
    )
    assert sorted(result.killed) == sorted(
        [
            "marketplace_feed_tenant USING (true)",
            "marketplace_feed_tenant WITH CHECK (true)",
            "marketplace_feed_token USING (true)",
            "marketplace_feed: row level security disabled",
        ]
    )
    assert result.survived == []
