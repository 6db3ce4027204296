"""The ports of the media context: what its use cases need from the outside world.

Storage in one unit of work (file records, stored renders, the copy of animals, embedding
settings, widget views, completed backfills, the outbox), the blob store, the image processor,
the chart and widget renderers, and the peers asked over HTTP (repti-animal's lineages and
listing, repti-core's plans and organisation names).

Each use case asks for the narrowest unit of work it works in (:class:`FileUnitOfWork`,
:class:`UploadUnitOfWork`, :class:`RenderUnitOfWork`, :class:`ChartUnitOfWork`,
:class:`WidgetUnitOfWork`);
:class:`MediaUnitOfWork` is all of them on one transaction, as the adapters provide it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO, Protocol, Self

from reptidex.domain.events.envelope import DomainEvent
from reptidex.domain.media.embeds import EmbedSettings, PublicAnimal, WidgetPedigree
from reptidex.domain.media.files import ProcessedImage, StoredFile
from reptidex.domain.media.lineage import LineageSnapshot
from reptidex.domain.media.rendering import (
    CachedRender,
    CertificateDrawing,
    PedigreeDrawing,
    Theme,
)

# -- bytes ------------------------------------------------------------------------------------


class BlobStore(Protocol):
    """Bytes by key. Writes replace; reads of a missing key raise
    :class:`~reptidex.domain.media.blobs.BlobNotFound`."""

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data`` under ``key``."""
        ...

    async def put_file(self, key: str, source: BinaryIO, *, content_type: str) -> None:
        """Store a (possibly large) binary file; adapters stream it in parts."""
        ...

    async def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """The bytes ``start`` to ``end`` inclusive (``end`` None: to the last byte)."""
        ...

    async def size(self, key: str) -> int:
        """The blob's size in bytes."""
        ...

    async def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob; removing a missing key is not an error."""
        ...


class BlobWriter(Protocol):
    """The part of the blob-store port the upload needs."""

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store bytes."""
        ...

    async def delete(self, key: str) -> None:
        """Remove bytes."""
        ...


class BlobReader(Protocol):
    """The part of the blob-store port that reads (a chart's logo)."""

    async def read(self, key: str, start: int = 0, end: int | None = None) -> bytes:
        """The bytes ``start`` to ``end`` inclusive (``end`` None: to the last byte)."""
        ...


class ImageProcessor(Protocol):
    """Decodes an image and encodes it again without metadata, with thumbnails."""

    def process(self, data: bytes, content_type: str, sizes: tuple[int, ...]) -> ProcessedImage:
        """The clean image; :class:`~reptidex.domain.media.files.UnsupportedMedia` when the
        bytes do not decode."""
        ...


# -- storage ----------------------------------------------------------------------------------


class FileRepository(Protocol):
    """File records of the media database."""

    async def add(self, record: StoredFile) -> None:
        """Insert a record."""
        ...

    async def get(self, file_id: uuid.UUID) -> StoredFile | None:
        """A record by id, of any organisation."""
        ...

    async def find_source(
        self, organisation_id: uuid.UUID, source_sha256: str
    ) -> StoredFile | None:
        """A record of the organisation made from identical uploaded bytes."""
        ...

    async def remove(self, file_id: uuid.UUID) -> None:
        """Delete a record."""
        ...

    async def count_blob_users(self, blob_key: str) -> int:
        """How many records point at a blob."""
        ...

    async def latest_public_image(
        self, animal_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> StoredFile | None:
        """The newest public image the animal's own organisation uploaded for it."""
        ...


class RenderStore(Protocol):
    """Renders kept in the media database (shared by every replica)."""

    async def get(self, key: str) -> CachedRender | None:
        """A stored render."""
        ...

    async def put(self, render: CachedRender) -> None:
        """Keep a render (replacing one of the same key)."""
        ...

    async def invalidate(self, animal_id: str) -> int:
        """Drop every render whose chart shows the animal; returns how many."""
        ...


class PhotoSource(Protocol):
    """Animals' photos: the newest image of each animal the caller may see."""

    async def photos(
        self, animal_ids: tuple[str, ...], organisation_id: uuid.UUID | None
    ) -> Mapping[str, str]:
        """A photo reference (stable for the same bytes) by animal id, for those that have one."""
        ...

    async def read(self, reference: str) -> bytes:
        """The bytes of a photo (a small PNG or JPEG)."""
        ...


class PublicAnimals(Protocol):
    """The read model of animals (fed by events)."""

    async def get(self, animal_id: uuid.UUID) -> PublicAnimal | None:
        """An animal by id."""
        ...

    async def many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PublicAnimal]:
        """Animals by id (missing ones absent)."""
        ...

    async def upsert_summary(self, summary: PublicAnimal, at: dt.datetime | None = None) -> bool:
        """Store an animal's summary as of ``at``, keeping its known parents; older news than
        the stored summary, or news of a deleted animal, is ignored (``False``)."""
        ...

    async def set_parents(
        self,
        animal_id: uuid.UUID,
        sire_id: uuid.UUID | None,
        dam_id: uuid.UUID | None,
        at: dt.datetime | None = None,
    ) -> bool:
        """Record an animal's parents as of ``at`` (creating a placeholder row when its
        summary is yet to come); older news is ignored."""
        ...

    async def remove(self, animal_id: uuid.UUID, at: dt.datetime | None = None) -> None:
        """Forget an animal for good (a tombstone: no older news brings it back)."""
        ...

    async def count(self, organisation_id: uuid.UUID) -> int:
        """How many animals of the organisation are known."""
        ...

    async def for_sale(self, organisation_id: uuid.UUID, limit: int) -> list[PublicAnimal]:
        """The organisation's public animals marked for sale, by name."""
        ...


