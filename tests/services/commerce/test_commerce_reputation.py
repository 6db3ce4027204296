"""Seller profiles and ratings through the API on SQLite and PostgreSQL: public profiles,
written only by their organisation; each party of a completed order rates the other once, the
means shown on the profiles; and row-level security on both tables as the non-owner role."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client, outbox_events
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.services.kernel.settings import Settings
from rls_mutation import require_policies_needed
from service_database import asyncpg_dsn

PROFILE = {
    "display_name": "Sunny Scales",
    "about": "Ball pythons since 2010.",
    "country": "de",
    "region": "Bavaria",
    "policy": {"shipping": "Overnight only", "returns": "None", "payment": "Bank transfer"},
}


def completed_order(seller: Trader, buyer: Trader) -> str:
    listing = seller.list_animal()
    order_id: str = buyer.order(listing["id"]).json()["id"]
    for who, step in ((seller, "paid"), (seller, "handed-over"), (buyer, "completed")):
        assert who.post(f"/orders/{order_id}/{step}").status_code == 200
    return order_id


def test_profiles_are_public_and_written_by_their_organisation(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    path = f"/marketplace/sellers/{seller.organisation_id}"
    missing = any_client.get(path)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    saved = seller.client.put(path, json=PROFILE, headers=seller.headers)
    assert saved.status_code == 200, saved.text
    shown = any_client.get(path).json()
    assert (shown["display_name"], shown["country"], shown["region"]) == (
        "Sunny Scales",
        "DE",
        "Bavaria",
    )
    assert shown["policy"] == PROFILE["policy"]
    assert shown["as_seller"] == {"count": 0, "average": None}
    # replacing it clears what is left out
    again = seller.client.put(path, json={"display_name": "Sunny"}, headers=seller.headers)
    assert again.json()["about"] is None
    assert again.json()["policy"] == {"shipping": None, "returns": None, "payment": None}
    # nobody else writes it: another organisation, a viewer, no token
    assert any_client.put(path, json=PROFILE, headers=buyer.headers).status_code == 403
    viewer = Trader(any_client, seller.organisation_id, role="viewer")
    assert any_client.put(path, json=PROFILE, headers=viewer.headers).status_code == 403
    assert any_client.put(path, json=PROFILE).status_code == 401
    assert any_client.get(path).json()["display_name"] == "Sunny"


def test_each_profile_write_stages_what_a_search_index_keeps_of_the_seller(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    path = f"/marketplace/sellers/{seller.organisation_id}"
    assert seller.client.put(path, json=PROFILE, headers=seller.headers).status_code == 200
    again = {"display_name": "Sunny Scales Reptiles", "country": "at"}
    assert seller.client.put(path, json=again, headers=seller.headers).status_code == 200
    # refused writes stage nothing
    assert any_client.put(path, json=PROFILE, headers=buyer.headers).status_code == 403
    assert (
        any_client.put(path, json={"display_name": ""}, headers=seller.headers).status_code == 422
    )
    updates = [p for kind, p in outbox_events(any_client) if kind == "seller.profile_updated"]
    organisation = str(seller.organisation_id)
    assert updates == [
        {
            "organisation_id": organisation,
            "display_name": "Sunny Scales",
            "country": "DE",
            "region": "Bavaria",
            "about": "Ball pythons since 2010.",
        },
        {
            "organisation_id": organisation,
            "display_name": "Sunny Scales Reptiles",
            "country": "AT",
            "region": None,
            "about": "",
        },
    ]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"display_name": ""},
        {"display_name": "   "},
        {"display_name": "x" * 121},
        {"display_name": "x", "country": "DEU"},
        {"display_name": "x", "policy": {"refunds": "no"}},
        {"display_name": "x", "email": "me@example.com"},
    ],
)
def test_a_bad_profile_is_a_422(
    any_client: TestClient[Litestar], seller: Trader, body: dict[str, Any]
) -> None:
    path = f"/marketplace/sellers/{seller.organisation_id}"
    refused = any_client.put(path, json=body, headers=seller.headers)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_each_party_rates_the_other_once_after_completion(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    stranger = Trader(any_client, uuid.uuid4())
    listing = seller.list_animal()
    pending = buyer.order(listing["id"]).json()["id"]
    assert buyer.post(f"/orders/{pending}/rating", json={"score": 5}).status_code == 409
    order_id = completed_order(seller, buyer)
    path = f"/orders/{order_id}/rating"
    assert stranger.post(path, json={"score": 1}).status_code == 404
    viewer = Trader(any_client, buyer.organisation_id, role="viewer")
    assert viewer.post(path, json={"score": 1}).status_code == 403
    assert any_client.post(path, json={"score": 1}).status_code == 401
    for bad in (
        {"score": 0},
        {"score": 6},
        {"score": 2.5},
        {},
        {"score": 5, "comment": "x" * 2001},
    ):
        assert buyer.post(path, json=bad).status_code == 422, bad
    rated = buyer.post(path, json={"score": 5, "comment": "Healthy and as described"})
    assert rated.status_code == 201, rated.text
    assert (rated.json()["rater_party"], rated.json()["rated_organisation_id"]) == (
        "buyer",
        str(seller.organisation_id),
    )
    second = buyer.post(path, json={"score": 1})
    assert second.status_code == 409
    assert second.headers["content-type"].startswith("application/problem+json")
    assert seller.post(path, json={"score": 3}).status_code == 201
    assert seller.post(path, json={"score": 3}).status_code == 409
    # another sale, rated 4: the seller's mean is 4.5; the buyer's, as a buyer, 3
    other = completed_order(seller, buyer)
    assert buyer.post(f"/orders/{other}/rating", json={"score": 4}).status_code == 201
    profile = any_client.get(f"/marketplace/sellers/{seller.organisation_id}").json()
    assert profile["as_seller"] == {"count": 2, "average": 4.5}
    assert profile["as_buyer"] == {"count": 0, "average": None}
    assert profile["display_name"] is None  # rated, without a profile written
    of_buyer = any_client.get(f"/marketplace/sellers/{buyer.organisation_id}").json()
    assert of_buyer["as_buyer"] == {"count": 1, "average": 3.0}


def test_profiles_and_ratings_under_row_level_security(
    make_settings: Callable[..., Settings], app_role_url: str, postgres_database: str
) -> None:
    animals = FakeAnimals()
    with commerce_client(make_settings(commerce_database_url=app_role_url), animals) as client:
        seller = Trader(client, uuid.uuid4(), animals)
        buyer = Trader(client, uuid.uuid4(), animals)
        path = f"/marketplace/sellers/{seller.organisation_id}"
        assert client.put(path, json=PROFILE, headers=seller.headers).status_code == 200
        order_id = completed_order(seller, buyer)
        assert buyer.post(f"/orders/{order_id}/rating", json={"score": 4}).status_code == 201
        assert client.get(path).json()["as_seller"] == {"count": 1, "average": 4.0}
        unfinished = buyer.order(seller.list_animal()["id"]).json()["id"]
    ids = (
        seller.organisation_id,
        buyer.organisation_id,
        uuid.UUID(order_id),
        uuid.UUID(unfinished),
    )
    asyncio.run(_direct(app_role_url, *ids))
    # every policy is needed: loosened in turn (or RLS off), each fails the checks
    result = asyncio.run(
        require_policies_needed(
            postgres_database,
            lambda: _direct(app_role_url, *ids),
            tables=("seller_profile", "order_rating"),
        )
    )
    # 4 policy expressions that are not `true` (migration 0008) and 2 tables, all killed
    assert (len(result.killed), result.survived) == (6, []), result


async def _direct(
    url: str, seller: uuid.UUID, buyer: uuid.UUID, order: uuid.UUID, unfinished: uuid.UUID
) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    insert = (
        "INSERT INTO order_rating (id, order_id, rater_organisation_id, rated_organisation_id, "
        "rater_party, score, rated_at, created_at, updated_at) VALUES (gen_random_uuid(), $1, "
        "$2, $3, $4, 5, now(), now(), now())"
    )

    async def as_organisation(organisation: uuid.UUID) -> None:
        await connection.execute(
            "SELECT set_config('reptidex.organisation_id', $1, true)", str(organisation)
        )

    async def refused(organisation: uuid.UUID, statement: str, *args: object) -> None:
        async with connection.transaction():
            await as_organisation(organisation)
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level"):
                await connection.execute(statement, *args)

    try:
        stranger = uuid.uuid4()
        # anyone reads profiles and ratings
        assert await connection.fetchval("SELECT count(*) FROM seller_profile") == 1
        assert await connection.fetchval("SELECT count(*) FROM order_rating") == 1
        async with connection.transaction():
            await as_organisation(buyer)
            # another organisation's profile is out of reach, even to take it over
            taken = await connection.execute(
                "UPDATE seller_profile SET organisation_id = $1, display_name = 'x'", buyer
            )
            assert taken == "UPDATE 0"
        # the seller cannot hand its profile to another organisation
        await refused(seller, "UPDATE seller_profile SET organisation_id = $1", stranger)
        await refused(
            stranger,
            "INSERT INTO seller_profile (id, organisation_id, display_name, created_at, "
            "updated_at) VALUES (gen_random_uuid(), $1, 'Fake', now(), now())",
            uuid.uuid4(),
        )
        # a rating only as oneself, of the other party of one's completed order
        await refused(stranger, insert, order, stranger, seller, "buyer")
        await refused(stranger, insert, order, buyer, seller, "buyer")
        await refused(seller, insert, order, seller, seller, "seller")
        await refused(seller, insert, order, seller, buyer, "buyer")
        await refused(buyer, insert, unfinished, buyer, seller, "buyer")
        # ratings are never changed nor deleted
        async with connection.transaction():
            await as_organisation(buyer)
            assert await connection.execute("UPDATE order_rating SET score = 1") == "UPDATE 0"
            assert await connection.execute("DELETE FROM order_rating") == "DELETE 0"
        # the seller's own rating of the buyer is let in (and taken back: the data stays)
        attempt = connection.transaction()
        await attempt.start()
        await as_organisation(seller)
        await connection.execute(insert, order, seller, buyer, "seller")
        await attempt.rollback()
    finally:
        await connection.close()
