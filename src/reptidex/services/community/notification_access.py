"""What repti-community's notification controllers are given, and the caller as a sender."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TypeAlias

from reptidex.domain.notifications.model import Channel
from reptidex.domain.notifications.ports import AudienceUnitOfWork, LiveFeed
from reptidex.domain.notifications.sending import NotificationSender
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import Principal


@dataclass(frozen=True, slots=True)
class NotificationDesk:
    """What the notification endpoints need: units of work scoped to a user (or, with
    ``None``, to the platform), the channels the service sends on, the live feed, the key of
    unsubscribe links, the clock, and web push's accepted services and public key."""

    unit_of_work: Callable[[uuid.UUID | None], AbstractAsyncContextManager[AudienceUnitOfWork]]
    channels: frozenset[Channel]
    feed: LiveFeed
    unsubscribe_key: bytes
    clock: Callable[[], dt.datetime]
    push_services: tuple[str, ...]
    """The origins a push subscription may name."""
    vapid_public_key: str
    """The browsers' ``applicationServerKey``."""


NotificationsDependency: TypeAlias = Injected[NotificationDesk]
"""The ``notifications`` dependency."""


def sender_of(principal: Principal) -> NotificationSender:
    """The caller as the sender of notifications."""
    return NotificationSender(
        user_id=principal.user_id,
        service=principal.service,
        platform_admin=principal.platform_admin,
    )
