"""Inquiries and views through the API on SQLite and PostgreSQL: a buyer asks, the seller
answers once, both named by organisation only; views and inquiry counts per listing for its
seller; who may do what; and row-level security on both tables as the non-owner role."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.services.kernel.settings import Settings
from rls_mutation import require_policies_needed
from service_database import asyncpg_dsn

Outbox: Any = OUTBOX_MODELS["commerce"]


def outbox_events(url: str, prefix: str) -> list[tuple[str, dict[str, Any]]]:
    async def read() -> list[tuple[str, dict[str, Any]]]:
        engine = create_engine(url)
        try:
            async with AsyncSession(engine) as session:
                rows = await session.scalars(
                    select(Outbox).where(Outbox.event_type.startswith(prefix))
                )
                return [(r.event_type, r.payload) for r in rows]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def stats(who: Trader, listing: dict[str, Any]) -> dict[str, Any]:
    found = who.get(f"/marketplace/seller/listings/{listing['id']}/stats")
    assert found.status_code == 200, found.text
    value: dict[str, Any] = found.json()
    return value


def test_a_buyer_asks_and_the_seller_answers_once(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    stranger = Trader(any_client, uuid.uuid4())
    listing = seller.list_animal()
    asked = buyer.post(
        f"/marketplace/listings/{listing['id']}/inquiries", json={"message": "  Feeding?  "}
    )
    assert asked.status_code == 201, asked.text
    inquiry = asked.json()
    assert (inquiry["message"], inquiry["answer"]) == ("Feeding?", None)
    assert inquiry["buyer_organisation_id"] == str(buyer.organisation_id)
    assert inquiry["seller_organisation_id"] == str(seller.organisation_id)
    assert "email" not in asked.text
    received = seller.get("/marketplace/inquiries", params={"side": "seller"}).json()
    assert [i["id"] for i in received["items"]] == [inquiry["id"]]
    assert buyer.get("/marketplace/inquiries", params={"side": "seller"}).json()["total"] == 0
    assert buyer.get("/marketplace/inquiries").json()["total"] == 1
    assert stranger.get("/marketplace/inquiries").json()["total"] == 0
    assert stats(seller, listing) == {
        "listing_id": listing["id"],
        "views": 0,
        "inquiries": 1,
        "unanswered": 1,
    }

    answer_path = f"/marketplace/inquiries/{inquiry['id']}/answer"
    assert buyer.post(answer_path, json={"answer": "Me"}).status_code == 403
    assert stranger.post(answer_path, json={"answer": "Me"}).status_code == 404
    viewer = Trader(any_client, seller.organisation_id, role="viewer")
    assert viewer.post(answer_path, json={"answer": "x"}).status_code == 403
    answered = seller.post(answer_path, json={"answer": "Frozen-thawed rats weekly"})
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer"] == "Frozen-thawed rats weekly"
    again = seller.post(answer_path, json={"answer": "Other"})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    mine = buyer.get("/marketplace/inquiries", params={"answered": "true"}).json()
    assert mine["items"][0]["answer"] == "Frozen-thawed rats weekly"
    assert seller.get("/marketplace/inquiries", params={"answered": "false"}).json()["total"] == 0
    assert stats(seller, listing)["unanswered"] == 0


def test_views_are_counted_for_the_seller_only(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    listing = seller.list_animal()
    other = seller.list_animal()
    for _ in range(2):
        assert any_client.get(f"/marketplace/listings/{listing['id']}").status_code == 200
    assert buyer.get(f"/marketplace/listings/{listing['id']}").status_code == 200
    assert seller.get(f"/marketplace/listings/{listing['id']}").status_code == 200
    assert stats(seller, listing)["views"] == 3
    assert stats(seller, other)["views"] == 0
    viewer = Trader(any_client, seller.organisation_id, role="viewer")
    assert stats(viewer, listing)["views"] == 3
    assert buyer.get(f"/marketplace/seller/listings/{listing['id']}/stats").status_code == 404
    path = f"/marketplace/seller/listings/{listing['id']}/stats"
    assert any_client.get(path).status_code == 401


def test_what_cannot_be_asked(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    listing = seller.list_animal()
    draft = seller.list_animal(publish=False)

    def ask(who: Trader | None, listing_id: object, body: object) -> int:
        path = f"/marketplace/listings/{listing_id}/inquiries"
        if who is None:
            return any_client.post(path, json=body).status_code
        return who.post(path, json=body).status_code

    ok = {"message": "Still available?"}
    assert ask(seller, listing["id"], ok) == 422  # its own
    assert ask(buyer, draft["id"], ok) == 404
    assert ask(buyer, uuid.uuid4(), ok) == 404
    assert ask(None, listing["id"], ok) == 401
    assert ask(Trader(any_client, buyer.organisation_id, role="viewer"), listing["id"], ok) == 403
    for bad in ({}, {"message": ""}, {"message": "   "}, {"message": "x" * 2001}, {"msg": "x"}):
        assert ask(buyer, listing["id"], bad) == 422, bad
    assert buyer.get("/marketplace/inquiries", params={"limit": 0}).status_code == 422
    assert buyer.get("/marketplace/inquiries", params={"side": "both"}).status_code == 422


def test_the_events_name_organisations_only(
    make_settings: Callable[..., Settings], animals: FakeAnimals
) -> None:
    settings = make_settings()
    with commerce_client(settings, animals) as client:
        seller = Trader(client, uuid.uuid4(), animals)
        buyer = Trader(client, uuid.uuid4(), animals)
        listing = seller.list_animal()
        inquiry = buyer.post(
            f"/marketplace/listings/{listing['id']}/inquiries", json={"message": "Sex proven?"}
        ).json()
        seller.post(f"/marketplace/inquiries/{inquiry['id']}/answer", json={"answer": "Yes"})
    events = dict(outbox_events(settings.database_url("commerce"), "listing.inquiry"))
    assert set(events) == {"listing.inquiry_received", "listing.inquiry_answered"}
    answered = events["listing.inquiry_answered"]
    assert (answered["message"], answered["answer"]) == ("Sex proven?", "Yes")
    assert set(answered) == {
        "inquiry_id",
        "listing_id",
        "seller_organisation_id",
        "buyer_organisation_id",
        "message",
        "answer",
    }


def test_inquiries_and_views_under_row_level_security(
    make_settings: Callable[..., Settings], app_role_url: str, postgres_database: str
) -> None:
    animals = FakeAnimals()
    with commerce_client(make_settings(commerce_database_url=app_role_url), animals) as client:
        seller = Trader(client, uuid.uuid4(), animals)
        buyer = Trader(client, uuid.uuid4(), animals)
        listing = seller.list_animal()
        draft = seller.list_animal(publish=False)
        inquiry = buyer.post(
            f"/marketplace/listings/{listing['id']}/inquiries", json={"message": "Hi"}
        ).json()
        assert client.get(f"/marketplace/listings/{listing['id']}").status_code == 200
        answer = seller.post(
            f"/marketplace/inquiries/{inquiry['id']}/answer", json={"answer": "Hello"}
        )
        assert answer.status_code == 200, answer.text
        assert stats(seller, listing) == {
            "listing_id": listing["id"],
            "views": 1,
            "inquiries": 1,
            "unanswered": 0,
        }
    ids = (
        seller.organisation_id,
        buyer.organisation_id,
        uuid.UUID(listing["id"]),
        uuid.UUID(draft["id"]),
    )
    asyncio.run(_direct(app_role_url, *ids))
    # every policy is needed: loosened in turn (or RLS off), each fails the checks
    result = asyncio.run(
        require_policies_needed(
            postgres_database,
            lambda: _direct(app_role_url, *ids),
            tables=("listing_inquiry", "listing_view"),
        )
    )
    # 6 policy expressions (migration 0009) and 2 tables under RLS, all killed
    assert (len(result.killed), result.survived) == (8, []), result


async def _direct(
    url: str, seller: uuid.UUID, buyer: uuid.UUID, listing: uuid.UUID, draft: uuid.UUID
) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    ask = (
        "INSERT INTO listing_inquiry (id, listing_id, seller_organisation_id, "
        "buyer_organisation_id, message, asked_at, created_at, updated_at) VALUES "
        "(gen_random_uuid(), $1, $2, $3, 'x', now(), now(), now())"
    )
    view = (
        "INSERT INTO listing_view (id, listing_id, seller_organisation_id, viewed_at, "
        "created_at, updated_at) VALUES (gen_random_uuid(), $1, $2, now(), now(), now())"
    )

    async def scoped(organisation: uuid.UUID | None) -> None:
        if organisation is not None:
            await connection.execute(
                "SELECT set_config('reptidex.organisation_id', $1, true)", str(organisation)
            )

    async def count(organisation: uuid.UUID | None, table: str) -> int:
        async with connection.transaction():
            await scoped(organisation)
            value: int = await connection.fetchval(f"SELECT count(*) FROM {table}")
            return value

    async def refused(organisation: uuid.UUID | None, statement: str, *args: object) -> None:
        async with connection.transaction():
            await scoped(organisation)
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level"):
                await connection.execute(statement, *args)

    try:
        stranger = uuid.uuid4()
        expected = {seller: (1, 1), buyer: (1, 0), stranger: (0, 0), None: (0, 0)}
        for organisation, (inquiries, views) in expected.items():
            assert await count(organisation, "listing_inquiry") == inquiries, organisation
            assert await count(organisation, "listing_view") == views, organisation
        async with connection.transaction():
            await scoped(buyer)
            # only the seller answers: the buyer cannot reach the row, even to take it over
            rewritten = await connection.execute(
                "UPDATE listing_inquiry SET seller_organisation_id = $1, answer = 'no'", buyer
            )
            assert rewritten == "UPDATE 0"
            assert await connection.execute("DELETE FROM listing_inquiry") == "DELETE 0"
        # the seller answers, but cannot hand the inquiry to another organisation
        await refused(seller, "UPDATE listing_inquiry SET seller_organisation_id = $1", stranger)
        async with connection.transaction():
            await scoped(seller)
            assert await connection.execute("DELETE FROM listing_view") == "DELETE 0"
        # an inquiry only as oneself, to the seller of a listing one may see, not one's own
        await refused(stranger, ask, listing, seller, buyer)
        await refused(stranger, ask, draft, seller, stranger)
        await refused(stranger, ask, listing, stranger, stranger)
        await refused(seller, ask, listing, seller, seller)
        # a view of a listing one may see, naming its seller
        await refused(None, view, draft, seller)
        await refused(None, view, listing, stranger)
        # anyone adds a view, even without a token; anyone asks (both taken back)
        for organisation, statement, args in (
            (None, view, (listing, seller)),
            (stranger, ask, (listing, seller, stranger)),
        ):
            attempt = connection.transaction()
            await attempt.start()
            await scoped(organisation)
            await connection.execute(statement, *args)
            await attempt.rollback()
    finally:
        await connection.close()
