"""Webhook subscriptions and deliveries in repti-ops' database.

On PostgreSQL row-level security (migration ``ops_0005w``) shows a transaction only the
rows of the organisation it sets (``reptidex.organisation_id``); the delivery worker's
transactions set ``reptidex.worker`` to ``webhook_delivery`` instead, which lets them read
every organisation's subscriptions and deliveries and record attempts, and nothing else.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Self

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.ops.webhook_models import DeliveryRow, WebhookRow
from reptidex.adapters.sql.outbox_store import SqlOutbox, wake_after_commit
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.integrations.model import (
    Delivery,
    DeliveryStatus,
    SealedSecret,
    Webhook,
)

WEBHOOK_QUEUE = "ops:webhooks"
"""The key a commit of new deliveries wakes (the worker, see ``on_outbox_commit``)."""
WORKER = "webhook_delivery"
"""The value of ``reptidex.worker`` that row-level security lets deliver every webhook."""


async def bind_organisation(session: AsyncSession, organisation_id: uuid.UUID) -> None:
    """Scope ``session``'s transaction to one organisation (PostgreSQL; no-op on SQLite)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT set_config('reptidex.organisation_id', :organisation, true)"),
            {"organisation": str(organisation_id)},
        )


async def bind_worker(session: AsyncSession) -> None:
    """Act as the delivery worker in ``session``'s transaction (PostgreSQL; no-op on SQLite)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT set_config('reptidex.worker', :worker, true)"), {"worker": WORKER}
        )


def webhook_of(row: WebhookRow) -> Webhook:
    """The webhook a row holds."""
    previous = None
    if row.previous_secret_ciphertext is not None:
        previous = SealedSecret(
            row.previous_secret_ciphertext,
            row.previous_secret_key or "",
            row.previous_secret_version or 0,
        )
    return Webhook(
        id=row.id,
        organisation_id=row.organisation_id,
        url=row.url,
        event_kinds=tuple(row.event_kinds),
        description=row.description,
        created_at=row.created_at,
        secret=SealedSecret(row.secret_ciphertext, row.secret_key, row.secret_version),
        previous_secret=previous,
        previous_secret_expires_at=row.previous_secret_expires_at,
    )


def delivery_of(row: DeliveryRow) -> Delivery:
    """The delivery a row holds."""
    return Delivery(
        id=row.id,
        webhook_id=row.webhook_id,
        organisation_id=row.organisation_id,
        event_id=row.event_id,
        event_type=row.event_type,
        body=row.body,
        created_at=row.created_at,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_status_code=row.last_status_code,
        last_response_ms=row.last_response_ms,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        redelivery_of=row.redelivery_of,
    )


class SqlWebhooks:
    """The :class:`~reptidex.domain.integrations.ports.Webhooks` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, webhook: Webhook) -> None:
        """Stage a new subscription."""
        self._session.add(
            WebhookRow(
                id=webhook.id,
                organisation_id=webhook.organisation_id,
                url=webhook.url,
                event_kinds=list(webhook.event_kinds),
                description=webhook.description,
                secret_ciphertext=webhook.secret.ciphertext,
                secret_key=webhook.secret.key,
                secret_version=webhook.secret.version,
                created_at=webhook.created_at,
                updated_at=webhook.created_at,
            )
        )
        await self._session.flush()

    async def of(self, organisation_id: uuid.UUID) -> list[Webhook]:
        """The organisation's subscriptions, oldest first."""
        rows = await self._session.scalars(
            select(WebhookRow)
            .where(WebhookRow.organisation_id == organisation_id)
            .order_by(WebhookRow.created_at, WebhookRow.id)
        )
        return [webhook_of(row) for row in rows]

    async def get(self, organisation_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook | None:
        """One of the organisation's subscriptions."""
        row = await self._session.scalar(
            select(WebhookRow).where(
                WebhookRow.id == webhook_id, WebhookRow.organisation_id == organisation_id
            )
        )
        return None if row is None else webhook_of(row)

    async def remove(self, organisation_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
        """Delete a subscription; its deliveries go with it (the foreign key cascades)."""
        await self._session.execute(
            delete(WebhookRow).where(
                WebhookRow.id == webhook_id, WebhookRow.organisation_id == organisation_id
            )
        )

    async def save_secrets(self, webhook: Webhook) -> None:
        """Write the current and previous secrets."""
        previous = webhook.previous_secret
        await self._session.execute(
            update(WebhookRow)
            .where(
                WebhookRow.id == webhook.id,
                WebhookRow.organisation_id == webhook.organisation_id,
            )
            .values(
                secret_ciphertext=webhook.secret.ciphertext,
                secret_key=webhook.secret.key,
                secret_version=webhook.secret.version,
                previous_secret_ciphertext=None if previous is None else previous.ciphertext,
                previous_secret_key=None if previous is None else previous.key,
                previous_secret_version=None if previous is None else previous.version,
                previous_secret_expires_at=webhook.previous_secret_expires_at,
                updated_at=dt.datetime.now(dt.UTC),
            )
        )


class SqlDeliveries:
    """The :class:`~reptidex.domain.integrations.ports.Deliveries` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, delivery: Delivery) -> None:
        """Stage a new delivery; its commit wakes the worker."""
        self._session.add(
            DeliveryRow(
                id=delivery.id,
                webhook_id=delivery.webhook_id,
                organisation_id=delivery.organisation_id,
                event_id=delivery.event_id,
                event_type=delivery.event_type,
                body=delivery.body,
                status=delivery.status.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                redelivery_of=delivery.redelivery_of,
                created_at=delivery.created_at,
                updated_at=delivery.created_at,
            )
        )
        await self._session.flush()
        wake_after_commit(self._session, WEBHOOK_QUEUE)

    async def get(
        self, organisation_id: uuid.UUID, webhook_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> Delivery | None:
        """One delivery of the organisation's webhook."""
        row = await self._session.scalar(
            select(DeliveryRow).where(
                DeliveryRow.id == delivery_id,
                DeliveryRow.webhook_id == webhook_id,
                DeliveryRow.organisation_id == organisation_id,
            )
        )
        return None if row is None else delivery_of(row)

    async def page(
        self,
        organisation_id: uuid.UUID,
        webhook_id: uuid.UUID,
        status: DeliveryStatus | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Delivery], int]:
        """A webhook's deliveries, newest first, and their total."""
        query = select(DeliveryRow).where(
            DeliveryRow.webhook_id == webhook_id, DeliveryRow.organisation_id == organisation_id
        )
        if status is not None:
            query = query.where(DeliveryRow.status == status.value)
        total = await self._session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        )
        rows = await self._session.scalars(
            query.order_by(DeliveryRow.created_at.desc(), DeliveryRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [delivery_of(row) for row in rows], int(total or 0)


class SqlWebhookStore:
    """The :class:`~reptidex.domain.integrations.ports.WebhookStore` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.webhooks = SqlWebhooks(session)
        self.deliveries = SqlDeliveries(session)

    async def bind_organisation(self, organisation_id: uuid.UUID) -> None:
        """Scope the transaction to ``organisation_id``."""
        await bind_organisation(self.session, organisation_id)


class SqlWebhookUnitOfWork(SqlUnitOfWork):
    """Webhooks, deliveries and repti-ops' outbox on one transaction, scoped on entry to the
    caller's organisation."""

    webhooks: SqlWebhooks
    deliveries: SqlDeliveries
    outbox: SqlOutbox

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], organisation_id: uuid.UUID
    ) -> None:
        super().__init__(sessions)
        self.organisation_id = organisation_id

    def _open(self, session: AsyncSession) -> None:
        self._store = SqlWebhookStore(session)
        self.webhooks = self._store.webhooks
        self.deliveries = self._store.deliveries
        self.outbox = SqlOutbox(session, "ops")

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        await self.bind_organisation(self.organisation_id)
        return self

    async def bind_organisation(self, organisation_id: uuid.UUID) -> None:
        """Scope the transaction to ``organisation_id``."""
        await self._store.bind_organisation(organisation_id)


