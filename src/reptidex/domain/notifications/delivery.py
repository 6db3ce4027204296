"""One attempt of a delivery on its channel, and what it leaves: the delivery's new state, a
line in the notification's log, and on the last outcome an event and an audit record.

A failed attempt is tried again after the policy's backoff until the attempts run out;
then the delivery is ``failed``. Delivery is at least once: a worker that dies between the
send and the save sends again, with the same delivery id (email's ``Message-ID``), which
receivers deduplicate by.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from reptidex.domain.audit import record_change
from reptidex.domain.events import Outbox, new_event
from reptidex.domain.notifications.events import PRODUCER, NotificationDelivered
from reptidex.domain.notifications.model import (
    Channel,
    Delivery,
    DeliveryPolicy,
    DeliveryStatus,
    LogEntry,
    LogStatus,
)
from reptidex.domain.notifications.ports import ChannelSender, OutgoingMessage

MAX_ERROR = 300


async def attempt(
    delivery: Delivery,
    message: OutgoingMessage,
    senders: Mapping[Channel, ChannelSender],
    policy: DeliveryPolicy,
    clock: Callable[[], dt.datetime],
) -> LogEntry:
    """Send ``message`` once on ``delivery``'s channel and update ``delivery``; the log line."""
    sender = senders.get(delivery.channel)
    error: str | None = None
    if sender is None:
        error = f"no {delivery.channel} sender is configured"
    else:
        try:
            await sender.send(message)
        except Exception as exc:  # whatever the channel raised, it did not take the message
            error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
    now = clock()
    delivery.attempts += 1
    if error is None:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now
        delivery.last_error = None
        return LogEntry(
            delivery.notification_id, delivery.user_id, LogStatus.SENT, now, delivery.channel
        )
    delivery.last_error = error
    if delivery.attempts >= policy.attempts:
        delivery.status = DeliveryStatus.FAILED
        detail = f"attempt {delivery.attempts}: {error}; given up"
    else:
        delivery.next_attempt_at = now + policy.delay(delivery.attempts)
        detail = (
            f"attempt {delivery.attempts}: {error}; next at {delivery.next_attempt_at.isoformat()}"
        )
    return LogEntry(
        delivery.notification_id, delivery.user_id, LogStatus.FAILED, now, delivery.channel, detail
    )


def stage_outcome(outbox: Outbox, delivery: Delivery, now: dt.datetime) -> None:
    """Announce and audit a delivery that reached its last state (sent or given up)."""
    if delivery.status is DeliveryStatus.QUEUED:
        return
    sent = delivery.status is DeliveryStatus.SENT
    outbox.add(
        new_event(
            "notification.delivered" if sent else "notification.failed",
            producer=PRODUCER,
            payload=NotificationDelivered(
                notification_id=delivery.notification_id,
                delivery_id=delivery.id,
                user_id=delivery.user_id,
                channel=str(delivery.channel),
                attempts=delivery.attempts,
                error=delivery.last_error,
            ),
            occurred_at=now,
        )
    )
    record_change(
        outbox,
        service=PRODUCER,
        resource_kind="notification_delivery",
        resource_id=delivery.id,
        action="sent" if sent else "failed",
        actor_id=None,
        organisation_id=None,
        before={"status": DeliveryStatus.QUEUED.value},
        after={
            "status": delivery.status.value,
            "attempts": delivery.attempts,
            "channel": str(delivery.channel),
        },
        occurred_at=now,
    )
