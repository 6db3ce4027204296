"""How a use case records a change: :func:`record_change` in the unit of work it commits.

Any service with an outbox uses it the same way, in the transaction of the change::

    record_change(uow.outbox, service="commerce", resource_kind="listing",
                  resource_id=str(listing.id), action="updated",
                  actor_id=actor.user_id, organisation_id=actor.organisation_id,
                  before=snapshot(old), after=snapshot(new))
    await uow.commit()   # the change and its record commit together, or neither does
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from typing import Any

from reptidex.domain.audit.changes import diff
from reptidex.domain.audit.correlation import current_request_id
from reptidex.domain.audit.record import ACCESSED, AuditRecord, audit_event
from reptidex.domain.events import Outbox
from reptidex.domain.time_ordered_ids import time_ordered_id


def record_change(
    outbox: Outbox,
    *,
    service: str,
    resource_kind: str,
    resource_id: str | uuid.UUID,
    action: str,
    actor_id: uuid.UUID | None,
    organisation_id: uuid.UUID | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    withhold: Collection[str] = (),
    changed_secrets: Collection[str] = (),
    occurred_at: dt.datetime | None = None,
) -> AuditRecord:
    """Stage the audit record of one change in ``outbox`` (the change's transaction).

    ``before``/``after`` are snapshots (:func:`~reptidex.domain.audit.snapshot`) of the
    resource, ``None`` for the side that does not exist; only the fields that differ are kept,
    and withheld ones (secrets, or named in ``withhold``) by name only. ``changed_secrets``
    names secrets that changed though no snapshot holds them (a new password hash).
    """
    change = diff(before, after, withhold=withhold)
    record = AuditRecord(
        id=time_ordered_id(),
        occurred_at=occurred_at or dt.datetime.now(dt.UTC),
        service=service,
        actor_id=actor_id,
        organisation_id=organisation_id,
        request_id=current_request_id.get(),
        resource_kind=resource_kind,
        resource_id=str(resource_id),
        action=action,
        before=change.before,
        after=change.after,
        withheld=sorted({*change.withheld, *changed_secrets}),
    )
    outbox.add(audit_event(record))
    return record


def record_access(
    outbox: Outbox,
    *,
    service: str,
    resource_kind: str,
    resource_id: str | uuid.UUID,
    actor_id: uuid.UUID | None,
    organisation_id: uuid.UUID | None,
    read: Collection[str],
    purpose: str,
) -> AuditRecord:
    """Stage the audit record of a read of personal data (action ``accessed``) in ``outbox``:
    who read which fields of which resource, and why (``purpose``: the endpoint's name for
    it, such as ``admin_user_search``). Its ``after`` holds ``read`` and ``purpose``; no value
    read is recorded.

    >>> from reptidex.domain.events import DomainEvent
    >>> class Box(list[DomainEvent]):
    ...     add = list.append
    >>> record = record_access(Box(), service="core", resource_kind="user", resource_id="u1",
    ...     actor_id=None, organisation_id=None, read={"email", "display_name"},
    ...     purpose="admin_user_search")
    >>> record.action, record.after
    ('accessed', {'purpose': 'admin_user_search', 'read': ['display_name', 'email']})
    """
    return record_change(
        outbox,
        service=service,
        resource_kind=resource_kind,
        resource_id=resource_id,
        action=ACCESSED,
        actor_id=actor_id,
        organisation_id=organisation_id,
        after={"read": sorted(read), "purpose": purpose},
    )
