"""The personal-data report's API shapes: JSON, and the CSV of its actors' resources."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from reptidex.domain.audit.compliance import ActorActivity, PersonalDataReport, ResourceActivity
from reptidex.services.kernel.csv_lines import csv_line
from reptidex.services.ops.schemas import AuditRecordView, view_of


class ResourceActivityView(msgspec.Struct, frozen=True):
    """What one actor did to one resource holding personal data: records of changes and of
    reads, and the first and last of them in the period."""

    service: str
    resource_kind: str
    resource_id: str
    changed: int
    accessed: int
    first_at: dt.datetime | None
    last_at: dt.datetime | None


class ActorActivityView(msgspec.Struct, frozen=True):
    """One actor (``null``: the platform, a worker or an operator's command) and the
    resources holding personal data they changed or read."""

    actor_id: uuid.UUID | None
    changed: int
    accessed: int
    resources: list[ResourceActivityView]


class RecordPage(msgspec.Struct, frozen=True):
    """A page of the records behind the report, newest first."""

    items: list[AuditRecordView]
    total: int
    limit: int
    offset: int


class PersonalDataReportView(msgspec.Struct, frozen=True):
    """Who changed or read personal data in the period (most active first), and the
    records behind it."""

    since: dt.datetime
    until: dt.datetime
    organisation_id: uuid.UUID | None
    user_id: uuid.UUID | None
    actors: list[ActorActivityView]
    records: RecordPage


def _resource(resource: ResourceActivity) -> ResourceActivityView:
    return ResourceActivityView(
        resource.service,
        resource.resource_kind,
        resource.resource_id,
        resource.changed,
        resource.accessed,
        resource.first_at,
        resource.last_at,
    )


def _actor(actor: ActorActivity) -> ActorActivityView:
    return ActorActivityView(
        actor.actor_id, actor.changed, actor.accessed, [_resource(r) for r in actor.resources]
    )


def report_view(report: PersonalDataReport) -> PersonalDataReportView:
    """The API view of a report."""
    query = report.query
    return PersonalDataReportView(
        since=query.since,
        until=query.until,
        organisation_id=query.organisation_id,
        user_id=query.subject_id,
        actors=[_actor(a) for a in report.actors],
        records=RecordPage(
            [view_of(e) for e in report.records], report.total, query.limit, query.offset
        ),
    )


CSV_COLUMNS = (
    "actor_id",
    "service",
    "resource_kind",
    "resource_id",
    "changed",
    "accessed",
    "first_at",
    "last_at",
)
"""The CSV's columns: one line per actor and resource."""


def report_csv(report: PersonalDataReport) -> bytes:
    """The report as CSV: a header, then one line per actor and resource."""
    lines = [csv_line(CSV_COLUMNS)]
    for actor in report.actors:
        for r in actor.resources:
            lines.append(
                csv_line(
                    [
                        actor.actor_id,
                        r.service,
                        r.resource_kind,
                        r.resource_id,
                        r.changed,
                        r.accessed,
                        r.first_at,
                        r.last_at,
                    ]
                )
            )
    return b"".join(lines)
