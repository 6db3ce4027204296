"""The consumer of repti-core's ``user.registered`` events: the forums note when each account
was registered (the start of its age, for the new-account slow mode), on the idempotent
consumer's session (the note and the event's mark commit together)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.forum_unit_of_work import SqlForumUnitOfWork
from reptidex.domain.events import DomainEvent

REGISTRATION_EVENT = "user.registered"
"""The event the forums follow."""


async def note_registration(event: DomainEvent, session: AsyncSession) -> None:
    """Note the registration of the event's user (no commit: the consumer's)."""
    try:
        user_id = uuid.UUID(str(event.payload["user_id"]))
    except (KeyError, ValueError):
        return
    uow = SqlForumUnitOfWork(session)
    await uow.scope(None, system=True)
    await uow.members.registered(user_id, event.occurred_at)
