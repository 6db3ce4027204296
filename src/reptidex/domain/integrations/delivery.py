"""Delivering events to webhooks: each event of an allow-listed kind becomes one delivery per
subscribed webhook of the organisations it concerns; each attempt signs the delivery's body
with the webhook's secrets and sends it; a failed attempt is tried again with backoff until
the policy gives up."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import msgspec

from reptidex.domain.events import DomainEvent, Outbox, new_event
from reptidex.domain.integrations.events import WEBHOOK_DELIVERY_FAILED, DeliveryFailed
from reptidex.domain.integrations.keys import KeyManagement, SecretUnavailable
from reptidex.domain.integrations.kinds import WEBHOOK_EVENT_KINDS, audience, wants
from reptidex.domain.integrations.model import (
    AttemptOutcome,
    Delivery,
    DeliveryPolicy,
    DeliveryStatus,
    SealedSecret,
    Webhook,
    secret_context,
)
from reptidex.domain.integrations.ports import WebhookSender, WebhookStore
from reptidex.domain.integrations.signing import signed_headers

PRODUCER = "ops"
MAX_ERROR = 500
_encoder = msgspec.json.Encoder()


def delivery_body(event: DomainEvent) -> bytes:
    """The JSON a receiver gets: the event's id, type, version, time, organisation and payload
    (``data``); never the acting user.

    >>> import uuid; from reptidex.domain.events import new_event
    >>> event = new_event("animal.deleted", producer="animal", payload={"code": "BP-1"},
    ...     organisation_id=uuid.UUID(int=1))
    >>> sorted(msgspec.json.decode(delivery_body(event)))
    ['data', 'id', 'occurred_at', 'organisation_id', 'type', 'version']
    """
    return _encoder.encode(
        {
            "id": event.id,
            "type": event.type,
            "version": event.version,
            "occurred_at": event.occurred_at,
            "organisation_id": event.organisation_id,
            "data": event.payload,
        }
    )


async def fan_out(store: WebhookStore, event: DomainEvent, now: dt.datetime) -> list[Delivery]:
    """Store a delivery of ``event`` for every webhook that wants it among the organisations it
    concerns (:func:`~reptidex.domain.integrations.kinds.audience`); the deliveries, due now."""
    if event.type not in WEBHOOK_EVENT_KINDS:
        return []
    body = delivery_body(event)
    made: list[Delivery] = []
    for organisation_id in sorted(audience(event)):
        await store.bind_organisation(organisation_id)
        for webhook in await store.webhooks.of(organisation_id):
            if not wants(webhook.event_kinds, event.type):
                continue
            delivery = Delivery(
                id=uuid.uuid4(),
                webhook_id=webhook.id,
                organisation_id=organisation_id,
                event_id=event.id,
                event_type=event.type,
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
            await store.deliveries.add(delivery)
            made.append(delivery)
    return made


async def _open(webhook: Webhook, sealed: SealedSecret, keys: KeyManagement) -> str:
    if sealed.key != keys.name:
        raise SecretUnavailable(f"sealed by the {sealed.key!r} key, not {keys.name!r}")
    context = secret_context(webhook.organisation_id, webhook.id, sealed.version)
    return (await keys.decrypt(sealed.ciphertext, context)).decode("utf-8")


async def signing_secrets(webhook: Webhook, keys: KeyManagement, now: dt.datetime) -> list[str]:
    """The plaintext secrets that sign a delivery sent at ``now``, newest first: the current
    one, and the previous one while its grace lasts and it can be read (a rotation after a
    change of key management leaves a previous secret the new keys cannot open).

    Raises:
        SecretUnavailable: the current secret cannot be decrypted.
    """
    current, *previous = webhook.secrets_at(now)
    found = [await _open(webhook, current, keys)]
    for sealed in previous:
        try:
            found.append(await _open(webhook, sealed, keys))
        except SecretUnavailable:
            continue
    return found


def record_attempt(
    delivery: Delivery, outcome: AttemptOutcome, at: dt.datetime, policy: DeliveryPolicy
) -> None:
    """Write an attempt's outcome into ``delivery``: delivered on a 2xx, else due again after
    the policy's delay, or failed after its last attempt."""
    delivery.attempts += 1
    delivery.last_attempt_at = at
    delivery.last_status_code = outcome.status_code
    delivery.last_response_ms = outcome.response_ms
    delivery.last_error = None if outcome.error is None else outcome.error[:MAX_ERROR]
    if outcome.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            at,
            None,
        )
    elif delivery.attempts >= policy.attempts:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = at + policy.delay(delivery.attempts)


async def attempt(
    delivery: Delivery,
    webhook: Webhook,
    keys: KeyManagement,
    sender: WebhookSender,
    policy: DeliveryPolicy,
    clock: Callable[[], dt.datetime],
) -> AttemptOutcome:
    """Sign and send ``delivery`` once, and record the outcome in it."""
    started = clock()
    try:
        secrets_in_use = await signing_secrets(webhook, keys, started)
    except SecretUnavailable as exc:
        outcome = AttemptOutcome(error=f"the signing secret cannot be read: {exc}")
    else:
        body = delivery.body
        timestamp = int(started.timestamp())
        headers = signed_headers(
            delivery.event_type, str(delivery.id), secrets_in_use, timestamp, body
        )
        outcome = await sender.send(webhook.url, headers, body)
    record_attempt(delivery, outcome, started, policy)
    return outcome


def stage_given_up(outbox: Outbox, delivery: Delivery, now: dt.datetime) -> None:
    """Publish ``integration.webhook_delivery_failed`` for a delivery given up."""
    outbox.add(
        new_event(
            WEBHOOK_DELIVERY_FAILED,
            producer=PRODUCER,
            payload=DeliveryFailed(
                webhook_id=str(delivery.webhook_id),
                delivery_id=str(delivery.id),
                event_id=str(delivery.event_id),
                event_type=delivery.event_type,
                attempts=delivery.attempts,
                last_status_code=delivery.last_status_code,
                last_error=delivery.last_error,
            ),
            organisation_id=delivery.organisation_id,
            occurred_at=now,
        )
    )
