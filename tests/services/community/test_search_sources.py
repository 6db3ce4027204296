"""The reindex's sources read the owning services' public APIs: public animals only (with
their genes, the service token sent), open listings page by page, and their sellers."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec
import pytest

from reptidex.adapters.community.search_sources import (
    HttpOpenListings,
    HttpPublicAnimals,
    HttpSellers,
    SourceUnavailable,
)

ORG = uuid.uuid4()
PUBLIC, SHARED, GONE = (str(uuid.uuid4()) for _ in range(3))


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, content=msgspec.json.encode(body))


def _listing(listing_id: str) -> dict[str, Any]:
    return {
        "id": listing_id, "seller_organisation_id": str(ORG), "state": "available",
        "title": "Clown male", "description": "Proven", "country": "DE", "region": None,
        "price": {"amount": 30_000, "currency": "EUR"}, "updated_at": "2026-12-01T10:00:00+00:00",
        "animal": {"species": "ball_python", "sex": "male", "morph": "Clown",
                   "traits": ["Clown"], "hets": []},
    }  # fmt: skip


class Peers:
    """The owning services as canned answers; records what was asked, with which headers."""

    def __init__(self, *, animal_status: int = 200) -> None:
        self.asked: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
        self.animal_status = animal_status

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        params, headers = kwargs.get("params") or {}, kwargs.get("headers") or {}
        self.asked.append((service, path, params, headers))
        if path == "/public/animals":
            if self.animal_status != 200:
                return _json(self.animal_status, {})
            shared = [
                {"id": i, "organisation_id": str(ORG), "visibility": v,
                 "updated_at": "2026-12-01T10:00:00+00:00"}
                for i, v in ((PUBLIC, "public"), (SHARED, "lineage_only"), (GONE, "public"))
            ]  # fmt: skip
            return _json(200, {"items": shared, "next_after": None})
        if path == f"/public/animals/{PUBLIC}":
            return _json(200, {"code": "BP-1", "name": "Sunny", "species": "ball_python",
                               "sex": "female", "phenotype": "Pastel", "morph": "Pastel",
                               "traits": ["Pastel"], "hets": ["Clown"]})  # fmt: skip
        if path == f"/public/animals/{GONE}":
            return _json(404, {})
        if path == "/marketplace/listings":
            offset = params["offset"]
            items = [_listing(str(uuid.uuid4()))] if offset < 2 else []
            return _json(200, {"items": items, "total": 2, "limit": 100, "offset": offset})
        if path == f"/marketplace/sellers/{ORG}":
            return _json(200, {"organisation_id": str(ORG), "display_name": "Scaly Acres",
                               "about": None, "country": "DE", "region": None,
                               "updated_at": None})  # fmt: skip
        return _json(404, {})


async def _token() -> dict[str, str]:
    return {"Authorization": "Bearer service-token"}


async def test_public_animals_are_read_with_their_genes_and_the_service_token() -> None:
    peers = Peers()
    pages = [page async for page in HttpPublicAnimals(lambda: peers, _token).pages()]
    documents = [d for page in pages for d in page]
    assert [d.source_id for d in documents] == [PUBLIC]  # lineage-only skipped, 404 gone
    assert documents[0].genes == ("Pastel", "Clown")
    assert documents[0].organisation_id == ORG
    assert all(headers == {"Authorization": "Bearer service-token"}
               for service, _, _, headers in peers.asked if service == "animal")  # fmt: skip


async def test_open_listings_are_read_page_by_page_and_their_sellers_after() -> None:
    peers = Peers()
    listings = HttpOpenListings(lambda: peers)
    documents = [d async for page in listings.pages() for d in page]
    assert len(documents) == 2
    assert {d.price_band for d in documents} == {"250-500 EUR"}
    assert [p["offset"] for s, path, p, _ in peers.asked if path == "/marketplace/listings"] == [
        0,
        1,
    ]
    sellers = [d async for page in HttpSellers(lambda: peers, listings).pages() for d in page]
    assert [(d.kind, d.title, d.country) for d in sellers] == [("breeder", "Scaly Acres", "DE")]


async def test_a_service_that_does_not_answer_stops_the_source() -> None:
    peers = Peers(animal_status=503)
    with pytest.raises(SourceUnavailable):
        _ = [page async for page in HttpPublicAnimals(lambda: peers, _token).pages()]
