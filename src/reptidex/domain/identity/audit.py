"""The audit records of identity's changes: accounts, organisations, memberships and
invitations, as each use case stages them beside its events (``docs/ops.md``).

Password hashes and token digests are withheld by the audit trail's deny-list: a password
change is recorded as a change of ``password_hash`` by name, never with a value.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from reptidex.domain.audit import record_change, snapshot
from reptidex.domain.identity.model import Email, Invitation, Membership, Organisation, User
from reptidex.domain.identity.ports import IdentityUnitOfWork

PRODUCER = "core"

Entity = User | Organisation | Membership | Invitation

KINDS: dict[type, str] = {
    User: "user",
    Organisation: "organisation",
    Membership: "membership",
    Invitation: "invitation",
}


def fields_of(entity: Entity) -> dict[str, Any]:
    """An entity as its audit records show it (addresses as text; secrets are withheld later
    by :func:`~reptidex.domain.audit.diff`)."""
    values = {
        f.name: (value.value if isinstance(value, Email) else value)
        for f in dataclasses.fields(entity)
        if f.name != "id"
        for value in (getattr(entity, f.name),)
    }
    return snapshot(values)


def audit(
    uow: IdentityUnitOfWork,
    action: str,
    *,
    before: Entity | dict[str, Any] | None = None,
    after: Entity | None = None,
    actor_id: uuid.UUID | None,
    organisation_id: uuid.UUID | None = None,
) -> None:
    """Stage the record of a change to one entity: ``before`` (an entity, or the snapshot
    taken before it was changed in place) and ``after`` (``None`` for a removal)."""
    entity = after if after is not None else before
    assert isinstance(entity, Entity), "a change names the entity it changed"
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind=KINDS[type(entity)],
        resource_id=entity.id,
        action=action,
        actor_id=actor_id,
        organisation_id=organisation_id,
        before=fields_of(before) if isinstance(before, Entity) else before,
        after=None if after is None else fields_of(after),
    )
