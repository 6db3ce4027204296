"""Pages of matches kept between changes of the index (``KeptPages``): served while the index
is unchanged or for the refresh interval after a change, never older; one lookup of a query
at a time; bounded. Then the generation on SQLite and PostgreSQL: every committed change
grows it, a page found before a change is not served after it."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.community.search_index import SqlSearchIndex
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.community.search.documents import SearchDocument
from reptidex.domain.community.search.genes import builtin_gene_names
from reptidex.domain.community.search.kept_pages import KeptPages
from reptidex.domain.community.search.ports import Generation, Matches
from reptidex.domain.community.search.query import Filters, SearchRequest, TermGroup
from reptidex.domain.errors import InvalidInput

NOW = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingIndex:
    """An index whose answer to any query is as many results as its generation then,
    counting its lookups by their first word; ``changed()`` is a stored change."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.now = 0
        self.removed = 0
        self.lookups: list[str] = []
        self.found_at: dict[tuple[str, int], float] = {}
        """When each query's page of each generation was looked up (with ``clock``)."""
        self.clock = clock
        self.gate: asyncio.Event | None = None
        self.fail = False

    def changed(self, *, removal: bool = False) -> None:
        self.now += 1
        self.removed += removal

    async def generation(self) -> Generation:
        return Generation(self.now, self.removed)

    async def match(
        self, groups: Sequence[TermGroup], filters: Filters, *, limit: int, offset: int
    ) -> Matches:
        at, removed = self.now, self.removed
        word = min(groups[0].phrases)[0]
        self.lookups.append(word)
        if self.clock is not None:
            self.found_at[(word, at)] = self.clock.now
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise RuntimeError("the database went away")
        return Matches([], at, {}, groups, Generation(at, removed))


def _pages(index: CountingIndex | SqlSearchIndex, **options: Any) -> KeptPages:
    return KeptPages(index, builtin_gene_names(), **options)


async def _total(pages: KeptPages, word: str, *, offset: int = 0) -> int:
    return (await pages.search(SearchRequest(word, offset=offset))).total


async def test_a_query_asked_again_while_nothing_changed_is_not_looked_up_again() -> None:
    index = CountingIndex()
    pages = _pages(index, refresh=0)
    assert [await _total(pages, "moonbeam") for _ in range(3)] == [0, 0, 0]
    assert await _total(pages, " MoonBeam! ") == 0, "the same words: the same query"
    assert index.lookups == ["moonbeam"]
    assert (pages.found, pages.served) == (1, 3)
    await _total(pages, "moonbeam", offset=20)
    await pages.search(SearchRequest("moonbeam", Filters(species="ball_python")))
    assert index.lookups == ["moonbeam"] * 3, "another page or filter is another query"
    assert pages.found == 3


async def test_a_request_out_of_bounds_is_refused_before_any_lookup() -> None:
    index = CountingIndex()
    with pytest.raises(InvalidInput):
        await _pages(index).search(SearchRequest("moonbeam", limit=51))
    assert index.lookups == []


async def test_without_a_refresh_interval_a_change_is_found_at_once() -> None:
    index = CountingIndex()
    pages = _pages(index, refresh=0)
    assert await _total(pages, "moonbeam") == 0
    index.changed()
    assert await _total(pages, "moonbeam") == 1
    assert index.lookups == ["moonbeam", "moonbeam"]


async def test_after_a_change_a_page_is_served_for_the_refresh_interval_then_refreshed() -> None:
    index, clock = CountingIndex(), Clock()
    pages = _pages(index, refresh=0.5, clock=clock)
    assert await _total(pages, "moonbeam") == 0
    index.changed()
    clock.now += 0.49
    assert await _total(pages, "moonbeam") == 0, "within the interval: the kept page"
    assert index.lookups == ["moonbeam"], "and no lookup"
    clock.now += 0.01
    assert await _total(pages, "moonbeam") == 0, "the interval over: kept while looked up"
    await asyncio.sleep(0)
    assert index.lookups == ["moonbeam", "moonbeam"]
    assert await _total(pages, "moonbeam") == 1, "the new page"
    clock.now += 10
    assert await _total(pages, "moonbeam") == 1, "unchanged since: kept however old"
    assert len(index.lookups) == 2


async def test_a_page_found_before_a_removal_is_never_served() -> None:
    index, clock = CountingIndex(), Clock()
    pages = _pages(index, refresh=0.5, clock=clock)
    assert await _total(pages, "moonbeam") == 0
    index.changed(removal=True)
    assert await _total(pages, "moonbeam") == 1, "at once, within the refresh interval"
    clock.now += 2
    index.changed(removal=True)
    assert await _total(pages, "moonbeam") == 2, "nor while a lookup would be under way"
    assert len(index.lookups) == 3


