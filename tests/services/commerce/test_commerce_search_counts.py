"""Totals counted in memory (``services/commerce/search_counts.py``): a price table counts
what the database would, a search's filters get one the second time they are searched, it
serves until a listing changes, and the API's totals are the same either way."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from typing import Any

import pytest
from commerce_testkit import FakeAnimals, Trader
from hypothesis import given
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.domain.commerce.ports import ListingQuery
from reptidex.services.commerce.search_cache import SearchCache
from reptidex.services.commerce.search_counts import (
    MAX_ROWS,
    PriceTable,
    filters_of,
    micros,
)
from reptidex.services.commerce.wiring import CommerceComponents
from reptidex.services.kernel.app import components_of

NOW = dt.datetime(2030, 6, 1, 12, tzinfo=dt.UTC)
ends = st.one_of(
    st.none(),
    st.integers(-5, 5).map(lambda n: NOW + dt.timedelta(microseconds=n)),
    st.integers(-(10**6), 10**6).map(lambda n: NOW + dt.timedelta(seconds=n)),
)
bounds = st.one_of(st.none(), st.integers(0, 1000))


@given(
    rows=st.lists(st.tuples(st.integers(0, 1000), ends), max_size=60),
    low=bounds,
    high=bounds,
    shift=st.integers(-3, 3),
)
def test_a_table_counts_what_the_database_counts(
    rows: list[tuple[int, dt.datetime | None]], low: int | None, high: int | None, shift: int
) -> None:
    now = NOW + dt.timedelta(microseconds=shift)
    table = PriceTable.of(sorted(rows, key=lambda row: row[0]))
    expected = sum(
        1
        for price, end in rows
        if (low is None or price >= low)
        and (high is None or price <= high)
        and (end is None or end > now)
    )
    assert table.count(low, high, now) == expected


def test_a_table_refuses_rows_out_of_price_order() -> None:
    with pytest.raises(ValueError, match="ordered by price"):
        PriceTable.of([(2, None), (1, None)])


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_microseconds_are_exact(at: dt.datetime) -> None:
    assert dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros(at)) == at


def test_a_tables_key_is_the_filters_without_bounds_time_order_or_page() -> None:
    one = ListingQuery(now=NOW, gene="clown", zygosity="het", max_price=10, sort="price")
    other = ListingQuery(
        now=NOW + dt.timedelta(days=1), gene="clown", zygosity="het", min_price=3, offset=50
    )
    assert filters_of(one) == filters_of(other)
    assert filters_of(one) != filters_of(ListingQuery(now=NOW, gene="clown", zygosity="visual"))
    assert filters_of(ListingQuery(now=NOW, text="pied")) is None


class PriceReads:
    def __init__(self, rows: list[tuple[int, dt.datetime | None]], during: Any = None) -> None:
        self.rows = rows
        self.during = during
        self.asked: list[int] = []

    async def __call__(self, at_most: int) -> list[tuple[int, dt.datetime | None]]:
        self.asked.append(at_most)
        if self.during is not None:
            self.during()
        return self.rows[:at_most]


def trusted(max_bytes: int = 2**20) -> SearchCache:
    cache = SearchCache(max_bytes=max_bytes)
    cache.listening(True)
    return cache


QUERY = ListingQuery(now=NOW, gene="clown", zygosity="het", max_price=500)


def table_of(cache: SearchCache, reads: PriceReads, query: ListingQuery = QUERY) -> Any:
    return asyncio.run(cache.price_table(query, reads))


def test_filters_get_a_table_the_second_time_and_keep_it_until_a_change() -> None:
    cache = trusted()
    reads = PriceReads([(100, None), (400, None), (900, None)])
    assert table_of(cache, reads) is None  # the first search is counted by the database
    assert reads.asked == []
    table = table_of(cache, reads)
    assert reads.asked == [MAX_ROWS + 1]
    assert table.count(None, 500, NOW) == 2
    assert table_of(cache, reads, ListingQuery(now=NOW, gene="clown", zygosity="het")) is table
    assert len(reads.asked) == 1
    cache.changed()
    assert table_of(cache, reads) is not None  # asked before: read again at once
    assert len(reads.asked) == 2


def test_a_table_read_across_a_change_is_neither_used_nor_kept() -> None:
    cache = trusted()
    reads = PriceReads([(100, None)])
    table_of(cache, reads)
    reads.during = cache.changed
    assert table_of(cache, reads) is None
    reads.during = None
    assert table_of(cache, reads) is not None
    assert len(reads.asked) == 2


def test_filters_too_broad_for_a_table_are_remembered_and_counted_by_the_database() -> None:
    cache = trusted()
    reads = PriceReads([(n, None) for n in range(MAX_ROWS + 1)])
    table_of(cache, reads)
    assert table_of(cache, reads) is None
    assert table_of(cache, reads) is None
    assert len(reads.asked) == 1


def test_tables_take_at_most_an_eighth_of_the_cache_oldest_out_first() -> None:
    cache = trusted(max_bytes=8 * 16 * 10)  # room for ten rows of tables
    reads = PriceReads([(n, None) for n in range(6)])
    species = [ListingQuery(now=NOW, species=f"s{n}") for n in range(2)]
    for query in species * 2:
        table_of(cache, reads, query)
    assert len(reads.asked) == 2  # the second table pushed the first out
    table_of(cache, reads, species[1])
    assert len(reads.asked) == 2
    table_of(cache, reads, species[0])
    assert len(reads.asked) == 3


def test_no_table_without_the_listener_or_for_a_text_search() -> None:
    reads = PriceReads([(1, None)])
    untrusted = SearchCache()
    for _ in range(2):
        assert table_of(untrusted, reads) is None
        assert table_of(trusted(), reads, ListingQuery(now=NOW, text="pied")) is None
    assert reads.asked == []


def test_totals_counted_in_memory_are_the_databases(
    pg_client: TestClient[Litestar], animals: FakeAnimals
) -> None:
    seller = Trader(pg_client, uuid.uuid4(), animals)
    components = components_of(pg_client.app, CommerceComponents)
    cache = components.search.cache
    for _ in range(100):  # the listener connects in the background
        if cache.trusted:
            break
        time.sleep(0.05)
    assert cache.trusted, "the listener of listing changes did not connect"
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()
    for n, price in enumerate([500, 1000, 1000, 2500, 4000, 9000]):
        seller.list_animal(price=price, hets=["Clown"], title=f"L{n}", expires_at=soon)
    seller.list_animal(price=1500, traits=["Clown"], title="visual")  # another zygosity

    def total(**bounds: int) -> int:
        response = pg_client.get(
            "/marketplace/listings", params={"gene": "clown", "zygosity": "het", **bounds}
        )
        assert response.status_code == 200, response.text
        found: int = response.json()["total"]
        return found

    assert total(max_price=2000) == 3  # counted by the database; the filters are remembered
    asked = [
        ({"max_price": 999}, 1),
        ({"min_price": 1000, "max_price": 1000}, 2),
        ({"min_price": 1001}, 3),
        ({}, 6),
        ({"min_price": 9001}, 0),
    ]
    for bounds, expected in asked:
        assert total(**bounds) == expected, bounds
    assert cache.tables == 1  # counted from the one table
    seller.list_animal(price=700, hets=["Clown"], title="new")  # a change drops the table
    assert cache.tables == 0
    assert total(max_price=999) == 2
    assert total(min_price=600, max_price=800) == 1


def test_while_one_request_reads_a_table_the_others_count_in_the_database() -> None:
    cache = trusted()

    async def scenario() -> tuple[Any, Any, Any]:
        release = asyncio.Event()
        reads = 0

        async def slow(at_most: int) -> list[tuple[int, dt.datetime | None]]:
            nonlocal reads
            reads += 1
            await release.wait()
            return [(1, None)]

        await cache.price_table(QUERY, slow)  # the first search: remembered
        first = asyncio.create_task(cache.price_table(QUERY, slow))
        await asyncio.sleep(0)
        second = await cache.price_table(QUERY, slow)
        release.set()
        return await first, second, reads

    first, second, reads = asyncio.run(scenario())
    assert (first is not None, second, reads) == (True, None, 1)
    assert cache.tables == 1
