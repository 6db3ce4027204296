"""The in-app channel as its user sees it: the notifications page by page, how many are
unread, marking them read (one or all), and each one's delivery log."""

from __future__ import annotations

import datetime as dt
import uuid

from reptidex.domain.audit import record_change
from reptidex.domain.errors import NotFound
from reptidex.domain.events import new_event
from reptidex.domain.notifications.events import PRODUCER, NotificationRead
from reptidex.domain.notifications.model import LogEntry, LogStatus, Notification
from reptidex.domain.notifications.ports import NotificationUnitOfWork

MARK_ALL_BATCH = 1000
"""Notifications one "mark all read" stamps (a user with more calls it again)."""


async def read_page(
    uow: NotificationUnitOfWork, user_id: uuid.UUID, unread_only: bool, limit: int, offset: int
) -> tuple[list[Notification], int, int]:
    """A page of the user's notifications (newest first), their total and the unread count."""
    found, total = await uow.notifications.page(user_id, unread_only, limit, offset)
    return found, total, await uow.notifications.unread_count(user_id)


async def _stamp(
    uow: NotificationUnitOfWork, user_id: uuid.UUID, ids: list[uuid.UUID], now: dt.datetime
) -> None:
    if not ids:
        return
    await uow.notifications.mark_read(user_id, ids, now)
    for notification_id in ids:
        await uow.log.add(LogEntry(notification_id, user_id, LogStatus.READ, now))
        record_change(
            uow.outbox,
            service=PRODUCER,
            resource_kind="notification",
            resource_id=notification_id,
            action="read",
            actor_id=user_id,
            organisation_id=None,
            before={"read_at": None},
            after={"read_at": now},
            occurred_at=now,
        )
    uow.outbox.add(
        new_event(
            "notification.read",
            producer=PRODUCER,
            payload=NotificationRead(user_id=user_id, notification_ids=ids),
            actor_id=user_id,
            occurred_at=now,
        )
    )


async def mark_read(
    uow: NotificationUnitOfWork, user_id: uuid.UUID, notification_id: uuid.UUID, now: dt.datetime
) -> Notification:
    """Mark one of the user's notifications read (reading it again changes nothing); commit."""
    notification = await uow.notifications.get(user_id, notification_id)
    if notification is None:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        await _stamp(uow, user_id, [notification_id], now)
        notification.read_at = now
        await uow.commit()
    return notification


async def mark_all_read(uow: NotificationUnitOfWork, user_id: uuid.UUID, now: dt.datetime) -> int:
    """Mark the user's unread notifications read (up to :data:`MARK_ALL_BATCH`); commit; how
    many."""
    ids = await uow.notifications.unread_ids(user_id, MARK_ALL_BATCH)
    await _stamp(uow, user_id, ids, now)
    await uow.commit()
    return len(ids)


async def delivery_log(
    uow: NotificationUnitOfWork, user_id: uuid.UUID, notification_id: uuid.UUID
) -> list[LogEntry]:
    """What happened to one of the user's notifications, oldest first."""
    if await uow.notifications.get(user_id, notification_id) is None:
        raise NotFound("No such notification.")
    return await uow.log.of(user_id, notification_id)
