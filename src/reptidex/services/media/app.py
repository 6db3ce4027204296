"""The repti-media app: the composition root of the media service.

Controllers: ``/upload`` and ``/media`` (files), ``/render`` (pedigree charts, certificates),
``/embed`` (widgets for breeders' websites). Cached renders are dropped when repti-animal
announces ``lineage.changed`` or ``animal.updated`` for an animal they show. The widgets' copy
of animals follows repti-animal's events and is backfilled from its listing in the background
at start-up.
"""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.media.embeds import SqlPublicAnimals
from reptidex.adapters.sql.media.renders import SqlRenderStore
from reptidex.domain.events.envelope import DomainEvent
from reptidex.domain.media.ports import (
    BlobStore,
    LineageSource,
    OrganisationNames,
    PlanSource,
    SharedAnimalSource,
)
from reptidex.domain.media.use_cases.animal_copy import apply_animal_event
from reptidex.services.kernel.app import create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.events import events_of
from reptidex.services.kernel.settings import Settings, load_settings
from reptidex.services.media.backfill import backfill_in_background
from reptidex.services.media.embeds import EmbedController
from reptidex.services.media.files import FileController
from reptidex.services.media.renders import RenderController
from reptidex.services.media.wiring import media_of, media_state

DESCRIPTION = (
    "Files (uploads to local disk or S3, delivery with ETag and Range, signed URLs), pedigree "
    "charts and certificates (SVG, PNG, PDF) and embeddable widgets. Write endpoints take a "
    "bearer token from repti-core and act in its active organisation. Errors are RFC 9457 "
    "problem+json."
)

INVALIDATING_EVENTS = ("lineage.changed", "animal.updated")
"""Events after which cached renders showing the animal are dropped."""

MIRRORED_EVENTS = (
    "animal.created",
    "animal.updated",
    "animal.deleted",
    "animal.transferred",
    "lineage.changed",
)
"""Events that keep repti-media's copy of animals (for public widgets) up to date."""


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    blobs: BlobStore | None = None,
    lineage: LineageSource | None = None,
    plans: PlanSource | None = None,
    organisations: OrganisationNames | None = None,
    shared: SharedAnimalSource | None = None,
    backfill_on_start: bool = True,
) -> Litestar:
    """Build repti-media from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``blobs``,
    ``lineage``, ``plans``, ``organisations`` and ``shared`` replace the blob store, lineage
    source, plan source, organisation names and repti-animal's listing the settings choose.
    ``backfill_on_start`` runs a backfill of the widgets' copy of animals in the background.
    """
    settings = settings or load_settings()
    slot: list[Litestar] = []
    app = create_service_app(
        service_spec("media"),
        settings,
        [FileController, RenderController, EmbedController],
        description=DESCRIPTION,
        state=media_state(
            settings,
            slot,
            blobs=blobs,
            lineage=lineage,
            plans=plans,
            organisations=organisations,
            shared=shared,
        ),
        lifespan=[backfill_in_background] if backfill_on_start else [],
        authenticator=authenticator,
    )
    slot.append(app)
    events = events_of(app)

    async def drop_renders(event: DomainEvent, session: AsyncSession) -> None:
        animal_id = str(event.payload.get("animal_id") or "")
        if animal_id:
            await SqlRenderStore(session).invalidate(animal_id)
            media_of(app).recent.invalidate(animal_id)

    async def mirror_animals(event: DomainEvent, session: AsyncSession) -> None:
        await apply_animal_event(
            SqlPublicAnimals(session),
            event.type,
            event.payload,
            event.organisation_id,
            event.occurred_at,
        )

    for event_type in INVALIDATING_EVENTS:
        events.subscribe(event_type, events.idempotent(drop_renders, purpose="renders"))
    for event_type in MIRRORED_EVENTS:
        events.subscribe(event_type, events.idempotent(mirror_animals, purpose="animals"))
    return app
