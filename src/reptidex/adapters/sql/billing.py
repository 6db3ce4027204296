"""repti-core's billing tables and the unit of work the billing use cases write through."""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CoreModel
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.billing import BillingProvider, Subscription, SubscriptionStatus


class SubscriptionRow(CoreModel):
    """One organisation's subscription, mirrored from the payment gateway."""

    __tablename__ = "billing_subscription"

    organisation_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    plan: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str | None] = mapped_column(String(20), default=None)
    customer_ref: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    subscription_ref: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)
    current_period_end: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)

    def to_domain(self) -> Subscription:
        """The domain value of this row."""
        return Subscription(
            organisation_id=self.organisation_id,
            plan=self.plan,
            status=SubscriptionStatus(self.status),
            provider=None if self.provider is None else BillingProvider(self.provider),
            customer_ref=self.customer_ref,
            subscription_ref=self.subscription_ref,
            current_period_end=self.current_period_end,
            cancel_at_period_end=self.cancel_at_period_end,
        )


class ProcessedWebhookRow(CoreModel):
    """A payment gateway event already handled (its id is unique: a replay cannot apply twice)."""

    __tablename__ = "billing_processed_webhook"

    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))


class SqlSubscriptions:
    """:class:`~reptidex.domain.billing.SubscriptionRepository` over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, organisation_id: uuid.UUID) -> SubscriptionRow | None:
        found = await self._session.execute(
            select(SubscriptionRow).where(SubscriptionRow.organisation_id == organisation_id)
        )
        return found.scalar_one_or_none()

    async def get(self, organisation_id: uuid.UUID) -> Subscription | None:
        """The subscription of ``organisation_id``, if any."""
        row = await self._row(organisation_id)
        return row.to_domain() if row else None

    async def find_by_reference(
        self, *, customer_ref: str | None = None, subscription_ref: str | None = None
    ) -> Subscription | None:
        """The subscription with that customer or subscription reference."""
        query = select(SubscriptionRow)
        if subscription_ref is not None:
            query = query.where(SubscriptionRow.subscription_ref == subscription_ref)
        elif customer_ref is not None:
            query = query.where(SubscriptionRow.customer_ref == customer_ref)
        else:
            return None
        row = (await self._session.execute(query)).scalar_one_or_none()
        return row.to_domain() if row else None

    async def save(self, subscription: Subscription) -> None:
        """Insert or update the organisation's row."""
        row = await self._row(subscription.organisation_id)
        if row is None:
            row = SubscriptionRow(organisation_id=subscription.organisation_id)
            self._session.add(row)
        row.plan = subscription.plan
        row.status = subscription.status.value
        row.provider = None if subscription.provider is None else subscription.provider.value
        row.customer_ref = subscription.customer_ref
        row.subscription_ref = subscription.subscription_ref
        row.current_period_end = subscription.current_period_end
        row.cancel_at_period_end = subscription.cancel_at_period_end
        await self._session.flush()


class SqlProcessedWebhooks:
    """:class:`~reptidex.domain.billing.ProcessedWebhooks` over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(self, event_id: str) -> bool:
        """Whether ``event_id`` was handled before."""
        found = await self._session.execute(
            select(ProcessedWebhookRow.id).where(ProcessedWebhookRow.event_id == event_id)
        )
        return found.first() is not None

    async def record(self, event_id: str, event_type: str) -> None:
        """Remember ``event_id``; a concurrent duplicate fails on the unique index at commit."""
        self._session.add(ProcessedWebhookRow(event_id=event_id, event_type=event_type))


class SqlBillingUnitOfWork(SqlUnitOfWork):
    """:class:`~reptidex.domain.billing.BillingUnitOfWork` on one SQLAlchemy session."""

    subscriptions: SqlSubscriptions
    webhooks: SqlProcessedWebhooks
    outbox: SqlOutbox

    conflict_message = "the change clashes with one committed concurrently"
    """E.g. the same webhook committed concurrently."""

    def _open(self, session: AsyncSession) -> None:
        self.subscriptions = SqlSubscriptions(session)
        self.webhooks = SqlProcessedWebhooks(session)
        self.outbox = SqlOutbox(session, "core")
