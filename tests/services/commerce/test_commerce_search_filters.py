"""Every filter, sort and page of the marketplace search, on SQLite (``listing``) and on
PostgreSQL as the service's role (``listing_search``, kept by the triggers of migration
``commerce_0015``), against the same listings filtered and sorted here from what each
listing's own page shows, while listings change price, end, country, shipping, state and
animal, are reserved and deleted."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client
from litestar import Litestar
from litestar.testing import TestClient
from test_commerce_animal_follow import publish, updated

from reptidex.domain.commerce.listing_model import gene_key
from reptidex.services.kernel.settings import Settings

GENES = ("Clown", "Pied", "Pastel", "Yellow Belly", "Albino")
SPECIES = ("ball_python", "corn_snake", "leopard_gecko")
WORDS = ("calm", "feeder", "50%_off", "proven", "Holdback")
PRICES = (5_000, 7_500, 12_000, 25_000)  # few, so that the ties' order is tried too


@pytest.fixture(params=["sqlite", "postgres"])
def market_client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings], animals: FakeAnimals
) -> Iterator[TestClient[Litestar]]:
    """repti-commerce on SQLite, then on PostgreSQL as its non-owner role."""
    if request.param == "sqlite":
        settings = make_settings()
    else:
        settings = make_settings(commerce_database_url=request.getfixturevalue("app_role_url"))
    with commerce_client(settings, animals) as client:
        yield client


def _at(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _has_gene(listing: dict[str, Any], gene: str, zygosity: str) -> bool:
    animal = listing["animal"]
    names = {
        "visual": animal["traits"],
        "het": animal["hets"],
        "possible_het": [h["gene"] for h in animal["possible_hets"]],
    }
    wanted = list(names) if zygosity == "any" else [zygosity]
    return any(gene_key(gene) in {gene_key(n) for n in names[z]} for z in wanted)


def _matches(listing: dict[str, Any], params: dict[str, Any], now: dt.datetime) -> bool:
    ends = _at(listing["expires_at"])
    tests = [
        listing["state"] == "available" and (ends is None or ends > now),
        "species" not in params or listing["animal"]["species"] == params["species"],
        "gene" not in params or _has_gene(listing, params["gene"], params.get("zygosity", "any")),
        "sex" not in params or listing["animal"]["sex"] == params["sex"],
        "min_price" not in params or listing["price"]["amount"] >= params["min_price"],
        "max_price" not in params or listing["price"]["amount"] <= params["max_price"],
        "currency" not in params or listing["price"]["currency"] == params["currency"],
        "seller" not in params or listing["seller_organisation_id"] == params["seller"],
        "country" not in params or listing["country"] == params["country"],
        "shipping" not in params or listing["shipping_available"] == params["shipping"],
        "q" not in params
        or params["q"].lower() in listing["title"].lower()
        or params["q"].lower() in listing["description"].lower(),
    ]
    return all(tests)


def _sort_key(sort: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    def key(listing: dict[str, Any]) -> tuple[Any, ...]:
        created = _at(listing["created_at"])
        assert created is not None
        newest = (-created.timestamp(), uuid.UUID(listing["id"]))
        price = listing["price"]["amount"]
        ends = _at(listing["expires_at"])
        if sort == "price":
            return (price, *newest)
        if sort == "-price":
            return (-price, *newest)
        if sort == "ending_soon":
            return (ends is None, ends.timestamp() if ends else 0.0, *newest)
        return newest

    return key


def _expected(
    listings: list[dict[str, Any]], params: dict[str, Any], now: dt.datetime
) -> tuple[list[str], int]:
    found = sorted(
        (x for x in listings if _matches(x, params, now)),
        key=_sort_key(params.get("sort", "newest")),
    )
    offset = params.get("offset", 0)
    return [x["id"] for x in found[offset : offset + params.get("limit", 50)]], len(found)


def _queries(rng: random.Random, sellers: list[Trader], count: int) -> list[dict[str, Any]]:
    """``count`` searches, each with a few filters at random, a sort and a page."""
    choices: dict[str, Callable[[], Any]] = {
        "species": lambda: rng.choice(SPECIES),
        "gene": lambda: rng.choice([*GENES, "yellow_belly", "Desert Ghost"]),
        "zygosity": lambda: rng.choice(("any", "visual", "het", "possible_het")),
        "sex": lambda: rng.choice(("male", "female")),
        "min_price": lambda: rng.choice(PRICES),
        "max_price": lambda: rng.choice(PRICES),
        "currency": lambda: rng.choice(("EUR", "USD")),
        "seller": lambda: str(rng.choice(sellers).organisation_id),
        "country": lambda: rng.choice(("DE", "US", "GB")),
        "shipping": lambda: rng.choice((True, False)),
        "q": lambda: rng.choice(WORDS),
    }
    queries = []
    for _ in range(count):
        params = {k: make() for k, make in choices.items() if rng.random() < 0.2}
        if params.get("min_price", 0) > params.get("max_price", 10**9):
            del params["min_price"]
        params["sort"] = rng.choice(("newest", "price", "-price", "ending_soon"))
        params["limit"] = rng.choice((1, 3, 7, 50))
        params["offset"] = rng.choice((0, 0, 2, 5))
        queries.append(params)
    return queries


def _list(rng: random.Random, seller: Trader, now: dt.datetime) -> dict[str, Any]:
    genes = rng.sample(GENES, rng.randint(0, 3))
    cut = sorted(rng.randint(0, len(genes)) for _ in range(2))
    ends = rng.choice((None, now + dt.timedelta(days=rng.randint(1, 30))))
    return seller.list_animal(
        rng.choice(PRICES),
        rng.choice(("EUR", "USD")),
        species=rng.choice(SPECIES),
        sex=rng.choice(("male", "female", "unknown")),
        traits=tuple(genes[: cut[0]]),
        hets=tuple(genes[cut[0] : cut[1]]),
        possible_hets=tuple((g, "1/2") for g in genes[cut[1] :]),
        title=f"A {rng.choice(WORDS)} animal",
        description=rng.choice(("", f"Very {rng.choice(WORDS)}.")),
        country=rng.choice(("DE", "US", "GB")),
        shipping_available=rng.random() < 0.5,
        expires_at=None if ends is None else ends.isoformat(),
        publish=rng.random() < 0.85,
    )


def _check(client: TestClient[Litestar], sellers: list[Trader], rng: random.Random) -> None:
    listings = []
    for seller in sellers:
        page = seller.get("/marketplace/seller/listings", params={"limit": 100})
        assert page.status_code == 200, page.text
        listings += page.json()["items"]
    for params in _queries(rng, sellers, 80):
        before = dt.datetime.now(dt.UTC)
        page = client.get("/marketplace/listings", params=params)
        assert page.status_code == 200, page.text
        found = ([x["id"] for x in page.json()["items"]], page.json()["total"])
        assert found == _expected(listings, params, before), params


def test_the_search_finds_and_orders_what_each_listing_shows(
    market_client: TestClient[Litestar], animals: FakeAnimals
) -> None:
    rng = random.Random(3)
    now = dt.datetime.now(dt.UTC)
    sellers = [Trader(market_client, uuid.uuid4(), animals) for _ in range(3)]
    made = [_list(rng, rng.choice(sellers), now) for _ in range(45)]
    of = {
        x["id"]: s
        for x in made
        for s in sellers
        if x["seller_organisation_id"] == str(s.organisation_id)
    }
    # one ends in a moment: the search stops showing it at its end
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    ending = sellers[0].list_animal(5_000, hets=("Clown",), expires_at=ends.isoformat())
    _check(market_client, sellers, rng)
    time.sleep(max(0.0, (ends - dt.datetime.now(dt.UTC)).total_seconds()) + 0.1)
    _check(market_client, sellers, rng)
    assert ending["id"] not in {
        x["id"] for x in market_client.get("/marketplace/listings?gene=clown").json()["items"]
    }
    # each column the search reads changes
    available = [x for x in made if x["state"] == "available"]
    changes: list[dict[str, Any]] = [
        {"price": {"amount": 7_500, "currency": "USD"}},
        {"price": {"amount": 99_000, "currency": "EUR"}},
        {"expires_at": (now + dt.timedelta(days=40)).isoformat()},
        {"expires_at": None},
        {"country": "GB"},
        {"shipping_available": True},
        {"shipping_available": False},
        {"title": "Now calm", "description": "a Holdback"},
        {"state": "hidden"},
    ]
    for listing, change in zip(available, changes, strict=False):
        response = of[listing["id"]].patch(f"/marketplace/listings/{listing['id']}", json=change)
        assert response.status_code == 200, (change, response.text)
    _check(market_client, sellers, rng)
    # reserved by an order, deleted, its animal's species, sex and genes changed
    rest = available[len(changes) :]
    buyer = Trader(market_client, uuid.uuid4(), animals)
    assert buyer.order(rest[0]["id"]).status_code == 201
    assert of[rest[1]["id"]].delete(f"/marketplace/listings/{rest[1]['id']}").status_code == 204
    refreshed = rest[2]
    publish(
        market_client,
        updated(
            uuid.UUID(refreshed["seller_organisation_id"]),
            refreshed["animal"]["animal_id"],
            species="corn_snake",
            sex="female",
            traits=["Albino"],
            hets=["Pied"],
            possible_hets=[],
        ),
    )
    _check(market_client, sellers, rng)
