"""Stored files: upload, describe, sign a URL to, fetch and delete.

An upload is sniffed from its bytes, checked against the limit of its type and the uploader's
plan, images are decoded and re-encoded (which drops EXIF metadata, GPS position included) with
thumbnails (CPU work, run through the :class:`~reptidex.domain.cpu_work.CpuRunner` given: off
the event loop in the service, a few at a time), and the bytes are kept once per organisation: a second upload of identical bytes
gets its own record pointing at the same blob. Bytes are written before the record commits and
removed after its deletion commits, so a failure leaves at worst unused bytes, never a record
without its bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from functools import partial

from reptidex.domain.cpu_work import CpuRunner, run_here
from reptidex.domain.errors import InvalidInput, NotFound, PermissionDenied, PlanUnknown
from reptidex.domain.events.envelope import new_event
from reptidex.domain.media.audit import audit, file_fields
from reptidex.domain.media.events import PRODUCER, FileDeleted, FileUploaded
from reptidex.domain.media.files import (
    THUMBNAIL_SIZES,
    ProcessedImage,
    StoredFile,
    Thumbnail,
    Uploader,
    Visibility,
    blob_key,
    check_upload,
    clean_filename,
    readable,
)
from reptidex.domain.media.ports import (
    BlobWriter,
    CallerAnimals,
    FileRepository,
    FileUnitOfWork,
    ImageProcessor,
    PlanSource,
    UploadUnitOfWork,
)
from reptidex.domain.media.signing import UrlSigner
from reptidex.domain.media.sniffing import EXTENSIONS, IMAGES


async def receive_upload(
    uow: UploadUnitOfWork,
    blobs: BlobWriter,
    images: ImageProcessor,
    plans: PlanSource,
    uploader: Uploader,
    data: bytes,
    *,
    credential: str | None,
    filename: str | None,
    visibility: Visibility = Visibility.PRIVATE,
    animal_id: uuid.UUID | None = None,
    animals: CallerAnimals,
    now: dt.datetime,
    cpu: CpuRunner = run_here,
) -> tuple[StoredFile, bool]:
    """An upload as it arrives: the organisation's plan is asked of repti-core (with the
    uploader's ``credential``), repti-animal is asked whether the caller's organisation holds
    ``animal_id`` (``animals``, with the same credential: an animal the caller cannot see, or
    another organisation's, is refused), the owner is looked up in media's copy of animals too,
    then :func:`upload_file` stores it (its image work through ``cpu``). Returns the record and
    whether its bytes were there already. While the plan cannot be told, only a file every plan
    accepts is stored (:class:`PlanUnknown` for a larger one)."""
    plan_unknown: PlanUnknown | None = None
    try:
        plan = await plans.plan_of(uploader.organisation_id, credential)
    except PlanUnknown as unknown:
        plan, plan_unknown = None, unknown
    if animal_id is not None and not await animals.holds(animal_id, credential):
        raise InvalidInput(
            "Files can only be attached to your organisation's animals.",
            field_errors={"animal_id": "not an animal of your organisation that you may see"},
        )
    animal = await uow.animals.get(animal_id) if animal_id is not None else None
    # a row made by a lineage event before the animal's summary has no organisation yet
    # (the nil id): its owner is unknown, not another organisation
    owner = animal.organisation_id if animal is not None and animal.organisation_id.int else None
    return await upload_file(
        uow,
        blobs,
        images,
        uploader,
        data,
        filename=filename,
        visibility=visibility,
        animal_id=animal_id,
        now=now,
        plan=plan,
        plan_unknown=plan_unknown,
        animal_owner=owner,
        cpu=cpu,
    )


async def upload_file(
    uow: FileUnitOfWork,
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
    plan_unknown: PlanUnknown | None = None,
    animal_owner: uuid.UUID | None = None,
    cpu: CpuRunner = run_here,
) -> tuple[StoredFile, bool]:
    """Store an upload; returns the record and whether its bytes were there already.

    ``plan`` is the organisation's plan code (its limits apply), ``None`` when no plan
    restricts; ``plan_unknown`` why it cannot be told (see :func:`check_upload`);
    ``animal_owner`` the organisation ``animal_id`` belongs to, when known: a file may only be
    attached to the uploader's own animals. Processing an image runs through ``cpu``.
    """
    if not uploader.may_write:
        raise PermissionDenied("Uploading needs the member role or higher.")
    if animal_id is not None and animal_owner not in (None, uploader.organisation_id):
        raise InvalidInput(
            "Files can only be attached to your organisation's animals.",
            field_errors={"animal_id": "not an animal of your organisation"},
        )
    content_type = check_upload(data, plan, plan_unknown=plan_unknown)
    source_sha = sha256_hex(data)  # ~20 ms at the 25 MiB limit: not worth a wait for a worker
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
        # nothing is written yet: ending the read transaction here keeps the upload from
        # holding a database connection while its image waits for a worker and is processed
        await uow.commit()
        stored = await _store_new(
            blobs, images, cpu, uploader.organisation_id, data, content_type, source_sha
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
    audit(
        uow,
        "file",
        record.id,
        "created",
        organisation_id=uploader.organisation_id,
        actor_id=uploader.user_id,
        after=file_fields(record),
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


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class _CleanImage:
    """A processed image with the SHA-256 of the image and of each thumbnail."""

    processed: ProcessedImage
    sha256: str
    thumbnail_sha256: dict[int, str]


def _clean(images: ImageProcessor, data: bytes, content_type: str) -> _CleanImage:
    processed = images.process(data, content_type, THUMBNAIL_SIZES)
    return _CleanImage(
        processed,
        sha256_hex(processed.image.data),
        {size: sha256_hex(scaled.data) for size, scaled in processed.thumbnails.items()},
    )


async def _store_new(
    blobs: BlobWriter,
    images: ImageProcessor,
    cpu: CpuRunner,
    organisation_id: uuid.UUID,
    data: bytes,
    content_type: str,
    source_sha: str,
) -> StoredBytes:
    width = height = None
    thumbnails: list[Thumbnail] = []
    stored, stored_sha = data, source_sha
    if content_type in IMAGES:
        clean = await cpu(partial(_clean, images, data, content_type))
        processed = clean.processed
        stored, content_type = processed.image.data, processed.image.content_type
        stored_sha = clean.sha256
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
                    clean.thumbnail_sha256[size],
                )
            )
    key = blob_key(organisation_id, source_sha, EXTENSIONS[content_type])
    await blobs.put(key, stored, content_type=content_type)
    return StoredBytes(content_type, len(stored), stored_sha, key, width, height, tuple(thumbnails))


async def delete_file(
    uow: FileUnitOfWork,
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
    audit(
        uow,
        "file",
        record.id,
        "deleted",
        organisation_id=uploader.organisation_id,
        actor_id=uploader.user_id,
        before=file_fields(record),
    )
    await uow.commit()
    if unused:
        for key in (record.blob_key, *(t.key for t in record.thumbnails)):
            await blobs.delete(key)
    return unused


async def find_file(
    files: FileRepository, file_id: uuid.UUID, organisation_id: uuid.UUID | None
) -> StoredFile:
    """The record of a file the caller (of ``organisation_id``, ``None``: anonymous) may read;
    :class:`NotFound` otherwise (a private file of another organisation stays unknown)."""
    return readable(await files.get(file_id), organisation_id)


@dataclass(frozen=True, slots=True)
class SignedFile:
    """A signature that lets anyone fetch ``variant`` of a file until ``expires`` (Unix time)."""

    file_id: uuid.UUID
    variant: str
    expires: int
    signature: str


async def sign_file(
    files: FileRepository,
    signer: UrlSigner,
    file_id: uuid.UUID,
    variant: str,
    *,
    organisation_id: uuid.UUID | None,
    lifetime: int,
    now: float,
) -> SignedFile:
    """Sign a URL to a file the caller may read, valid ``lifetime`` seconds from ``now``."""
    await find_file(files, file_id, organisation_id)
    expires = int(now) + lifetime
    return SignedFile(file_id, variant, expires, signer.sign(file_id, variant, expires))


@dataclass(frozen=True, slots=True)
class FileBytes:
    """The bytes a fetch of a file asks for (the original or a thumbnail): where they are
    stored, their type, size and sha256, and the file's record."""

    record: StoredFile
    key: str
    content_type: str
    size: int
    sha256: str


async def file_bytes(
    files: FileRepository,
    signer: UrlSigner,
    file_id: uuid.UUID,
    variant: str,
    *,
    organisation_id: uuid.UUID | None,
    expires: int | None = None,
    signature: str | None = None,
    now: float,
) -> FileBytes:
    """What a fetch of ``variant`` (``original`` or ``thumb-<size>``) of a file delivers.

    A public file is open to anyone; a private one to its organisation's members, or to anyone
    with a signed URL (``expires`` and ``signature``) that is right and not expired.
    """
    record = await files.get(file_id)
    signed = expires is not None or signature is not None
    if record is None:
        if expires is not None and signature is not None:
            # a wrong signature says so, whether or not the record could be read
            signer.check(file_id, variant, expires, signature, now=now)
        raise NotFound("No such file.")
    if signed and not record.is_public:
        if expires is None or signature is None:
            raise InvalidInput(
                "A signed URL needs both expires and signature.",
                field_errors={"signature": "required with expires"},
            )
        signer.check(file_id, variant, expires, signature, now=now)
    else:
        readable(record, organisation_id)
    if variant == "original":
        return FileBytes(record, record.blob_key, record.content_type, record.size, record.sha256)
    thumb = record.thumbnail(int(variant.removeprefix("thumb-")))
    if thumb is None:
        raise NotFound(f"This file has no {variant} variant.")
    return FileBytes(record, thumb.key, thumb.content_type, thumb.byte_size, thumb.sha256)
