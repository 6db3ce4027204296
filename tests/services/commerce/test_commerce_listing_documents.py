"""Listings' documents (migration ``commerce_0020``): the search answers with each listing
exactly as ``GET /marketplace/listings/{id}`` shows it, on SQLite (rendered when read) and on
PostgreSQL (kept beside the row when written); a row changed some other way loses its
document and is rendered from the row, and so is one another renderer made."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from typing import Any

import asyncpg
import msgspec
import pytest
from commerce_testkit import FakeAnimals, Trader
from hypothesis import given
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.services.commerce import listing_documents as documents_module
from reptidex.services.commerce.listing_documents import SAMPLE, listing_document, renderer_tag
from reptidex.services.commerce.schemas import (
    ListingPage,
    ListingView,
    listing_page_body,
    listing_view,
)
from reptidex.services.kernel.app import kernel_of
from service_database import asyncpg_dsn

SEARCH = "/marketplace/listings"


def owner_sql(client: TestClient[Litestar], statement: str, *args: Any) -> list[asyncpg.Record]:
    """Run ``statement`` as the tables' owner (row-level security does not bind it)."""

    async def run() -> list[asyncpg.Record]:
        url = kernel_of(client.app).resources.database_url
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            return list(await connection.fetch(statement, *args))
        finally:
            await connection.close()

    return asyncio.run(run())


@pytest.fixture
def pg_seller(pg_client: TestClient[Litestar], animals: FakeAnimals) -> Trader:
    return Trader(pg_client, uuid.uuid4(), animals)


@pytest.fixture
def pg_buyer(pg_client: TestClient[Litestar], animals: FakeAnimals) -> Trader:
    return Trader(pg_client, uuid.uuid4(), animals)


def search(buyer: Trader, **params: Any) -> dict[str, Any]:
    """A search page, with a price bound new to the cache (so that it is read now)."""
    params.setdefault("max_price", 10_000_000 - len(str(uuid.uuid4())) - uuid.uuid4().int % 9999)
    response = buyer.client.get(SEARCH, params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def shown(buyer: Trader, listing_id: str) -> dict[str, Any]:
    response = buyer.get(f"{SEARCH}/{listing_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_search_pages_show_each_listing_as_its_own_page_does(seller: Trader, buyer: Trader) -> None:
    made = [
        seller.list_animal(
            price=1000 + n,
            morph="Pastel het Clown",
            traits=["Pastel"],
            hets=["Clown"],
            possible_hets=(("Pied", "2/3"),),
            title=f"Pastel {n}",
            region="Bavaria" if n % 2 else None,
            shipping_available=bool(n % 2),
        )
        for n in range(4)
    ]
    changed = seller.patch(f"{SEARCH}/{made[1]['id']}", {"title": "Renamed", "price": {
        "amount": 999, "currency": "EUR"}})  # fmt: skip
    assert changed.status_code == 200, changed.text
    page = search(buyer, sort="price")
    assert page["total"] == 4
    assert [item["id"] for item in page["items"]] == [made[i]["id"] for i in (1, 0, 2, 3)]
    assert page["items"] == [shown(buyer, item["id"]) for item in page["items"]]
    assert page["items"][0]["title"] == "Renamed"
    assert page["items"][0]["price"]["amount"] == 999
    paged = search(buyer, sort="price", limit=2, offset=1)
    assert (paged["total"], paged["limit"], paged["offset"]) == (4, 2, 1)
    assert paged["items"] == page["items"][1:3]
    past = search(buyer, sort="price", offset=10)
    assert (past["items"], past["total"]) == ([], 4)
    found = search(buyer, q="renamed")  # the text search joins the listings' own rows
    assert [item["id"] for item in found["items"]] == [made[1]["id"]]


def test_each_write_keeps_the_document_of_the_row_as_written(
    pg_client: TestClient[Litestar], pg_seller: Trader, pg_buyer: Trader
) -> None:
    any_client, seller, buyer = pg_client, pg_seller, pg_buyer
    listing = seller.list_animal(title="First")
    seller.patch(f"{SEARCH}/{listing['id']}", {"title": "Second"})
    held = buyer.order(listing["id"])  # the order puts the listing on hold
    assert held.status_code == 201, held.text
    (row,) = owner_sql(
        any_client,
        "SELECT document, document_tag, state FROM listing WHERE id = $1",
        uuid.UUID(listing["id"]),
    )
    assert row["state"] == "on_hold"
    assert row["document_tag"] == renderer_tag()
    kept = json.loads(row["document"])
    assert kept == shown(seller, listing["id"])
    assert (kept["title"], kept["state"]) == ("Second", "on_hold")


def test_a_row_changed_another_way_is_rendered_from_the_row(
    pg_client: TestClient[Litestar], pg_seller: Trader, pg_buyer: Trader
) -> None:
    any_client, seller, buyer = pg_client, pg_seller, pg_buyer
    listing = seller.list_animal(title="Written by the service")
    ident = uuid.UUID(listing["id"])
    owner_sql(any_client, "UPDATE listing SET title = 'Written by hand' WHERE id = $1", ident)
    (row,) = owner_sql(
        any_client, "SELECT document, document_tag FROM listing WHERE id = $1", ident
    )
    assert (row["document"], row["document_tag"]) == (None, None)
    assert [item["title"] for item in search(buyer)["items"]] == ["Written by hand"]
    # a document of another renderer, written with a new version, is kept but not used
    owner_sql(
        any_client,
        "UPDATE listing SET document = $2, document_tag = 'another release', "
        "version = version + 1 WHERE id = $1",
        ident,
        b'{"made":"elsewhere"}',
    )
    (row,) = owner_sql(any_client, "SELECT document_tag FROM listing WHERE id = $1", ident)
    assert row["document_tag"] == "another release"
    (item,) = search(buyer)["items"]
    assert item == shown(buyer, listing["id"])
    assert item["title"] == "Written by hand"


def test_an_unchanged_document_with_a_changed_row_is_cleared(
    pg_client: TestClient[Litestar], pg_seller: Trader
) -> None:
    any_client, seller = pg_client, pg_seller
    listing = seller.list_animal()
    ident = uuid.UUID(listing["id"])
    # a new version with the old document (a writer that does not render) loses it
    owner_sql(any_client, "UPDATE listing SET version = version + 1 WHERE id = $1", ident)
    (row,) = owner_sql(any_client, "SELECT document FROM listing WHERE id = $1", ident)
    assert row["document"] is None


@given(
    titles=st.lists(st.text(max_size=20), max_size=4),
    total=st.integers(0, 10**9),
    limit=st.integers(1, 200),
    offset=st.integers(0, 10**7),
)
def test_a_page_of_documents_is_the_page_msgspec_encodes(
    titles: list[str], total: int, limit: int, offset: int
) -> None:
    listings = [dataclasses.replace(SAMPLE, title=title) for title in titles]
    body = listing_page_body([listing_document(x) for x in listings], total, limit, offset)
    page = ListingPage([listing_view(x) for x in listings], total, limit, offset)
    assert body == msgspec.json.encode(page)
    assert msgspec.json.decode(body, type=ListingPage) == page


def test_the_tag_changes_with_what_a_listing_renders_to(monkeypatch: pytest.MonkeyPatch) -> None:
    tag = renderer_tag()
    assert tag == renderer_tag()
    assert len(tag) == 32

    def another_view(listing: Any) -> ListingView:
        return msgspec.structs.replace(listing_view(listing), title="changed")

    monkeypatch.setattr(documents_module, "listing_view", another_view)
    assert renderer_tag() != tag
