"""What the repti-media controllers are given, and who is calling.

The composition root (:mod:`~reptidex.services.media.wiring`) builds one :class:`MediaAdapters`
(typed by the domain's ports, filled with the adapters the settings choose) and a unit of work
per request; the controllers receive both by dependency injection (``media: Media``,
``uow: UnitOfWork``) and never name an adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from litestar import Request

from reptidex.domain.identity.model import Role
from reptidex.domain.media.blobs import BlobStore
from reptidex.domain.media.files import (
    FileRepository,
    ImageProcessor,
    MediaUnitOfWork,
    PlanSource,
    Uploader,
)
from reptidex.domain.media.lineage import LineageSource, OrganisationNames
from reptidex.domain.media.rendering import (
    ChartRenderer,
    PhotoSource,
    RecentRenders,
    RenderUnitOfWork,
)
from reptidex.domain.media.signing import UrlSigner
from reptidex.domain.media.widgets import EmbedUnitOfWork, WidgetRenderer
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import Principal
from reptidex.services.media.backfill import AnimalBackfill


@dataclass(frozen=True, slots=True)
class MediaAdapters:
    """The adapters the media controllers use besides their unit of work."""

    blobs: BlobStore
    images: ImageProcessor
    signer: UrlSigner
    lineage: LineageSource
    """repti-animal's lineages, asked with the caller's token (or media's own)."""
    renderers: Mapping[str, ChartRenderer]
    """The renderer of each output format."""
    recent: RecentRenders
    plans: PlanSource
    organisations: OrganisationNames
    widgets: WidgetRenderer
    backfill: AnimalBackfill
    """Fills the widgets' copy of a breeder's animals that media knows nothing of yet."""
    public_url: str
    """Where repti-media is reached (``REPTIDEX_MEDIA_URL``), for links printed on renders."""


class MediaWork(MediaUnitOfWork, RenderUnitOfWork, EmbedUnitOfWork, Protocol):
    """One transaction of repti-media: files, renders, the copy of animals, embedding rules and
    counts, and the outbox; the use case that writes commits it."""

    @property
    def files(self) -> FileRepository:
        """File records."""
        ...

    @property
    def photos(self) -> PhotoSource:
        """Animals' photos, for charts."""
        ...


Media: TypeAlias = Injected[MediaAdapters]
"""A handler parameter ``media``: the service's adapters."""
UnitOfWork: TypeAlias = Injected[MediaWork]
"""A handler parameter ``uow``: the request's unit of work, rolled back after the handler
unless its use case committed it."""


def uploader_of(principal: Principal) -> Uploader:
    """The uploader a verified caller is."""
    return Uploader(
        organisation_id=principal.require_organisation(),
        user_id=principal.user_id,
        may_write=principal.has_role(Role.MEMBER),
    )


def bearer_of(request: Request[Any, Any, Any]) -> str | None:
    """The raw bearer token of the request, passed on to repti-animal and repti-core."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
