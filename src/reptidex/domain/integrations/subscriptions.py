"""An organisation's owners and admins manage its webhooks: subscribe a URL to event kinds
(the signing secret is shown once), list and read them (never the secret), delete them,
rotate the secret, read the delivery log and ask for a delivery again. Every change is
audited and published as an ``integration.*`` event."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

import msgspec

from reptidex.domain.audit import record_change
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events import new_event
from reptidex.domain.integrations.destinations import AddressResolver, pin_destination
from reptidex.domain.integrations.events import (
    WEBHOOK_CREATED,
    WEBHOOK_DELETED,
    WEBHOOK_REDELIVERY_REQUESTED,
    WEBHOOK_SECRET_ROTATED,
    RedeliveryRequested,
    WebhookChanged,
    WebhookSecretRotated,
)
from reptidex.domain.integrations.keys import KeyManagement
from reptidex.domain.integrations.kinds import check_kinds
from reptidex.domain.integrations.model import (
    Delivery,
    DeliveryStatus,
    SealedSecret,
    Webhook,
    origin_of,
    secret_context,
)
from reptidex.domain.integrations.ports import WebhookStore, WebhookUnitOfWork
from reptidex.domain.integrations.signing import new_secret

PRODUCER = "ops"
MAX_WEBHOOKS = 20
"""Subscriptions an organisation may have (each event fans out to every one)."""
MAX_DESCRIPTION = 200
ROTATION_GRACE = dt.timedelta(hours=24)
"""How long a rotated secret still signs deliveries beside the new one."""


@dataclass(frozen=True, slots=True)
class Manager:
    """A user acting for ``organisation_id``; ``may_manage`` for its owners and admins."""

    organisation_id: uuid.UUID
    user_id: uuid.UUID | None
    may_manage: bool

    def require_manager(self) -> None:
        """:class:`PermissionDenied` unless an owner or admin of the organisation."""
        if not self.may_manage:
            raise PermissionDenied("Only the organisation's owners and admins manage webhooks.")


@dataclass(frozen=True, slots=True)
class Destinations:
    """How subscribed URLs are checked: the resolver, and whether loopback over plain http
    is allowed (development and tests)."""

    resolver: AddressResolver
    allow_local: bool = False


async def _seal(
    keys: KeyManagement,
    secret: str,
    organisation_id: uuid.UUID,
    webhook_id: uuid.UUID,
    version: int,
) -> SealedSecret:
    context = secret_context(organisation_id, webhook_id, version)
    return SealedSecret(await keys.encrypt(secret.encode("utf-8"), context), keys.name, version)


def _stage(
    uow: WebhookUnitOfWork,
    manager: Manager,
    webhook: Webhook,
    kind: str,
    payload: msgspec.Struct,
    now: dt.datetime,
) -> None:
    uow.outbox.add(
        new_event(
            kind,
            producer=PRODUCER,
            payload=payload,
            organisation_id=webhook.organisation_id,
            actor_id=manager.user_id,
            occurred_at=now,
        )
    )


def _record(
    uow: WebhookUnitOfWork,
    manager: Manager,
    webhook_id: uuid.UUID,
    action: str,
    now: dt.datetime,
    **change: Any,
) -> None:
    """Stage the audit record of the manager's change to a webhook (``change``: its
    ``before``/``after``/``changed_secrets``)."""
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="webhook",
        resource_id=webhook_id,
        action=action,
        actor_id=manager.user_id,
        organisation_id=manager.organisation_id,
        occurred_at=now,
        **change,
    )


def _audited(webhook: Webhook) -> dict[str, object]:
    return {"origin": origin_of(webhook.url), "event_kinds": list(webhook.event_kinds)}


async def subscribe(
    uow: WebhookUnitOfWork,
    keys: KeyManagement,
    destinations: Destinations,
    manager: Manager,
    url: str,
    event_kinds: list[str],
    description: str,
    now: dt.datetime,
) -> tuple[Webhook, str]:
    """Subscribe ``url`` to ``event_kinds``; the webhook and its signing secret (the only
    time the secret is given out).

    Raises:
        PermissionDenied: not an owner or admin.
        InvalidInput: a kind off the allow-list, a refused URL (see
            :mod:`~reptidex.domain.integrations.destinations`), a long description.
        Conflict: the organisation has :data:`MAX_WEBHOOKS` already.
    """
    manager.require_manager()
    kinds = check_kinds(event_kinds)
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"At most {MAX_DESCRIPTION} characters.", field_errors={"description": "too long"}
        )
    await pin_destination(url, destinations.resolver, allow_local=destinations.allow_local)
    webhook_id, secret = uuid.uuid4(), new_secret()
    sealed = await _seal(keys, secret, manager.organisation_id, webhook_id, 1)
    if len(await uow.webhooks.of(manager.organisation_id)) >= MAX_WEBHOOKS:
        raise Conflict(f"An organisation has at most {MAX_WEBHOOKS} webhooks; delete one first.")
    webhook = Webhook(webhook_id, manager.organisation_id, url, kinds, description, now, sealed)
    await uow.webhooks.add(webhook)
    _record(
        uow,
        manager,
        webhook.id,
        "created",
        now,
        after=_audited(webhook),
        changed_secrets=("secret",),
    )
    changed = WebhookChanged(str(webhook.id), origin_of(url), list(kinds))
    _stage(uow, manager, webhook, WEBHOOK_CREATED, changed, now)
    await uow.commit()
    return webhook, secret


async def list_webhooks(store: WebhookStore, manager: Manager) -> list[Webhook]:
    """The organisation's webhooks, oldest first."""
    manager.require_manager()
    return await store.webhooks.of(manager.organisation_id)


