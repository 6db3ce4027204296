"""Buyers racing for one listing, with concurrent requests to a real server on PostgreSQL (as
the service's non-owner role): exactly one order wins, every other buyer gets a 409; and
concurrent repeats of one Idempotency-Key all get the one order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from commerce_testkit import FakeAnimals, commerce_app

from core_tokens import mint_token
from reptidex.services.kernel.settings import Settings
from threaded_server import served

BUYERS = 8


def _headers(organisation: uuid.UUID, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {mint_token(organisation)}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


async def _race(url: str, seller: uuid.UUID, animals: FakeAnimals) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:

        async def listing() -> dict[str, Any]:
            created = await client.post(
                "/marketplace/listings",
                json={
                    "animal_id": str(animals.add(seller)),
                    "title": "Raced for",
                    "price": {"amount": 50000, "currency": "EUR"},
                    "country": "DE",
                    "publish": True,
                },
                headers=_headers(seller),
            )
            assert created.status_code == 201, created.text
            body: dict[str, Any] = created.json()
            return body

        raced = await listing()
        buyers = [uuid.uuid4() for _ in range(BUYERS)]
        responses = await asyncio.gather(
            *(
                client.post(
                    "/orders",
                    json={"listing_id": raced["id"]},
                    headers=_headers(buyer, uuid.uuid4().hex),
                )
                for buyer in buyers
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * (BUYERS - 1), [r.text for r in responses]
        for response in responses:
            if response.status_code == 409:
                assert response.headers["content-type"].startswith("application/problem+json")
        winner = next(r.json() for r in responses if r.status_code == 201)
        shown = await client.get(f"/marketplace/listings/{raced['id']}")
        assert shown.json()["state"] == "on_hold"
        for buyer in buyers:
            mine = (await client.get("/orders", headers=_headers(buyer))).json()
            expected = 1 if str(buyer) == winner["buyer_organisation_id"] else 0
            assert mine["total"] == expected

        # one buyer sending the same key several times at once: one order, returned to all
        repeated = await listing()
        buyer = uuid.uuid4()
        same_key = await asyncio.gather(
            *(
                client.post(
                    "/orders",
                    json={"listing_id": repeated["id"]},
                    headers=_headers(buyer, "the-one-key"),
                )
                for _ in range(4)
            )
        )
        assert sorted(r.status_code for r in same_key) == [200, 200, 200, 201], [
            r.text for r in same_key
        ]
        assert len({r.json()["id"] for r in same_key}) == 1
        assert (await client.get("/orders", headers=_headers(buyer))).json()["total"] == 1


def test_exactly_one_of_racing_buyers_wins(
    make_settings: Callable[..., Settings], app_role_url: str
) -> None:
    animals = FakeAnimals()
    app = commerce_app(make_settings(commerce_database_url=app_role_url), animals)
    with served(app) as url:
        asyncio.run(_race(url, uuid.uuid4(), animals))
