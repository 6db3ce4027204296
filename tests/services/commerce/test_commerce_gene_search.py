"""The gene search finds the same listings on SQLite (the gene index columns) and on
PostgreSQL (``listing_search``, kept by the triggers of migration ``commerce_0015``) while
listings are added, hidden, refreshed by their animal's events, reserved and deleted; on
PostgreSQL the table holds exactly the rows of the available listings (each gene in its
zygosity and in ``any``, and ``''`` in ``any``, with the searched columns), the migration
writes those of the listings already there (and its downgrade the genes of
``listing_gene`` again), and the service's role reads it but cannot write it."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import insert, inspect
from sqlalchemy.ext.asyncio import create_async_engine
from test_commerce_animal_follow import publish, updated

from reptidex.adapters.sql.commerce.mapping import listing_columns
from reptidex.adapters.sql.commerce.models import ListingRow
from reptidex.adapters.sql.migrations import downgrade, upgrade
from reptidex.domain.commerce.listing_model import (
    AnimalSnapshot,
    Listing,
    ListingState,
    PossibleHet,
    gene_key,
)
from reptidex.domain.commerce.money import Money
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings
from service_database import asyncpg_dsn

GENES = ("Clown", "Pied", "Pastel", "Yellow Belly", "Albino", "Desert Ghost")
ZYGOSITIES = ("visual", "het", "possible_het")

# the search rows of the available listings, derived from their columns (as the owner)
SEARCHED = (
    "price_amount, currency, created_at, expires_at, species, sex, organisation_id, country, "
    "shipping_available"
)
DERIVED_ROWS = f"""
    SELECT g.gene, g.zygosity, l.id, {", ".join(f"l.{c}" for c in SEARCHED.split(", "))}
    FROM listing AS l, LATERAL (
        SELECT unnest(string_to_array(l.visual_index, '|')) AS gene, 'visual' AS zygosity
        UNION SELECT unnest(string_to_array(l.het_index, '|')), 'het'
        UNION SELECT unnest(string_to_array(l.possible_het_index, '|')), 'possible_het'
        UNION SELECT unnest(string_to_array(
            '|' || l.visual_index || l.het_index || l.possible_het_index, '|')), 'any'
    ) AS g WHERE l.state = 'available' AND (g.gene <> '' OR g.zygosity = 'any')
"""
KEPT_ROWS = f"SELECT gene, zygosity, listing_id, {SEARCHED} FROM listing_search"
# the genes of the available listings, as ``listing_gene`` (migration ``commerce_0014``) kept
DERIVED_GENES = """
    SELECT l.id, g.gene, g.zygosity FROM listing AS l, LATERAL (
        SELECT unnest(string_to_array(l.visual_index, '|')) AS gene, 'visual' AS zygosity
        UNION SELECT unnest(string_to_array(l.het_index, '|')), 'het'
        UNION SELECT unnest(string_to_array(l.possible_het_index, '|')), 'possible_het'
    ) AS g WHERE l.state = 'available' AND g.gene <> ''
"""


@dataclass
class Market:
    """What the search should find: each listing's genes by zygosity, and the open ones."""

    genes: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    open: set[str] = field(default_factory=set)

    def expected(self, gene: str, zygosity: str) -> set[str]:
        wanted = ZYGOSITIES if zygosity == "any" else (zygosity,)
        key = gene_key(gene)
        return {i for i in self.open if any(key in self.genes[i][z] for z in wanted)}

    def check(self, client: TestClient[Litestar]) -> None:
        for gene in GENES:
            for zygosity in (*ZYGOSITIES, "any"):
                page = client.get(
                    "/marketplace/listings",
                    params={"gene": gene, "zygosity": zygosity, "limit": 100, "sort": "price"},
                )
                assert page.status_code == 200, page.text
                found = {item["id"] for item in page.json()["items"]}
                assert found == self.expected(gene, zygosity), (gene, zygosity)
                assert page.json()["total"] == len(found)


