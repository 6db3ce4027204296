"""Listings past their end become ``expired`` by the expiry worker, with their events: the
available and hidden ones, not drafts nor those an order holds; on SQLite and PostgreSQL, and
as the non-owner role under row-level security."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.commerce.workers import ListingExpiryWorker
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.services.commerce.wiring import CommerceUnitsOfWork
from reptidex.services.kernel.settings import Settings
from service_database import asyncpg_dsn

SOON = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
LATER = SOON + dt.timedelta(days=2)
Outbox: Any = OUTBOX_MODELS["commerce"]


def expire(url: str, at: dt.datetime) -> tuple[int, list[dict[str, Any]]]:
    """One pass of the expiry worker at ``at``: listings found, and the payloads of the
    ``listing.state_changed`` events to ``expired`` in the outbox."""

    async def one_pass() -> tuple[int, list[dict[str, Any]]]:
        engine = create_engine(url)
        try:
            units = CommerceUnitsOfWork(async_sessionmaker(engine, expire_on_commit=False))
            found = await ListingExpiryWorker(units.open_expiry, clock=lambda: at).run_once()
            async with AsyncSession(engine) as session:
                rows = await session.scalars(
                    select(Outbox).where(Outbox.event_type == "listing.state_changed")
                )
                payloads = [r.payload for r in rows if r.payload["state"] == "expired"]
            return found, payloads
        finally:
            await engine.dispose()

    return asyncio.run(one_pass())


def _state(seller: Trader, listing: dict[str, Any]) -> str:
    value: str = seller.get(f"/marketplace/listings/{listing['id']}").json()["state"]
    return value


def _listings(seller: Trader, buyer: Trader) -> dict[str, dict[str, Any]]:
    ends: dict[str, Any] = {"expires_at": SOON.isoformat()}
    made = {
        "available": seller.list_animal(**ends),
        "hidden": seller.list_animal(**ends),
        "draft": seller.list_animal(publish=False, **ends),
        "held": seller.list_animal(**ends),
        "open_ended": seller.list_animal(),
        "later": seller.list_animal(expires_at=LATER.isoformat()),
    }
    hide = seller.patch(f"/marketplace/listings/{made['hidden']['id']}", json={"state": "hidden"})
    assert hide.status_code == 200, hide.text
    assert buyer.order(made["held"]["id"]).status_code == 201
    return made


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_ended_listings_expire_with_their_events(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings], database: str
) -> None:
    animals = FakeAnimals()
    overrides = {}
    if database == "postgres":
        overrides["commerce_database_url"] = request.getfixturevalue("postgres_database")
    settings = make_settings(**overrides)
    url = settings.database_url("commerce")
    with commerce_client(settings, animals) as client:
        seller = Trader(client, uuid.uuid4(), animals)
        buyer = Trader(client, uuid.uuid4(), animals)
        made = _listings(seller, buyer)
        assert expire(url, SOON - dt.timedelta(seconds=1)) == (0, [])
        found, events = expire(url, SOON + dt.timedelta(minutes=1))
        assert found == 2
        assert {e["listing_id"] for e in events} == {made["available"]["id"], made["hidden"]["id"]}
        assert {e["before"]["state"] for e in events} == {"available", "hidden"}
        states = {name: _state(seller, listing) for name, listing in made.items()}
        assert states == {
            "available": "expired",
            "hidden": "expired",
            "draft": "draft",
            "held": "on_hold",
            "open_ended": "available",
            "later": "available",
        }
        found, again_events = expire(url, SOON + dt.timedelta(minutes=2))
        assert (found, len(again_events)) == (0, 2)
        # the seller may offer an expired listing again, with a new end
        again = seller.patch(
            f"/marketplace/listings/{made['available']['id']}",
            json={"state": "available", "expires_at": LATER.isoformat()},
        )
        assert again.status_code == 200, again.text


def test_expiry_under_row_level_security(
    make_settings: Callable[..., Settings], app_role_url: str
) -> None:
    animals = FakeAnimals()
    settings = make_settings(commerce_database_url=app_role_url)
    with commerce_client(settings, animals) as client:
        seller = Trader(client, uuid.uuid4(), animals)
        buyer = Trader(client, uuid.uuid4(), animals)
        made = _listings(seller, buyer)
        found, _ = expire(app_role_url, SOON + dt.timedelta(minutes=1))
        assert found == 2  # the hidden one too, which no other organisation may see
        assert _state(seller, made["hidden"]) == "expired"
        assert _state(seller, made["draft"]) == "draft"
    asyncio.run(_direct(app_role_url))


async def _direct(url: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with connection.transaction():
            await connection.execute("SELECT set_config('reptidex.worker', 'listing_expiry', true)")
            # the worker sees the public listings and the expired ones, never a draft
            states = {r["state"] for r in await connection.fetch("SELECT state FROM listing")}
            assert states == {"available", "on_hold", "expired"}
            await connection.execute("SAVEPOINT attempt")
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level"):
                await connection.execute("UPDATE listing SET state = 'sold'")
            await connection.execute("ROLLBACK TO SAVEPOINT attempt")
            # expired listings are out of its reach; drafts and held ones it cannot touch
            assert (
                await connection.execute("UPDATE listing SET title = 'x' WHERE state = 'expired'")
                == "UPDATE 0"
            )
        async with connection.transaction():
            # without the worker's setting, nothing but public listings, and no change
            assert await connection.execute("UPDATE listing SET state = 'expired'") == "UPDATE 0"
    finally:
        await connection.close()
