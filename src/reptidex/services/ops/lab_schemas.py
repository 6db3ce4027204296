"""The bodies of the lab integration endpoints."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Annotated

import msgspec

from reptidex.domain.integrations.labs.model import (
    ImportReport,
    LabIntegration,
    RowReport,
)
from reptidex.domain.integrations.labs.reading import MAX_FILE_BYTES
from reptidex.domain.spreadsheet_text import defused

LabName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
Header = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
ApiKey = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class LabColumns(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The header of each column of the lab's results files (found case-insensitively);
    ``animal`` (an animal's id or code) and ``result`` are required in a file, the others
    optional. An absent role keeps its own name as header (``report_id``)."""

    animal: Header = "animal"
    test: Header = "test"
    result: Header = "result"
    report_id: Header = "report_id"
    report_date: Header = "report_date"
    sample: Header = "sample"

    def to_mapping(self) -> dict[str, str]:
        """Role → header."""
        return {name: getattr(self, name) for name in self.__struct_fields__}


class ConfigureRequest(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="genetics_lab",
):
    """A genetics lab integration to make or change (``kind``: ``genetics_lab``): the lab's
    name (one integration per lab), its files' columns and, if the lab gives one, its API key
    (stored sealed, never shown again)."""

    lab: LabName
    columns: LabColumns = msgspec.field(default_factory=LabColumns)
    api_key: ApiKey | None = None


class LabIntegrationView(msgspec.Struct, frozen=True):
    """A lab integration (its API key only as ``has_api_key``)."""

    id: uuid.UUID
    kind: str
    lab: str
    columns: dict[str, str]
    has_api_key: bool
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


class ConfigureAnswer(LabIntegrationView, frozen=True):
    """The integration, and whether it was made now (``created``) or changed."""

    created: bool = False


class LabList(msgspec.Struct, frozen=True):
    """The organisation's lab integrations."""

    items: list[LabIntegrationView]


def lab_view(integration: LabIntegration) -> LabIntegrationView:
    """The body of an integration."""
    return LabIntegrationView(
        integration.id,
        "genetics_lab",
        integration.lab,
        dict(integration.columns),
        integration.api_key is not None,
        integration.created_at,
        integration.updated_at,
    )


class ImportRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A lab's results file as CSV text; ``dry_run`` (the default) only reports."""

    csv: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_FILE_BYTES)]
    dry_run: bool = True


class RowView(msgspec.Struct, frozen=True):
    """A row's outcome: ``applied`` (on a dry run: would be), ``unchanged``, ``conflict``
    (the record says otherwise: not overwritten), ``bad`` (unknown animal or gene, ambiguous
    or contradictory result, unreadable cell) or ``failed`` (repti-animal refused)."""

    line: int
    outcome: str
    detail: str
    animal: str
    animal_id: uuid.UUID | None
    gene: str | None
    finding: str | None
    report_id: str
    morph_before: str | None
    morph_after: str | None


class ImportView(msgspec.Struct, frozen=True):
    """What an import did (or, on a dry run, would do): rows per outcome, and every row."""

    integration_id: uuid.UUID
    lab: str
    dry_run: bool
    summary: dict[str, int]
    rows: list[RowView]


def _row_view(row: RowReport) -> RowView:
    return RowView(
        row.line,
        row.outcome.value,
        row.detail,
        row.animal,
        row.animal_id,
        row.gene,
        None if row.finding is None else row.finding.value,
        row.report_id,
        row.morph_before,
        row.morph_after,
    )


def import_view(report: ImportReport) -> ImportView:
    """The body of an import's report."""
    return ImportView(
        report.integration_id,
        report.lab,
        report.dry_run,
        report.summary(),
        [_row_view(row) for row in report.rows],
    )


CSV_COLUMNS = tuple(RowView.__struct_fields__)


def import_csv(report: ImportReport) -> str:
    """The report's rows as CSV, every text cell defused against spreadsheet formulas (the
    cells echo the lab's file)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        view = _row_view(row)
        writer.writerow(
            [
                "" if value is None else defused(str(value))
                for value in (getattr(view, name) for name in CSV_COLUMNS)
            ]
        )
    return out.getvalue()
