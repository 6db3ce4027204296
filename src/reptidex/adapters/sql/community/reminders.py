"""Scheduled reminders in repti-community's database (only the platform's transactions, bound
with :func:`~reptidex.adapters.sql.community.notifications.bind_system`, see them)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.notification_models import NotificationReminderRow
from reptidex.adapters.sql.community.notifications import DELIVERY_QUEUE
from reptidex.adapters.sql.outbox_store import wake_after_commit
from reptidex.domain.notifications.reminders import Reminder

PENDING, SENT, CANCELLED = "pending", "sent", "cancelled"


def reminder_of(row: NotificationReminderRow) -> Reminder:
    """The reminder a row holds."""
    return Reminder(
        id=row.id,
        organisation_id=row.organisation_id,
        subject_id=row.subject_id,
        kind=row.kind,
        parameters=dict(row.parameters),
        link=row.link,
        event_id=row.event_id,
        due_at=row.due_at,
        status=row.status,
    )


class SqlReminders:
    """The :class:`~reptidex.domain.notifications.reminders.Reminders` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, reminder: Reminder) -> None:
        """Schedule it, unless its subject has one of its kind already; wakes the worker."""
        known = await self._session.scalar(
            select(NotificationReminderRow.id).where(
                NotificationReminderRow.subject_id == reminder.subject_id,
                NotificationReminderRow.kind == reminder.kind,
            )
        )
        if known is not None:
            return
        now = dt.datetime.now(dt.UTC)
        self._session.add(
            NotificationReminderRow(
                id=reminder.id,
                organisation_id=reminder.organisation_id,
                subject_id=reminder.subject_id,
                kind=reminder.kind,
                parameters=reminder.parameters,
                link=reminder.link,
                event_id=reminder.event_id,
                due_at=reminder.due_at,
                status=PENDING,
                created_at=now,
                updated_at=now,
            )
        )
        await self._session.flush()
        wake_after_commit(self._session, DELIVERY_QUEUE)

    async def cancel(self, subject_id: str, kind: str) -> None:
        """Cancel the pending one."""
        await self._session.execute(
            update(NotificationReminderRow)
            .where(
                NotificationReminderRow.subject_id == subject_id,
                NotificationReminderRow.kind == kind,
                NotificationReminderRow.status == PENDING,
            )
            .values(status=CANCELLED, updated_at=dt.datetime.now(dt.UTC))
        )

    async def due(self, now: dt.datetime, limit: int) -> list[Reminder]:
        """Pending and due, earliest first; locked (``SKIP LOCKED`` on PostgreSQL)."""
        query = (
            select(NotificationReminderRow)
            .where(NotificationReminderRow.status == PENDING, NotificationReminderRow.due_at <= now)
            .order_by(NotificationReminderRow.due_at, NotificationReminderRow.id)
            .limit(limit)
        )
        if self._session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [reminder_of(row) for row in await self._session.scalars(query)]

    async def mark_sent(self, reminder_id: uuid.UUID) -> None:
        """Stamp it fired."""
        await self._session.execute(
            update(NotificationReminderRow)
            .where(NotificationReminderRow.id == reminder_id)
            .values(status=SENT, updated_at=dt.datetime.now(dt.UTC))
        )
