"""Payments, payout accounts, handled webhook events and an organisation's ledger in SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.ledger import postings_of
from reptidex.adapters.sql.commerce.models import LedgerEntryRow
from reptidex.adapters.sql.commerce.payment_models import (
    HandledNoticeRow,
    PaymentRow,
    PayoutAccountRow,
)
from reptidex.adapters.sql.commerce.versioned import compare_and_set
from reptidex.domain.commerce.ledger import Posting
from reptidex.domain.commerce.money import Currency, Money
from reptidex.domain.commerce.payment_model import Payment, PaymentStatus, ProviderName
from reptidex.domain.commerce.payment_ports import PayoutAccount, PayoutStatus
from reptidex.domain.errors import Conflict


def _columns(payment: Payment) -> dict[str, Any]:
    return {
        "order_id": payment.order_id,
        "provider": payment.provider.value,
        "seller_organisation_id": payment.seller_organisation_id,
        "buyer_organisation_id": payment.buyer_organisation_id,
        "amount": payment.amount.amount,
        "currency": payment.amount.currency.code,
        "fee_amount": payment.fee.amount,
        "status": payment.status.value,
        "reference": payment.reference,
        "approval_url": payment.approval_url,
        "charge_reference": payment.charge_reference,
        "refunded": payment.refunded,
        "fee_refunded": payment.fee_refunded,
    }


def _payment(row: PaymentRow) -> Payment:
    currency = Currency.of(row.currency)
    return Payment(
        id=row.id,
        order_id=row.order_id,
        provider=ProviderName(row.provider),
        seller_organisation_id=row.seller_organisation_id,
        buyer_organisation_id=row.buyer_organisation_id,
        amount=Money(row.amount, currency),
        fee=Money(row.fee_amount, currency),
        status=PaymentStatus(row.status),
        reference=row.reference,
        approval_url=row.approval_url,
        created_at=row.created_at,
        updated_at=row.updated_at,
        charge_reference=row.charge_reference,
        refunded=row.refunded,
        fee_refunded=row.fee_refunded,
        version=row.version,
    )


class SqlPayments:
    """The :class:`~reptidex.domain.commerce.payment_ports.Payments` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, payment_id: uuid.UUID) -> Payment | None:
        """The payment, if the transaction may see it."""
        row = await self.session.get(PaymentRow, payment_id, populate_existing=True)
        return None if row is None else _payment(row)

    async def add(self, payment: Payment) -> Payment:
        """Store a new payment; :class:`Conflict` when its order has an open one with the
        provider."""
        row = PaymentRow(id=payment.id, version=payment.version, **_columns(payment))
        row.created_at = row.updated_at = payment.created_at
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict("Another payment of this order is open.") from None
        return _payment(row)

    async def update(self, payment: Payment) -> Payment:
        """Store a changed payment if nobody changed it since it was read."""
        version = await compare_and_set(
            self.session, PaymentRow, payment.id, payment.version, _columns(payment), "payment"
        )
        return dataclasses.replace(payment, version=version)

    async def by_reference(self, provider: ProviderName, reference: str) -> Payment | None:
        """The payment with this checkout or charge reference."""
        row = await self.session.scalar(
            select(PaymentRow)
            .where(
                PaymentRow.provider == provider.value,
                or_(PaymentRow.reference == reference, PaymentRow.charge_reference == reference),
            )
            .execution_options(populate_existing=True)
        )
        return None if row is None else _payment(row)

    async def of_order(self, order_id: uuid.UUID) -> list[Payment]:
        """The order's payments, oldest first."""
        rows = await self.session.scalars(
            select(PaymentRow)
            .where(PaymentRow.order_id == order_id)
            .order_by(PaymentRow.created_at, PaymentRow.id)
        )
        return [_payment(row) for row in rows]


def _account(row: PayoutAccountRow) -> PayoutAccount:
    return PayoutAccount(
        row.organisation_id, ProviderName(row.provider), row.account, PayoutStatus(row.status)
    )


class SqlPayoutAccounts:
    """The :class:`~reptidex.domain.commerce.payment_ports.PayoutAccounts` port."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: uuid.UUID, provider: ProviderName) -> PayoutAccount | None:
        """The organisation's account with ``provider``."""
        row = await self.session.scalar(
            select(PayoutAccountRow).where(
                PayoutAccountRow.organisation_id == organisation_id,
                PayoutAccountRow.provider == provider.value,
            )
        )
        return None if row is None else _account(row)

    async def of_organisation(self, organisation_id: uuid.UUID) -> list[PayoutAccount]:
        """The organisation's accounts, by provider."""
        rows = await self.session.scalars(
            select(PayoutAccountRow)
            .where(PayoutAccountRow.organisation_id == organisation_id)
            .order_by(PayoutAccountRow.provider)
        )
        return [_account(row) for row in rows]

    async def put(self, account: PayoutAccount) -> None:
        """Set the organisation's account and its status; :class:`Conflict` when another
        organisation has it."""
        row = await self.session.scalar(
            select(PayoutAccountRow).where(
                PayoutAccountRow.organisation_id == account.organisation_id,
                PayoutAccountRow.provider == account.provider.value,
            )
        )
        if row is None:
            row = PayoutAccountRow(
                organisation_id=account.organisation_id, provider=account.provider.value
            )
            self.session.add(row)
        row.account = account.account
        row.status = account.status.value
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict("Another organisation has this payout account.") from None

    async def find(self, provider: ProviderName, account: str) -> PayoutAccount | None:
        """The account with this provider id."""
        row = await self.session.scalar(
            select(PayoutAccountRow).where(
                PayoutAccountRow.provider == provider.value, PayoutAccountRow.account == account
            )
        )
        return None if row is None else _account(row)


class SqlHandledNotices:
    """The :class:`~reptidex.domain.commerce.payment_ports.HandledNotices` port: an insert that
    does nothing when the event is there (on PostgreSQL it waits for a racing delivery's
    transaction, then finds its row)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, provider: ProviderName, event_id: str, event_type: str) -> bool:
        """Remember the event; ``False`` when it was handled before."""
        postgres = self.session.bind.dialect.name == "postgresql"
        insert = postgres_insert if postgres else sqlite_insert
        now = dt.datetime.now(dt.UTC)
        statement = (
            insert(HandledNoticeRow)
            .values(
                id=uuid.uuid4(),
                provider=provider.value,
                event_id=event_id,
                event_type=event_type[:100],
                handled_at=now,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["provider", "event_id"])
            .returning(HandledNoticeRow.id)
        )
        return (await self.session.execute(statement)).first() is not None


class SqlLedgerBook:
    """The :class:`~reptidex.domain.commerce.payment_ports.LedgerBook` port."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of_organisation(self, organisation_id: uuid.UUID) -> list[Posting]:
        """Every posting of the organisation as seller or buyer, oldest first."""
        rows = list(
            await self.session.scalars(
                select(LedgerEntryRow)
                .where(
                    or_(
                        LedgerEntryRow.seller_organisation_id == organisation_id,
                        LedgerEntryRow.buyer_organisation_id == organisation_id,
                    )
                )
                .order_by(
                    LedgerEntryRow.posted_at,
                    LedgerEntryRow.order_id,
                    LedgerEntryRow.posting_number,
                    LedgerEntryRow.posting_id,
                    LedgerEntryRow.position,
                )
            )
        )
        return postings_of(rows)