class EmbedSettingsStore(Protocol):
    """Organisations' embedding rules."""

    async def get(self, organisation_id: uuid.UUID) -> EmbedSettings:
        """The organisation's rules (none stored: any site)."""
        ...

    async def put(self, settings: EmbedSettings) -> None:
        """Store an organisation's rules."""
        ...


class EmbedViews(Protocol):
    """Daily view counters of widgets."""

    async def count(
        self, organisation_id: uuid.UUID, widget: str, subject_id: uuid.UUID, day: dt.date
    ) -> None:
        """Add one view of a widget of a subject on a day."""
        ...

    async def totals(
        self, organisation_id: uuid.UUID, since: dt.date
    ) -> list[tuple[str, uuid.UUID, int]]:
        """Views per widget and subject since a day, most viewed first."""
        ...


class BackfillLedger(Protocol):
    """Completed passes, by scope (``all`` or an organisation's id)."""

    async def completed(self, scope: str) -> dt.datetime | None:
        """When the last completed pass of ``scope`` started."""
        ...

    async def complete(self, scope: str, started_at: dt.datetime, animals: int) -> None:
        """Record a completed pass."""
        ...


# -- units of work ----------------------------------------------------------------------------


class Transaction(Protocol):
    """What every media unit of work does: stage events in its outbox and commit them together
    with its changes. What a use case has not committed is rolled back, events included."""

    def stage(self, event: DomainEvent) -> None:
        """Put an event in this transaction's outbox."""
        ...

    async def commit(self) -> None:
        """Make the changes and staged events durable, together."""
        ...


class FileUnitOfWork(Transaction, Protocol):
    """The transaction of a file use case: the records and the outbox."""

    @property
    def files(self) -> FileRepository:
        """File records."""
        ...


class UploadUnitOfWork(FileUnitOfWork, Protocol):
    """The transaction of an upload: the records, the copy of animals (a file may only be
    attached to an animal of the uploader's organisation) and the outbox."""

    @property
    def animals(self) -> PublicAnimals:
        """repti-media's copy of animals."""
        ...


class RenderUnitOfWork(Transaction, Protocol):
    """The transaction of a render: the store and the outbox."""

    @property
    def renders(self) -> RenderStore:
        """Stored renders."""
        ...


class ChartUnitOfWork(RenderUnitOfWork, Protocol):
    """The transaction of a chart or certificate: stored renders, the file records its logo
    comes from, the animals' photos, and the outbox."""

    @property
    def files(self) -> FileRepository:
        """File records."""
        ...

    @property
    def photos(self) -> PhotoSource:
        """Animals' photos."""
        ...


class WidgetUnitOfWork(Transaction, Protocol):
    """The transaction of a widget: the copy of animals, their photos' records, the embedding
    rules, the view counters, the completed backfills and the outbox."""

    @property
    def animals(self) -> PublicAnimals:
        """repti-media's copy of animals."""
        ...

    @property
    def files(self) -> FileRepository:
        """File records."""
        ...

    @property
    def embed_settings(self) -> EmbedSettingsStore:
        """Embedding rules."""
        ...

    @property
    def embed_views(self) -> EmbedViews:
        """View counters."""
        ...

    @property
    def ledger(self) -> BackfillLedger:
        """Completed backfills."""
        ...


