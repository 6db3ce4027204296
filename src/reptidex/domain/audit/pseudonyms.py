"""Pseudonymising a user's audit records for a GDPR erasure: the record of each change stays
(law and the chain need it), the user's id becomes a pseudonym and their contact details go.

A pseudonymised record no longer matches its chain hash; repti-ops keeps the hash of its new
content beside it, which verification accepts in place of the original (``docs/ops.md``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from reptidex.domain.audit.record import AuditRecord
from reptidex.domain.privacy.inventory import CONTACT_FIELDS

PERSONAL_FIELDS: frozenset[str] = CONTACT_FIELDS
"""Fields of a user's records whose values are their contact details (the personal-data
inventory's, :mod:`reptidex.domain.privacy.inventory`)."""

ERASED = "<erased>"
"""What replaces a contact detail."""


def personal_values(records: Collection[AuditRecord]) -> set[str]:
    """The contact details (address, display name) a user's own records show.

    >>> r = AuditRecord(id=uuid.UUID(int=1), occurred_at=__import__("datetime").datetime.now(),
    ...     service="core", resource_kind="user", resource_id="u", action="created",
    ...     after={"email": "ann@example.org", "display_name": None, "platform_admin": False})
    >>> personal_values([r])
    {'ann@example.org'}
    """
    found: set[str] = set()
    for record in records:
        for side in (record.before, record.after):
            found.update(
                value
                for key, value in side.items()
                if key in PERSONAL_FIELDS and isinstance(value, str) and value
            )
    return found


def _replace(value: Any, user: str, pseudonym: str, details: Collection[str]) -> Any:
    if isinstance(value, str):
        if value == user:
            return pseudonym
        return ERASED if value in details else value
    if isinstance(value, dict):
        return {k: _replace(v, user, pseudonym, details) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, user, pseudonym, details) for v in value]
    return value


def pseudonymised(
    record: AuditRecord, user_id: uuid.UUID, pseudonym: uuid.UUID, details: Collection[str]
) -> AuditRecord:
    """``record`` with ``user_id`` replaced by ``pseudonym`` (as actor, resource, or any value
    of its changed fields) and each of ``details`` replaced by :data:`ERASED`."""
    user, alias = str(user_id), str(pseudonym)
    return AuditRecord(
        id=record.id,
        occurred_at=record.occurred_at,
        service=record.service,
        actor_id=pseudonym if record.actor_id == user_id else record.actor_id,
        organisation_id=record.organisation_id,
        request_id=record.request_id,
        resource_kind=record.resource_kind,
        resource_id=alias if record.resource_id == user else record.resource_id,
        action=record.action,
        before=_replace(record.before, user, alias, details),
        after=_replace(record.after, user, alias, details),
        withheld=list(record.withheld),
    )
