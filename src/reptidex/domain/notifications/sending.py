"""Sending: who may notify whom, and one notification stored, queued on each channel the
recipient takes, logged, announced and audited in the caller's unit of work.

Who may send (``POST /notifications/send``): another service (its token), or a platform
administrator, to any users; a user only to themselves (to try their channels out). Events
the service consumes notify as the platform.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from reptidex.domain.audit import record_change
from reptidex.domain.errors import PermissionDenied
from reptidex.domain.events import new_event
from reptidex.domain.notifications.events import PRODUCER, NotificationCreated
from reptidex.domain.notifications.model import (
    OUTSIDE_CHANNELS,
    Channel,
    Delivery,
    LogEntry,
    LogStatus,
    Notification,
    Recipient,
)
from reptidex.domain.notifications.ports import NotificationUnitOfWork
from reptidex.domain.notifications.preferences import enabled
from reptidex.domain.notifications.quiet_hours import quiet_until
from reptidex.domain.notifications.templates import check_kind, render

MAX_RECIPIENTS = 500
"""Recipients of one ``POST /notifications/send``."""


@dataclass(frozen=True, slots=True)
class NotificationSender:
    """Who asks for a notification: a service, a platform admin, or a user."""

    user_id: uuid.UUID | None
    service: str | None = None
    platform_admin: bool = False

    def check_may_send(self, recipients: Collection[uuid.UUID]) -> None:
        """Refuse a user who notifies anyone but themselves."""
        if self.service is not None or self.platform_admin:
            return
        if self.user_id is None or any(user != self.user_id for user in recipients):
            raise PermissionDenied(
                "Only services and platform administrators notify other users; "
                "a user may send notifications to themselves only."
            )


PLATFORM = NotificationSender(user_id=None, service=PRODUCER)
"""The platform itself, for notifications its event consumers send."""


@dataclass(frozen=True, slots=True)
class Request:
    """One kind of notification for some users."""

    kind: str
    parameters: Mapping[str, str]
    event_id: uuid.UUID
    link: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


def _address(recipient: Recipient, channel: Channel) -> str | None:
    if channel is Channel.EMAIL:
        return recipient.email
    if channel is Channel.SMS:
        return recipient.phone
    return None


async def notify(
    uow: NotificationUnitOfWork,
    sender: NotificationSender,
    user_id: uuid.UUID,
    request: Request,
    channels: Collection[Channel],
    now: dt.datetime,
) -> tuple[Notification, bool]:
    """Store ``request`` for ``user_id`` and queue it on each of ``channels`` (those the
    service can send on) that the user takes and has an address for; ``(notification,
    whether it is new)``. A second request with the same event id changes nothing and gives
    the first notification back. Does not commit.

    A delivery due in the user's quiet hours waits for their end; push needs a web push
    subscription."""
    known = await uow.notifications.for_event(user_id, request.event_id)
    if known is not None:
        return known, False
    recipient = await uow.recipients.get(user_id) or Recipient(user_id)
    rendered = render(request.kind, recipient.language, request.parameters)
    notification = Notification(
        id=uuid.uuid4(),
        user_id=user_id,
        kind=request.kind,
        title=rendered.title,
        body=rendered.body,
        link=request.link,
        language=rendered.language,
        event_id=request.event_id,
        created_at=now,
        data=dict(request.data),
    )
    await uow.notifications.add(notification)
    await uow.log.add(LogEntry(notification.id, user_id, LogStatus.SENT, now, Channel.IN_APP))
    choices = await uow.preferences.of(user_id)
    held = quiet_until(now, recipient.time_zone, recipient.quiet_start, recipient.quiet_end)
    queued: list[Channel] = [Channel.IN_APP]
    for channel in OUTSIDE_CHANNELS:
        if channel not in channels or not enabled(choices, request.kind, channel):
            continue
        if channel is Channel.PUSH:
            reachable: object = await uow.push_subscriptions.of(user_id)
        else:
            reachable = _address(recipient, channel)
        if not reachable:
            continue
        delivery = Delivery(uuid.uuid4(), notification.id, user_id, channel, now, held or now)
        await uow.deliveries.add(delivery)
        detail = "" if held is None else f"held for quiet hours until {held.isoformat()}"
        await uow.log.add(
            LogEntry(notification.id, user_id, LogStatus.QUEUED, now, channel, detail)
        )
        queued.append(channel)
    uow.outbox.add(
        new_event(
            "notification.created",
            producer=PRODUCER,
            payload=NotificationCreated(
                notification_id=notification.id,
                user_id=user_id,
                kind=notification.kind,
                source_event_id=request.event_id,
                channels=[str(c) for c in queued],
            ),
            actor_id=sender.user_id,
            occurred_at=now,
        )
    )
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="notification",
        resource_id=notification.id,
        action="created",
        actor_id=sender.user_id,
        organisation_id=None,
        after={
            "user_id": user_id,
            "kind": notification.kind,
            "title": notification.title,
            "channels": [str(c) for c in queued],
            "sender": sender.service or ("platform admin" if sender.platform_admin else "user"),
        },
        occurred_at=now,
    )
    return notification, True


async def send(
    uow: NotificationUnitOfWork,
    sender: NotificationSender,
    users: Collection[uuid.UUID],
    request: Request,
    channels: Collection[Channel],
    now: dt.datetime,
) -> list[tuple[Notification, bool]]:
    """``POST /notifications/send``: check the sender and the kind, notify every user (each
    once, in the order given) and commit."""
    sender.check_may_send(users)
    check_kind(request.kind, request.parameters)
    results = []
    for user_id in dict.fromkeys(users):
        results.append(await notify(uow, sender, user_id, request, channels, now))
    await uow.commit()
    return results
