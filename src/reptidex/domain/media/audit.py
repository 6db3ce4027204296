"""The audit records of repti-media's changes: a file uploaded or deleted, an organisation's
embedding rules changed; staged in the change's own transaction beside its events
(``docs/ops.md``). Renders, view counts and the copies of repti-animal's public data are
derived, not changes of record, and leave none."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from reptidex.domain.audit import record_change, snapshot
from reptidex.domain.events import DomainEvent
from reptidex.domain.media.events import PRODUCER
from reptidex.domain.media.files import StoredFile
from reptidex.domain.media.ports import Transaction


class _Staging:
    """A media unit of work as the outbox :func:`record_change` stages in."""

    def __init__(self, uow: Transaction) -> None:
        self._uow = uow

    def add(self, event: DomainEvent) -> None:
        self._uow.stage(event)


def file_fields(record: StoredFile) -> dict[str, Any]:
    """A file as its audit records show it: what it is and whom it shows, not where it is kept."""
    return snapshot(
        record,
        drop={"id", "source_sha256", "blob_key", "created_at", "width", "height", "thumbnails"},
    )


def audit(
    uow: Transaction,
    resource_kind: str,
    resource_id: uuid.UUID,
    action: str,
    *,
    organisation_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Stage the audit record of one change in the unit of work's outbox."""
    record_change(
        _Staging(uow),
        service=PRODUCER,
        resource_kind=resource_kind,
        resource_id=resource_id,
        action=action,
        actor_id=actor_id,
        organisation_id=organisation_id,
        before=before,
        after=after,
    )
