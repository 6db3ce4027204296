"""The personal-data report (GDPR and SOC 2 evidence): who changed or read personal data in a
period, per actor and resource, with the records behind it.

A record is about personal data when its resource kind is in the personal-data inventory
(:mod:`reptidex.domain.privacy.inventory`) and the change touches it (every change of an
account or a membership; a listing's only where it names its creator), or when it records an
access (action ``accessed``). The report reads the records its reader may read
(:func:`~reptidex.domain.audit.reading.reading_scope`: platform administrators all, an
organisation's owners their organisation's).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from reptidex.domain.audit.chain import ChainedRecord
from reptidex.domain.audit.ports import AuditQuery, AuditTrail
from reptidex.domain.audit.reading import AuditReader, reading_scope
from reptidex.domain.audit.record import ACCESSED, AuditRecord
from reptidex.domain.errors import InvalidInput
from reptidex.domain.privacy.inventory import (
    PERSONAL_DATA,
    is_personal_change,
    names_person,
    personal_kind,
)

PERSONAL_KINDS: tuple[tuple[str, str], ...] = tuple(
    (kind.service, kind.resource_kind) for kind in PERSONAL_DATA
)
"""The (service, resource kind) pairs whose records may hold personal data."""


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """A period (``since`` inclusive, ``until`` exclusive), optionally one organisation's
    records or those about one user (``subject_id``), and a page of the records."""

    since: dt.datetime
    until: dt.datetime
    organisation_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    limit: int = 50
    offset: int = 0


@dataclass(slots=True)
class ResourceActivity:
    """What one actor did to one resource holding personal data in the period."""

    service: str
    resource_kind: str
    resource_id: str
    changed: int = 0
    accessed: int = 0
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None


@dataclass(slots=True)
class ActorActivity:
    """One actor (``None``: the platform, a worker or an operator's command) and the
    resources holding personal data they changed or read."""

    actor_id: uuid.UUID | None
    changed: int = 0
    accessed: int = 0
    resources: list[ResourceActivity] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PersonalDataReport:
    """Every actor's activity (most active first), and a page of the records behind it
    (newest first) with their total."""

    query: ReportQuery
    actors: list[ActorActivity]
    records: list[ChainedRecord]
    total: int


def is_personal_data(record: AuditRecord) -> bool:
    """Whether ``record`` is a change or a read of personal data."""
    if record.action == ACCESSED:
        return True
    kind = personal_kind(record.service, record.resource_kind)
    return kind is not None and is_personal_change(kind, record.before, record.after)


def concerns(record: AuditRecord, subject_id: uuid.UUID) -> bool:
    """Whether ``record`` is about the user ``subject_id``'s data: their account (or a
    resource keyed by it), or a resource whose recorded values name them."""
    subject = str(subject_id)
    if record.resource_id == subject or record.resource_id.startswith(f"{subject}:"):
        return True
    kind = personal_kind(record.service, record.resource_kind)
    return kind is not None and names_person(
        kind, record.resource_id, record.before, record.after, subject
    )


class _Tally:
    def __init__(self) -> None:
        self.actors: dict[uuid.UUID | None, ActorActivity] = {}
        self.resources: dict[tuple[uuid.UUID | None, str, str, str], ResourceActivity] = {}

    def add(self, record: AuditRecord) -> None:
        actor = self.actors.get(record.actor_id)
        if actor is None:
            actor = self.actors[record.actor_id] = ActorActivity(record.actor_id)
        key = (record.actor_id, record.service, record.resource_kind, record.resource_id)
        resource = self.resources.get(key)
        if resource is None:
            resource = self.resources[key] = ResourceActivity(*key[1:])
            actor.resources.append(resource)
        if record.action == ACCESSED:
            actor.accessed += 1
            resource.accessed += 1
        else:
            actor.changed += 1
            resource.changed += 1
        when = record.occurred_at
        resource.first_at = when if resource.first_at is None else min(resource.first_at, when)
        resource.last_at = when if resource.last_at is None else max(resource.last_at, when)

    def ranked(self) -> list[ActorActivity]:
        for actor in self.actors.values():
            actor.resources.sort(key=lambda r: (r.service, r.resource_kind, r.resource_id))
        return sorted(
            self.actors.values(),
            key=lambda a: (a.actor_id is None, -(a.changed + a.accessed), str(a.actor_id)),
        )


async def personal_data_report(
    trail: AuditTrail, reader: AuditReader, query: ReportQuery
) -> PersonalDataReport:
    """Who changed or read personal data in ``query``'s period, as ``reader`` may see it.

    Raises:
        PermissionDenied: for anyone but an owner (of their own organisation) or a platform
            administrator.
        InvalidInput: a period that ends before it starts.
    """
    if query.until <= query.since:
        raise InvalidInput(
            "`until` must be later than `since`.", field_errors={"until": "not after since"}
        )
    candidates = AuditQuery(
        organisation_id=query.organisation_id,
        since=query.since,
        until=query.until,
        kinds_or_access=PERSONAL_KINDS,
    )
    scope = reading_scope(reader, candidates)
    tally = _Tally()
    page: list[ChainedRecord] = []
    total = 0
    async for entry in trail.export(candidates, scope):
        record = entry.record
        if not is_personal_data(record):
            continue
        if query.subject_id is not None and not concerns(record, query.subject_id):
            continue
        tally.add(record)
        if query.offset <= total < query.offset + query.limit:
            page.append(entry)
        total += 1
    return PersonalDataReport(query, tally.ranked(), page, total)
