"""repti-ops' webhook API shapes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from reptidex.domain.integrations.model import Delivery, Webhook

Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
Kinds = Annotated[list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(max_length=32)]


class WebhookRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A subscription: where to send, which event kinds, and a note for people."""

    url: Url
    """An `https` URL whose host resolves to public addresses only."""
    event_kinds: Kinds
    """Kinds from `GET /integrations/webhooks/event-kinds`, or `<family>.*`."""
    description: Annotated[str, msgspec.Meta(max_length=200)] = ""


class WebhookView(msgspec.Struct, frozen=True):
    """A webhook (its signing secret is never shown again after its creation or rotation)."""

    id: uuid.UUID
    url: str
    event_kinds: list[str]
    description: str
    created_at: dt.datetime
    secret_version: int
    previous_secret_valid_until: dt.datetime | None
    """While set, deliveries are signed with the previous secret too."""
    deliveries_url: str


class WebhookWithSecret(msgspec.Struct, frozen=True):
    """A webhook and its signing secret: shown this once, keep it."""

    webhook: WebhookView
    secret: str


class WebhookList(msgspec.Struct, frozen=True):
    """The organisation's webhooks, oldest first."""

    items: list[WebhookView]


class DeliveryView(msgspec.Struct, frozen=True):
    """One delivery and its last attempt."""

    id: uuid.UUID
    webhook_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_response_ms: int | None
    last_error: str | None
    last_attempt_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    """When the next attempt is due (also while one is under way); `null` once it ended."""
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    redelivery_of: uuid.UUID | None


class DeliveryPage(msgspec.Struct, frozen=True):
    """A page of a webhook's deliveries, newest first."""

    items: list[DeliveryView]
    total: int
    limit: int
    offset: int


class EventKinds(msgspec.Struct, frozen=True):
    """What a webhook may subscribe to."""

    event_kinds: list[str]
    families: list[str]


def webhook_view(webhook: Webhook, now: dt.datetime) -> WebhookView:
    """The API view of a webhook at ``now``."""
    grace = webhook.previous_secret_expires_at
    return WebhookView(
        id=webhook.id,
        url=webhook.url,
        event_kinds=list(webhook.event_kinds),
        description=webhook.description,
        created_at=webhook.created_at,
        secret_version=webhook.secret.version,
        previous_secret_valid_until=grace if grace is not None and grace > now else None,
        deliveries_url=f"/integrations/webhooks/{webhook.id}/deliveries",
    )


def delivery_view(delivery: Delivery) -> DeliveryView:
    """The API view of a delivery."""
    return DeliveryView(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status.value,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_response_ms=delivery.last_response_ms,
        last_error=delivery.last_error,
        last_attempt_at=delivery.last_attempt_at,
        next_attempt_at=delivery.next_attempt_at,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
        redelivery_of=delivery.redelivery_of,
    )
