"""Reminders: notifications an event schedules for later, fired by the delivery worker when
they fall due. A clutch recorded in repti-animal schedules its hatch reminder
(:mod:`.incubation`) two days before it is due; its hatching cancels it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from reptidex.domain.notifications.audience import fire
from reptidex.domain.notifications.incubation import due_date
from reptidex.domain.notifications.model import Channel
from reptidex.domain.notifications.ports import AudienceUnitOfWork
from reptidex.domain.notifications.sending import Request
from reptidex.domain.notifications.triggers import ForOrganisation

HATCH_NOTICE = dt.timedelta(days=2)
"""How long before a clutch is due its reminder goes out."""


@dataclass(slots=True)
class Reminder:
    """A notification for an organisation's members, due at ``due_at``."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    subject_id: str
    kind: str
    parameters: dict[str, str]
    link: str | None
    event_id: uuid.UUID
    due_at: dt.datetime
    status: str = "pending"
    data: dict[str, Any] = field(default_factory=dict)


class Reminders(Protocol):
    """Scheduled reminders."""

    async def add(self, reminder: Reminder) -> None:
        """Schedule one (a second for the same subject and kind replaces nothing)."""

    async def cancel(self, subject_id: str, kind: str) -> None:
        """Cancel the pending reminder of ``subject_id``."""

    async def due(self, now: dt.datetime, limit: int) -> list[Reminder]:
        """Up to ``limit`` pending reminders due by ``now``, earliest first, locked."""

    async def mark_sent(self, reminder_id: uuid.UUID) -> None:
        """Stamp one fired."""


async def schedule_hatch(
    reminders: Reminders,
    event_id: uuid.UUID,
    organisation_id: uuid.UUID,
    payload: Mapping[str, Any],
    now: dt.datetime,
) -> Reminder | None:
    """``breeding.clutch_recorded``: the clutch's hatch reminder, due :data:`HATCH_NOTICE`
    before the day it is due (at once when that is past); ``None`` when no date is known."""
    laid_on = dt.date.fromisoformat(str(payload["laid_on"]))
    expected = payload.get("expected_hatch")
    temperature = payload.get("incubation_temperature")
    due = due_date(
        laid_on,
        payload.get("species"),
        None if temperature is None else float(temperature),
        None if not expected else dt.date.fromisoformat(str(expected)),
    )
    if due is None:
        return None
    clutch = str(payload["clutch_id"])
    at = dt.datetime.combine(due - HATCH_NOTICE, dt.time(), tzinfo=dt.UTC)
    reminder = Reminder(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        subject_id=clutch,
        kind="clutch.due",
        parameters={
            "clutch_id": clutch[:8],
            "laid_on": laid_on.isoformat(),
            "due_on": due.isoformat(),
        },
        link=f"/clutches/{clutch}",
        event_id=event_id,
        due_at=max(at, now),
    )
    await reminders.add(reminder)
    return reminder


async def fire_due(
    uow: AudienceUnitOfWork,
    reminders: Reminders,
    channels: Collection[Channel],
    now: dt.datetime,
    limit: int,
) -> int:
    """Notify the members of each reminder due by ``now`` and stamp it; how many fired.
    Does not commit."""
    due = await reminders.due(now, limit)
    for reminder in due:
        request = Request(reminder.kind, reminder.parameters, reminder.event_id, reminder.link)
        await fire(uow, ForOrganisation(reminder.organisation_id, request), channels, now)
        await reminders.mark_sent(reminder.id)
    return len(due)
