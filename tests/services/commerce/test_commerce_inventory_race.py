"""Buyers racing for the last units of a supply, with concurrent requests to a real server on
PostgreSQL as the service's non-owner role: exactly the available units are reserved, every
other buyer gets a 409, and the stock never goes below zero, also while the seller takes units
out of stock at the same time and buyers release what they hold."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
from commerce_testkit import FakeAnimals, commerce_app

from core_tokens import mint_token
from reptidex.services.kernel.settings import Settings
from service_database import asyncpg_dsn
from threaded_server import served

BUYERS = 12


def _headers(organisation: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(organisation)}"}


async def _supply(client: httpx.AsyncClient, seller: uuid.UUID, stock: int) -> str:
    created = await client.post(
        "/inventory/supplies",
        json={
            "name": "Frozen mice, pinkies",
            "kind": "feeder",
            "unit_price": {"amount": 80, "currency": "EUR"},
            "stock": stock,
        },
        headers=_headers(seller),
    )
    assert created.status_code == 201, created.text
    supply_id: str = created.json()["id"]
    return supply_id


async def _counts(client: httpx.AsyncClient, supply_id: str) -> tuple[int, int, int]:
    body = (await client.get(f"/inventory/supplies/{supply_id}")).json()
    return body["stock"], body["available"], body["reserved"]


def _statuses(responses: list[httpx.Response]) -> list[int]:
    for response in responses:
        assert response.status_code in (200, 201, 409), response.text
        if response.status_code == 409:
            assert response.headers["content-type"].startswith("application/problem+json")
    return sorted(r.status_code for r in responses)


async def _race(url: str, seller: uuid.UUID) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        def reserve(supply_id: str, buyer: uuid.UUID, quantity: int) -> Any:
            return client.post(
                f"/inventory/supplies/{supply_id}/reservations",
                json={"quantity": quantity},
                headers=_headers(buyer),
            )

        # twelve buyers for the last five units, one each
        last = await _supply(client, seller, 5)
        buyers = [uuid.uuid4() for _ in range(BUYERS)]
        responses = await asyncio.gather(*(reserve(last, b, 1) for b in buyers))
        assert _statuses(responses) == [201] * 5 + [409] * (BUYERS - 5)
        assert await _counts(client, last) == (5, 0, 5)
        found["last"] = last

        # eight buyers of two units each for seven: three win, one unit is left
        pairs = await _supply(client, seller, 7)
        responses = await asyncio.gather(*(reserve(pairs, uuid.uuid4(), 2) for _ in range(8)))
        assert _statuses(responses) == [201] * 3 + [409] * 5
        assert await _counts(client, pairs) == (7, 1, 6)

        # buyers reserving while the seller takes units out and other buyers release theirs
        mixed = await _supply(client, seller, 6)
        holders = [uuid.uuid4() for _ in range(3)]
        held = [(await reserve(mixed, h, 1)).json() for h in holders]
        removals = [
            client.patch(
                f"/inventory/supplies/{mixed}",
                json={"stock_change": -1},
                headers=_headers(seller),
            )
            for _ in range(4)
        ]
        releases = [
            client.post(f"/inventory/reservations/{r['id']}/release", headers=_headers(h))
            for r, h in zip(held, holders, strict=True)
        ]
        reservations = [reserve(mixed, uuid.uuid4(), 1) for _ in range(8)]
        responses = await asyncio.gather(*removals, *releases, *reservations)
        removed = sum(r.status_code == 200 for r in responses[:4])
        assert [r.status_code for r in responses[4:7]] == [200] * 3
        reserved = sum(r.status_code == 201 for r in responses[7:])
        _statuses(responses)
        stock, available, now_reserved = await _counts(client, mixed)
        assert now_reserved == reserved
        assert stock == 6 - removed
        # twelve units asked for (four out of stock, eight reserved) of at most six: how many
        # of each depends on the order, never more than there were
        assert available == 6 - removed - reserved >= 0
        assert removed + reserved >= 3  # the three available from the start went somewhere
        found["mixed"] = mixed
    return found


async def _never_negative(url: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch("SELECT available, reserved, sold FROM supply")
        assert rows
        assert all(min(r) >= 0 for r in rows)
        held = await connection.fetchval(
            "SELECT count(*) FROM supply s WHERE s.reserved <> (SELECT coalesce(sum(quantity), 0)"
            " FROM supply_reservation r WHERE r.supply_id = s.id AND r.status = 'held')"
        )
        assert held == 0  # every supply's reserved units are its held reservations'
    finally:
        await connection.close()


def test_racing_buyers_get_exactly_the_available_units(
    make_settings: Callable[..., Settings], app_role_url: str, postgres_database: str
) -> None:
    app = commerce_app(make_settings(commerce_database_url=app_role_url), FakeAnimals())
    with served(app) as url:
        asyncio.run(_race(url, uuid.uuid4()))
    asyncio.run(_never_negative(postgres_database))
