"""``/upload`` and ``/media``: store files, deliver them (ETag, Range, caching), delete them."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, HeaderParameter, QueryParameter

from reptidex.domain.identity.model import Role
from reptidex.domain.media.files import (
    MAX_UPLOAD,
    PLAN_SIZE_LIMITS,
    SIZE_LIMITS,
    THUMBNAIL_SIZES,
    FileTooLarge,
    StoredFile,
    Visibility,
)
from reptidex.domain.media.signing import MAX_LIFETIME
from reptidex.domain.media.use_cases.files import (
    delete_file,
    file_bytes,
    find_file,
    receive_upload,
    sign_file,
)
from reptidex.services.kernel.auth import (
    BEARER,
    OPTIONAL_BEARER,
    CurrentPrincipal,
    OptionalPrincipal,
    requires_role,
)
from reptidex.services.kernel.problems import problem_response
from reptidex.services.media.access import Media, bearer_of, uploader_of
from reptidex.services.media.delivery import (
    RangeNotSatisfiable,
    http_date,
    not_modified,
    parse_range,
    range_applies,
)

VariantName = Literal["original", "thumb-128", "thumb-256", "thumb-512"]


class UploadForm(msgspec.Struct):
    """The multipart form of an upload."""

    file: UploadFile
    visibility: Literal["private", "public"] = "private"
    animal_id: uuid.UUID | None = None


class ThumbnailView(msgspec.Struct, frozen=True):
    """A thumbnail: its longest edge, pixel size and URL."""

    size: int
    width: int
    height: int
    content_type: str
    url: str


class FileView(msgspec.Struct, frozen=True):
    """A stored file."""

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str
    visibility: Literal["private", "public"]
    animal_id: uuid.UUID | None
    width: int | None
    height: int | None
    created_at: dt.datetime
    url: str
    thumbnails: list[ThumbnailView]
    deduplicated: bool = False


class SignedUrlView(msgspec.Struct, frozen=True):
    """A URL to a private file that works without a token until ``expires_at``."""

    url: str
    expires_at: dt.datetime


def file_view(record: StoredFile, *, deduplicated: bool = False) -> FileView:
    """The response body of a file."""
    return FileView(
        id=record.id,
        filename=record.filename,
        content_type=record.content_type,
        size=record.size,
        sha256=record.sha256,
        visibility=record.visibility.value,
        animal_id=record.animal_id,
        width=record.width,
        height=record.height,
        created_at=record.created_at,
        url=f"/media/{record.id}",
        thumbnails=[
            ThumbnailView(
                t.size,
                t.width,
                t.height,
                t.content_type,
                f"/media/{record.id}?variant=thumb-{t.size}",
            )
            for t in record.thumbnails
        ],
        deduplicated=deduplicated,
    )


_FREE = ", ".join(
    f"{kind} {limit // (1024 * 1024)} MiB" for kind, limit in PLAN_SIZE_LIMITS["free"].items()
)
_LIMITS = ", ".join(f"{kind} {limit // (1024 * 1024)} MiB" for kind, limit in SIZE_LIMITS.items())


class FileController(Controller):
    """Uploads and delivery of an organisation's files."""

    tags = ("files",)

    @post(
        "/upload",
        guards=[requires_role(Role.MEMBER)],
        security=BEARER,
        status_code=201,
        request_max_body_size=MAX_UPLOAD + 1024 * 1024,
        summary="Upload a file",
        description="Multipart form: `file` (required), `visibility` (`private` default, or "
        "`public`), `animal_id` (optional). The type is told from the bytes (JPEG, PNG, WebP, "
        f"GIF, PDF); SVG is refused. Limits: {_LIMITS}; on the free plan {_FREE} (413 "
        "beyond; the plan is read from repti-core: while it cannot tell, a file above the free "
        "plan's limit gets 503 with Retry-After). Images are decoded and "
        "re-encoded, which drops EXIF metadata including the GPS position, and get thumbnails "
        f"of {', '.join(map(str, THUMBNAIL_SIZES))} px. Identical bytes in one organisation are "
        "stored once (`deduplicated`). Emits `file.uploaded`.",
        responses={
            413: ResponseSpec(None, description="The file is too large"),
            503: ResponseSpec(None, description="The plan cannot be told just now (Retry-After)"),
        },
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        media: Media,
        principal: CurrentPrincipal,
        data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> FileView:
        """Store an upload."""
        content = await data.file.read()
        try:
            async with media.unit_of_work(principal.organisation_id) as uow:
                record, deduplicated = await receive_upload(
                    uow,
                    media.blobs,
                    media.images,
                    media.plans,
                    uploader_of(principal),
                    content,
                    credential=bearer_of(request),
                    filename=data.file.filename,
                    visibility=Visibility(data.visibility),
                    animal_id=data.animal_id,
                    animals=media.animals,
                    now=dt.datetime.now(dt.UTC),
                    cpu=media.cpu,
                )
        except FileTooLarge as exc:
            raise HTTPException(status_code=413, detail=exc.detail) from None
        return file_view(record, deduplicated=deduplicated)

    @get(
        "/media/{file_id:uuid}/info",
        security=OPTIONAL_BEARER,
        summary="Describe a file",
        description="The record of a file: public files for anyone, private ones for the "
        "organisation's members (any role).",
    )
    async def describe(
        self,
        media: Media,
        optional_principal: OptionalPrincipal,
        file_id: FromPath[uuid.UUID],
    ) -> FileView:
        """A file's record."""
        organisation = optional_principal.organisation_id if optional_principal else None
        async with media.unit_of_work(organisation) as uow:
            record = await find_file(uow.files, file_id, organisation)
        return file_view(record)

    @post(
        "/media/{file_id:uuid}/signed-url",
        guards=[requires_role(Role.VIEWER)],
        security=BEARER,
        status_code=201,
        summary="Make a signed URL to a private file",
        description=f"A URL that fetches the file without a token for `ttl` seconds (1 to "
        f"{MAX_LIFETIME}, default 300). The signature covers the file, the variant and expiry.",
    )
    async def signed_url(
        self,
        media: Media,
        principal: CurrentPrincipal,
        file_id: FromPath[uuid.UUID],
        ttl: Annotated[int, QueryParameter(ge=1, le=MAX_LIFETIME, description="Seconds")] = 300,
        variant: Annotated[VariantName, QueryParameter(description="Which bytes")] = "original",
    ) -> SignedUrlView:
        """A signed URL."""
        async with media.unit_of_work(principal.organisation_id) as uow:
            signed = await sign_file(
                uow.files,
                media.signer,
                file_id,
                variant,
                organisation_id=principal.organisation_id,
                lifetime=ttl,
                now=time.time(),
            )
        return SignedUrlView(
            url=f"/media/{file_id}?variant={variant}&expires={signed.expires}"
            f"&signature={signed.signature}",
            expires_at=dt.datetime.fromtimestamp(signed.expires, dt.UTC),
        )

    @get(
        "/media/{file_id:uuid}",
        media_type="application/octet-stream",
        summary="Fetch a file's bytes",
        description="Public files are open; private ones need the organisation's token or a "
        "signed URL (`expires`, `signature`). `variant` picks a thumbnail. Sends `ETag` (the "
        "sha256), `Last-Modified`, `Cache-Control` and `Accept-Ranges`; honours "
        "`If-None-Match` / `If-Modified-Since` (304), a single `Range` (206, or 416 outside the "
        "file) and `If-Range`.",
        security=OPTIONAL_BEARER,
        responses={
            206: ResponseSpec(None, description="Part of the file (Range)"),
            304: ResponseSpec(None, description="The client's copy is current"),
            416: ResponseSpec(None, description="The range is outside the file"),
        },
    )
    async def fetch(
        self,
        request: Request[Any, Any, Any],
        media: Media,
        optional_principal: OptionalPrincipal,
        file_id: FromPath[uuid.UUID],
        variant: Annotated[VariantName, QueryParameter(description="Which bytes")] = "original",
        expires: Annotated[int | None, QueryParameter(description="Signed URL expiry")] = None,
        signature: Annotated[
            str | None, QueryParameter(max_length=128, description="Signed URL signature")
        ] = None,
        range_header: Annotated[
            str | None, HeaderParameter(name="Range", required=False, description="bytes=a-b")
        ] = None,
    ) -> Response[Any]:
        """A file's bytes."""
        organisation = optional_principal.organisation_id if optional_principal else None
        now = time.time()
        admitted = (
            expires is not None
            and signature is not None
            and media.signer.is_valid(file_id, variant, expires, signature, now=now)
        )
        async with media.unit_of_work(
            organisation, signed_file=file_id if admitted else None
        ) as uow:
            found = await file_bytes(
                uow.files,
                media.signer,
                file_id,
                variant,
                organisation_id=organisation,
                expires=expires,
                signature=signature,
                now=now,
            )
        record, key, content_type, size = found.record, found.key, found.content_type, found.size
        etag = f'"{found.sha256}"'
        headers = {
            "ETag": etag,
            "Last-Modified": http_date(record.created_at),
            "Accept-Ranges": "bytes",
            "Cache-Control": "public, max-age=31536000, immutable"
            if record.is_public
            else "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f"inline; filename*=UTF-8''{_quote(record.filename)}",
        }
        if not record.is_public:
            headers["Vary"] = "Authorization"
        if not_modified(
            etag,
            record.created_at,
            request.headers.get("if-none-match"),
            request.headers.get("if-modified-since"),
        ):
            return Response(b"", status_code=304, headers=headers)
        try:
            wanted = (
                parse_range(range_header, size)
                if range_applies(etag, record.created_at, request.headers.get("if-range"))
                else None
            )
        except RangeNotSatisfiable:
            return problem_response(
                request,
                416,
                f"The file has {size} bytes; the range asked for is outside it.",
                headers={"Content-Range": f"bytes */{size}"},
            )
        if wanted is None:
            body = await media.blobs.read(key)
            return Response(body, media_type=content_type, headers=headers)
        body = await media.blobs.read(key, wanted.start, wanted.end)
        headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
        return Response(body, status_code=206, media_type=content_type, headers=headers)

    @delete(
        "/media/{file_id:uuid}",
        guards=[requires_role(Role.MEMBER)],
        security=BEARER,
        status_code=204,
        summary="Delete a file",
        description="Removes the record; the bytes go once no other record of identical bytes "
        "uses them. Emits `file.deleted`.",
    )
    async def remove(
        self,
        media: Media,
        principal: CurrentPrincipal,
        file_id: FromPath[uuid.UUID],
    ) -> None:
        """Delete a file."""
        async with media.unit_of_work(principal.organisation_id) as uow:
            await delete_file(uow, media.blobs, uploader_of(principal), file_id)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
