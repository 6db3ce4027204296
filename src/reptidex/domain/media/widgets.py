"""Use cases of the embeddable widgets: show one (public data only, as the breeder's rules
allow), count its views, and change the breeder's rules.

A widget is drawn from repti-media's copy of animals (:mod:`~reptidex.domain.media.embeds`) by
a :class:`WidgetRenderer` (HTML in production); every view of a public widget is counted per
day and announced as ``embed.viewed``, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.events.envelope import DomainEvent, new_event
from reptidex.domain.media.embeds import (
    EmbedSettings,
    PublicAnimal,
    PublicAnimals,
    WidgetPedigree,
    WidgetType,
    checked_origins,
    public_pedigree,
)
from reptidex.domain.media.events import PRODUCER, EmbedViewed
from reptidex.domain.media.files import StoredFile
from reptidex.domain.media.rendering import Theme


class WidgetRenderer(Protocol):
    """Draws widgets (escaped HTML fragments and their stylesheet)."""

    loader_js: str
    """The script that renders widgets into placeholders of a third-party page."""

    def css(self, theme: Theme) -> str:
        """The stylesheet of every widget in ``theme``."""
        ...

    def not_public(self) -> str:
        """The fragment shown for an animal that is not public."""
        ...

    def profile(self, animal: PublicAnimal, photo_url: str | None) -> str:
        """A public animal's profile card."""
        ...

    def pedigree(self, pedigree: WidgetPedigree) -> str:
        """A public animal's pedigree tree."""
        ...

    def available(self, animals: list[PublicAnimal]) -> str:
        """A breeder's animals for sale."""
        ...

    def page(self, title: str, css: str, body: str) -> str:
        """A whole page of a widget, for an iframe."""
        ...


class PublicImages(Protocol):
    """The files a widget may show."""

    async def latest_public_image(
        self, animal_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> StoredFile | None:
        """The newest public image the animal's own organisation uploaded for it."""
        ...


class EmbedRules(Protocol):
    """Organisations' embedding rules."""

    async def get(self, organisation_id: uuid.UUID) -> EmbedSettings:
        """The organisation's rules (none stored: any site)."""
        ...

    async def put(self, settings: EmbedSettings) -> None:
        """Store the rules."""
        ...


class EmbedViews(Protocol):
    """Daily view counts of widgets."""

    async def count(
        self, organisation_id: uuid.UUID, widget: str, subject_id: uuid.UUID, day: dt.date
    ) -> None:
        """Add one view."""
        ...

    async def totals(
        self, organisation_id: uuid.UUID, since: dt.date
    ) -> list[tuple[str, uuid.UUID, int]]:
        """Views per widget and subject since ``since``, most viewed first."""
        ...


class EmbedUnitOfWork(Protocol):
    """The transaction of a widget: the copy of animals, images, rules, counts and the outbox."""

    @property
    def public_animals(self) -> PublicAnimals:
        """repti-media's copy of animals."""
        ...

    @property
    def files(self) -> PublicImages:
        """Stored files."""
        ...

    @property
    def embed_settings(self) -> EmbedRules:
        """Embedding rules."""
        ...

    @property
    def embed_views(self) -> EmbedViews:
        """View counts."""
        ...

    def stage(self, event: DomainEvent) -> None:
        """Put an event in this transaction's outbox."""
        ...

    async def commit(self) -> None:
        """Make the changes and the staged events durable."""
        ...


@dataclass(frozen=True, slots=True)
class ShownWidget:
    """A widget as drawn: its HTML and stylesheet, its organisation (``None`` when nothing
    public was shown), whether it shows public data, and the organisation's embedding rules."""

    html: str
    css: str
    organisation_id: uuid.UUID | None
    public: bool
    rules: EmbedSettings


async def show_widget(
    uow: EmbedUnitOfWork,
    renderer: WidgetRenderer,
    widget: WidgetType,
    subject_id: uuid.UUID,
    theme: Theme,
    *,
    generations: int,
    limit: int,
    base_url: str,
    ensure_known: Callable[[uuid.UUID], Awaitable[None]] | None = None,
) -> ShownWidget:
    """Draw ``widget`` of ``subject_id`` (an animal, or the breeder of ``available``): public
    data only; an animal that is not public shows as such. ``ensure_known`` fills the copy of
    a breeder's animals when it knows none yet (before anything is read)."""
    css = renderer.css(theme)
    animals = uow.public_animals
    if widget == "available":
        if ensure_known is not None:
            await ensure_known(subject_id)
        html = renderer.available(await animals.for_sale(subject_id, limit))
        return await _with_rules(uow, html, css, subject_id, True)
    animal = await animals.get(subject_id)
    if animal is None or not animal.is_public:
        return ShownWidget(renderer.not_public(), css, None, False, EmbedSettings(uuid.UUID(int=0)))
    if widget == "profile":
        photo = await uow.files.latest_public_image(animal.id, animal.organisation_id)
        photo_url = f"{base_url}/media/{photo.id}?variant=thumb-512" if photo else None
        html = renderer.profile(animal, photo_url)
    else:
        html = renderer.pedigree(await public_pedigree(animals, animal, generations))
    return await _with_rules(uow, html, css, animal.organisation_id, True)


async def _with_rules(
    uow: EmbedUnitOfWork, html: str, css: str, organisation_id: uuid.UUID, public: bool
) -> ShownWidget:
    rules = await uow.embed_settings.get(organisation_id)
    return ShownWidget(html, css, organisation_id, public, rules)


async def count_view(
    uow: EmbedUnitOfWork,
    shown: ShownWidget,
    widget: WidgetType,
    subject_id: uuid.UUID,
    *,
    mode: str,
    referrer_host: str | None,
    today: dt.date | None = None,
) -> None:
    """Count a view of a public widget and stage ``embed.viewed``, and commit (a widget that
    showed nothing public counts nothing)."""
    if not shown.public or shown.organisation_id is None:
        return
    day = today or dt.datetime.now(dt.UTC).date()
    await uow.embed_views.count(shown.organisation_id, widget, subject_id, day)
    uow.stage(
        new_event(
            "embed.viewed",
            producer=PRODUCER,
            payload=EmbedViewed(widget, str(subject_id), mode, referrer_host),
            organisation_id=shown.organisation_id,
        )
    )
    await uow.commit()


async def embed_settings(uow: EmbedUnitOfWork, organisation_id: uuid.UUID) -> EmbedSettings:
    """The organisation's embedding rules."""
    return await uow.embed_settings.get(organisation_id)


async def change_embed_settings(
    uow: EmbedUnitOfWork, organisation_id: uuid.UUID, origins: Sequence[str]
) -> EmbedSettings:
    """Allow the organisation's widgets on ``origins`` only (none: any site), and commit."""
    rules = EmbedSettings(organisation_id, checked_origins(origins))
    await uow.embed_settings.put(rules)
    await uow.commit()
    return rules


async def view_totals(
    uow: EmbedUnitOfWork, organisation_id: uuid.UUID, since: dt.date
) -> list[tuple[str, uuid.UUID, int]]:
    """Views of the organisation's widgets per widget and subject since ``since``."""
    return await uow.embed_views.totals(organisation_id, since)
