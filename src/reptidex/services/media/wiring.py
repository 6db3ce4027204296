"""repti-media's adapters, chosen in one place and handed to the controllers by dependency
injection (the composition root, :func:`~reptidex.services.media.app.create_app`, calls
:func:`build_media`): blobs on disk or S3, repti-animal and repti-core over the kernel's peer
client (with media's own service token when no caller token is passed on), the image processor
and renderers with the pool of threads their CPU work runs on, the units of work on the
kernel's sessions, and the consumers of repti-animal's events.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from litestar import Litestar
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.blobs.disk import DiskBlobStore
from reptidex.adapters.blobs.s3 import S3BlobStore
from reptidex.adapters.images.pillow_processor import PillowImageProcessor
from reptidex.adapters.lineage.animal_catalogue_http import HttpSharedAnimals
from reptidex.adapters.lineage.animal_holdings_http import HttpCallerAnimals
from reptidex.adapters.lineage.animal_http import HttpLineageSource
from reptidex.adapters.lineage.core_organisations import HttpOrganisationNames
from reptidex.adapters.plans.core_http import CorePlanSource
from reptidex.adapters.render.pdf import PdfRenderer
from reptidex.adapters.render.raster import PngRenderer
from reptidex.adapters.render.svg import SvgRenderer
from reptidex.adapters.render.widgets import HtmlWidgets
from reptidex.adapters.sql.media.embeds import SqlPublicAnimals
from reptidex.adapters.sql.media.personal_data import SqlMediaPersonalData
from reptidex.adapters.sql.media.renders import SqlRenderStore
from reptidex.adapters.sql.media.unit_of_work import SqlMediaUnitOfWork
from reptidex.domain.events.envelope import DomainEvent
from reptidex.domain.media.ports import (
    BlobStore,
    CallerAnimals,
    ChartRenderer,
    ImageProcessor,
    LineageSource,
    OrganisationNames,
    PlanSource,
    SharedAnimalSource,
)
from reptidex.domain.media.rendering import RecentRenders
from reptidex.domain.media.signing import UrlSigner
from reptidex.domain.media.use_cases.animal_copy import apply_animal_event
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.auth import ServiceTokenClient, service_secret
from reptidex.services.kernel.cpu_pool import CpuPool
from reptidex.services.kernel.settings import Settings
from reptidex.services.media.access import MediaAdapters
from reptidex.services.media.backfill import AnimalBackfill

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

CPU_WORKERS = 2
"""Images processed and charts drawn at once per process (the rest wait their turn): a bound on
the CPU and the memory they take (a 60-megapixel image holds several hundred MB meanwhile)."""


def blob_store_from(settings: Settings) -> BlobStore:
    """The local disk under ``<data dir>/media`` (default) or S3 (``REPTIDEX_BLOB_STORE=s3``)."""
    if settings.blob_store == "s3":
        assert settings.s3_bucket is not None  # load_settings insists on it
        return S3BlobStore(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            timeout=settings.http_timeout,
        )
    return DiskBlobStore(settings.data_dir / "media")


def url_signer_from(settings: Settings) -> UrlSigner:
    """A signer keyed by the media service's secret (configured, or derived when embedded)."""
    secret = service_secret(settings, "media") or ""
    return UrlSigner(hashlib.sha256(b"reptidex-media-signed-url:" + secret.encode()).digest())


def renderers() -> dict[str, ChartRenderer]:
    """The renderer of each output format."""
    return {"svg": SvgRenderer(), "png": PngRenderer(), "pdf": PdfRenderer()}


@dataclass(frozen=True, slots=True)
class MediaComponents:
    """What repti-media's composition root builds: the adapters the controllers use, the
    backfill of the widgets' copy of animals, media's own service token and the threads image
    processing and drawing run on."""

    adapters: MediaAdapters
    backfill: AnimalBackfill
    tokens: ServiceTokenClient
    """The media service's own token, for calls made for no user (public pages, backfill)."""
    cpu: CpuPool
    """The threads image processing and drawing run on (``adapters.cpu``)."""
    personal_data: PersonalDataHolder
    """The GDPR port: the files a user uploaded."""

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependencies: ``media`` and ``personal_data``."""
        return {
            "media": provide_value(self.adapters),
            "personal_data": provide_value(self.personal_data),
        }

    def lifespans(
        self, *, backfill_on_start: bool
    ) -> list[Callable[[Litestar], AbstractAsyncContextManager[None]]]:
        """What runs while the app does: the CPU pool (closed at the end) and, when asked, a
        backfill of the widgets' copy of animals in the background."""
        return [self.cpu.lifespan, *([self.backfill.in_background] if backfill_on_start else [])]


def build_media(
    kernel: Kernel,
    *,
    blobs: BlobStore | None = None,
    lineage: LineageSource | None = None,
    plans: PlanSource | None = None,
    animals: CallerAnimals | None = None,
    organisations: OrganisationNames | None = None,
    shared: SharedAnimalSource | None = None,
    images: ImageProcessor | None = None,
    chart_renderers: Mapping[str, ChartRenderer] | None = None,
) -> MediaComponents:
    """repti-media's adapters on ``kernel`` (the keyword arguments replace the ones the
    settings choose), and its subscriptions to repti-animal's events: cached renders of an
    animal are dropped when it changes, and the widgets' copy of animals follows them. Image
    processing and drawing run on :data:`CPU_WORKERS` threads of their own."""
    settings, sessions = kernel.settings, kernel.sessions
    peers = kernel.resources.peers
    tokens = ServiceTokenClient.from_settings(
        settings, "media", transport=kernel.resources.http_transport()
    )
    blob_store = blobs or blob_store_from(settings)
    cpu = CpuPool(CPU_WORKERS, name="media-cpu")

    def unit_of_work(
        organisation_id: uuid.UUID | None = None, *, signed_file: uuid.UUID | None = None
    ) -> SqlMediaUnitOfWork:
        return SqlMediaUnitOfWork(sessions, blob_store, organisation_id, signed_file=signed_file)

    backfill = AnimalBackfill(
        shared or HttpSharedAnimals(lambda: peers, tokens.headers),
        unit_of_work,
        timeout=settings.http_timeout,
    )
    adapters = MediaAdapters(
        unit_of_work=unit_of_work,
        blobs=blob_store,
        images=images or PillowImageProcessor(),
        cpu=cpu,
        signer=url_signer_from(settings),
        lineage=lineage or HttpLineageSource(lambda: peers, tokens.headers),
        renderers=chart_renderers or renderers(),
        widgets=HtmlWidgets(),
        recent=RecentRenders(),
        plans=plans or CorePlanSource(lambda: peers),
        animals=animals or HttpCallerAnimals(lambda: peers),
        organisations=organisations or HttpOrganisationNames(lambda: peers, tokens.headers),
        backfill=backfill,
        public_url=settings.peer_url("media"),
    )
    _subscribe(kernel, adapters.recent)
    return MediaComponents(adapters, backfill, tokens, cpu, SqlMediaPersonalData(sessions))


def _subscribe(kernel: Kernel, recent: RecentRenders) -> None:
    events = kernel.events

    async def drop_renders(event: DomainEvent, session: AsyncSession) -> None:
        animal_id = str(event.payload.get("animal_id") or "")
        if animal_id:
            await SqlRenderStore(session).invalidate(animal_id)
            recent.invalidate(animal_id)

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