class MediaUnitOfWork(UploadUnitOfWork, ChartUnitOfWork, WidgetUnitOfWork, Protocol):
    """One transaction over every media store and the outbox: a use case's changes and its
    events commit together. Leaving the ``async with`` block without :meth:`commit` rolls
    everything back."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...


class BackfillStore(Protocol):
    """The transaction a page (or the record of a completed pass) is written in."""

    @property
    def animals(self) -> PublicAnimals:
        """The read model."""
        ...

    @property
    def ledger(self) -> BackfillLedger:
        """Completed passes."""
        ...

    async def commit(self) -> None:
        """Make the writes durable."""
        ...


# -- drawing ----------------------------------------------------------------------------------


class ChartRenderer(Protocol):
    """Draws pedigree drawings and certificates in one format."""

    format: str

    def pedigree(self, drawing: PedigreeDrawing) -> bytes:
        """The chart as bytes of this format."""
        ...

    def certificate(self, drawing: CertificateDrawing) -> bytes:
        """The certificate as bytes of this format (one page)."""
        ...


class WidgetRenderer(Protocol):
    """Writes widgets as escaped HTML fragments with their stylesheet."""

    def css(self, theme: Theme) -> str:
        """The stylesheet of every widget in a theme."""
        ...

    def not_public(self) -> str:
        """What a widget of an animal that is not public (or unknown) shows."""
        ...

    def profile(self, animal: PublicAnimal, photo_url: str | None) -> str:
        """A profile card."""
        ...

    def pedigree(self, pedigree: WidgetPedigree) -> str:
        """A pedigree tree."""
        ...

    def available(self, animals: list[PublicAnimal]) -> str:
        """A list of animals for sale."""
        ...

    def page(self, title: str, css: str, body: str) -> str:
        """A whole page of a widget, for an iframe."""
        ...

    @property
    def loader_js(self) -> str:
        """The script that renders widgets into placeholders of a third-party page."""
        ...


# -- peers ------------------------------------------------------------------------------------


class LineageSource(Protocol):
    """Where lineages come from (repti-animal over HTTP; fakes in tests)."""

    async def lineage(
        self, animal_id: uuid.UUID, generations: int, *, credential: str | None
    ) -> LineageSnapshot:
        """The lineage to ``generations``; ``credential`` is the caller's bearer token (None:
        the service's own, for public pages). Raises ``NotFound`` or
        :class:`~reptidex.domain.media.lineage.LineageUnavailable`."""
        ...


class OrganisationNames(Protocol):
    """Organisations' public names (repti-core over HTTP; fakes in tests)."""

    async def name_of(self, organisation_id: uuid.UUID) -> str | None:
        """The organisation's name; ``None`` when unknown or not reachable just now."""
        ...


class CallerAnimals(Protocol):
    """Which animals the caller may attach files to, as repti-animal (their record) tells it."""

    async def holds(self, animal_id: uuid.UUID, credential: str | None) -> bool:
        """Whether repti-animal shows ``animal_id`` to the caller (``credential``, the bearer
        token) as an animal of the caller's organisation.

        Raises:
            ~reptidex.domain.media.files.AnimalsUnavailable: repti-animal could not be asked.
            NotAuthenticated: repti-animal refused the credential.
        """
        ...


class PlanSource(Protocol):
    """Which plan an organisation is on (repti-core's billing)."""

    async def plan_of(self, organisation_id: uuid.UUID, credential: str | None) -> str | None:
        """The plan's code; ``None`` when no plan restricts anything (billing is off);
        :class:`~reptidex.domain.errors.PlanUnknown` when it cannot be told now."""
        ...


@dataclass(frozen=True, slots=True)
class SharedAnimal:
    """An animal of repti-animal's listing: its summary, parents and last change.

    ``genetics_listed`` is false when the listing says nothing of what the animal carries (a
    repti-animal that does not list it yet): the copy keeps what it holds."""

    summary: PublicAnimal
    updated_at: dt.datetime
    genetics_listed: bool = True


@dataclass(frozen=True, slots=True)
class SharedPage:
    """A page of the listing and the ``after`` of the next (``None``: the last)."""

    items: tuple[SharedAnimal, ...]
    next_after: uuid.UUID | None


class SharedAnimalSource(Protocol):
    """repti-animal's listing of lineage-only and public animals."""

    async def page(
        self,
        *,
        after: uuid.UUID | None,
        updated_since: dt.datetime | None,
        organisation_id: uuid.UUID | None,
    ) -> SharedPage:
        """One page. Raises :class:`~reptidex.domain.media.lineage.LineageUnavailable` when
        repti-animal cannot be asked."""
        ...


class BreederBackfill(Protocol):
    """Fills the copy of animals with one breeder's, from repti-animal's listing, now."""

    async def fill(self, organisation_id: uuid.UUID) -> None:
        """One pass for the organisation, bounded in time; when repti-animal cannot be asked
        the copy stays as it was (the caller shows what is known)."""
        ...
