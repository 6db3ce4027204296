"""Stored files: the record of an upload and the rules an upload is checked against.

An upload is sniffed from its bytes, checked against the limit of its type, images are decoded
and re-encoded (which drops EXIF metadata, GPS position included) with thumbnails, and the bytes
are kept once per organisation: a second upload of identical bytes gets its own record pointing
at the same blob. Deleting a record removes the bytes once no record points at them (the use
cases are in :mod:`reptidex.domain.media.use_cases.files`).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from reptidex.domain.errors import FeatureUnavailable, InvalidInput, NotFound, PlanUnknown
from reptidex.domain.media.sniffing import ACCEPTED, EXTENSIONS, GIF, PDF, SVG, sniff

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


def size_limit_on_any_plan(content_type: str) -> int:
    """The largest upload of a type that every plan accepts (what is accepted while the plan
    cannot be told).

    >>> size_limit_on_any_plan("image/gif") // MiB
    5
    """
    return min(size_limit(content_type, plan) for plan in (None, *PLAN_SIZE_LIMITS))


THUMBNAIL_SIZES: tuple[int, ...] = (128, 256, 512)
"""Standard thumbnail sizes: the longest edge in pixels."""


class Visibility(enum.Enum):
    """Who may fetch a file: its organisation only (signed URLs aside), or anyone."""

    PRIVATE = "private"
    PUBLIC = "public"


class FileTooLarge(InvalidInput):
    """The upload exceeds the limit of its type."""


class AnimalsUnavailable(FeatureUnavailable):
    """repti-animal could not be asked whether the caller holds an animal (HTTP 503)."""


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


def check_upload(
    data: bytes, plan: str | None = None, *, plan_unknown: PlanUnknown | None = None
) -> str:
    """The sniffed content type of an upload, or the reason it is refused.

    ``plan`` is the organisation's plan (``None``: no plan restricts, the general limits);
    ``plan_unknown`` says why it cannot be told: then only what every plan accepts is, and a
    larger file is refused with that reason (HTTP 503), never allowed on a guess."""
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
    if plan_unknown is not None:
        safe = size_limit_on_any_plan(content_type)
        if len(data) > safe:
            raise PlanUnknown(
                f"{plan_unknown.detail} Meanwhile a {content_type} file of at most "
                f"{safe // MiB} MiB is accepted; this one has {len(data) / MiB:.1f} MiB.",
                retry_after=plan_unknown.retry_after,
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


def readable(record: StoredFile | None, organisation_id: uuid.UUID | None) -> StoredFile:
    """The record when the caller may read it, else :class:`NotFound` (private stays unknown)."""
    if record is None or (not record.is_public and record.organisation_id != organisation_id):
        raise NotFound("No such file.")
    return record
