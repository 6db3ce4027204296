"""``POST /marketplace/seller/listings/import``: many listings from an uploaded CSV file, with a
dry run."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import MultipartBody, QueryParameter

from reptidex.domain.commerce.listing_csv import (
    COLUMNS,
    MAX_ROWS,
    REQUIRED,
    ListingImport,
    import_listings,
    look_up_animals,
    read_listing_rows,
    report_errors,
)
from reptidex.domain.commerce.listing_model import Listing
from reptidex.domain.errors import InvalidInput
from reptidex.services.commerce.access import (
    SECURITY,
    WRITE,
    CallerMember,
    Catalogue,
    OnDemandUnits,
    bearer_of,
)
from reptidex.services.commerce.schemas import (
    ListedAnimalView,
    ListingStateName,
    MoneyView,
    animal_view,
    money_view,
)
from reptidex.services.kernel.input_guard import check_text
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, FieldError, Problem

MAX_CSV_BYTES = 2_000_000
"""The largest file an import takes, in bytes."""


class ListingUpload(msgspec.Struct):
    """The listings as a CSV file uploaded from a form (``multipart/form-data``): ``file``
    (UTF-8, a byte-order mark allowed, as spreadsheets write it)."""

    file: UploadFile


class ListingPreview(msgspec.Struct, frozen=True):
    """The listing a row creates (``id`` null on a dry run: nothing is stored)."""

    id: uuid.UUID | None
    state: ListingStateName
    title: str
    description: str
    price: MoneyView
    country: str
    region: str | None
    shipping_available: bool
    pickup_available: bool
    expires_at: dt.datetime | None
    animal: ListedAnimalView


class ListingRowView(msgspec.Struct, frozen=True):
    """One row: the listing it creates, or its problems (``line`` counts the header as
    line 1)."""

    line: int
    animal_id: str
    listing: ListingPreview | None
    errors: list[FieldError]


class ListingImportView(msgspec.Struct, frozen=True):
    """What the import found and created."""

    rows: int
    dry_run: bool
    valid: bool
    created: int
    results: list[ListingRowView]


def _preview(listing: Listing, *, stored: bool) -> ListingPreview:
    return ListingPreview(
        id=listing.id if stored else None,
        state=listing.status.value,
        title=listing.title,
        description=listing.description,
        price=money_view(listing.price),
        country=listing.country,
        region=listing.region,
        shipping_available=listing.shipping_available,
        pickup_available=listing.pickup_available,
        expires_at=listing.expires_at,
        animal=animal_view(listing.animal),
    )


def import_view(report: ListingImport) -> ListingImportView:
    """The response body of an import."""
    return ListingImportView(
        rows=len(report.rows),
        dry_run=report.dry_run,
        valid=report.valid,
        created=len(report.rows) if report.stored else 0,
        results=[
            ListingRowView(
                line=row.line,
                animal_id=row.animal,
                listing=None
                if row.errors or row.listing is None
                else _preview(row.listing, stored=report.stored),
                errors=[FieldError(field=k, message=v) for k, v in row.errors.items()],
            )
            for row in report.rows
        ],
    )


async def _text_of(upload: UploadFile) -> str:
    content = await upload.read(MAX_CSV_BYTES + 1)
    if len(content) > MAX_CSV_BYTES:
        raise HTTPException(
            status_code=413,
            detail=f"The file is larger than {MAX_CSV_BYTES:,} bytes; split it.",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            "The file is not UTF-8 text; save the CSV as UTF-8.",
            field_errors={"file": f"not UTF-8 (byte {error.start})"},
        ) from None
    check_text(text, "file")
    if not text.strip():
        raise InvalidInput("The file is empty.", field_errors={"file": "empty"})
    return text


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


class ListingImportController(Controller):
    """A seller's listings from a CSV file."""

    path = "/marketplace/seller/listings/import"
    tags = ("marketplace",)
    security = SECURITY

    @post(
        "/",
        guards=WRITE,
        status_code=200,
        request_max_body_size=MAX_CSV_BYTES + 64 * 1024,
        summary="Import listings from a CSV file",
        description="List many animals of the caller's collection at once, from a form "
        "(`multipart/form-data`) with `file`: a CSV (UTF-8, a byte-order mark allowed; at "
        f"most {MAX_CSV_BYTES:,} bytes and {MAX_ROWS:,} rows) whose header row names the "
        f"columns, in any order: {', '.join(f'`{c}`' for c in COLUMNS)} (the first "
        f"{len(REQUIRED)} required). `price` is a decimal number in the currency's major "
        "units (`199.99` EUR, `500` JPY), read exactly; `shipping_available`, "
        "`pickup_available` (default true) and `publish` (default false: a draft) are "
        "`true`/`false`; `expires_at` is an RFC 3339 time with its zone. Every row is checked "
        "as `POST /marketplace/listings` checks one listing (the animal is the caller's, per "
        "repti-animal, asked once per animal; not sold, deceased or on loan; not listed "
        "already; price above zero; the end in the future), and no animal may be on two rows. "
        "With `dry_run` (the default) nothing is written and the report gives, for each row "
        "(`line`: the header is line 1), the listing it would create or every problem it "
        "has. Without it, a file with any problem is a 422 naming them all (`line 3: price`) "
        "and writes nothing; a clean file creates every listing, each with its "
        "`listing.created` event and audit record, in one transaction.",
        responses={
            401: _problem("No valid access token."),
            403: _problem("A viewer: only members and above list animals."),
            413: _problem(f"The file is larger than {MAX_CSV_BYTES:,} bytes."),
            422: _problem(
                f"The file cannot be read (not UTF-8, empty, no header, unknown or missing "
                f"columns, more than {MAX_ROWS:,} rows), or a real import's rows have problems."
            ),
            503: _problem("repti-animal could not be reached."),
        },
    )
    async def import_csv(
        self,
        request: Request[Any, Any, Any],
        member: CallerMember,
        catalogue: Catalogue,
        units: OnDemandUnits,
        data: MultipartBody[ListingUpload],
        dry_run: Annotated[
            bool,
            QueryParameter(description="Only check and report (default); false to list."),
        ] = True,
    ) -> ListingImportView:
        """Import listings from CSV."""
        member.require_writer()
        now = dt.datetime.now(dt.UTC)
        rows = read_listing_rows(await _text_of(data.file), now)
        animals = await look_up_animals(catalogue, member, rows, credential=bearer_of(request))
        async with units.open(member.organisation_id) as uow:
            report = await import_listings(uow, member, rows, animals, dry_run=dry_run, now=now)
        if not dry_run and not report.valid:
            raise InvalidInput(
                f"{len(report.problems)} row(s) have problems; nothing was listed.",
                field_errors=report_errors(report),
            )
        return import_view(report)
