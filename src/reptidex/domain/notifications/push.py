"""Web push subscriptions: a browser's push service endpoint and keys, kept for its user.

The service posts to the endpoint, so only the browsers' push services are accepted (their
origins, :data:`PUSH_SERVICES`): a subscription cannot make the platform call anything else.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import fnmatch
import uuid
from collections.abc import Collection
from urllib.parse import urlsplit

from reptidex.domain.audit import record_change
from reptidex.domain.errors import InvalidInput, NotFound
from reptidex.domain.events import new_event
from reptidex.domain.notifications.events import PRODUCER
from reptidex.domain.notifications.model import PushSubscription
from reptidex.domain.notifications.ports import NotificationUnitOfWork

PUSH_SERVICES: tuple[str, ...] = (
    "https://fcm.googleapis.com",
    "https://updates.push.services.mozilla.com",
    "https://web.push.apple.com",
    "https://*.notify.windows.com",
)
"""The origins of the browsers' push services (Chrome and Edge's FCM, Firefox, Safari,
Windows); ``*`` stands for one or more labels."""
MAX_SUBSCRIPTIONS = 10
"""Browsers one user may receive push on."""


def decoded(text: str) -> bytes:
    """Unpadded base64url (as browsers give the keys), decoded; :class:`ValueError` if not."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def origin_of(endpoint: str) -> str:
    """The scheme, host and port of ``endpoint``.

    >>> origin_of("https://fcm.googleapis.com/fcm/send/abc")
    'https://fcm.googleapis.com'
    """
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def check_subscription(
    endpoint: str, p256dh: str, auth: str, services: Collection[str] = PUSH_SERVICES
) -> None:
    """Refuse an endpoint outside ``services`` or keys that are not a P-256 point and a
    16-byte secret (:class:`InvalidInput`).

    >>> check_subscription("https://evil.example/x", "", "")
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: The endpoint is not a browser's push service.
    """
    parts = urlsplit(endpoint)
    if (
        parts.username
        or parts.password
        or not any(fnmatch.fnmatchcase(origin_of(endpoint), pattern) for pattern in services)
    ):
        raise InvalidInput(
            "The endpoint is not a browser's push service.",
            field_errors={"endpoint": "a push service's URL, as the browser gave it"},
        )
    try:
        point, secret = decoded(p256dh), decoded(auth)
    except ValueError as exc:
        raise InvalidInput("The keys are not base64url.") from exc
    if len(point) != 65 or point[0] != 4:
        raise InvalidInput(
            "p256dh is not an uncompressed P-256 public key.",
            field_errors={"p256dh": "65 bytes, base64url"},
        )
    if len(secret) != 16:
        raise InvalidInput(
            "auth is not a 16-byte secret.", field_errors={"auth": "16 bytes, base64url"}
        )


async def subscribe_push(
    uow: NotificationUnitOfWork,
    user_id: uuid.UUID,
    endpoint: str,
    p256dh: str,
    auth: str,
    now: dt.datetime,
    services: Collection[str] = PUSH_SERVICES,
) -> PushSubscription:
    """Keep a browser's subscription for the user; commit."""
    check_subscription(endpoint, p256dh, auth, services)
    known = await uow.push_subscriptions.of(user_id)
    if len(known) >= MAX_SUBSCRIPTIONS and endpoint not in {s.endpoint for s in known}:
        raise InvalidInput(f"At most {MAX_SUBSCRIPTIONS} browsers receive push; remove one.")
    stored = await uow.push_subscriptions.add(
        PushSubscription(uuid.uuid4(), user_id, endpoint, p256dh, auth, now)
    )
    _stage(uow, stored, "created", now)
    await uow.commit()
    return stored


async def unsubscribe_push(
    uow: NotificationUnitOfWork, user_id: uuid.UUID, subscription_id: uuid.UUID, now: dt.datetime
) -> None:
    """Forget one of the user's subscriptions; commit."""
    known = {s.id: s for s in await uow.push_subscriptions.of(user_id)}
    if subscription_id not in known or not await uow.push_subscriptions.remove(
        user_id, subscription_id
    ):
        raise NotFound("No such push subscription.")
    _stage(uow, known[subscription_id], "deleted", now)
    await uow.commit()


def _stage(
    uow: NotificationUnitOfWork, subscription: PushSubscription, action: str, now: dt.datetime
) -> None:
    uow.outbox.add(
        new_event(
            f"notification.push_{'subscribed' if action == 'created' else 'unsubscribed'}",
            producer=PRODUCER,
            payload={
                "user_id": str(subscription.user_id),
                "subscription_id": str(subscription.id),
                "push_service": origin_of(subscription.endpoint),
            },
            actor_id=subscription.user_id,
            occurred_at=now,
        )
    )
    fields = {"push_service": origin_of(subscription.endpoint)}
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="push_subscription",
        resource_id=subscription.id,
        action=action,
        actor_id=subscription.user_id,
        organisation_id=None,
        before=fields if action == "deleted" else None,
        after=fields if action == "created" else None,
        occurred_at=now,
    )