class SqlDeliveryQueue:
    """The due deliveries, for the worker (its session must be bound with :func:`bind_worker`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def due(self, now: dt.datetime, limit: int) -> list[tuple[Delivery, Webhook]]:
        """Up to ``limit`` pending deliveries due by ``now``, earliest first, with their
        webhooks; locked (``SKIP LOCKED`` on PostgreSQL: several workers share the work)."""
        query = (
            select(DeliveryRow, WebhookRow)
            .join(
                WebhookRow,
                (WebhookRow.id == DeliveryRow.webhook_id)
                & (WebhookRow.organisation_id == DeliveryRow.organisation_id),
            )
            .where(
                DeliveryRow.status == DeliveryStatus.PENDING.value,
                DeliveryRow.next_attempt_at <= now,
            )
            .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
            .limit(limit)
        )
        if self._session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=DeliveryRow)
        rows = (await self._session.execute(query)).all()
        return [(delivery_of(d), webhook_of(w)) for d, w in rows]

    async def lease(self, deliveries: list[Delivery], until: dt.datetime) -> None:
        """Hold ``deliveries`` until ``until``: no other worker takes them meanwhile, and a
        worker that dies leaves them due again."""
        if deliveries:
            await self._session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_([d.id for d in deliveries]))
                .values(next_attempt_at=until)
            )

    async def save(self, delivery: Delivery) -> None:
        """Write an attempt's outcome."""
        await self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery.id)
            .values(
                status=delivery.status.value,
                attempts=delivery.attempts,
                next_attempt_at=delivery.next_attempt_at,
                last_attempt_at=delivery.last_attempt_at,
                last_status_code=delivery.last_status_code,
                last_response_ms=delivery.last_response_ms,
                last_error=delivery.last_error,
                delivered_at=delivery.delivered_at,
                updated_at=dt.datetime.now(dt.UTC),
            )
        )
