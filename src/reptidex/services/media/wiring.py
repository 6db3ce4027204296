"""repti-media's adapters, chosen from the settings (the composition root's helpers)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.blobs.disk import DiskBlobStore
from reptidex.adapters.blobs.s3 import S3BlobStore
from reptidex.adapters.images.pillow_processor import PillowImageProcessor
from reptidex.adapters.lineage.animal_catalogue_http import HttpSharedAnimals
from reptidex.adapters.lineage.animal_http import HttpLineageSource
from reptidex.adapters.lineage.core_organisations import HttpOrganisationNames
from reptidex.adapters.plans.core_http import CorePlanSource
from reptidex.adapters.render.pdf import PdfRenderer
from reptidex.adapters.render.raster import PngRenderer
from reptidex.adapters.render.svg import SvgRenderer
from reptidex.adapters.render.widgets import HtmlWidgets
from reptidex.adapters.sql.media.unit_of_work import SqlMediaUnitOfWork
from reptidex.domain.media.ports import (
    BlobStore,
    ChartRenderer,
    ImageProcessor,
    LineageSource,
    MediaUnitOfWork,
    OrganisationNames,
    PlanSource,
    SharedAnimalSource,
    WidgetRenderer,
)
from reptidex.domain.media.rendering import RecentRenders
from reptidex.domain.media.signing import UrlSigner
from reptidex.services.kernel.auth import ServiceTokenClient, service_secret
from reptidex.services.kernel.settings import Settings


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


@dataclass
class MediaAdapters:
    """What the media controllers use."""

    unit_of_work: Callable[[], MediaUnitOfWork]
    """Opens a transaction on the media database (with the outbox) for one use case."""
    blobs: BlobStore
    images: ImageProcessor
    signer: UrlSigner
    lineage: LineageSource
    renderers: dict[str, ChartRenderer]
    widgets: WidgetRenderer
    recent: RecentRenders
    plans: PlanSource
    organisations: OrganisationNames
    shared: SharedAnimalSource
    """repti-animal's listing of animals, for backfilling the widgets' copy."""
    tokens: ServiceTokenClient
    """The media service's own token, for calls made for no user (public pages, backfill)."""


def renderers() -> dict[str, ChartRenderer]:
    """The renderer of each output format."""
    return {"svg": SvgRenderer(), "png": PngRenderer(), "pdf": PdfRenderer()}


def media_state(
    settings: Settings,
    app_slot: list[Litestar],
    *,
    blobs: BlobStore | None = None,
    lineage: LineageSource | None = None,
    plans: PlanSource | None = None,
    organisations: OrganisationNames | None = None,
    shared: SharedAnimalSource | None = None,
) -> dict[str, Any]:
    """The entries repti-media adds to ``app.state``: units of work on the service's database,
    repti-animal and repti-core over the kernel's peer client (both the app's: ``app_slot`` is
    filled in once the app exists), with this service's own token when no caller token is
    passed on."""
    from reptidex.services.kernel.app import resources_of

    def peers() -> Any:
        return resources_of(app_slot[0]).peers

    tokens = ServiceTokenClient.from_settings(settings, "media")
    blob_store = blobs or blob_store_from(settings)

    @functools.cache
    def sessions() -> async_sessionmaker[AsyncSession]:
        # the engine is the app's: made once the app is
        return async_sessionmaker(resources_of(app_slot[0]).engine, expire_on_commit=False)

    def unit_of_work() -> MediaUnitOfWork:
        return SqlMediaUnitOfWork(sessions(), blob_store)

    return {
        "media": MediaAdapters(
            unit_of_work=unit_of_work,
            blobs=blob_store,
            images=PillowImageProcessor(),
            signer=url_signer_from(settings),
            lineage=lineage or HttpLineageSource(peers, tokens.headers),
            renderers=renderers(),
            widgets=HtmlWidgets(),
            recent=RecentRenders(),
            plans=plans or CorePlanSource(peers),
            organisations=organisations or HttpOrganisationNames(peers, tokens.headers),
            shared=shared or HttpSharedAnimals(peers, tokens.headers),
            tokens=tokens,
        )
    }


def media_of(app: Litestar | State) -> MediaAdapters:
    """The :class:`MediaAdapters` of the app."""
    state = app.state if isinstance(app, Litestar) else app
    adapters: MediaAdapters = state["media"]
    return adapters


def bearer_of(request: Request[Any, Any, Any]) -> str | None:
    """The raw bearer token of the request, passed on to repti-animal and repti-core."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
