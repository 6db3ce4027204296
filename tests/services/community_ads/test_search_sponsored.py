"""Sponsored results beside ``GET /search``: campaigns targeting the search's species, genes
and country fill them, apart from the results and marked ``sponsored``, with tokens that
record their impressions; bounded; a failing or slow ad lookup leaves them empty and the
search answers; the campaigns are read once a second unless they change. On SQLite and PostgreSQL (fixtures: conftest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from ads_testkit import Advertiser, FakeListings, campaign_body, publish, purchase_event
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.domain.ads.ports import Candidate
from reptidex.domain.ads.serving import AdContext, SponsoredSlot
from reptidex.domain.community.search import sponsored
from reptidex.domain.community.search.query import Filters
from reptidex.domain.community.search.sponsored import ad_context, sponsored_slots
from reptidex.domain.events import new_event
from reptidex.services.community.ad_wiring import KeptCandidates, SearchSponsors


def listed(client: TestClient[Litestar], seller: uuid.UUID, listing_id: uuid.UUID) -> None:
    """repti-commerce's ``listing.created`` of an open Pastel het Clown in Germany."""
    payload: dict[str, Any] = {
        "listing_id": str(listing_id),
        "species": "ball_python",
        "state": "available",
        "price_amount": 45_000,
        "currency": "EUR",
        "title": "Pastel het Clown female",
        "description": "Feeding on frozen rats.",
        "country": "DE",
        "sex": "female",
        "morph": "Pastel",
        "traits": ["Pastel"],
        "hets": ["Clown"],
    }
    publish(
        client,
        new_event("listing.created", producer="commerce", payload=payload, organisation_id=seller),
    )


def boosted(advertiser: Advertiser, listings: FakeListings, **targeting: list[str]) -> str:
    """A listing of ``advertiser``'s, listed, paid for and boosted with ``targeting``."""
    listing_id = listings.add(advertiser.organisation_id)
    listed(advertiser.client, advertiser.organisation_id, listing_id)
    publish(advertiser.client, purchase_event(advertiser.organisation_id, 10_000))
    body = campaign_body(boost="listings", listing_ids=[str(listing_id)], targeting=targeting)
    response = advertiser.post("/ads/campaigns", body)
    assert response.status_code == 201, response.text
    return str(listing_id)


def search(client: TestClient[Litestar], **params: Any) -> dict[str, Any]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_targeted_campaign_fills_a_sponsored_slot(
    any_client: TestClient[Litestar], advertiser: Advertiser, listings: FakeListings
) -> None:
    listing_id = boosted(
        advertiser, listings, species=["ball_python"], genes=["clown"], countries=["DE"]
    )
    page = search(any_client, q="pastle het clown")
    assert [item["id"] for item in page["items"] if item["kind"] == "listing"] == [listing_id]
    [slot] = page["sponsored"]
    assert slot["sponsored"] is True
    assert slot["listing_id"] == listing_id
    assert slot["organisation_id"] == str(advertiser.organisation_id)
    assert all("sponsored" not in item for item in page["items"])
    recorded = any_client.post("/ads/impressions", json={"token": slot["impression_token"]})
    assert recorded.json() == {"outcome": "counted"}
    clicked = any_client.post("/ads/clicks", json={"token": slot["click_token"]})
    assert clicked.json() == {"outcome": "counted"}


def test_a_search_the_campaign_does_not_target_has_none(
    any_client: TestClient[Litestar], advertiser: Advertiser, listings: FakeListings
) -> None:
    boosted(advertiser, listings, species=["ball_python"], genes=["clown"], countries=["DE"])
    assert search(any_client, q="pastel clown", country="FR")["sponsored"] == []
    assert search(any_client, q="corn snake")["sponsored"] == []
    assert search(any_client, q="pastel clown", sponsored=0)["sponsored"] == []


