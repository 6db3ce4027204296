"""The ports of outgoing webhooks: where subscriptions and deliveries are kept, and what
sends a delivery."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Protocol

from reptidex.domain.events import Outbox
from reptidex.domain.integrations.model import AttemptOutcome, Delivery, DeliveryStatus, Webhook


class Webhooks(Protocol):
    """An organisation's webhook subscriptions."""

    async def add(self, webhook: Webhook) -> None:
        """Store a new subscription."""
        ...

    async def of(self, organisation_id: uuid.UUID) -> list[Webhook]:
        """The organisation's subscriptions, oldest first."""
        ...

    async def get(self, organisation_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook | None:
        """One of the organisation's subscriptions, or ``None``."""
        ...

    async def remove(self, organisation_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
        """Delete a subscription and its deliveries."""
        ...

    async def save_secrets(self, webhook: Webhook) -> None:
        """Store the subscription's current and previous secrets."""
        ...


class Deliveries(Protocol):
    """Webhook deliveries, as an organisation reads and adds them."""

    async def add(self, delivery: Delivery) -> None:
        """Store a new delivery."""
        ...

    async def get(
        self, organisation_id: uuid.UUID, webhook_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> Delivery | None:
        """One delivery of the organisation's webhook, or ``None``."""
        ...

    async def page(
        self,
        organisation_id: uuid.UUID,
        webhook_id: uuid.UUID,
        status: DeliveryStatus | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Delivery], int]:
        """A webhook's deliveries, newest first, and how many there are."""
        ...


class WebhookStore(Protocol):
    """Subscriptions and deliveries in one transaction, scoped to one organisation at a time
    (row-level security on PostgreSQL)."""

    @property
    def webhooks(self) -> Webhooks:
        """The subscriptions."""
        ...

    @property
    def deliveries(self) -> Deliveries:
        """The deliveries."""
        ...

    async def bind_organisation(self, organisation_id: uuid.UUID) -> None:
        """Scope the transaction to ``organisation_id`` from now on."""
        ...


class WebhookUnitOfWork(WebhookStore, Protocol):
    """A :class:`WebhookStore` with the outbox, committed once by a use case."""

    @property
    def outbox(self) -> Outbox:
        """The outbox of the transaction (events and audit records)."""
        ...

    async def commit(self) -> None:
        """Commit the changes and the staged events together."""
        ...


class WebhookSender(Protocol):
    """Sends one delivery over HTTP, after checking its destination again."""

    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> AttemptOutcome:
        """POST ``body`` to ``url``; the outcome (never raises for the receiver's faults)."""
        ...