def shared_out(rng: random.Random) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Three to five genes shared out over visual, het and possible het."""
    genes = rng.sample(GENES, rng.randint(3, 5))
    cut = sorted(rng.sample(range(len(genes) + 1), 2))
    possible = [(g, rng.choice(("1/2", "2/3"))) for g in genes[cut[1] :]]
    return genes[: cut[0]], genes[cut[0] : cut[1]], possible


def genes_of(traits: list[str], hets: list[str], possible: list[Any]) -> dict[str, set[str]]:
    return {
        "visual": {gene_key(g) for g in traits},
        "het": {gene_key(g) for g in hets},
        "possible_het": {gene_key(g) for g, _ in possible},
    }


def fill(seller: Trader, market: Market, count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` listings, a sixth of them drafts."""
    rng = random.Random(seed)
    made = []
    for n in range(count):
        traits, hets, possible = shared_out(rng)
        listing = seller.list_animal(
            1000 + n,
            traits=tuple(traits),
            hets=tuple(hets),
            possible_hets=tuple(possible),
            publish=n % 6 != 0,
        )
        market.genes[listing["id"]] = genes_of(traits, hets, possible)
        if listing["state"] == "available":
            market.open.add(listing["id"])
        made.append(listing)
    return made


def test_the_gene_search_follows_every_change_of_the_listings(
    any_client: TestClient[Litestar], seller: Trader, buyer: Trader
) -> None:
    market = Market()
    listings = fill(seller, market, 24, seed=5)
    market.check(any_client)
    # hidden, then offered again
    hidden = listings[1]["id"]
    assert (
        seller.patch(f"/marketplace/listings/{hidden}", json={"state": "hidden"}).status_code == 200
    )
    market.open.discard(hidden)
    market.check(any_client)
    assert (
        seller.patch(f"/marketplace/listings/{hidden}", json={"state": "available"}).status_code
        == 200
    )
    market.open.add(hidden)
    # its animal's genes change in repti-animal: the listing's snapshot follows
    refreshed = listings[2]
    publish(
        any_client,
        updated(
            seller.organisation_id,
            refreshed["animal"]["animal_id"],
            traits=["Albino"],
            hets=["Clown", "Pied"],
            possible_hets=[["Desert Ghost", "1/2"]],
        ),
    )
    market.genes[refreshed["id"]] = genes_of(["Albino"], ["Clown", "Pied"], [("Desert Ghost", 0)])
    market.check(any_client)
    for hets in (["Pastel"], []):  # only the hets change, then none is left
        publish(
            any_client,
            updated(
                seller.organisation_id,
                refreshed["animal"]["animal_id"],
                traits=["Albino"],
                hets=hets,
                possible_hets=[["Desert Ghost", "1/2"]],
            ),
        )
        market.genes[refreshed["id"]] = genes_of(["Albino"], hets, [("Desert Ghost", 0)])
        market.check(any_client)
    # reserved by an order, a draft published, one deleted
    reserved = listings[3]["id"]
    assert buyer.order(reserved).status_code == 201
    market.open.discard(reserved)
    published = listings[6]["id"]
    assert (
        seller.patch(f"/marketplace/listings/{published}", json={"state": "available"}).status_code
        == 200
    )
    market.open.add(published)
    deleted = listings[4]["id"]
    assert seller.delete(f"/marketplace/listings/{deleted}").status_code == 204
    market.open.discard(deleted)
    market.check(any_client)


# --- PostgreSQL: the table and its triggers ----------------------------------------------


def rows(url: str, statement: str) -> set[tuple[Any, ...]]:
    async def fetch() -> set[tuple[Any, ...]]:
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            return {tuple(r) for r in await connection.fetch(statement)}
        finally:
            await connection.close()

    return asyncio.run(fetch())


@pytest.fixture
def role_client(
    app_role_url: str, make_settings: Callable[..., Settings], animals: FakeAnimals
) -> Iterator[TestClient[Litestar]]:
    with commerce_client(make_settings(commerce_database_url=app_role_url), animals) as client:
        yield client


