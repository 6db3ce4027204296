"""Backfilling repti-media's copy of animals from repti-animal's listing: animals created
before media ever ran reach the widgets (at start-up and on demand), a pass racing events
keeps the newer news, and a deleted animal stays deleted (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from fractions import Fraction
from typing import Any

import httpx
import msgspec
import pytest
from litestar.testing import TestClient
from media_testkit import media_client, media_token

from core_tokens import StaticKeys
from reptidex.adapters.lineage.animal_catalogue_http import (
    HttpSharedAnimals,
    SharedAnimalBody,
    shared_animal,
)
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.media.embeds import SqlPublicAnimals, backfill_transaction
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.media.embeds import PossibleHet, PublicAnimal
from reptidex.domain.media.lineage import LineageUnavailable
from reptidex.domain.media.ports import SharedAnimal, SharedPage
from reptidex.domain.media.use_cases.animal_copy import apply_animal_event, apply_page, backfill
from reptidex.services.kernel.app import components_of, kernel_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.wiring import MediaComponents

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class InProcessAnimal:
    """The peer client on an in-process repti-animal."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client
        self.calls = 0

    async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
        assert service == "animal"
        self.calls += 1
        return self.client.get(path, **kwargs)


async def _media_service_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {media_token(None, None, sub='service:media')}"}


@contextlib.contextmanager
def animal_with_animals(settings: Settings, organisation: uuid.UUID, count: int) -> Any:
    """repti-animal with ``count`` public animals for sale (and a private one) of
    ``organisation``, made before any repti-media runs."""
    from reptidex.services.animal.app import create_app as create_animal_app

    upgrade("animal", settings.database_url("animal"))
    app = create_animal_app(
        settings, genetics_per_minute=0, authenticator=Authenticator(StaticKeys())
    )
    headers = {"Authorization": f"Bearer {media_token(organisation, 'member')}"}
    with TestClient(app) as animal:
        for index in range(count):
            body = {"species": "ball_python", "name": f"Early {index}", "sex": "female",
                    "visibility": "public", "status": "for_sale"}  # fmt: skip
            assert animal.post("/animals", json=body, headers=headers).status_code == 201
        secret = {"species": "ball_python", "name": "Secret", "status": "for_sale"}
        assert animal.post("/animals", json=secret, headers=headers).status_code == 201
        yield animal


def test_animals_from_before_media_appear_after_the_start_up_backfill(
    make_settings: Callable[..., Settings],
) -> None:
    organisation = uuid.uuid4()
    with animal_with_animals(make_settings(), organisation, 5) as animal:
        peer = InProcessAnimal(animal)
        shared = HttpSharedAnimals(lambda: peer, _media_service_headers, page_size=2)
        with media_client(make_settings(), shared=shared, backfill_on_start=True) as media:
            url = f"/embed/available/{organisation}?limit=50"
            deadline = time.monotonic() + 20
            while "Early 4" not in media.get(url).text:
                assert time.monotonic() < deadline, "the backfill did not fill the widget"
                time.sleep(0.05)
            page = media.get(url).text
            # once the pass has recorded its completion (a quiet moment does not prove it, on
            # a loaded machine: a failed attempt waits before its retry), it covers every
            # breeder: no further calls for an unknown one
            while True:
                calls = peer.calls
                media.get(f"/embed/available/{uuid.uuid4()}")
                if peer.calls == calls:
                    break
                assert time.monotonic() < deadline, "the pass never recorded its completion"
                time.sleep(0.05)
            media.get(f"/embed/available/{uuid.uuid4()}")
            assert peer.calls == calls
    assert all(f"Early {i}" in page for i in range(5))
    assert "Secret" not in page
    assert calls >= 3  # pages of 2, 2 and 1


def test_an_unknown_breeder_is_backfilled_on_demand(
    make_settings: Callable[..., Settings],
) -> None:
    organisation = uuid.uuid4()
    with animal_with_animals(make_settings(), organisation, 2) as animal:
        peer = InProcessAnimal(animal)
        shared = HttpSharedAnimals(lambda: peer, _media_service_headers)
        with media_client(make_settings(), shared=shared) as media:
            page = media.get(f"/embed/available/{organisation}")
            assert page.status_code == 200
            assert "Early 0" in page.text
            assert "Early 1" in page.text
            calls = peer.calls
            assert "Early 0" in media.get(f"/embed/available/{organisation}").text
            assert peer.calls == calls  # remembered: asked once


def test_an_on_demand_fill_needs_no_second_connection(
    make_settings: Callable[..., Settings], postgres_database: str
) -> None:
    # one free connection: the widget's request must give its own back while the fill takes
    # one (else it waits for itself until the fill times out, and shows nothing)
    organisation = uuid.uuid4()
    with animal_with_animals(make_settings(), organisation, 2) as animal:
        peer = InProcessAnimal(animal)
        shared = HttpSharedAnimals(lambda: peer, _media_service_headers)
        settings = make_settings(
            media_database_url=postgres_database, db_pool_size="2", http_timeout="1"
        )
        with media_client(settings, shared=shared) as media:
            engine = kernel_of(media.app).engine
            portal = media.blocking_portal
            held = portal.call(engine.connect().start)  # the other connection, taken
            try:
                page = media.get(f"/embed/available/{organisation}")
            finally:
                portal.call(held.close)
            assert page.status_code == 200
            assert "Early 0" in page.text