async def test_a_page_as_old_as_the_limit_is_not_served_after_a_change() -> None:
    index, clock = CountingIndex(), Clock()
    pages = _pages(index, refresh=0.5, stale_limit=3.0, clock=clock)
    assert await _total(pages, "moonbeam") == 0
    index.changed()
    clock.now += 3.0
    index.gate = asyncio.Event()
    waiting = asyncio.create_task(_total(pages, "moonbeam"))
    await asyncio.sleep(0.01)
    assert not waiting.done(), "it waits for the lookup"
    index.gate.set()
    assert await waiting == 1


async def test_while_lookups_fail_the_kept_page_is_served_up_to_the_limit() -> None:
    index, clock = CountingIndex(), Clock()
    pages = _pages(index, refresh=0.5, stale_limit=2.0, clock=clock)
    assert await _total(pages, "moonbeam") == 0
    index.changed()
    index.fail = True
    for _ in range(3):
        clock.now += 0.6
        assert await _total(pages, "moonbeam") == 0, "kept while a new lookup is tried"
        await asyncio.sleep(0)
    assert len(index.lookups) == 4, "each request after a failure tries again"
    clock.now += 0.3
    with pytest.raises(RuntimeError):
        await _total(pages, "moonbeam")


async def test_a_lookup_or_a_read_no_request_waited_for_leaves_no_error_behind() -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        index, clock = CountingIndex(), Clock()
        pages = _pages(index, refresh=0.5, clock=clock)
        assert await _total(pages, "moonbeam") == 0
        index.changed()
        index.fail = True
        clock.now += 0.6
        assert await _total(pages, "moonbeam") == 0, "kept while a failing lookup runs"
        for _ in range(3):
            await asyncio.sleep(0)
        del pages
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert reported == []


async def test_at_most_so_many_queries_are_looked_up_at_once() -> None:
    index = CountingIndex()
    index.gate = asyncio.Event()
    pages = _pages(index, refresh=0, lookups=2)
    words = ["alpha", "bravo", "charlie", "delta", "echo"]
    waiting = [asyncio.create_task(_total(pages, word)) for word in words]
    await asyncio.sleep(0.01)
    assert len(index.lookups) == 2
    index.gate.set()
    assert await asyncio.gather(*waiting) == [0] * 5
    assert sorted(index.lookups) == words


async def test_requests_for_a_query_under_way_wait_for_its_one_lookup() -> None:
    index = CountingIndex()
    index.gate = asyncio.Event()
    pages = _pages(index, refresh=0)
    waiting = [asyncio.create_task(_total(pages, "zorblax")) for _ in range(20)]
    await asyncio.sleep(0.01)
    assert index.lookups == ["zorblax"]
    index.gate.set()
    assert await asyncio.gather(*waiting) == [0] * 20
    assert index.lookups == ["zorblax"]


async def test_a_cancelled_request_leaves_the_lookup_to_the_others() -> None:
    index = CountingIndex()
    index.gate = asyncio.Event()
    pages = _pages(index, refresh=0)
    first = asyncio.create_task(_total(pages, "zorblax"))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(_total(pages, "zorblax"))
    await asyncio.sleep(0.01)
    first.cancel()
    index.gate.set()
    assert await second == 0
    assert index.lookups == ["zorblax"]


async def test_a_failed_lookup_is_not_kept() -> None:
    index = CountingIndex()
    index.fail = True
    pages = _pages(index, refresh=10)
    with pytest.raises(RuntimeError):
        await _total(pages, "moonbeam")
    index.fail = False
    assert await _total(pages, "moonbeam") == 0
    assert len(pages) == 1
    assert index.lookups == ["moonbeam", "moonbeam"]


async def test_the_least_recently_served_pages_go_first() -> None:
    index = CountingIndex()
    pages = _pages(index, refresh=0, capacity=2)
    for word in ("alpha", "bravo", "alpha", "charlie"):
        await _total(pages, word)
    assert len(pages) == 2
    await _total(pages, "alpha")
    await _total(pages, "bravo")
    assert index.lookups == ["alpha", "bravo", "charlie", "bravo"]