def test_as_the_service_role_the_table_holds_exactly_the_genes_of_the_available_listings(
    role_client: TestClient[Litestar], animals: FakeAnimals, postgres_database: str
) -> None:
    seller = Trader(role_client, uuid.uuid4(), animals)
    market = Market()
    listings = fill(seller, market, 12, seed=7)
    hidden = seller.patch(f"/marketplace/listings/{listings[1]['id']}", json={"state": "hidden"})
    assert hidden.status_code == 200
    market.open.discard(listings[1]["id"])
    market.check(role_client)  # under row-level security, written by the role's own inserts
    repriced = seller.patch(
        f"/marketplace/listings/{listings[2]['id']}",
        json={"price": {"amount": 123, "currency": "USD"}, "shipping_available": False},
    )
    assert repriced.status_code == 200
    kept = rows(postgres_database, KEPT_ROWS)
    assert kept == rows(postgres_database, DERIVED_ROWS)
    assert {r[2] for r in kept} == {uuid.UUID(i) for i in market.open}
    assert {(r[3], r[4], r[11]) for r in kept if r[2] == uuid.UUID(listings[2]["id"])} == {
        (123, "USD", False)
    }


def test_the_service_role_reads_the_table_but_cannot_write_it(
    role_client: TestClient[Litestar], animals: FakeAnimals
) -> None:
    seller = Trader(role_client, uuid.uuid4(), animals)
    listing = seller.list_animal(hets=("Clown",))
    role_url = kernel_of(role_client.app).resources.database_url

    async def as_the_role() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(role_url))
        try:
            # clown in het and in any, and the row of every search without a gene
            assert await connection.fetchval("SELECT count(*) FROM listing_search") == 3
            for statement in (
                "INSERT INTO listing_search (gene, zygosity, listing_id) VALUES ('pied', 'het', $1)",
                "UPDATE listing_search SET gene = 'pied' WHERE listing_id = $1",
                "DELETE FROM listing_search WHERE listing_id = $1",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(statement, uuid.UUID(listing["id"]))
        finally:
            await connection.close()

    asyncio.run(as_the_role())


def test_the_migrations_write_the_rows_of_the_listings_already_there(
    postgres_database: str,
) -> None:
    upgrade("commerce", postgres_database, "commerce_0013")
    rng = random.Random(11)
    now = dt.datetime.now(dt.UTC)

    def listing(n: int) -> Listing:
        traits, hets, possible = shared_out(rng)
        return Listing(
            id=uuid.uuid4(),
            organisation_id=uuid.uuid4(),
            animal=AnimalSnapshot(
                animal_id=uuid.uuid4(),
                species="ball_python",
                sex="male",
                hatch_date=None,
                morph="x",
                phenotype="x",
                traits=tuple(traits),
                hets=tuple(hets),
                possible_hets=tuple(PossibleHet(g, Fraction(p)) for g, p in possible),
            ),
            title=f"Listing {n}",
            description="",
            price=Money.of(1000 + n, "EUR"),
            status=ListingState.AVAILABLE if n % 4 else ListingState.DRAFT,
            country="DE",
            created_at=now,
        )

    async def add_listings() -> None:
        # the rows as the adapter writes them, in the columns the table has at that revision
        engine = create_async_engine(postgres_database)
        try:
            async with engine.begin() as connection:
                present = await connection.run_sync(
                    lambda sync: {column["name"] for column in inspect(sync).get_columns("listing")}
                )
                for n in range(20):
                    made = listing(n)
                    values = {"id": made.id, "version": made.version, "created_at": now,
                              "updated_at": now, **listing_columns(made)}  # fmt: skip
                    await connection.execute(
                        insert(ListingRow).values(
                            {name: value for name, value in values.items() if name in present}
                        )
                    )
        finally:
            await engine.dispose()

    asyncio.run(add_listings())
    upgrade("commerce", postgres_database)
    kept = rows(postgres_database, KEPT_ROWS)
    assert len(kept) > 20
    assert kept == rows(postgres_database, DERIVED_ROWS)
    downgrade("commerce", postgres_database, "commerce_0014")
    genes = rows(postgres_database, "SELECT listing_id, gene, zygosity FROM listing_gene")
    assert len(genes) > 15
    assert genes == rows(postgres_database, DERIVED_GENES)