async def read_webhook(store: WebhookStore, manager: Manager, webhook_id: uuid.UUID) -> Webhook:
    """One of the organisation's webhooks.

    Raises:
        NotFound: no such webhook in the organisation.
    """
    manager.require_manager()
    webhook = await store.webhooks.get(manager.organisation_id, webhook_id)
    if webhook is None:
        raise NotFound("No such webhook.")
    return webhook


async def delete_webhook(
    uow: WebhookUnitOfWork, manager: Manager, webhook_id: uuid.UUID, now: dt.datetime
) -> None:
    """Delete a webhook and its delivery log; nothing more is sent to it."""
    webhook = await read_webhook(uow, manager, webhook_id)
    await uow.webhooks.remove(manager.organisation_id, webhook.id)
    _record(
        uow,
        manager,
        webhook.id,
        "deleted",
        now,
        before=_audited(webhook),
    )
    changed = WebhookChanged(str(webhook.id), origin_of(webhook.url), list(webhook.event_kinds))
    _stage(uow, manager, webhook, WEBHOOK_DELETED, changed, now)
    await uow.commit()


async def rotate_secret(
    uow: WebhookUnitOfWork,
    keys: KeyManagement,
    manager: Manager,
    webhook_id: uuid.UUID,
    now: dt.datetime,
) -> tuple[Webhook, str]:
    """Give a webhook a new signing secret; the webhook and the secret (shown this once). The
    previous secret signs deliveries beside the new one for :data:`ROTATION_GRACE`."""
    webhook = await read_webhook(uow, manager, webhook_id)
    secret = new_secret()
    version = webhook.secret.version + 1
    sealed = await _seal(keys, secret, webhook.organisation_id, webhook.id, version)
    rotated = replace(
        webhook,
        secret=sealed,
        previous_secret=webhook.secret,
        previous_secret_expires_at=now + ROTATION_GRACE,
    )
    await uow.webhooks.save_secrets(rotated)
    _record(
        uow,
        manager,
        webhook.id,
        "secret_rotated",
        now,
        changed_secrets=("secret",),
    )
    until = (now + ROTATION_GRACE).isoformat()
    _stage(
        uow,
        manager,
        webhook,
        WEBHOOK_SECRET_ROTATED,
        WebhookSecretRotated(str(webhook.id), version, until),
        now,
    )
    await uow.commit()
    return rotated, secret


async def delivery_log(
    store: WebhookStore,
    manager: Manager,
    webhook_id: uuid.UUID,
    status: DeliveryStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[Delivery], int]:
    """A page of a webhook's deliveries, newest first, and their total."""
    webhook = await read_webhook(store, manager, webhook_id)
    return await store.deliveries.page(webhook.organisation_id, webhook.id, status, limit, offset)


async def redeliver(
    uow: WebhookUnitOfWork,
    manager: Manager,
    webhook_id: uuid.UUID,
    delivery_id: uuid.UUID,
    now: dt.datetime,
) -> Delivery:
    """Send a delivered or failed delivery's event again, as a new delivery (same body, so a
    receiver deduplicating on the event id sees the same event), due at once.

    Raises:
        NotFound: no such webhook or delivery in the organisation.
        Conflict: the delivery is still pending (its retries go on).
    """
    webhook = await read_webhook(uow, manager, webhook_id)
    original = await uow.deliveries.get(webhook.organisation_id, webhook.id, delivery_id)
    if original is None:
        raise NotFound("No such delivery of this webhook.")
    if original.status is DeliveryStatus.PENDING:
        raise Conflict("This delivery is still being attempted; redeliver it once it ends.")
    again = Delivery(
        id=uuid.uuid4(),
        webhook_id=webhook.id,
        organisation_id=webhook.organisation_id,
        event_id=original.event_id,
        event_type=original.event_type,
        body=original.body,
        created_at=now,
        next_attempt_at=now,
        redelivery_of=original.id,
    )
    await uow.deliveries.add(again)
    _record(
        uow,
        manager,
        webhook.id,
        "redelivery_requested",
        now,
        after={
            "delivery_id": str(again.id),
            "redelivery_of": str(original.id),
            "event_id": str(original.event_id),
        },
    )
    requested = RedeliveryRequested(
        str(webhook.id), str(again.id), str(original.id), str(again.event_id), again.event_type
    )
    _stage(uow, manager, webhook, WEBHOOK_REDELIVERY_REQUESTED, requested, now)
    await uow.commit()
    return again
