"""Widgets for breeders' websites: showing one (and counting the view), the breeder's
embedding rules and the view statistics.

A widget reads repti-media's copy of animals only: public data, no call to repti-animal (but
for a breeder the copy knows nothing of yet, filled first), no user's token.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from reptidex.domain.errors import PermissionDenied
from reptidex.domain.events.envelope import new_event
from reptidex.domain.media.audit import audit
from reptidex.domain.media.embeds import (
    EmbedSettings,
    PedigreeEntry,
    PublicAnimal,
    WidgetPedigree,
    WidgetType,
    checked_origins,
)
from reptidex.domain.media.events import PRODUCER, EmbedViewed
from reptidex.domain.media.ports import (
    BreederBackfill,
    EmbedSettingsStore,
    EmbedViews,
    PublicAnimals,
    WidgetRenderer,
    WidgetUnitOfWork,
)
from reptidex.domain.media.rendering import Theme
from reptidex.domain.media.use_cases.animal_copy import needs_backfill
from reptidex.domain.pedigree import engine_pedigree
from reptidex.engine import pedigree as ped

NO_RULES = EmbedSettings(uuid.UUID(int=0))
"""The rules of a widget that shows no organisation's data (any site may show it)."""


@dataclass(frozen=True, slots=True)
class WidgetRequest:
    """A widget as a page asks for it.

    ``mode`` is how it is embedded: ``iframe`` (the browser enforces the allowed sites through
    ``frame-ancestors``) or ``script`` (the loader fetches it from the embedding page, whose
    ``origin`` must be allowed). ``origin`` and ``referer`` tell where the view came from.
    """

    widget: WidgetType
    subject_id: uuid.UUID
    theme: Theme
    generations: int = 3
    limit: int = 12
    mode: Literal["iframe", "script"] = "iframe"
    origin: str | None = None
    referer: str | None = None

    @property
    def referrer_host(self) -> str | None:
        """The host of the page the view came from, when it says (nothing more is kept)."""
        referrer = self.origin or self.referer
        return urlsplit(referrer).hostname if referrer else None


@dataclass(frozen=True, slots=True)
class ShownWidget:
    """A widget's HTML and stylesheet, the organisation whose data it shows (``None``:
    nobody's), whether it shows public data, and that organisation's embedding rules."""

    html: str
    css: str
    organisation_id: uuid.UUID | None
    public: bool
    rules: EmbedSettings


async def show_widget(
    uow: WidgetUnitOfWork,
    widgets: WidgetRenderer,
    request: WidgetRequest,
    *,
    base_url: str,
    today: dt.date,
    backfill: BreederBackfill | None = None,
) -> ShownWidget:
    """Render a widget and count its view.

    An available-animals widget of a breeder that no completed backfill covers and of whom the
    copy holds nothing has ``backfill`` fill that breeder first. A script's fetch from a site
    the breeder does not allow is refused (:class:`PermissionDenied`) before anything is
    counted. A view of public data is counted for ``today`` and announced with
    ``embed.viewed``, both in one commit. ``base_url`` is repti-media's address (for photos).
    """
    subject = request.subject_id
    if (
        request.widget == "available"
        and backfill is not None
        and await needs_backfill(uow.ledger, subject)
        and not await uow.animals.count(subject)
    ):
        # nothing is written yet: ending the read transaction here keeps the unit of work from
        # holding a connection while the backfill takes its own
        await uow.commit()
        await backfill.fill(subject)
    shown = await _render(uow, widgets, request, base_url)
    if request.mode == "script" and request.origin and not shown.rules.allows(request.origin):
        raise PermissionDenied("This breeder's widgets may not be shown on that site.")
    if shown.public and shown.organisation_id is not None:
        await uow.embed_views.count(shown.organisation_id, request.widget, subject, today)
        uow.stage(
            new_event(
                "embed.viewed",
                producer=PRODUCER,
                payload=EmbedViewed(
                    request.widget, str(subject), request.mode, request.referrer_host
                ),
                organisation_id=shown.organisation_id,
            )
        )
        await uow.commit()
    return shown


