"""Stored files: the record of an upload, the ports it needs, and the use cases.

An upload is sniffed from its bytes, checked against the limit of its type, images are decoded
and re-encoded (which drops EXIF metadata, GPS position included) with thumbnails, and the bytes
are kept once per organisation: a second upload of identical bytes gets its own record pointing
at the same blob. Deleting a record removes the bytes once no record points at them.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from reptidex.domain.errors import InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events.envelope import DomainEvent, new_event
from reptidex.domain.media.events import PRODUCER, FileDeleted, FileUploaded
from reptidex.domain.media.sniffing import ACCEPTED, EXTENSIONS, GIF, IMAGES, PDF, SVG, sniff

MiB = 1024 * 1024

SIZE_LIMITS: Mapping[str, int] = {
    "image/jpeg": 20 * MiB,
    "image/png": 20 * MiB,
    "image/webp": 20 * MiB,
    GIF: 10 * MiB,
    PDF: 25 * MiB,
}
"""The largest upload accepted per content type, in bytes."""

MAX_UPLOAD = max(SIZE_LIMITS.values())
"""The largest upload of any type."""

PLAN_SIZE_LIMITS: Mapping[str, Mapping[str, int]] = {
    "free": {
        "image/jpeg": 10 * MiB,
        "image/png": 10 * MiB,
        "image/webp": 10 * MiB,
        GIF: 5 * MiB,
        PDF: 10 * MiB,
    },
}
"""Smaller limits of some plans (by plan code); other plans have :data:`SIZE_LIMITS`."""


def size_limit(content_type: str, plan: str | None) -> int:
    """The largest upload of a type on a plan (``None``: plan unknown, the general limit).

    >>> size_limit("image/jpeg", "free") // MiB, size_limit("image/jpeg", "breeder") // MiB
    (10, 20)
    >>> size_limit("application/pdf", None) // MiB
    25
    """
    return PLAN_SIZE_LIMITS.get(plan or "", SIZE_LIMITS).get(
        content_type, SIZE_LIMITS[content_type]
    )


class PlanSource(Protocol):
    """Which plan an organisation is on (repti-core's billing)."""

    async def plan_of(self, organisation_id: uuid.UUID, credential: str | None) -> str | None:
        """The plan's code, or ``None`` when it cannot be told now."""
        ...


THUMBNAIL_SIZES: tuple[int, ...] = (128, 256, 512)
"""Standard thumbnail sizes: the longest edge in pixels."""


class Visibility(enum.Enum):
    """Who may fetch a file: its organisation only (signed URLs aside), or anyone."""

    PRIVATE = "private"
    PUBLIC = "public"


class FileTooLarge(InvalidInput):
    """The upload exceeds the limit of its type."""


class UnsupportedMedia(InvalidInput):
    """The bytes are of a type that is not accepted (or not an image they claim to be)."""


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A scaled copy of an image, stored under its own blob key."""

    size: int
    key: str
    content_type: str
    width: int
    height: int
    byte_size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class StoredFile:
    """The record of one upload."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    uploaded_by: uuid.UUID | None
    filename: str
    content_type: str
    size: int
    sha256: str
    source_sha256: str
    blob_key: str
    visibility: Visibility
    created_at: dt.datetime
    animal_id: uuid.UUID | None = None
    width: int | None = None
    height: int | None = None
    thumbnails: tuple[Thumbnail, ...] = ()

    @property
    def is_public(self) -> bool:
        """Whether anyone may fetch the file."""
        return self.visibility is Visibility.PUBLIC

    def thumbnail(self, size: int) -> Thumbnail | None:
        """The thumbnail of a standard size, if there is one."""
        return next((t for t in self.thumbnails if t.size == size), None)


@dataclass(frozen=True, slots=True)
class ScaledImage:
    """One encoded image: bytes, content type and pixel size."""

    data: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """A decoded and re-encoded image with its thumbnails by size."""

    image: ScaledImage
    thumbnails: Mapping[int, ScaledImage] = field(default_factory=dict)


class ImageProcessor(Protocol):
    """Decodes an image and encodes it again without metadata, with thumbnails."""

    def process(self, data: bytes, content_type: str, sizes: tuple[int, ...]) -> ProcessedImage:
        """The clean image; :class:`UnsupportedMedia` when the bytes do not decode."""
        ...


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


class MediaUnitOfWork(Protocol):
    """The transaction of a media use case: the records and the outbox."""

    @property
    def files(self) -> FileRepository:
        """File records."""
        ...

    def stage(self, event: DomainEvent) -> None:
        """Put an event in the outbox of this transaction."""
        ...

    async def commit(self) -> None:
        """Make the changes and staged events durable."""
        ...


class BlobWriter(Protocol):
    """The part of the blob-store port the upload needs."""

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store bytes."""
        ...

    async def delete(self, key: str) -> None:
        """Remove bytes."""
        ...


@dataclass(frozen=True, slots=True)
class Uploader:
    """Who uploads: the organisation the file belongs to and the user."""

    organisation_id: uuid.UUID
    user_id: uuid.UUID | None
    may_write: bool


def clean_filename(name: str | None, content_type: str) -> str:
    """A display name: no folders, no control characters, at most 200 characters.

    >>> clean_filename("C:\\\\photos\\\\snake 1.JPG", "image/jpeg")
    'snake 1.JPG'
    >>> clean_filename(None, "application/pdf")
    'file.pdf'
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()[:200]
    return base or f"file.{EXTENSIONS[content_type]}"


def check_upload(data: bytes, plan: str | None = None) -> str:
    """The sniffed content type of an upload, or the reason it is refused."""
    if not data:
        raise InvalidInput("The file is empty.", field_errors={"file": "empty"})
    content_type = sniff(data[:4096])
    if content_type == SVG:
        raise UnsupportedMedia(
            "SVG uploads are refused (they can carry scripts); upload PNG, JPEG or WebP.",
            field_errors={"file": "SVG is not accepted"},
        )
    if content_type is None or content_type not in ACCEPTED:
        raise UnsupportedMedia(
            "The file is not a JPEG, PNG, WebP, GIF or PDF (told from its bytes).",
            field_errors={"file": "unsupported type"},
        )
    limit = size_limit(content_type, plan)
    if len(data) > limit:
        on_plan = f" on the {plan} plan" if plan in PLAN_SIZE_LIMITS else ""
        raise FileTooLarge(
            f"A {content_type} file may be at most {limit // MiB} MiB{on_plan}; this one has "
            f"{len(data) / MiB:.1f} MiB.",
            field_errors={"file": f"larger than {limit // MiB} MiB"},
        )
    return content_type


def blob_key(organisation_id: uuid.UUID, source_sha256: str, extension: str) -> str:
    """Where an organisation's bytes are kept: one blob per distinct upload."""
    return f"{organisation_id.hex}/{source_sha256[:2]}/{source_sha256}.{extension}"


async def upload_file(
    uow: MediaUnitOfWork,
    blobs: BlobWriter,
    images: ImageProcessor,
    uploader: Uploader,
    data: bytes,
    *,
    filename: str | None,
    visibility: Visibility = Visibility.PRIVATE,
    animal_id: uuid.UUID | None = None,
    now: dt.datetime,
    plan: str | None = None,
    animal_owner: uuid.UUID | None = None,
) -> tuple[StoredFile, bool]:
    """Store an upload; returns the record and whether its bytes were there already.

    ``plan`` is the organisation's plan code (its limits apply), ``None`` when unknown;
    ``animal_owner`` the organisation ``animal_id`` belongs to, when known: a file may only be
    attached to the uploader's own animals.
    """
    if not uploader.may_write:
        raise PermissionDenied("Uploading needs the member role or higher.")
    if animal_id is not None and animal_owner not in (None, uploader.organisation_id):
        raise InvalidInput(
            "Files can only be attached to your organisation's animals.",
            field_errors={"animal_id": "not an animal of your organisation"},
        )
    content_type = check_upload(data, plan)
    source_sha = hashlib.sha256(data).hexdigest()
    existing = await uow.files.find_source(uploader.organisation_id, source_sha)
    if existing is not None:
        stored = StoredBytes(
            existing.content_type,
            existing.size,
            existing.sha256,
            existing.blob_key,
            existing.width,
            existing.height,
            existing.thumbnails,
        )
    else:
        stored = await _store_new(
            blobs, images, uploader.organisation_id, data, content_type, source_sha
        )
    record = StoredFile(
        id=uuid.uuid4(),
        organisation_id=uploader.organisation_id,
        uploaded_by=uploader.user_id,
        filename=clean_filename(filename, content_type),
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        source_sha256=source_sha,
        blob_key=stored.blob_key,
        visibility=visibility,
        created_at=now,
        animal_id=animal_id,
        width=stored.width,
        height=stored.height,
        thumbnails=stored.thumbnails,
    )
    await uow.files.add(record)
    uow.stage(
        new_event(
            "file.uploaded",
            producer=PRODUCER,
            payload=FileUploaded(
                file_id=str(record.id),
                content_type=record.content_type,
                size=record.size,
                sha256=record.sha256,
                visibility=record.visibility.value,
                animal_id=None if animal_id is None else str(animal_id),
                deduplicated=existing is not None,
            ),
            organisation_id=uploader.organisation_id,
            actor_id=uploader.user_id,
        )
    )
    await uow.commit()
    return record, existing is not None


@dataclass(frozen=True, slots=True)
class StoredBytes:
    """What was kept of an upload's bytes (shared by the records of identical uploads)."""

    content_type: str
    size: int
    sha256: str
    blob_key: str
    width: int | None
    height: int | None
    thumbnails: tuple[Thumbnail, ...]


async def _store_new(
    blobs: BlobWriter,
    images: ImageProcessor,
    organisation_id: uuid.UUID,
    data: bytes,
    content_type: str,
    source_sha: str,
) -> StoredBytes:
    width = height = None
    thumbnails: list[Thumbnail] = []
    stored = data
    if content_type in IMAGES:
        processed = images.process(data, content_type, THUMBNAIL_SIZES)
        stored, content_type = processed.image.data, processed.image.content_type
        width, height = processed.image.width, processed.image.height
        for size, scaled in sorted(processed.thumbnails.items()):
            key = blob_key(organisation_id, source_sha, f"{size}.{EXTENSIONS[scaled.content_type]}")
            await blobs.put(key, scaled.data, content_type=scaled.content_type)
            thumbnails.append(
                Thumbnail(
                    size,
                    key,
                    scaled.content_type,
                    scaled.width,
                    scaled.height,
                    len(scaled.data),
                    hashlib.sha256(scaled.data).hexdigest(),
                )
            )
    key = blob_key(organisation_id, source_sha, EXTENSIONS[content_type])
    await blobs.put(key, stored, content_type=content_type)
    return StoredBytes(
        content_type,
        len(stored),
        hashlib.sha256(stored).hexdigest(),
        key,
        width,
        height,
        tuple(thumbnails),
    )


def readable(record: StoredFile | None, organisation_id: uuid.UUID | None) -> StoredFile:
    """The record when the caller may read it, else :class:`NotFound` (private stays unknown)."""
    if record is None or (not record.is_public and record.organisation_id != organisation_id):
        raise NotFound("No such file.")
    return record


async def delete_file(
    uow: MediaUnitOfWork,
    blobs: BlobWriter,
    uploader: Uploader,
    file_id: uuid.UUID,
) -> bool:
    """Delete a file record of the caller's organisation; its bytes go once nobody uses them.

    Returns whether the bytes were removed. The record goes first (committed), the bytes after:
    a crash in between leaves unused bytes, never a record without its bytes.
    """
    record = await uow.files.get(file_id)
    if record is None or record.organisation_id != uploader.organisation_id:
        raise NotFound("No such file.")
    if not uploader.may_write:
        raise PermissionDenied("Deleting needs the member role or higher.")
    await uow.files.remove(file_id)
    unused = await uow.files.count_blob_users(record.blob_key) == 0
    uow.stage(
        new_event(
            "file.deleted",
            producer=PRODUCER,
            payload=FileDeleted(str(record.id), record.sha256, unused),
            organisation_id=uploader.organisation_id,
            actor_id=uploader.user_id,
        )
    )
    await uow.commit()
    if unused:
        for key in (record.blob_key, *(t.key for t in record.thumbnails)):
            await blobs.delete(key)
    return unused
