"""The background worker of notification deliveries: fires the reminders that fall due and
sends the due deliveries on their channels, woken by every commit of new deliveries or
reminders and polling for retries, reminders and deliveries held by quiet hours (each waits
out its own time, see
:class:`~reptidex.domain.notifications.model.DeliveryPolicy`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.community.notification_models import (
    NotificationDeliveryRow,
    NotificationRecipientRow,
    NotificationRow,
)
from reptidex.adapters.sql.community.notifications import (
    SqlDeliveryLog,
    SqlNotificationStore,
    bind_system,
    delivery_of,
    notification_of,
    recipient_of,
)
from reptidex.adapters.sql.community.reminders import SqlReminders
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.adapters.sql.poller import Poller
from reptidex.domain.notifications.delivery import attempt, stage_outcome
from reptidex.domain.notifications.model import (
    Channel,
    Delivery,
    DeliveryPolicy,
    DeliveryStatus,
    Recipient,
)
from reptidex.domain.notifications.ports import ChannelSender, OutgoingMessage
from reptidex.domain.notifications.reminders import fire_due

_log = structlog.get_logger("reptidex.notifications")

UnsubscribeLinks = Callable[[Delivery, str], str | None]
"""The one-click unsubscribe URL of a delivery of a notification of a kind (or ``None``)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DeliveryWorker(Poller):
    """Sends due deliveries; run :meth:`run` as a task, :meth:`stop` to end."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[Channel, ChannelSender],
        *,
        unsubscribe_links: UnsubscribeLinks = lambda delivery, kind: None,
        policy: DeliveryPolicy | None = None,
        poll_interval: float = 1.0,
        max_backoff: float = 60.0,
        batch_size: int = 20,
        lease: dt.timedelta = dt.timedelta(minutes=2),
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        super().__init__(
            batch_size=batch_size, poll_interval=poll_interval, max_backoff=max_backoff
        )
        self._sessions = sessions
        self.senders = senders
        self.unsubscribe_links = unsubscribe_links
        self.policy = policy or DeliveryPolicy()
        self.lease = lease
        self._clock = clock
        self.sent = 0
        self.failed = 0

    async def _due(
        self, session: AsyncSession, now: dt.datetime
    ) -> list[tuple[Delivery, OutgoingMessage]]:
        query = (
            select(NotificationDeliveryRow, NotificationRow, NotificationRecipientRow)
            .join(NotificationRow, NotificationRow.id == NotificationDeliveryRow.notification_id)
            .outerjoin(
                NotificationRecipientRow,
                NotificationRecipientRow.user_id == NotificationDeliveryRow.user_id,
            )
            .where(
                NotificationDeliveryRow.status == DeliveryStatus.QUEUED.value,
                NotificationDeliveryRow.next_attempt_at <= now,
            )
            .order_by(NotificationDeliveryRow.next_attempt_at, NotificationDeliveryRow.id)
            .limit(self.batch_size)
        )
        if session.bind.dialect.name == "postgresql":  # replicas share the work
            query = query.with_for_update(skip_locked=True, of=NotificationDeliveryRow)
        messages = []
        for delivery_row, notification_row, recipient_row in (await session.execute(query)).all():
            delivery = delivery_of(delivery_row)
            notification = notification_of(notification_row)
            recipient = (
                Recipient(delivery.user_id)
                if recipient_row is None
                else recipient_of(recipient_row)
            )
            link = self.unsubscribe_links(delivery, notification.kind)
            messages.append((delivery, OutgoingMessage(delivery.id, notification, recipient, link)))
        return messages

    async def fire_reminders(self) -> int:
        """Fire the reminders that fell due (up to a batch): their notifications and
        deliveries commit with their stamps; how many."""
        async with self._sessions() as session, session.begin():
            await bind_system(session)
            return await fire_due(
                SqlNotificationStore(session),
                SqlReminders(session),
                frozenset(self.senders),
                self._clock(),
                self.batch_size,
            )

    async def work_once(self) -> int:
        """One pass: the due reminders fired, then every due delivery (up to a batch)
        attempted once, side by side; how many deliveries.

        The due deliveries are leased in one short transaction, sent outside any, and their
        outcomes saved in another: no lock is held while a channel answers."""
        await self.fire_reminders()
        now = self._clock()
        async with self._sessions() as session, session.begin():
            await bind_system(session)
            due = await self._due(session, now)
            if due:
                await session.execute(
                    update(NotificationDeliveryRow)
                    .where(NotificationDeliveryRow.id.in_([d.id for d, _ in due]))
                    .values(next_attempt_at=now + self.lease)
                )
        outcomes = await asyncio.gather(
            *(attempt(d, m, self.senders, self.policy, self._clock) for d, m in due),
            return_exceptions=True,
        )
        async with self._sessions() as session, session.begin():
            await bind_system(session)
            log, outbox = SqlDeliveryLog(session), SqlOutbox(session, "community")
            for (delivery, _), outcome in zip(due, outcomes, strict=True):
                if isinstance(outcome, BaseException):  # a bug: due again after the lease
                    _log.error(
                        "notification attempt failed",
                        delivery_id=str(delivery.id),
                        error=repr(outcome),
                    )
                    continue
                await self._save(session, delivery)
                await log.add(outcome)
                stage_outcome(outbox, delivery, outcome.at)
                if delivery.status is DeliveryStatus.SENT:
                    self.sent += 1
                elif delivery.status is DeliveryStatus.FAILED:
                    self.failed += 1
                    _log.warning(
                        "notification_delivery_given_up",
                        delivery_id=str(delivery.id),
                        channel=str(delivery.channel),
                        attempts=delivery.attempts,
                        error=delivery.last_error,
                    )
        return len(due)

    @staticmethod
    async def _save(session: AsyncSession, delivery: Delivery) -> None:
        await session.execute(
            update(NotificationDeliveryRow)
            .where(NotificationDeliveryRow.id == delivery.id)
            .values(
                status=delivery.status.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                last_error=delivery.last_error,
                sent_at=delivery.sent_at,
                updated_at=dt.datetime.now(dt.UTC),
            )
        )

    async def run(self) -> None:
        """Work until :meth:`stop`: at once when woken, else every ``poll_interval``."""
        await self._loop(self._guarded_pass)

    async def _guarded_pass(self) -> tuple[int, bool]:
        try:
            return await self.work_once(), False
        except Exception as exc:  # the database is away: keep trying, with backoff
            _log.warning("notification delivery pass failed", error=repr(exc))
            return 0, True