def test_backfilled_animals_show_what_they_carry(make_settings: Callable[..., Settings]) -> None:
    organisation = uuid.uuid4()
    settings = make_settings()
    with animal_with_animals(settings, organisation, 0) as animal:
        headers = {"Authorization": f"Bearer {media_token(organisation, 'member')}"}
        carrier = {"species": "ball_python", "name": "Carrier", "visibility": "public",
                   "status": "for_sale", "morph": "Pastel het Albino 66% het Clown"}  # fmt: skip
        made = animal.post("/animals", json=carrier, headers=headers)
        assert made.status_code == 201, made.text
        peer = InProcessAnimal(animal)
        shared = HttpSharedAnimals(lambda: peer, _media_service_headers)
        with media_client(make_settings(), shared=shared) as media:
            listing = media.get(f"/embed/available/{organisation}").text
            profile = media.get(f"/embed/profile/{made.json()['id']}").text
    assert "het Albino, 66% het Clown" in listing
    assert "het Albino, 66% het Clown" in profile


def test_a_breeder_page_survives_an_unreachable_repti_animal(
    make_settings: Callable[..., Settings],
) -> None:
    class Down:
        async def get(self, service: str, path: str, **kwargs: Any) -> httpx.Response:
            raise httpx.ConnectError("down")

    shared = HttpSharedAnimals(lambda: Down(), _media_service_headers)
    with media_client(make_settings(), shared=shared) as media:
        page = media.get(f"/embed/available/{uuid.uuid4()}")
    assert page.status_code == 200
    assert "No animals" in page.text


def summary(animal_id: uuid.UUID, organisation: uuid.UUID, name: str) -> PublicAnimal:
    return PublicAnimal(
        animal_id, organisation, "RX-1", name, "ball_python", "female", "Pastel", "for_sale",
        "public", None, None,
    )  # fmt: skip


