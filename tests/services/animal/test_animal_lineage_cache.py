"""The lineage cache: kept responses are served only while every change notice is heard, and
each is dropped as soon as any animal (or clutch) it was computed from changes, whether the
change is this process's own or another's."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from animal_testkit import Breeder, animal_components
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.sql.animal.animal_changes import AnimalChange, asyncpg_dsn
from reptidex.adapters.sql.animal.committed_changes import CommittedChanges
from reptidex.services.animal.lineage_cache import LineageCache
from reptidex.services.kernel.app import kernel_of

A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))


def trusted_cache(max_bytes: int = 100) -> LineageCache:
    cache = LineageCache(max_bytes=max_bytes)
    cache.listening(True)
    return cache


def test_nothing_is_kept_or_served_until_the_listener_is_connected() -> None:
    cache = LineageCache()
    cache.keep((A, 5, 3, None), b"x", {A}, cache.ticket())
    assert cache.get((A, 5, 3, None)) is None
    cache.listening(True)
    cache.keep((A, 5, 3, None), b"x", {A}, cache.ticket())
    assert cache.get((A, 5, 3, None)) == b"x"


def test_losing_the_listener_drops_everything_and_stops_serving() -> None:
    cache = trusted_cache()
    cache.keep((A, 5, 3, None), b"x", {A}, cache.ticket())
    cache.listening(False)
    assert len(cache) == 0
    assert cache.get((A, 5, 3, None)) is None
    cache.listening(True)  # reconnected: a fresh start
    assert cache.get((A, 5, 3, None)) is None


def test_a_response_read_while_one_of_its_animals_changed_is_not_kept() -> None:
    cache = trusted_cache()
    ticket = cache.ticket()
    cache.changed([C])  # another animal: does not matter
    cache.changed([B])  # one the response read: its rows may predate the change
    cache.keep((A, 5, 3, None), b"stale?", {A, B}, ticket)
    assert cache.get((A, 5, 3, None)) is None
    ticket = cache.ticket()
    cache.changed([C])
    cache.keep((A, 5, 3, None), b"fresh", {A, B}, ticket)
    assert cache.get((A, 5, 3, None)) == b"fresh"


def test_a_response_read_before_the_listener_reconnected_is_not_kept() -> None:
    cache = trusted_cache()
    ticket = cache.ticket()
    cache.listening(False)
    cache.listening(True)
    cache.keep((A, 5, 3, None), b"from before", {A}, ticket)
    assert cache.get((A, 5, 3, None)) is None


def test_a_change_before_the_read_leaves_its_response_valid() -> None:
    cache = trusted_cache()
    cache.changed([A])
    cache.keep((A, 5, 3, None), b"fresh", {A}, cache.ticket())
    cache.changed([C])  # a later change of something else
    assert cache.get((A, 5, 3, None)) == b"fresh"


def test_the_memory_of_changes_is_bounded_and_restarts_conservatively() -> None:
    cache = LineageCache(max_bytes=100, max_changes=2)
    cache.listening(True)
    cache.keep((A, 5, 3, None), b"a", {A}, cache.ticket())
    cache.changed([B, C])
    cache.changed([uuid.UUID(int=7)])  # full: forgets the changes, and so every older entry
    assert cache.get((A, 5, 3, None)) is None


def test_a_change_drops_exactly_the_entries_that_read_it() -> None:
    cache = trusted_cache()
    ticket = cache.ticket()
    cache.keep((A, 5, 3, None), b"a", {A, B}, ticket)
    cache.keep((C, 5, 3, None), b"c", {C}, ticket)
    cache.keep((A, 5, 3, uuid.UUID(int=9)), b"a9", {A, B}, ticket)
    cache.changed([B])
    assert cache.get((A, 5, 3, None)) is None
    assert cache.get((A, 5, 3, uuid.UUID(int=9))) is None
    assert cache.get((C, 5, 3, None)) == b"c"


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = trusted_cache(max_bytes=2)
    ticket = cache.ticket()
    cache.keep((A, 5, 3, None), b"a", {A}, ticket)
    cache.keep((B, 5, 3, None), b"b", {B}, ticket)
    assert cache.get((A, 5, 3, None)) == b"a"
    cache.keep((C, 5, 3, None), b"c", {C, B}, ticket)  # B's entry is the oldest: out
    assert cache.get((B, 5, 3, None)) is None
    cache.changed([B])  # drops C's entry, which read B
    assert cache.get((C, 5, 3, None)) is None
    assert cache.get((A, 5, 3, None)) == b"a"
    assert cache.size_bytes == 1
    cache.keep((B, 5, 3, None), b"too big", {B}, ticket)  # larger than the whole cache
    assert cache.get((B, 5, 3, None)) is None
    assert cache.get((A, 5, 3, None)) == b"a"


# --- on PostgreSQL, through the API ------------------------------------------------------


@pytest.fixture
def postgres_breeder(postgres_client: TestClient[Litestar]) -> Breeder:
    cache = animal_components(postgres_client.app).lineage.cache
    wait_until(lambda: cache.trusted, "the listener never connected")
    return Breeder(postgres_client, uuid.uuid4())


def wait_until(condition: Callable[[], bool], message: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.02)


def family(breeder: Breeder) -> dict[str, str]:
    sire = breeder.add(name="Sire", sex="male")
    dam = breeder.add(name="Dam", sex="female")
    kid = breeder.add(name="Kid", sex="female", sire_id=sire["id"], dam_id=dam["id"])
    return {"sire": str(sire["id"]), "dam": str(dam["id"]), "kid": str(kid["id"])}


def lineage_of(breeder: Breeder, animal: str) -> dict[str, object]:
    response = breeder.get(f"/lineage/{animal}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def cached_lineage(breeder: Breeder, cache: Any, animal: str) -> dict[str, object]:
    """The animal's lineage once the cache holds it: a late notice of the test's own writes may
    drop the first copy, so read until one stays."""
    body: dict[str, object] = {}

    def kept() -> bool:
        nonlocal body
        body = lineage_of(breeder, animal)
        return len(cache) == 1

    wait_until(kept, "the lineage never stayed in the cache")
    return body


def names(body: dict[str, object]) -> list[str]:
    return [p["animal"]["name"] for p in body["tree"]]  # type: ignore[attr-defined]


def test_a_repeated_lineage_comes_from_memory(postgres_breeder: Breeder) -> None:
    ids = family(postgres_breeder)
    cache = animal_components(postgres_breeder.client.app).lineage.cache
    first = cached_lineage(postgres_breeder, cache, ids["kid"])
    hits = cache.hits
    assert lineage_of(postgres_breeder, ids["kid"]) == first
    assert cache.hits == hits + 1


def test_the_cache_reports_on_metrics(postgres_breeder: Breeder) -> None:
    ids = family(postgres_breeder)
    lineage_of(postgres_breeder, ids["kid"])
    lineage_of(postgres_breeder, ids["kid"])
    text = postgres_breeder.client.get("/metrics").text
    figures = {
        line.split("{")[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("reptidex_lineage_cache_")
    }
    assert figures["reptidex_lineage_cache_hits_total"] >= 1
    assert figures["reptidex_lineage_cache_misses_total"] >= 1
    assert figures["reptidex_lineage_cache_entries"] >= 1
    assert figures["reptidex_lineage_cache_bytes"] > 100
    assert figures["reptidex_lineage_cache_in_use"] == 1


def test_own_changes_show_at_once(postgres_breeder: Breeder) -> None:
    ids = family(postgres_breeder)
    assert names(lineage_of(postgres_breeder, ids["kid"])) == ["Kid", "Sire", "Dam"]
    renamed = postgres_breeder.patch(f"/animals/{ids['dam']}", json={"name": "Queen"})
    assert renamed.status_code == 200
    assert names(lineage_of(postgres_breeder, ids["kid"])) == ["Kid", "Sire", "Queen"]
    # a new hatchling of the sire is a new descendant in the sire's lineage
    before = lineage_of(postgres_breeder, ids["sire"])
    postgres_breeder.add(name="Second", sex="male", sire_id=ids["sire"])
    after = lineage_of(postgres_breeder, ids["sire"])
    assert len(after["descendants"]) == len(before["descendants"]) + 1  # type: ignore[arg-type]


def test_another_processs_change_reaches_the_cache(postgres_breeder: Breeder) -> None:
    ids = family(postgres_breeder)
    app = postgres_breeder.client.app
    assert names(lineage_of(postgres_breeder, ids["kid"])) == ["Kid", "Sire", "Dam"]
    assert names(lineage_of(postgres_breeder, ids["kid"])) == ["Kid", "Sire", "Dam"]  # kept

    async def rename_elsewhere() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(kernel_of(app).resources.database_url))
        try:
            await connection.execute(
                "UPDATE animal SET name = 'Elsewhere' WHERE id = $1", uuid.UUID(ids["sire"])
            )
        finally:
            await connection.close()

    asyncio.run(rename_elsewhere())
    wait_until(
        lambda: names(lineage_of(postgres_breeder, ids["kid"])) == ["Kid", "Elsewhere", "Dam"],
        "the other process's change never reached the cache",
    )


def test_emptying_the_table_elsewhere_empties_the_cache(postgres_breeder: Breeder) -> None:
    ids = family(postgres_breeder)
    app = postgres_breeder.client.app
    cache = animal_components(app).lineage.cache
    cached_lineage(postgres_breeder, cache, ids["kid"])

    async def truncate_elsewhere() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(kernel_of(app).resources.database_url))
        try:
            await connection.execute("TRUNCATE animal CASCADE")
        finally:
            await connection.close()

    asyncio.run(truncate_elsewhere())
    wait_until(lambda: len(cache) == 0, "the cache kept lineages of an emptied table")
    assert cache.trusted
    missing = postgres_breeder.get(f"/lineage/{ids['kid']}")
    assert missing.status_code == 404


def test_a_lost_listener_stops_the_cache_until_it_is_back(postgres_breeder: Breeder) -> None:
    ids = family(postgres_breeder)
    app = postgres_breeder.client.app
    cache = animal_components(app).lineage.cache
    cached_lineage(postgres_breeder, cache, ids["kid"])

    async def cut_the_listener() -> int:
        connection = await asyncpg.connect(asyncpg_dsn(kernel_of(app).resources.database_url))
        try:
            return len(
                await connection.fetch(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query LIKE 'LISTEN %' AND datname = current_database()"
                )
            )
        finally:
            await connection.close()

    assert asyncio.run(cut_the_listener()) == 1
    wait_until(lambda: not cache.trusted, "the cache went on trusting itself")
    assert len(cache) == 0
    wait_until(lambda: cache.trusted, "the listener did not reconnect")
    cached_lineage(postgres_breeder, cache, ids["kid"])


class Recorder:
    """Records the ids and organisations of each change it is handed."""

    def __init__(self) -> None:
        self.told: list[set[uuid.UUID]] = []
        self.organisations: list[set[uuid.UUID]] = []

    def __call__(self, change: AnimalChange) -> None:
        self.told.append(set(change.ids))
        self.organisations.append(set(change.organisations))


def test_own_commits_name_the_animals_they_change_with_old_and_new_parents(
    sqlite_client: TestClient[Litestar],
) -> None:
    breeder = Breeder(sqlite_client, uuid.uuid4())
    recorder = Recorder()
    own = CommittedChanges(recorder)
    own.install()
    try:
        sire = uuid.UUID(str(breeder.add(name="Sire", sex="male")["id"]))
        other = uuid.UUID(str(breeder.add(name="Other", sex="male")["id"]))
        kid = uuid.UUID(str(breeder.add(name="Kid", sire_id=str(sire))["id"]))
        assert recorder.told[-1] == {kid, sire}
        assert recorder.organisations[-1] == {breeder.organisation_id}
        moved = breeder.patch(f"/animals/{kid}", json={"sire_id": str(other)})
        assert moved.status_code == 200
        assert recorder.told[-1] == {kid, other, sire}  # the old sire loses a descendant
        told = len(recorder.told)
        refused = breeder.patch(f"/animals/{kid}", json={"sire_id": str(kid)})
        assert refused.status_code == 422, refused.status_code
        assert len(recorder.told) == told  # nothing committed, nothing told
        assert breeder.delete(f"/animals/{kid}").status_code == 204
        assert kid in recorder.told[-1]
    finally:
        own.remove()
