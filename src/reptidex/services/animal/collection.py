"""``/animals/import``, ``/animals/import/upload``, ``/animals/export``."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import JSONBody, MultipartBody

from reptidex.domain.animals.collection_csv import (
    ImportReport,
    export_collection,
    import_collection,
    report_errors,
)
from reptidex.domain.errors import InvalidInput
from reptidex.services.animal.access import READ, SECURITY, WRITE, CallerActor, UnitOfWork
from reptidex.services.kernel.input_guard import check_text
from reptidex.services.kernel.problems import FieldError


class ImportRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A collection as CSV text, and whether to only check it."""

    csv: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=MAX_CSV,
            description="CSV with a header row: code, name, species (required), sex, morph, "
            "hatch_date, origin, status, visibility, sire_code, dam_code, tags (;-separated), "
            "notes.",
        ),
    ]
    dry_run: bool = True


MAX_CSV = 2_000_000
"""The largest CSV an import takes (characters of the JSON form, bytes of an upload)."""


class ImportUpload(msgspec.Struct):
    """A collection as a CSV file uploaded from a form (``multipart/form-data``): ``file`` (UTF-8,
    a byte-order mark allowed, as spreadsheets write it) and ``dry_run`` (``true`` by default;
    ``false`` to import)."""

    file: UploadFile
    dry_run: bool = True


class RowProblemView(msgspec.Struct, frozen=True):
    """The problems of one row (``line`` counts the header as line 1)."""

    line: int
    code: str | None
    errors: list[FieldError]


class ImportedAnimal(msgspec.Struct, frozen=True):
    """An animal the import added."""

    id: uuid.UUID
    code: str


class ImportReportView(msgspec.Struct, frozen=True):
    """What the import found and added."""

    rows: int
    dry_run: bool
    valid: bool
    problems: list[RowProblemView]
    created: list[ImportedAnimal]


def report_view(report: ImportReport) -> ImportReportView:
    """The response body of an import."""
    return ImportReportView(
        rows=report.rows,
        dry_run=report.dry_run,
        valid=report.valid,
        problems=[
            RowProblemView(
                p.line, p.code, [FieldError(field=k, message=v) for k, v in p.errors.items()]
            )
            for p in report.problems
        ],
        created=[ImportedAnimal(a.id, a.code) for a in report.created],
    )


async def _import(
    uow: UnitOfWork, actor: CallerActor, text: str, *, dry_run: bool
) -> ImportReportView:
    report = await import_collection(uow, actor, text, dry_run=dry_run)
    if not dry_run and not report.valid:
        raise InvalidInput(
            f"{len(report.problems)} row(s) have problems; nothing was imported.",
            field_errors=report_errors(report),
        )
    return report_view(report)


class CollectionController(Controller):
    """The collection as a whole: CSV in and out."""

    path = "/animals"
    tags = ("animals",)
    security = SECURITY

    @post(
        "/import",
        guards=WRITE,
        status_code=200,
        summary="Import a collection from CSV",
        description="Check every row of a CSV collection (the morph must parse for the "
        "species; parents by code, from the collection or the file, must be a male sire and a "
        "female dam of the species; no duplicate codes; no cycles). With `dry_run` (the "
        "default) nothing is written and the report lists every row's problems. Without it, a "
        "file with any problem is a 422 listing them all and writes nothing; a clean file adds "
        "every animal (parents first) in one transaction.",
    )
    async def import_csv(
        self, actor: CallerActor, uow: UnitOfWork, data: JSONBody[ImportRequest]
    ) -> ImportReportView:
        """Import a collection."""
        return await _import(uow, actor, data.csv, dry_run=data.dry_run)

    @post(
        "/import/upload",
        guards=WRITE,
        status_code=200,
        request_max_body_size=MAX_CSV + 64 * 1024,
        summary="Import a collection from an uploaded CSV file",
        description="The same import as `POST /animals/import`, from a browser form "
        "(`multipart/form-data`): `file`, the CSV (UTF-8, a byte-order mark allowed; at most "
        f"{MAX_CSV:,} bytes), and `dry_run` (`true` by default: only check and report; `false` "
        "to import). A file that is empty or not UTF-8 is a 422.",
    )
    async def import_csv_upload(
        self, actor: CallerActor, uow: UnitOfWork, data: MultipartBody[ImportUpload]
    ) -> ImportReportView:
        """Import a collection from an uploaded file."""
        content = await data.file.read(MAX_CSV + 1)
        if len(content) > MAX_CSV:
            raise InvalidInput(
                f"The file is larger than {MAX_CSV:,} bytes.",
                field_errors={"file": f"at most {MAX_CSV:,} bytes"},
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
        return await _import(uow, actor, text, dry_run=data.dry_run)

    @get(
        "/export",
        guards=READ,
        summary="Export the collection as CSV",
        description="Every animal of the organisation as CSV, in the import's columns (parents "
        "by code), in code order.",
        media_type="text/csv",
    )
    async def export_csv(self, actor: CallerActor, uow: UnitOfWork) -> Response[str]:
        """Export the collection."""
        text = await export_collection(uow, actor)
        return Response(
            text,
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="collection.csv"'},
        )
