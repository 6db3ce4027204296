"""``GET /search`` through the app on SQLite and PostgreSQL: fed by the owning services'
events through the bus, public things only, typo and alias tolerant, with facets, bounded."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator

import pytest
from community_testkit import (
    animal_event,
    community_client,
    listing_event,
    publish,
    search,
    until,
)
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.events import new_event
from reptidex.services.kernel.settings import Settings

ALPHA, BETA = uuid.uuid4(), uuid.uuid4()


@pytest.fixture(params=["sqlite", "postgres"])
def client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[TestClient[Litestar]]:
    """repti-community started on a migrated database (its articles stored at start-up)."""
    overrides = {}
    if request.param == "postgres":
        overrides["community_database_url"] = request.getfixturevalue("postgres_database")
    settings = make_settings(**overrides)
    upgrade("community", settings.database_url("community"))
    with community_client(settings) as test_client:
        yield test_client


def _ids(body: dict[str, object], kind: str) -> list[str]:
    return [i["id"] for i in body["items"] if i["kind"] == kind]  # type: ignore[attr-defined]


def test_an_animal_made_private_disappears_from_results(client: TestClient[Litestar]) -> None:
    animal = uuid.uuid4()
    publish(client, animal_event(animal, ALPHA, kind="animal.created", name="Moonbeam"))
    assert _ids(search(client, q="moonbeam"), "animal") == [str(animal)]
    publish(client, animal_event(animal, ALPHA, visibility="private", name="Moonbeam"))
    body = search(client, q="moonbeam")
    assert body["items"] == []
    assert body["total"] == 0


def test_lineage_only_and_private_animals_never_appear(client: TestClient[Litestar]) -> None:
    for visibility in ("private", "lineage_only"):
        publish(client, animal_event(uuid.uuid4(), ALPHA, kind="animal.created",
                                     visibility=visibility, name="Zorblax"))  # fmt: skip
    assert search(client, q="zorblax")["total"] == 0


def test_a_deleted_or_transferred_animal_disappears(client: TestClient[Litestar]) -> None:
    deleted, moved = uuid.uuid4(), uuid.uuid4()
    publish(client, animal_event(deleted, ALPHA, kind="animal.created", name="Gone"))
    publish(client, animal_event(moved, ALPHA, kind="animal.created", name="Gone"))
    assert search(client, q="gone")["total"] == 2
    payload = {"animal_id": str(deleted), "code": "BP-26-0001"}
    publish(client, new_event("animal.deleted", producer="animal", payload=payload,
                              organisation_id=ALPHA))  # fmt: skip
    transfer = {"animal_id": str(moved), "code": "BP-26-0002",
                "from_organisation_id": str(ALPHA), "to_organisation_id": str(BETA)}  # fmt: skip
    publish(client, new_event("animal.transferred", producer="animal", payload=transfer,
                              organisation_id=ALPHA))  # fmt: skip
    assert search(client, q="gone")["total"] == 0


def test_older_news_arriving_late_does_not_bring_a_private_animal_back(
    client: TestClient[Litestar],
) -> None:
    animal = uuid.uuid4()
    now = dt.datetime.now(dt.UTC)
    publish(client, animal_event(animal, ALPHA, visibility="private", name="Late", occurred_at=now))
    publish(
        client, animal_event(animal, ALPHA, name="Late", occurred_at=now - dt.timedelta(seconds=5))
    )
    assert search(client, q="late")["total"] == 0


def test_a_change_is_searchable_within_a_second(client: TestClient[Litestar]) -> None:
    listing = uuid.uuid4()
    event = listing_event(listing, BETA, title="Enchi Fire female")
    publish(client, event)
    waited = until(lambda: _ids(search(client, q="enchi fire"), "listing") == [str(listing)])
    assert waited < 1.0


def test_a_repeated_event_is_indexed_once(client: TestClient[Litestar]) -> None:
    listing = uuid.uuid4()
    event = listing_event(listing, BETA, title="Twice told tale")
    publish(client, event)
    publish(client, listing_event(listing, BETA, kind="listing.state_changed", state="sold"))
    publish(client, event)  # the same event id again: handled once, so the sale stands
    assert search(client, q="twice told")["total"] == 0


def test_typos_aliases_highlights_and_facets(client: TestClient[Litestar]) -> None:
    animal = uuid.uuid4()
    publish(client, animal_event(animal, ALPHA, kind="animal.created", name="Sunny"))
    publish(client, listing_event(uuid.uuid4(), BETA, title="Pastel Clown hatchling",
                                  traits=["Pastel", "Clown"], price=45_000, country="fr"))  # fmt: skip
    body = search(client, q="pastle het clown")
    assert _ids(body, "animal") == [str(animal)]
    hit = body["items"][0]
    assert "<mark>Pastel</mark>" in hit["snippet"]
    assert "<mark>Clown</mark>" in hit["snippet"]
    assert hit["link"] == f"/public/animals/{animal}"
    assert "pastel" in body["matched"]

    clown = search(client, q="pastle clown")
    facets = clown["facets"]
    assert {"value": "listing", "count": 1} in facets["kind"]
    assert {"value": "Clown", "count": 2} in facets["genes"]
    assert {"value": "250-500 EUR", "count": 1} in facets["price_band"]
    assert {"value": "FR", "count": 1} in facets["country"]
    assert clown["total"] == sum(f["count"] for f in facets["kind"])

    narrowed = search(client, q="pastle clown", kind="listing", country="fr")
    assert narrowed["total"] == 1
    assert narrowed["items"][0]["kind"] == "listing"
    assert search(client, q="clown", gene="Spider", kind="listing")["total"] == 0

    bel = search(client, q="BEL", kind="article")
    found = _ids(bel, "article")
    assert {"ball_python.blue_eyed_leucistic", "ball_python.lesser_mojave"} <= set(found)
    assert "ball_python.mojave_russo" in found  # every pairing that looks so
    article = client.get("/search/articles/ball_python.blue_eyed_leucistic")
    assert article.status_code == 200
    assert {"BEL", "Blue Eyed Lucy"} <= set(article.json()["aliases"])
    assert "Lesser Mojave" in article.json()["genes"]
    lesser_mojave = _ids(search(client, q="lesser mojave", kind="article"), "article")
    assert "ball_python.mojave_russo" not in lesser_mojave  # one pairing is not every BEL


def test_breeders_are_found_by_their_seller_profile(client: TestClient[Litestar]) -> None:
    payload = {"organisation_id": str(BETA), "display_name": "Scaly Acres", "country": "nl",
               "region": "Utrecht", "about": "Ball python morphs since 2009."}  # fmt: skip
    publish(client, new_event("seller.profile_updated", producer="commerce", payload=payload,
                              organisation_id=BETA))  # fmt: skip
    body = search(client, q="scaly acres")
    assert _ids(body, "breeder") == [str(BETA)]
    assert body["items"][0]["country"] == "NL"


def test_pages_are_bounded_and_consistent(client: TestClient[Litestar]) -> None:
    ids = set()
    for _ in range(5):
        listing = uuid.uuid4()
        ids.add(str(listing))
        publish(client, listing_event(listing, BETA, title="Mojave girl"))
    pages = [search(client, q="mojave girl", limit=2, offset=o) for o in (0, 2, 4)]
    assert {i["id"] for p in pages for i in p["items"]} == ids
    assert all(p["total"] == 5 for p in pages)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": "x" * 201}, 422),
        ({"q": "pastel", "limit": 51}, 422),
        ({"q": "pastel", "offset": 1001}, 422),
        ({"q": "pastel", "country": "FRA"}, 422),
        ({}, 400),
        ({"q": "!!! ???"}, 422),
        ({"q": "a b c d e f g h i"}, 422),
        ({"q": "pastel", "kind": "secret"}, 422),
    ],
)
def test_requests_out_of_bounds_are_refused_as_problems(
    client: TestClient[Litestar], params: dict[str, str | int], status: int
) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_article_is_a_404(client: TestClient[Litestar]) -> None:
    response = client.get("/search/articles/ball_python.unicorn")
    assert response.status_code == 404


def test_the_service_starts_on_a_database_not_migrated_yet(
    make_settings: Callable[..., Settings],
) -> None:
    with community_client(make_settings()) as test_client:
        assert test_client.get("/health").status_code == 200
        assert test_client.get("/health/deep").status_code == 503