def test_the_advertiser_does_not_see_its_own_campaign(
    any_client: TestClient[Litestar], advertiser: Advertiser, listings: FakeListings
) -> None:
    boosted(advertiser, listings, genes=["clown"])
    own = advertiser.get("/search", params={"q": "pastel clown"})
    assert own.status_code == 200
    assert own.json()["sponsored"] == []
    assert len(search(any_client, q="pastel clown")["sponsored"]) == 1


@pytest.mark.parametrize("wanted", [-1, 4, "two"])
def test_the_number_of_slots_is_bounded(
    any_client: TestClient[Litestar], wanted: int | str
) -> None:
    response = any_client.get("/search", params={"q": "pastel", "sponsored": wanted})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["sponsored"]


def test_a_failing_ad_lookup_never_fails_the_search(
    any_client: TestClient[Litestar],
    advertiser: Advertiser,
    listings: FakeListings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listing_id = boosted(advertiser, listings, genes=["clown"])

    async def broken(self: SearchSponsors, context: AdContext, slots: int) -> list[SponsoredSlot]:
        raise ConnectionError("the ad tables are gone")

    monkeypatch.setattr(SearchSponsors, "choose", broken)
    page = search(any_client, q="pastel clown")
    assert page["sponsored"] == []
    assert [item["id"] for item in page["items"] if item["kind"] == "listing"] == [listing_id]


class _Slow:
    async def choose(self, context: AdContext, slots: int) -> list[SponsoredSlot]:
        await asyncio.sleep(60)
        raise AssertionError("not reached")


class _Generous:
    def __init__(self) -> None:
        self.asked: list[int] = []

    async def choose(self, context: AdContext, slots: int) -> list[SponsoredSlot]:
        self.asked.append(slots)
        return []


async def test_a_slow_ad_lookup_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sponsored, "LOOKUP_SECONDS", 0.05)
    assert await sponsored_slots(_Slow(), AdContext(), 2) == []


async def test_no_more_slots_are_asked_than_the_bound() -> None:
    generous = _Generous()
    await sponsored_slots(generous, AdContext(), 99)
    await sponsored_slots(generous, AdContext(), 0)
    assert generous.asked == [sponsored.MAX_SPONSORED]


def test_the_context_comes_from_the_filters_then_the_facets() -> None:
    facets = {
        "species": [("ball_python", 4), ("corn_snake", 1)],
        "genes": [("Pastel", 3), ("Het Clown", 1)],
        "country": [("de", 2)],
    }
    viewer = uuid.uuid4()
    context = ad_context(Filters(species="corn_snake", gene="Clown"), facets, viewer)
    assert context == AdContext(
        "corn_snake", frozenset({"pastel", "het_clown", "clown"}), "DE", viewer
    )
    assert ad_context(Filters(), {}) == AdContext()


class CountedUnits:
    """Campaigns read from a list, counting the reads; ``changes`` as the units count them."""

    def __init__(self) -> None:
        self.changes = 0
        self.reads = 0
        self.during_read: Callable[[], None] = lambda: None

    async def candidates(self, day: dt.date, limit: int) -> list[Candidate]:
        self.reads += 1
        self.during_read()
        return []


async def test_the_search_reads_the_campaigns_once_a_second_unless_they_change() -> None:
    units, now = CountedUnits(), [100.0]
    kept = KeptCandidates(units, keep_for=1.0, clock=lambda: now[0])
    day = dt.date(2026, 12, 7)
    for _ in range(3):
        await kept.candidates(day, 10)
    assert units.reads == 1
    now[0] += 1.0
    await kept.candidates(day, 10)
    assert units.reads == 2, "a second later: read again"
    units.changes += 1  # a campaign changed, an impression was recorded in this process
    await kept.candidates(day, 10)
    assert units.reads == 3
    await kept.candidates(day + dt.timedelta(days=1), 10)
    assert units.reads == 4, "another day: read again"
    units.during_read = lambda: setattr(units, "changes", units.changes + 1)
    await kept.candidates(day, 10)
    await kept.candidates(day, 10)
    assert units.reads == 6, "what was read while advertising changed is not kept"
