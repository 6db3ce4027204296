"""An applied import (a lab's results, a partner's listings) leaves its audit record and its
event, committed together in the organisation's transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import msgspec

from reptidex.domain.audit import record_change
from reptidex.domain.events import new_event
from reptidex.domain.events.ports import Outbox
from reptidex.domain.integrations.subscriptions import Manager

PRODUCER = "ops"


class ImportTransaction(Protocol):
    """What recording an import needs of a unit of work: its outbox and its commit."""

    @property
    def outbox(self) -> Outbox:
        """The outbox (events and audit records)."""
        ...

    async def commit(self) -> None:
        """Commit the staged records and events."""
        ...


async def record_import(
    transaction: AbstractAsyncContextManager[ImportTransaction],
    manager: Manager,
    now: dt.datetime,
    *,
    resource_kind: str,
    event_type: str,
    details: Mapping[str, Any],
    payload: Callable[[uuid.UUID], msgspec.Struct],
) -> uuid.UUID:
    """Record that ``manager`` applied an import at ``now``: an audit record of
    ``resource_kind`` (action ``imported``, ``details`` after) and an ``event_type`` event of
    ``payload(import_id)``. Returns the import's id."""
    import_id = uuid.uuid4()
    async with transaction as uow:
        record_change(
            uow.outbox,
            service=PRODUCER,
            resource_kind=resource_kind,
            resource_id=import_id,
            action="imported",
            actor_id=manager.user_id,
            organisation_id=manager.organisation_id,
            occurred_at=now,
            after=details,
        )
        uow.outbox.add(
            new_event(
                event_type,
                producer=PRODUCER,
                payload=payload(import_id),
                organisation_id=manager.organisation_id,
                actor_id=manager.user_id,
                occurred_at=now,
            )
        )
        await uow.commit()
    return import_id
