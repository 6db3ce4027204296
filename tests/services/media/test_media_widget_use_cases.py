"""The widget use cases with in-memory fakes of their ports (no database, no HTTP): what a
widget shows, when a view is counted, the embedding rules, the statistics, and that a failure
half-way commits nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from media_fakes import (
    Broken,
    FakeMediaUnitOfWork,
    MediaTables,
    TextWidgets,
    public_animal,
)

from reptidex.domain.errors import InvalidInput, PermissionDenied
from reptidex.domain.media.embeds import EmbedSettings, PublicAnimal
from reptidex.domain.media.files import StoredFile, Visibility
from reptidex.domain.media.rendering import Theme
from reptidex.domain.media.use_cases.animal_copy import ALL
from reptidex.domain.media.use_cases.widgets import (
    NO_RULES,
    ShownWidget,
    WidgetRequest,
    change_embed_settings,
    embed_settings,
    show_widget,
    widget_views,
)

TODAY = dt.date(2026, 11, 25)
BASE = "https://media.example"
ORG = uuid.uuid4()


class RecordingBackfill:
    """Fills the copy with prepared animals, as a pass over repti-animal's listing would (in
    a transaction of its own)."""

    def __init__(self, state: MediaTables, *animals: PublicAnimal) -> None:
        self.state = state
        self.animals = animals
        self.filled: list[uuid.UUID] = []

    async def fill(self, organisation_id: uuid.UUID) -> None:
        self.filled.append(organisation_id)
        async with FakeMediaUnitOfWork(self.state) as uow:
            for animal in self.animals:
                await uow.animals.upsert_summary(animal)
            await uow.ledger.complete(str(organisation_id), dt.datetime.now(dt.UTC), 1)
            await uow.commit()


async def show(
    state: MediaTables,
    request: WidgetRequest,
    *,
    fail: str | None = None,
    backfill: RecordingBackfill | None = None,
) -> ShownWidget:
    async with FakeMediaUnitOfWork(state, fail=fail) as uow:
        return await show_widget(
            uow, TextWidgets(), request, base_url=BASE, today=TODAY, backfill=backfill
        )


def with_animals(*animals: PublicAnimal) -> MediaTables:
    """The copy holding ``animals``, a completed pass of every organisation recorded."""
    state = MediaTables()
    for animal in animals:
        state.tables.animals[animal.id] = animal
    state.tables.passes[ALL] = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return state


async def test_a_profile_shows_the_newest_public_photo_and_counts_the_view_in_one_commit() -> None:
    animal = public_animal(ORG, "Nyx")
    state = with_animals(animal)
    photo = StoredFile(
        uuid.uuid4(), ORG, None, "nyx.jpg", "image/jpeg", 10, "s", "s", "k",
        Visibility.PUBLIC, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), animal_id=animal.id,
    )  # fmt: skip
    state.tables.files[photo.id] = photo
    request = WidgetRequest(
        "profile", animal.id, Theme(mode="dark"), referer="https://shop.example/page?x=1"
    )

    shown = await show(state, request)

    assert shown.html == f"profile:Nyx:{BASE}/media/{photo.id}?variant=thumb-512"
    assert shown.css == "css:dark:#2f7d4f"
    assert (shown.organisation_id, shown.public) == (ORG, True)
    assert state.tables.views == {(ORG, "profile", animal.id, TODAY): 1}
    # the count and its event in the same commit, and nothing else
    assert [(c.tables, c.events) for c in state.commits] == [
        (frozenset({"views"}), ("embed.viewed",))
    ]
    event = state.outbox[0]
    assert event.organisation_id == ORG
    assert event.payload == {
        "widget": "profile",
        "subject_id": str(animal.id),
        "mode": "iframe",
        "referrer_host": "shop.example",
    }


async def test_an_animal_that_is_not_public_shows_nothing_and_counts_nothing() -> None:
    hidden = public_animal(ORG, "Secret", visibility="lineage_only")
    state = with_animals(hidden)
    for subject in (hidden.id, uuid.uuid4()):
        shown = await show(state, WidgetRequest("pedigree", subject, Theme()))
        assert (shown.html, shown.public, shown.organisation_id) == ("not public", False, None)
        assert shown.rules == NO_RULES
    assert state.commits == []
    assert state.tables.views == {}


async def test_a_pedigree_hides_private_ancestors_and_shows_lineage_only_ones_by_name() -> None:
    sire = public_animal(ORG, "Zeus", visibility="lineage_only")
    dam = public_animal(uuid.uuid4(), "Hera", visibility="private")
    root = public_animal(ORG, "Io", sire_id=sire.id, dam_id=dam.id)
    state = with_animals(root, sire, dam)
    shown = await show(state, WidgetRequest("pedigree", root.id, Theme(), generations=1))
    assert shown.html == "pedigree:Io:Io,Zeus,hidden"


async def test_a_script_from_a_site_the_breeder_does_not_allow_is_refused_before_counting() -> None:
    animal = public_animal(ORG, "Nyx")
    state = with_animals(animal)
    state.tables.settings[ORG] = EmbedSettings(ORG, ("https://breeder.example",))
    refused = WidgetRequest(
        "profile", animal.id, Theme(), mode="script", origin="https://evil.example"
    )
    with pytest.raises(PermissionDenied):
        await show(state, refused)
    assert state.commits == []
    # an iframe is guarded by the browser (frame-ancestors): shown and counted, with the rules
    framed = WidgetRequest("profile", animal.id, Theme(), origin="https://evil.example")
    shown = await show(state, framed)
    assert shown.rules.allowed_origins == ("https://breeder.example",)
    allowed = WidgetRequest(
        "profile", animal.id, Theme(), mode="script", origin="https://breeder.example"
    )
    await show(state, allowed)
    assert state.tables.views == {(ORG, "profile", animal.id, TODAY): 2}
    assert [e.payload["mode"] for e in state.outbox] == ["iframe", "script"]


async def test_a_breeder_unknown_to_the_copy_is_filled_before_its_animals_are_listed() -> None:
    breeder = uuid.uuid4()
    listed = public_animal(breeder, "Ares", status="for_sale")
    state = MediaTables()
    backfill = RecordingBackfill(state, listed)

    shown = await show(state, WidgetRequest("available", breeder, Theme()), backfill=backfill)

    assert backfill.filled == [breeder]
    assert shown.html == "available:Ares"
    assert state.tables.views == {(breeder, "available", breeder, TODAY): 1}
    # a breeder known since: no second fill
    await show(state, WidgetRequest("available", breeder, Theme()), backfill=backfill)
    assert backfill.filled == [breeder]


async def test_a_breeder_covered_by_a_completed_pass_is_not_filled() -> None:
    breeder = uuid.uuid4()
    state = with_animals()  # a completed pass of every organisation
    backfill = RecordingBackfill(state)
    shown = await show(state, WidgetRequest("available", breeder, Theme()), backfill=backfill)
    assert backfill.filled == []
    assert shown.html == "available:"


@pytest.mark.parametrize("step", ["stage", "commit"])
async def test_a_failure_after_the_view_is_counted_commits_nothing(step: str) -> None:
    animal = public_animal(ORG, "Nyx")
    state = with_animals(animal)
    with pytest.raises(Broken):
        await show(state, WidgetRequest("profile", animal.id, Theme()), fail=step)
    assert state.tables.views == {}
    assert state.outbox == []
    assert state.commits == []


ADMIN_ID = uuid.uuid4()


async def test_embed_settings_are_checked_stored_in_one_commit_and_read_back() -> None:
    state = MediaTables()
    async with FakeMediaUnitOfWork(state) as uow:
        rules = await change_embed_settings(
            uow, ORG, ["https://Breeder.example/", "https://*.shop.example"], actor_id=ADMIN_ID
        )
    assert rules.allowed_origins == ("https://breeder.example", "https://*.shop.example")
    assert [c.tables for c in state.commits] == [frozenset({"settings"})]
    (record,) = state.audit  # committed with the change
    assert (record.resource_kind, record.resource_id, record.action) == (
        "embed_settings",
        str(ORG),
        "updated",
    )
    assert (record.actor_id, record.organisation_id) == (ADMIN_ID, ORG)
    assert record.before == {"allowed_origins": []}
    assert record.after == {"allowed_origins": list(rules.allowed_origins)}
    async with FakeMediaUnitOfWork(state) as uow:
        with pytest.raises(InvalidInput):
            await change_embed_settings(uow, ORG, ["javascript:alert(1)"])
        assert await embed_settings(uow.embed_settings, ORG) == rules
    assert len(state.commits) == 1
    assert len(state.audit) == 1  # a refused change leaves no record


async def test_views_are_totalled_over_the_last_days_most_viewed_first() -> None:
    state = MediaTables()
    first, second = uuid.uuid4(), uuid.uuid4()
    state.tables.views = {
        (ORG, "profile", first, TODAY): 2,
        (ORG, "pedigree", second, TODAY - dt.timedelta(days=6)): 5,
        (ORG, "profile", first, TODAY - dt.timedelta(days=7)): 100,  # before the window
        (uuid.uuid4(), "profile", first, TODAY): 50,  # another organisation
    }
    async with FakeMediaUnitOfWork(state) as uow:
        views = await widget_views(uow.embed_views, ORG, days=7, today=TODAY)
    assert views.since == TODAY - dt.timedelta(days=6)
    assert views.totals == (("pedigree", second, 5), ("profile", first, 2))
