"""What the repti-media controllers are given, and who is calling.

The composition root (:mod:`~reptidex.services.media.wiring`) builds one :class:`MediaAdapters`,
typed by the domain's ports and filled with the adapters the settings choose; the controllers
receive it by dependency injection (``media: Media``), open a unit of work from it around the
use case they call, and never name an adapter.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from litestar import Request

from reptidex.domain.cpu_work import CpuRunner
from reptidex.domain.identity.model import Role
from reptidex.domain.media.files import Uploader
from reptidex.domain.media.ports import (
    BlobStore,
    BreederBackfill,
    CallerAnimals,
    ChartRenderer,
    ImageProcessor,
    LineageSource,
    MediaUnitOfWork,
    OrganisationNames,
    PlanSource,
    WidgetRenderer,
)
from reptidex.domain.media.rendering import RecentRenders
from reptidex.domain.media.signing import UrlSigner
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import Principal


class MediaUnits(Protocol):
    """Opens a media unit of work as ``organisation_id`` (``None``: anonymous) that may also
    read ``signed_file``, a file whose signed URL was checked (row-level security admits
    what these allow, on PostgreSQL)."""

    def __call__(
        self, organisation_id: uuid.UUID | None = None, *, signed_file: uuid.UUID | None = None
    ) -> MediaUnitOfWork: ...


@dataclass(frozen=True, slots=True)
class MediaAdapters:
    """What the media controllers use."""

    unit_of_work: MediaUnits
    """Opens a transaction on the media database (with the outbox) for one use case, as the
    caller's organisation."""
    blobs: BlobStore
    images: ImageProcessor
    cpu: CpuRunner
    """Where image processing and drawing run: a few threads, off the event loop."""
    signer: UrlSigner
    lineage: LineageSource
    """repti-animal's lineages, asked with the caller's token (or media's own)."""
    renderers: Mapping[str, ChartRenderer]
    """The renderer of each output format."""
    widgets: WidgetRenderer
    recent: RecentRenders
    plans: PlanSource
    animals: CallerAnimals
    """Whether the caller's organisation holds an animal (repti-animal, the caller's token)."""
    organisations: OrganisationNames
    backfill: BreederBackfill
    """Fills the widgets' copy of a breeder's animals that media knows nothing of yet."""
    public_url: str
    """Where repti-media is reached (``REPTIDEX_MEDIA_URL``), for links printed on renders."""


Media: TypeAlias = Injected[MediaAdapters]
"""A handler parameter ``media``: the service's adapters."""


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