async def _render(
    uow: WidgetUnitOfWork, widgets: WidgetRenderer, request: WidgetRequest, base_url: str
) -> ShownWidget:
    css = widgets.css(request.theme)
    subject = request.subject_id
    if request.widget == "available":
        listed = await uow.animals.for_sale(subject, request.limit)
        rules = await uow.embed_settings.get(subject)
        return ShownWidget(widgets.available(listed), css, subject, True, rules)
    animal = await uow.animals.get(subject)
    if animal is None or not animal.is_public:
        return ShownWidget(widgets.not_public(), css, None, False, NO_RULES)
    if request.widget == "profile":
        photo = await uow.files.latest_public_image(animal.id, animal.organisation_id)
        photo_url = f"{base_url}/media/{photo.id}?variant=thumb-512" if photo else None
        html = widgets.profile(animal, photo_url)
    else:
        html = widgets.pedigree(await public_pedigree(uow.animals, animal, request.generations))
    rules = await uow.embed_settings.get(animal.organisation_id)
    return ShownWidget(html, css, animal.organisation_id, True, rules)


async def public_pedigree(
    animals: PublicAnimals, root: PublicAnimal, generations: int
) -> WidgetPedigree:
    """The pedigree of a public animal as a widget may show it."""
    known: dict[uuid.UUID, PublicAnimal] = {root.id: root}
    frontier = [root]
    for _ in range(generations):
        wanted = [
            p for a in frontier for p in (a.sire_id, a.dam_id) if p is not None and p not in known
        ]
        if not wanted:
            break
        found = await animals.many(list(dict.fromkeys(wanted)))
        known.update(found)
        frontier = list(found.values())
    # a parent not found (beyond the depth, or not in this copy) is no position of the tree
    pedigree = engine_pedigree(list(known.values()), unread_parents="unknown")
    tree = ped.pedigree_tree(pedigree, str(root.id), generations)
    coefficient = float(ped.inbreeding(pedigree)[str(root.id)])
    entries = []
    for node in tree.nodes:
        animal = known[uuid.UUID(node.id)]
        shown = animal if animal.in_lineage else None
        entries.append(
            PedigreeEntry(
                node.position,
                node.generation,
                node.line,
                node.repeat_of,
                shown,
                shown is not None and animal.is_public,
            )
        )
    return WidgetPedigree(root, generations, tuple(entries), coefficient)


async def embed_settings(store: EmbedSettingsStore, organisation_id: uuid.UUID) -> EmbedSettings:
    """The organisation's embedding rules (none set: any site)."""
    return await store.get(organisation_id)


async def change_embed_settings(
    uow: WidgetUnitOfWork,
    organisation_id: uuid.UUID,
    origins: Sequence[str],
    *,
    actor_id: uuid.UUID | None = None,
) -> EmbedSettings:
    """Set the sites allowed to show the organisation's widgets (validated and normalised by
    :func:`~reptidex.domain.media.embeds.checked_origins`; empty: any site), with the audit
    record of the change by ``actor_id``."""
    rules = EmbedSettings(organisation_id, checked_origins(origins))
    before = await uow.embed_settings.get(organisation_id)
    await uow.embed_settings.put(rules)
    audit(
        uow,
        "embed_settings",
        organisation_id,
        "updated",
        organisation_id=organisation_id,
        actor_id=actor_id,
        before={"allowed_origins": list(before.allowed_origins)},
        after={"allowed_origins": list(rules.allowed_origins)},
    )
    await uow.commit()
    return rules


@dataclass(frozen=True, slots=True)
class WidgetViews:
    """Views per widget and subject since a day, most viewed first."""

    since: dt.date
    totals: tuple[tuple[str, uuid.UUID, int], ...]


async def widget_views(
    views: EmbedViews, organisation_id: uuid.UUID, *, days: int, today: dt.date
) -> WidgetViews:
    """The views of the organisation's widgets over the last ``days`` days, today included."""
    since = today - dt.timedelta(days=days - 1)
    return WidgetViews(since, tuple(await views.totals(organisation_id, since)))
