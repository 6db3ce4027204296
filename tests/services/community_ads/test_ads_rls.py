"""Advertising under row-level security, as repti-community's non-owner role: first through
the API (the service scopes every transaction itself), then by connecting as the role. An
organisation reads and writes its own campaigns and reads its own days, credits and
purchases; only the crediting of a purchase raises credits; the ad server reads every
campaign and writes spend (only up), days, credits (only down) and sightings. Every policy is needed: loosened in
turn (``rls_mutation``), each fails the direct checks."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from ads_testkit import (
    Advertiser,
    Clock,
    FakeListings,
    ads_client,
    campaign_body,
    publish,
    purchase_event,
)

from reptidex.services.kernel.settings import load_settings
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn, statement_outcome

TABLES = (
    "ad_campaign",
    "ad_campaign_day",
    "ad_credit_account",
    "ad_credit_purchase",
    "ad_sighting",
)
SERVER, CREDITS = "ad_server", "ad_credits"
GUARDED = "constraint: the ad server only adds spend and takes costs from credits"


@dataclass(frozen=True)
class Advertising:
    """Two advertisers' campaigns and credits, and one impression of the first's, made
    through the API as the role."""

    owner_url: str
    role_url: str
    first: uuid.UUID
    second: uuid.UUID

    async def checks(self) -> None:
        """The direct checks on this data."""
        await _direct_checks(self)


@pytest.fixture(scope="module")
def advertising(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Advertising]:
    """The module's data, set up once; the API's answers are asserted on the way."""
    with non_owner_database(postgres_server, "community") as (owner_url, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "REPTIDEX_LOG_FORMAT": "json",
                "REPTIDEX_COMMUNITY_DATABASE_URL": role_url,
            }
        )
        with ads_client(settings, FakeListings(), Clock()) as client:
            first, second = Advertiser(client, uuid.uuid4()), Advertiser(client, uuid.uuid4())
            mine = first.post("/ads/campaigns", json=campaign_body(cpm=500)).json()
            theirs = second.post("/ads/campaigns", json=campaign_body()).json()
            for advertiser in (first, second):
                publish(client, purchase_event(advertiser.organisation_id, 1000))
                assert advertiser.get("/ads/campaigns").json()["total"] == 1
                assert len(advertiser.get("/ads/credits").json()["balances"]) == 1
            assert second.get(f"/ads/campaigns/{mine['id']}").status_code == 404
            assert first.patch(f"/ads/campaigns/{theirs['id']}", json={}).status_code == 404
            slots = client.get("/ads/serve", params={"slots": 5}).json()["slots"]
            assert [s["campaign_id"] for s in slots] == [mine["id"], theirs["id"]]
            token = {"token": slots[0]["impression_token"]}
            assert second.post("/ads/impressions", json=token).json()["outcome"] == "counted"
            assert first.get(f"/ads/campaigns/{mine['id']}").json()["spent_millis"] == 500
        yield Advertising(owner_url, role_url, first.organisation_id, second.organisation_id)


def test_isolation_through_the_api_and_directly(advertising: Advertising) -> None:
    asyncio.run(advertising.checks())


def test_every_policy_is_needed(advertising: Advertising) -> None:
    result = asyncio.run(
        require_policies_needed(
            advertising.owner_url,
            advertising.checks,
            tables=TABLES,
            equivalent={
                "ad_campaign_day_update WITH CHECK (true)": "only the ad server passes its USING, and "
                "its check is the same setting",
            },
        )
    )
    # 21 policy expressions and 5 tables under RLS; one equivalent
    assert (len(result.killed), len(result.survived)) == (25, 1), result


async def _outcome(
    connection: asyncpg.Connection,
    organisation: uuid.UUID | None,
    statement: str,
    *args: Any,
    worker: str | None = None,
) -> Any:
    """What ``statement`` does in a transaction of ``organisation`` (and of a ``worker``),
    the constraint that refused it included."""
    chosen = {"organisation_id": organisation, "worker": worker}
    settings = {name: value for name, value in chosen.items() if value is not None}
    return await statement_outcome(
        connection, statement, *args, settings=settings, constraints=True
    )


async def _direct_checks(room: Advertising) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(room.role_url))
    try:
        for table in TABLES:
            await assert_row_security_applies(connection, table)
        await _reads(connection, room)
        await _writes(connection, room)
    finally:
        await connection.close()


async def _reads(connection: asyncpg.Connection, room: Advertising) -> None:
    """Each organisation reads its own; the ad server every campaign, day, balance and
    sighting, and no purchase."""
    first, second = room.first, room.second
    expected = {
        # table: (first, second, nobody, ad server)
        "ad_campaign": (1, 1, 0, 2),
        "ad_campaign_day": (1, 0, 0, 1),
        "ad_credit_account": (1, 1, 0, 2),
        "ad_credit_purchase": (1, 1, 0, 0),
        "ad_sighting": (0, 0, 0, 1),
    }
    for table, counts in expected.items():
        query = f"SELECT count(*) FROM {table}"
        found = (
            await _outcome(connection, first, query),
            await _outcome(connection, second, query),
            await _outcome(connection, None, query),
            await _outcome(connection, None, query, worker=SERVER),
        )
        assert found == counts, table


CAMPAIGN = (
    "INSERT INTO ad_campaign (id, organisation_id, name, boost, listing_ids, status, currency, "
    "daily_budget_amount, total_budget_amount, cpm, starts_on, ends_on, species, genes, "
    "countries, spent_millis, version, created_at, updated_at) VALUES (gen_random_uuid(), $1, "
    "'Mine', 'breeder', '[]', 'active', 'EUR', 100, 100, 10, current_date, current_date, '[]', "
    "'[]', '[]', 0, 1, now(), now())"
)
DAY = (
    "INSERT INTO ad_campaign_day (id, campaign_id, organisation_id, day, impressions, clicks, "
    "spent_millis, created_at, updated_at) VALUES (gen_random_uuid(), gen_random_uuid(), $1, "
    "current_date + 1, 0, 0, 0, now(), now())"
)
ACCOUNT = (
    "INSERT INTO ad_credit_account (id, organisation_id, currency, balance_millis, created_at, "
    "updated_at) VALUES (gen_random_uuid(), $1, 'USD', 10, now(), now())"
)
PURCHASE = (
    "INSERT INTO ad_credit_purchase (id, organisation_id, payment_ref, amount, currency, "
    "created_at, updated_at) VALUES (gen_random_uuid(), $1, 'pi_x', 10, 'EUR', now(), now())"
)
SIGHTING = (
    "INSERT INTO ad_sighting (id, campaign_id, organisation_id, kind, slot, viewer, bucket, "
    "created_at, updated_at) VALUES (gen_random_uuid(), gen_random_uuid(), $1, 'click', 0, 'v', "
    "1, now(), now())"
)


async def _writes(connection: asyncpg.Connection, room: Advertising) -> None:
    """Who may write what."""
    first, second = room.first, room.second
    for organisation, worker, statement, args, outcome in (
        # campaigns: one's own, never another's, never handed over, never deleted
        (first, None, CAMPAIGN, (first,), "INSERT 0 1"),
        (first, None, CAMPAIGN, (second,), "refused"),
        (first, None, "UPDATE ad_campaign SET name = 'x'", (), "UPDATE 1"),
        (first, None, "UPDATE ad_campaign SET organisation_id = $1", (second,), "refused"),
        (None, None, "UPDATE ad_campaign SET name = 'x'", (), "UPDATE 0"),
        (first, None, "DELETE FROM ad_campaign", (), "DELETE 0"),
        # spend: the ad server's, only up, within the budget, and nothing else of a campaign
        (None, SERVER, "UPDATE ad_campaign SET spent_millis = spent_millis + 1", (), "UPDATE 2"),
        (None, SERVER, "UPDATE ad_campaign SET spent_millis = 0", (), GUARDED),
        (None, SERVER, "UPDATE ad_campaign SET name = 'x'", (), GUARDED),
        (
            None,
            SERVER,
            "UPDATE ad_campaign SET spent_millis = 10000000",
            (),
            "constraint: ck_ad_campaign_within_budget",
        ),
        # days: the ad server's
        (first, None, DAY, (first,), "refused"),
        (None, SERVER, DAY, (first,), "INSERT 0 1"),
        (first, None, "UPDATE ad_campaign_day SET clicks = 0", (), "UPDATE 0"),
        (None, SERVER, "UPDATE ad_campaign_day SET clicks = 0", (), "UPDATE 1"),
        # credits: raised only by the crediting, in the buyer's own organisation
        (first, None, ACCOUNT, (first,), "refused"),
        (first, CREDITS, ACCOUNT, (first,), "INSERT 0 1"),
        (first, CREDITS, ACCOUNT, (second,), "refused"),
        (first, None, "UPDATE ad_credit_account SET balance_millis = 5", (), "UPDATE 0"),
        (first, CREDITS, "UPDATE ad_credit_account SET balance_millis = 5", (), "UPDATE 1"),
        (first, CREDITS, "UPDATE ad_credit_account SET organisation_id = $1", (second,), "refused"),
        (None, SERVER, "UPDATE ad_credit_account SET balance_millis = 5", (), "UPDATE 2"),
        (
            None,
            SERVER,
            "UPDATE ad_credit_account SET balance_millis = balance_millis + 1",
            (),
            GUARDED,
        ),
        (None, SERVER, "UPDATE ad_credit_account SET currency = 'USD'", (), GUARDED),
        (
            None,
            SERVER,
            "UPDATE ad_credit_account SET balance_millis = -1",
            (),
            "constraint: ck_ad_credit_account_balance",
        ),
        (first, None, PURCHASE, (first,), "refused"),
        (first, CREDITS, PURCHASE, (first,), "INSERT 0 1"),
        (first, CREDITS, PURCHASE, (second,), "refused"),
        # sightings: the ad server's alone
        (first, None, SIGHTING, (first,), "refused"),
        (None, SERVER, SIGHTING, (first,), "INSERT 0 1"),
        (first, None, "DELETE FROM ad_sighting", (), "DELETE 0"),
        (None, SERVER, "DELETE FROM ad_sighting", (), "DELETE 1"),
    ):
        found = await _outcome(connection, organisation, statement, *args, worker=worker)
        assert found == outcome, (organisation == first, worker, statement)
