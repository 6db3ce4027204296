"""repti-commerce's tables of payments through providers: payments, the sellers' payout
accounts, and the webhook events already handled."""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommerceModel

OPEN_PAYMENT = "status = 'created'"
"""A payment the buyer has not finished: one per order and provider."""


class PaymentRow(CommerceModel):
    """An order's payment through a provider (amounts in minor units)."""

    __tablename__ = "commerce_payment"
    __table_args__ = (
        Index(
            "uq_commerce_payment_open",
            "order_id",
            "provider",
            unique=True,
            postgresql_where=sql_text(OPEN_PAYMENT),
            sqlite_where=sql_text(OPEN_PAYMENT),
        ),
        UniqueConstraint("provider", "reference", name="uq_commerce_payment_reference"),
        Index("ix_commerce_payment_charge", "provider", "charge_reference"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(index=True)
    provider: Mapped[str] = mapped_column(String(10))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column()
    buyer_organisation_id: Mapped[uuid.UUID] = mapped_column()
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    fee_amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(255))
    approval_url: Mapped[str] = mapped_column(String(2000))
    charge_reference: Mapped[str | None] = mapped_column(String(255), default=None)
    refunded: Mapped[int] = mapped_column(BigInteger)
    fee_refunded: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)


class PayoutAccountRow(CommerceModel):
    """The account a provider pays a seller into, and whether buyers may pay into it yet
    (``pending`` while a platform-opened account is being onboarded, ``enabled``)."""

    __tablename__ = "commerce_payout_account"
    __table_args__ = (
        UniqueConstraint("organisation_id", "provider", name="uq_payout_account_organisation"),
        UniqueConstraint("provider", "account", name="uq_payout_account_account"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    provider: Mapped[str] = mapped_column(String(10))
    account: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10), server_default="enabled")


class HandledNoticeRow(CommerceModel):
    """A provider's webhook event, handled once (no organisation's data: the platform's)."""

    __tablename__ = "commerce_handled_notice"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_handled_notice_event"),)

    provider: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    handled_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