def event_payload(animal_id: uuid.UUID, name: str) -> dict[str, Any]:
    return {"animal_id": str(animal_id), "code": "RX-1", "name": name,
            "species": "ball_python", "sex": "female", "phenotype": "Pastel",
            "status": "for_sale", "visibility": "public"}  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def media_url(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_database")
    else:
        url = make_settings().database_url("media")
    upgrade("media", url)
    return url


def test_events_and_a_backfill_interleave_and_the_newer_news_wins(media_url: str) -> None:
    organisation = uuid.uuid4()
    raced, stale, deleted = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def scenario() -> dict[uuid.UUID, Any]:  # each animal, or the listing
        engine = create_engine(media_url, pool_size=2)
        try:

            async def step(work: Callable[[SqlPublicAnimals], Any]) -> None:
                async with backfill_transaction(engine) as store:
                    await work(store.animals)
                    await store.commit()

            # a pass read "raced" before its rename; the rename's event is applied first
            await step(
                lambda a: apply_animal_event(
                    a, "animal.updated", event_payload(raced, "Renamed"), organisation,
                    T0 + dt.timedelta(seconds=10),
                )
            )  # fmt: skip
            await step(
                lambda a: apply_page(a, [SharedAnimal(summary(raced, organisation, "Old"), T0)])
            )
            # the other way round: a pass newer than a late event
            await step(
                lambda a: apply_page(
                    a,
                    [
                        SharedAnimal(
                            summary(stale, organisation, "Fresh"), T0 + dt.timedelta(seconds=20)
                        )
                    ],
                )
            )
            await step(
                lambda a: apply_animal_event(
                    a, "animal.updated", event_payload(stale, "Late"), organisation,
                    T0 + dt.timedelta(seconds=5),
                )
            )  # fmt: skip
            # deleted, then a pass that read it before the deletion
            await step(
                lambda a: apply_animal_event(
                    a, "animal.created", event_payload(deleted, "Gone"), organisation, T0
                )
            )
            await step(
                lambda a: apply_animal_event(
                    a, "animal.deleted", {"animal_id": str(deleted)}, organisation,
                    T0 + dt.timedelta(seconds=30),
                )
            )  # fmt: skip
            await step(
                lambda a: apply_page(
                    a,
                    [
                        SharedAnimal(
                            summary(deleted, organisation, "Zombie"),
                            T0 + dt.timedelta(seconds=40),
                        )
                    ],
                )
            )
            async with backfill_transaction(engine) as store:
                found = await store.animals.many([raced, stale, deleted])
                listed = await store.animals.for_sale(organisation, 10)
                return {
                    raced: found.get(raced),
                    stale: found.get(stale),
                    deleted: found.get(deleted),
                    organisation: listed,
                }
        finally:
            await engine.dispose()

    result = asyncio.run(scenario())
    assert result[raced] is not None
    assert result[raced].name == "Renamed"
    assert result[stale] is not None
    assert result[stale].name == "Fresh"
    assert result[deleted] is None
    assert sorted(a.name for a in result[organisation]) == ["Fresh", "Renamed"]


def test_a_pass_keeps_genetics_of_public_animals_only_and_what_it_is_not_told(
    media_url: str,
) -> None:
    organisation = uuid.uuid4()
    public, quiet = uuid.uuid4(), uuid.uuid4()
    hets, possible = ("Albino",), (PossibleHet("Clown", Fraction(2, 3)),)

    async def scenario() -> dict[uuid.UUID, PublicAnimal]:
        engine = create_engine(media_url, pool_size=2)
        try:
            async with backfill_transaction(engine) as store:
                told = summary(public, organisation, "Carrier")
                hidden = replace(summary(quiet, organisation, "Quiet"), visibility="lineage_only")
                await apply_page(
                    store.animals,
                    [
                        SharedAnimal(replace(told, hets=hets, possible_hets=possible), T0),
                        SharedAnimal(replace(hidden, hets=hets, possible_hets=possible), T0),
                    ],
                )
                # a later listing from a repti-animal that does not list genetics
                renamed = summary(public, organisation, "Renamed")
                later = T0 + dt.timedelta(seconds=1)
                await apply_page(store.animals, [SharedAnimal(renamed, later, False)])
                await store.commit()
            async with backfill_transaction(engine) as store:
                return await store.animals.many([public, quiet])
        finally:
            await engine.dispose()

    found = asyncio.run(scenario())
    assert found[public].name == "Renamed"
    assert found[public].genetics == "het Albino, 66% het Clown"
    assert (found[quiet].hets, found[quiet].possible_hets) == ((), ())


def test_the_listing_of_a_public_animal_reads_its_genetics() -> None:
    body = msgspec.json.decode(
        msgspec.json.encode(
            {
                "id": str(uuid.uuid4()),
                "organisation_id": str(uuid.uuid4()),
                "code": "RX-1",
                "name": None,
                "species": "ball_python",
                "sex": "male",
                "phenotype": "Pastel",
                "status": "for_sale",
                "visibility": "public",
                "sire_id": None,
                "dam_id": None,
                "updated_at": T0.isoformat(),
                "hets": ["Albino"],
                "possible_hets": [
                    {"gene": "Clown", "probability": "2/3", "percent": 66.6667},
                    {"gene": "Pied", "probability": "one half"},
                    {"gene": "Ghost", "probability": "1/0"},
                    {"gene": "Lavender", "probability": "1"},
                ],
            }
        ),
        type=SharedAnimalBody,
    )
    item = shared_animal(body)
    assert item.genetics_listed
    assert item.summary.genetics == "het Albino, 66% het Clown"
    silent = shared_animal(msgspec.structs.replace(body, hets=None, possible_hets=None))
    assert not silent.genetics_listed


class Pages:
    """A listing of one page, failing ``failures`` times first."""

    def __init__(self, *pages: SharedPage, failures: int = 0) -> None:
        self.pages, self.failures = list(pages), failures
        self.asked: list[dict[str, Any]] = []

    async def page(self, **query: Any) -> SharedPage:
        self.asked.append(query)
        if self.failures:
            self.failures -= 1
            raise LineageUnavailable("repti-animal could not be reached.")
        return self.pages[0]


def test_the_next_pass_asks_only_for_what_changed_since_the_last(
    make_settings: Callable[..., Settings],
) -> None:
    organisation = uuid.uuid4()
    url = make_settings().database_url("media")
    upgrade("media", url)
    one = SharedAnimal(summary(uuid.uuid4(), organisation, "One"), T0)
    source = Pages(SharedPage((one,), None))
    moments = iter([T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2)])

    async def passes() -> list[int]:
        engine = create_engine(url, pool_size=1)
        try:

            @contextlib.asynccontextmanager
            async def transaction() -> AsyncIterator[Any]:
                async with backfill_transaction(engine) as store:
                    yield store

            return [
                await backfill(source, transaction, clock=lambda: next(moments)),
                await backfill(source, transaction, clock=lambda: next(moments)),
            ]
        finally:
            await engine.dispose()

    assert asyncio.run(passes()) == [1, 1]
    assert source.asked[0]["updated_since"] is None
    # from the first pass's start, less five minutes of overlap
    assert source.asked[1]["updated_since"] == T0 + dt.timedelta(minutes=55)


def test_the_start_up_pass_is_retried_until_it_completes(
    make_settings: Callable[..., Settings],
) -> None:
    organisation = uuid.uuid4()
    one = SharedAnimal(summary(uuid.uuid4(), organisation, "Patient"), T0)
    source = Pages(SharedPage((one,), None), failures=2)
    with media_client(make_settings(), shared=source) as media:
        with media.portal() as portal:
            portal.call(components_of(media.app, MediaComponents).backfill.until_done, (0.0,))
        page = media.get(f"/embed/available/{organisation}").text
    assert "Patient" in page
    assert len(source.asked) == 3