def test_bounds_are_checked() -> None:
    for wrong in ({"refresh": -1}, {"capacity": 0}, {"lookups": 0}):
        with pytest.raises(ValueError, match=r"^refresh is at least 0, capacity and lookups"):
            _pages(CountingIndex(), **wrong)
    assert _pages(CountingIndex(), refresh=0, capacity=1, lookups=1).capacity == 1


steps = st.lists(
    st.one_of(
        st.tuples(st.just("ask"), st.sampled_from(["alpha", "bravo", "charlie"])),
        st.tuples(st.just("change"), st.just("")),
        st.tuples(st.just("remove"), st.just("")),
        st.tuples(st.just("wait"), st.sampled_from(["0.1", "0.3", "1"])),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(steps=steps, refresh=st.sampled_from([0.0, 0.5]), stale_limit=st.sampled_from([0.5, 2.0]))
def test_a_served_page_is_current_or_found_within_the_refresh_interval(
    steps: list[tuple[str, str]], refresh: float, stale_limit: float
) -> None:
    """Whatever the order of questions, changes, removals and time: an answer is the index's
    answer now, or (with a refresh interval) one found after the last removal and less than
    ``stale_limit`` seconds ago."""

    async def run() -> None:
        clock = Clock()
        index = CountingIndex(clock)
        pages = _pages(index, refresh=refresh, stale_limit=stale_limit, clock=clock)
        for action, value in steps:
            if action in ("change", "remove"):
                index.changed(removal=action == "remove")
            elif action == "wait":
                clock.now += float(value)
            else:
                results = await pages.search(SearchRequest(value))
                assert results.generation.removals == index.removed, "never before a removal"
                served = results.total
                if served != index.now:
                    # a page found before the last change: served only with a refresh
                    # interval and no older than the limit
                    assert refresh > 0
                    assert clock.now - index.found_at[(value, served)] < stale_limit
                await asyncio.sleep(0)  # a lookup started in the background ends

    asyncio.run(run())


# --- the generation on the databases ----------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_database")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'community.sqlite3'}"
    upgrade("community", url)
    return url


def _listing(title: str, at: dt.datetime = NOW) -> SearchDocument:
    source = str(uuid.uuid4())
    return SearchDocument(
        kind="listing", source_id=source, title=title, link=f"/l/{source}", changed_at=at
    )


async def test_every_committed_change_grows_the_generation(database_url: str) -> None:
    engine = create_engine(database_url)
    index = SqlSearchIndex(async_sessionmaker(engine, expire_on_commit=False))
    try:
        start = await index.generation()
        document = _listing("Pastel Clown")
        assert await index.upsert([document]) == 1
        assert await index.generation() == Generation(start.changes + 1, start.removals)
        stale = replace(document, title="Old News", changed_at=NOW - dt.timedelta(days=1))
        assert await index.upsert([stale]) == 0
        assert await index.generation() == Generation(start.changes + 1, start.removals), (
            "nothing written: unchanged"
        )
        assert await index.remove("listing", document.source_id, NOW + dt.timedelta(days=1))
        assert await index.generation() == Generation(start.changes + 2, start.removals + 1)
    finally:
        await engine.dispose()


async def test_a_page_found_before_a_change_is_not_served_after_it(database_url: str) -> None:
    engine = create_engine(database_url)
    index = SqlSearchIndex(async_sessionmaker(engine, expire_on_commit=False))
    pages = _pages(index, refresh=0)
    try:
        query = SearchRequest("moonbeam")
        assert (await pages.search(query)).total == 0
        document = _listing("Moonbeam")
        await index.upsert([document])
        found = await pages.search(query)
        assert [h.id for h in found.hits] == [document.source_id]
        assert await pages.search(query) is found
        await index.remove("listing", document.source_id, NOW + dt.timedelta(days=1))
        assert (await pages.search(query)).total == 0
    finally:
        await engine.dispose()


async def test_with_a_refresh_interval_requests_share_a_generation_read() -> None:
    index, clock = CountingIndex(), Clock()
    pages = _pages(index, refresh=0.5, clock=clock)
    await _total(pages, "moonbeam")
    clock.now += 1
    reads = [0]
    gate = asyncio.Event()

    async def generation() -> Generation:
        reads[0] += 1
        await gate.wait()
        return Generation(index.now, index.removed)

    index.generation = generation  # type: ignore[method-assign]
    waiting = [asyncio.create_task(_total(pages, "moonbeam")) for _ in range(10)]
    await asyncio.sleep(0.01)
    gate.set()
    assert await asyncio.gather(*waiting) == [0] * 10
    assert reads == [1]
    assert await _total(pages, "moonbeam") == 0
    assert reads == [2], "a request after the read reads again"
