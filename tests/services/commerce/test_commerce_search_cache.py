"""The search cache: pages are served from memory only while every change notice is heard,
all dropped as soon as any listing changes (this process's own change or another's), and
each kept only until the next listing ends."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
import pytest
from commerce_testkit import FakeAnimals, Trader, commerce_client
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.sql.commerce.listing_changes import CommittedListingChanges
from reptidex.adapters.sql.notices import asyncpg_dsn
from reptidex.services.commerce.search_cache import MarketplaceSearch, SearchCache
from reptidex.services.commerce.wiring import CommerceComponents
from reptidex.services.kernel.app import components_of, kernel_of
from reptidex.services.kernel.settings import Settings

NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def trusted_cache(max_bytes: int = 100) -> SearchCache:
    cache = SearchCache(max_bytes=max_bytes)
    cache.listening(True)
    return cache


def test_nothing_is_kept_or_served_until_the_listener_is_connected() -> None:
    cache = SearchCache()
    cache.keep(b"q", b"page", cache.ticket(), None)
    assert cache.get(b"q", NOW) is None
    cache.listening(True)
    cache.keep(b"q", b"page", cache.ticket(), None)
    assert cache.get(b"q", NOW) == b"page"


def test_losing_the_listener_drops_everything_and_stops_serving() -> None:
    cache = trusted_cache()
    cache.keep(b"q", b"page", cache.ticket(), None)
    cache.listening(False)
    assert (len(cache), cache.size_bytes) == (0, 0)
    assert cache.get(b"q", NOW) is None
    cache.listening(True)  # reconnected: a fresh start
    assert cache.get(b"q", NOW) is None


def test_any_change_drops_every_page_and_a_page_read_across_one_is_not_kept() -> None:
    cache = trusted_cache()
    cache.keep(b"a", b"1", cache.ticket(), None)
    cache.keep(b"b", b"2", cache.ticket(), None)
    ticket = cache.ticket()
    cache.changed()
    assert (cache.get(b"a", NOW), cache.get(b"b", NOW)) == (None, None)
    cache.keep(b"a", b"stale?", ticket, None)  # its rows may predate the change
    assert cache.get(b"a", NOW) is None
    ticket = cache.ticket()
    cache.keep(b"a", b"fresh", ticket, None)
    assert cache.get(b"a", NOW) == b"fresh"


def test_a_page_is_served_until_the_next_listing_ends() -> None:
    cache = trusted_cache()
    end = NOW + dt.timedelta(minutes=5)
    cache.keep(b"q", b"page", cache.ticket(), end)
    assert cache.get(b"q", end - dt.timedelta(microseconds=1)) == b"page"
    assert cache.get(b"q", end) is None  # the listing ending then has left the results
    assert len(cache) == 0


def test_the_least_recently_used_page_goes_first() -> None:
    cache = trusted_cache(max_bytes=2)
    cache.keep(b"a", b"a", cache.ticket(), None)
    cache.keep(b"b", b"b", cache.ticket(), None)
    assert cache.get(b"a", NOW) == b"a"
    cache.keep(b"c", b"c", cache.ticket(), None)  # b is the oldest: out
    assert cache.get(b"b", NOW) is None
    assert (cache.get(b"a", NOW), cache.get(b"c", NOW), cache.size_bytes) == (b"a", b"c", 2)
    cache.keep(b"d", b"too big", cache.ticket(), None)  # larger than the whole cache
    assert cache.get(b"d", NOW) is None
    assert (cache.hits, cache.misses) == (3, 2)


class Reads:
    """A page reader that counts its reads and waits for ``release`` before answering."""

    def __init__(self, fail: bool = False) -> None:
        self.count = 0
        self.release = asyncio.Event()
        self.fail = fail

    async def __call__(self) -> tuple[bytes, dt.datetime | None]:
        self.count += 1
        number = self.count
        await self.release.wait()
        if self.fail:
            raise RuntimeError("the database is gone")
        return f"page {number}".encode(), None


async def test_requests_asking_for_a_page_being_read_share_that_read() -> None:
    cache = trusted_cache()
    reads = Reads()
    asking = [asyncio.create_task(cache.page(b"q", NOW, reads)) for _ in range(5)]
    await asyncio.sleep(0.01)
    reads.release.set()
    assert await asyncio.gather(*asking) == [b"page 1"] * 5
    assert (reads.count, cache.hits, cache.misses) == (1, 4, 1)


async def test_a_page_is_kept_from_the_second_time_its_query_is_read() -> None:
    cache = trusted_cache()
    reads = Reads()
    reads.release.set()
    assert await cache.page(b"q", NOW, reads) == b"page 1"
    assert await cache.page(b"other", NOW, reads) == b"page 2"
    assert len(cache) == 0  # each asked once: a crawler's, one of many price bounds
    assert await cache.page(b"q", NOW, reads) == b"page 3"
    assert await cache.page(b"q", NOW, reads) == b"page 3"  # kept
    cache.changed()
    assert await cache.page(b"q", NOW, reads) == b"page 4"  # read before: kept at once
    assert await cache.page(b"q", NOW, reads) == b"page 4"


async def test_a_request_after_a_change_does_not_take_a_read_begun_before_it() -> None:
    cache = trusted_cache()
    reads = Reads()
    before = asyncio.create_task(cache.page(b"q", NOW, reads))
    await asyncio.sleep(0.01)
    cache.changed()
    after = asyncio.create_task(cache.page(b"q", NOW, reads))
    await asyncio.sleep(0.01)
    reads.release.set()
    assert (await before, await after) == (b"page 1", b"page 2")


async def test_when_the_shared_read_fails_each_waiting_request_reads_itself() -> None:
    cache = trusted_cache()
    reads = Reads(fail=True)
    asking = [asyncio.create_task(cache.page(b"q", NOW, reads)) for _ in range(3)]
    await asyncio.sleep(0.01)
    reads.release.set()
    outcomes = await asyncio.gather(*asking, return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert reads.count == 3


async def test_without_the_listener_every_request_reads_its_own_page() -> None:
    cache = SearchCache()
    reads = Reads()
    reads.release.set()
    assert [await cache.page(b"q", NOW, reads) for _ in range(2)] == [b"page 1", b"page 2"]


def test_own_commits_of_listings_are_told_and_nothing_else(
    sqlite_client: TestClient[Litestar], animals: FakeAnimals
) -> None:
    told: list[int] = []
    own = CommittedListingChanges(lambda: told.append(1))
    own.install()
    try:
        seller = Trader(sqlite_client, uuid.uuid4(), animals)
        listing = seller.list_animal(1000)  # added by a flush
        assert len(told) == 1
        path = f"/marketplace/listings/{listing['id']}"
        assert seller.patch(path, json={"title": "New"}).status_code == 200
        assert len(told) == 2  # a compare-and-set UPDATE statement
        assert seller.patch(path, json={"state": "draft"}).status_code == 409
        assert len(told) == 2  # nothing committed, nothing told
        assert sqlite_client.get("/marketplace/listings").status_code == 200
        assert sqlite_client.get(path).status_code == 200  # a view is counted, no listing changes
        assert len(told) == 2
        assert seller.delete(f"/marketplace/listings/{listing['id']}").status_code == 204
        assert len(told) == 3  # a DELETE statement
    finally:
        own.remove()


# --- on PostgreSQL, through the API ------------------------------------------------------


@pytest.fixture
def sqlite_client(
    make_settings: Callable[..., Settings], animals: FakeAnimals
) -> Iterator[TestClient[Litestar]]:
    with commerce_client(make_settings(), animals) as client:
        yield client


@pytest.fixture
def postgres_client(
    make_settings: Callable[..., Settings], animals: FakeAnimals, postgres_database: str
) -> Iterator[TestClient[Litestar]]:
    settings = make_settings(commerce_database_url=postgres_database)
    with commerce_client(settings, animals) as client:
        wait_until(lambda: cache_of(client).trusted, "the listener never connected")
        yield client


@pytest.fixture
def seller(postgres_client: TestClient[Litestar], animals: FakeAnimals) -> Trader:
    return Trader(postgres_client, uuid.uuid4(), animals)


def cache_of(client: TestClient[Litestar]) -> SearchCache:
    search: MarketplaceSearch = components_of(client.app, CommerceComponents).search
    return search.cache


def wait_until(condition: Callable[[], bool], message: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.02)


def search(client: TestClient[Litestar], query: str = "") -> dict[str, Any]:
    response = client.get(f"/marketplace/listings?{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def comes_from_memory(client: TestClient[Litestar], query: str) -> None:
    """Fail unless searching ``query`` again is soon served from the cache (the notices of the
    test's own writes reach it a little after their commits, and drop every page)."""
    cache = cache_of(client)

    def hit() -> bool:
        hits = cache.hits
        search(client, query)
        return cache.hits == hits + 1

    wait_until(hit, "the search was never served from memory")


def prices(page: dict[str, Any]) -> list[int]:
    return [item["price"]["amount"] for item in page["items"]]


def run_elsewhere(client: TestClient[Litestar], statement: str, *args: Any) -> None:
    """Run ``statement`` on a connection of its own, as another process would."""

    async def run() -> None:
        url = kernel_of(client.app).resources.database_url
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await connection.execute(statement, *args)
        finally:
            await connection.close()

    asyncio.run(run())


def test_a_repeated_search_comes_from_memory(
    seller: Trader, postgres_client: TestClient[Litestar]
) -> None:
    seller.list_animal(3000, hets=("Clown",))
    seller.list_animal(1000, hets=("Clown",))
    query = "gene=clown&zygosity=het&sort=price"
    first = postgres_client.get(f"/marketplace/listings?{query}")
    assert prices(first.json()) == [1000, 3000]
    comes_from_memory(postgres_client, query)
    assert postgres_client.get(f"/marketplace/listings?{query}").content == first.content
    # another query string is another page
    hits = cache_of(postgres_client).hits
    assert prices(search(postgres_client, "sort=-price")) == [3000, 1000]
    assert cache_of(postgres_client).hits == hits
    text = postgres_client.get("/metrics").text
    figures = {
        line.split("{")[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("reptidex_search_cache_")
    }
    assert figures["reptidex_search_cache_hits_total"] >= 1
    assert figures["reptidex_search_cache_misses_total"] >= 2
    assert figures["reptidex_search_cache_entries"] == 1  # the other query was read once
    assert figures["reptidex_search_cache_bytes"] > 100
    assert figures["reptidex_search_cache_in_use"] == 1


def test_own_changes_show_at_once(
    seller: Trader, postgres_client: TestClient[Litestar], animals: FakeAnimals
) -> None:
    listing = seller.list_animal(1000)
    assert prices(search(postgres_client)) == [1000]
    assert prices(search(postgres_client)) == [1000]  # kept
    changed = seller.patch(
        f"/marketplace/listings/{listing['id']}",
        json={"price": {"amount": 1500, "currency": "EUR"}},
    )
    assert changed.status_code == 200, changed.text
    assert prices(search(postgres_client)) == [1500]
    seller.list_animal(700)
    assert prices(search(postgres_client, "sort=price")) == [700, 1500]
    assert prices(search(postgres_client, "sort=price")) == [700, 1500]  # kept
    buyer = Trader(postgres_client, uuid.uuid4(), animals)
    assert buyer.order(listing["id"]).status_code == 201  # puts it on hold
    assert prices(search(postgres_client, "sort=price")) == [700]


def test_another_processs_change_reaches_the_cache(
    seller: Trader, postgres_client: TestClient[Litestar]
) -> None:
    listing = seller.list_animal(1000)
    assert prices(search(postgres_client)) == [1000]
    assert prices(search(postgres_client)) == [1000]  # kept
    run_elsewhere(
        postgres_client,
        "UPDATE listing SET price_amount = 1200 WHERE id = $1",
        uuid.UUID(listing["id"]),
    )
    wait_until(
        lambda: prices(search(postgres_client)) == [1200],
        "the other process's change never reached the cache",
    )


def test_a_page_goes_when_a_listing_on_it_ends(
    seller: Trader, postgres_client: TestClient[Litestar]
) -> None:
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.5)
    seller.list_animal(1000, expires_at=ends.isoformat())
    seller.list_animal(2000, expires_at="2031-01-01T00:00:00Z")
    assert prices(search(postgres_client, "sort=price")) == [1000, 2000]
    comes_from_memory(postgres_client, "sort=price")  # while both are open
    assert prices(search(postgres_client, "sort=price")) == [1000, 2000]
    time.sleep(max(0.0, (ends - dt.datetime.now(dt.UTC)).total_seconds()) + 0.05)
    assert prices(search(postgres_client, "sort=price")) == [2000]  # no change was told


def test_a_lost_listener_stops_the_cache_until_it_is_back(
    seller: Trader, postgres_client: TestClient[Litestar]
) -> None:
    seller.list_animal(1000)
    cache = cache_of(postgres_client)
    comes_from_memory(postgres_client, "")
    assert len(cache) == 1
    run_elsewhere(
        postgres_client,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE query LIKE 'LISTEN %' AND datname = current_database()",
    )
    wait_until(lambda: not cache.trusted, "the cache went on trusting itself")
    assert len(cache) == 0
    search(postgres_client)
    assert len(cache) == 0  # nothing kept meanwhile
    wait_until(lambda: cache.trusted, "the listener did not reconnect")
    comes_from_memory(postgres_client, "")
    assert len(cache) == 1


class EndReads:
    """A reader of the next end that counts its reads and can change the market meanwhile."""

    def __init__(self, end: dt.datetime | None, during: Callable[[], None] | None = None) -> None:
        self.end = end
        self.during = during
        self.asked: list[dt.datetime] = []

    async def __call__(self, after: dt.datetime) -> dt.datetime | None:
        self.asked.append(after)
        if self.during is not None:
            self.during()
        return self.end


def test_the_next_end_is_read_once_per_change_while_it_is_ahead() -> None:
    cache = trusted_cache()
    end = NOW + dt.timedelta(hours=2)
    reads = EndReads(end)

    async def ends(*times: dt.datetime) -> list[dt.datetime | None]:
        return [await cache.next_end(at, reads) for at in times]

    later = NOW + dt.timedelta(hours=1)
    assert asyncio.run(ends(NOW, later, NOW + dt.timedelta(minutes=5))) == [end] * 3
    assert reads.asked == [NOW]
    asyncio.run(ends(NOW - dt.timedelta(seconds=1)))  # before the time it was read for
    assert len(reads.asked) == 2
    asyncio.run(ends(end))  # the end came: the next one is read
    assert reads.asked[-1] == end
    cache.changed()
    asyncio.run(ends(end))
    assert len(reads.asked) == 4


def test_no_end_is_remembered_until_a_change() -> None:
    cache = trusted_cache()
    reads = EndReads(None)
    far = NOW + dt.timedelta(days=3650)
    assert asyncio.run(cache.next_end(NOW, reads)) is None
    assert asyncio.run(cache.next_end(far, reads)) is None
    assert len(reads.asked) == 1
    cache.changed()
    asyncio.run(cache.next_end(far, reads))
    assert len(reads.asked) == 2


def test_an_end_read_across_a_change_is_not_remembered() -> None:
    cache = trusted_cache()
    reads = EndReads(NOW + dt.timedelta(hours=1), during=cache.changed)
    asyncio.run(cache.next_end(NOW, reads))
    reads.during = None
    asyncio.run(cache.next_end(NOW, reads))
    asyncio.run(cache.next_end(NOW, reads))
    assert len(reads.asked) == 2


def test_without_the_listener_no_end_is_read() -> None:
    cache = SearchCache()
    reads = EndReads(NOW + dt.timedelta(hours=1))
    assert asyncio.run(cache.next_end(NOW, reads)) is None
    assert reads.asked == []
