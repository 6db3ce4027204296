"""The engagement figures under row-level security, as repti-community's non-owner role:
first through the API (searches kept, the platform's and each organisation's reports, its
members' open rates), then by connecting as the role. The platform's search figures are the
analytics' alone (``reptidex.worker = 'search_analytics'``); an organisation reads its own
showings and writes none. Every policy is needed: loosened in turn (``rls_mutation``), each
fails the direct checks."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from community_testkit import listing_event, publish, search
from litestar.testing import TestClient
from notification_testkit import community_app, community_settings, service_token, user_token

from core_tokens import signed_token
from reptidex.domain.events import new_event
from reptidex.services.community.wiring import CommunityComponents
from reptidex.services.kernel.app import components_of
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn, statement_outcome

TABLES = ("search_day", "search_query_day", "search_showing_day")
ANALYTICS = "search_analytics"


@dataclass(frozen=True)
class Figures:
    """Two organisations shown by searches, kept through the API as the role."""

    owner_url: str
    role_url: str
    alpha: uuid.UUID
    beta: uuid.UUID

    async def checks(self) -> None:
        """The direct checks on this data."""
        await _direct_checks(self)


def _organisation_admin(organisation: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {signed_token(org=str(organisation), role='admin')}"}


@pytest.fixture(scope="module")
def figures(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Figures]:
    """The module's data, set up once; the API's answers are asserted on the way."""
    alpha, beta, member = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with non_owner_database(postgres_server, "community") as (owner_url, role_url):
        settings = community_settings(role_url, tmp_path_factory.mktemp("data"))
        with TestClient(community_app(settings, engagement_interval=3600.0)) as client:
            publish(client, listing_event(uuid.uuid4(), alpha, kind="listing.created"))
            publish(client, listing_event(uuid.uuid4(), beta, kind="listing.created",
                                          title="Clown female", morph="Clown", traits=["Clown"]))  # fmt: skip
            joined = {"organisation_id": str(alpha), "user_id": str(member), "role": "member"}
            publish(client, new_event("user.joined_organisation", producer="core", payload=joined))
            body = {"user_ids": [str(member)], "kind": "order.paid",
                    "parameters": {"order_id": "1", "price": "€9"}}  # fmt: skip
            sent = client.post("/notifications/send", json=body, headers=service_token())
            assert sent.status_code == 201, sent.text
            notification = sent.json()["items"][0]["notification_id"]
            read = client.post(f"/notifications/{notification}/read", headers=user_token(member))
            assert read.status_code == 200, read.text
            for query in ("banana spider", "banana spider", "clown", "clown female"):
                assert search(client, q=query, kind="listing")["total"] == 1
            keep = components_of(client.app, CommunityComponents).engagement.keep
            client.blocking_portal.call(keep)

            today = dt.datetime.now(dt.UTC).date()
            days = {"since": (today - dt.timedelta(days=1)).isoformat(),
                    "until": (today + dt.timedelta(days=1)).isoformat()}  # fmt: skip
            admin = {"Authorization": f"Bearer {signed_token(platform_admin=True)}"}
            platform = client.get("/community/analytics", params=days, headers=admin).json()
            assert platform["searches"][0]["searches"] == 4
            assert platform["popular_searches"][0] == {
                "query": "banana spider", "searches": 2, "without_results": 0,
            }  # fmt: skip
            assert platform["notification_open_rates"] == [
                {"kind": "order.paid", "stored": 1, "read": 1, "open_rate": 1.0}
            ]
            mine = client.get("/community/analytics/organisation", params=days,
                              headers=_organisation_admin(alpha)).json()  # fmt: skip
            assert mine["queries"] == [{"query": "banana spider", "searches": 2}]
            assert mine["notification_open_rates"][0]["read"] == 1
            theirs = client.get("/community/analytics/organisation", params=days,
                                headers=_organisation_admin(beta)).json()  # fmt: skip
            assert [d["searches"] for d in theirs["shown_in_searches"]] == [2]
            assert theirs["notification_open_rates"] == []
        yield Figures(owner_url, role_url, alpha, beta)


def test_isolation_through_the_api_and_directly(figures: Figures) -> None:
    asyncio.run(figures.checks())


def test_every_policy_is_needed(figures: Figures) -> None:
    result = asyncio.run(require_policies_needed(figures.owner_url, figures.checks, tables=TABLES))
    # 7 policy expressions (three FOR ALL with USING and CHECK, one USING) and 3 tables
    assert (len(result.killed), len(result.survived)) == (10, 0), result


async def _outcome(
    connection: asyncpg.Connection,
    statement: str,
    *args: Any,
    organisation: uuid.UUID | None = None,
    worker: str | None = None,
) -> Any:
    """What ``statement`` does in a transaction of ``organisation`` (and of a ``worker``)."""
    chosen = {"organisation_id": organisation, "worker": worker}
    settings = {name: value for name, value in chosen.items() if value is not None}
    return await statement_outcome(connection, statement, *args, settings=settings)


INSERTS = {
    "search_day": (
        "INSERT INTO search_day (id, day, searches, empty, unrecorded, created_at, updated_at) "
        "VALUES (gen_random_uuid(), current_date + 5, 1, 0, 0, now(), now())"
    ),
    "search_query_day": (
        "INSERT INTO search_query_day (id, day, query, searches, empty, created_at, updated_at) "
        "VALUES (gen_random_uuid(), current_date + 5, 'x', 1, 0, now(), now())"
    ),
    "search_showing_day": (
        "INSERT INTO search_showing_day (id, organisation_id, day, query, searches, created_at, "
        "updated_at) VALUES (gen_random_uuid(), $1, current_date + 5, 'x', 1, now(), now())"
    ),
}


async def _direct_checks(room: Figures) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(room.role_url))
    try:
        for table in TABLES:
            await assert_row_security_applies(connection, table)
        await _reads(connection, room)
        await _writes(connection, room)
    finally:
        await connection.close()


async def _reads(connection: asyncpg.Connection, room: Figures) -> None:
    """The analytics read everything; an organisation only its own showings."""
    expected = {
        # table: (alpha, beta, nobody, analytics)
        "search_day": (0, 0, 0, 1),
        "search_query_day": (0, 0, 0, 3),
        "search_showing_day": (1, 2, 0, 3),
    }
    for table, counts in expected.items():
        query = f"SELECT count(*) FROM {table}"
        found = (
            await _outcome(connection, query, organisation=room.alpha),
            await _outcome(connection, query, organisation=room.beta),
            await _outcome(connection, query),
            await _outcome(connection, query, worker=ANALYTICS),
        )
        assert found == counts, table


async def _writes(connection: asyncpg.Connection, room: Figures) -> None:
    """Only the analytics add, change and forget figures; an organisation none, not even
    its own showings."""
    for table, insert in INSERTS.items():
        args = (room.alpha,) if "$1" in insert else ()
        assert await _outcome(connection, insert, *args, organisation=room.alpha) == "refused"
        assert await _outcome(connection, insert, *args) == "refused"
        assert await _outcome(connection, insert, *args, worker=ANALYTICS) == "INSERT 0 1"
        for statement in (f"UPDATE {table} SET searches = searches + 1", f"DELETE FROM {table}"):
            verb = statement.split()[0]
            assert await _outcome(connection, statement, organisation=room.alpha) == f"{verb} 0"
            assert await _outcome(connection, statement) == f"{verb} 0"
        updated = await _outcome(connection, f"UPDATE {table} SET searches = searches + 1",
                                 worker=ANALYTICS)  # fmt: skip
        assert updated != "UPDATE 0", table
        assert await _outcome(connection, f"DELETE FROM {table}", worker=ANALYTICS) != "DELETE 0"
