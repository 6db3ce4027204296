"""repti-commerce's tables: listings, the animals' pedigree carrier odds, orders and their
steps, ledger entries, idempotency keys.

Listings filter genes on ``visual_index``, ``het_index`` and ``possible_het_index``: gene keys
between bars (``|pastel|clown|``), so that ``LIKE '%|clown|%'`` works the same on SQLite and
PostgreSQL. Amounts are integer minor units (64-bit). The order and ledger tables carry both
parties' organisations, which row-level security reads.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommerceModel

ACTIVE_ORDER = "state IN ('pending', 'paid', 'handed_over')"
"""The orders that hold their listing: at most one per listing."""


class ListingRow(CommerceModel):
    """A listing, with its animal's snapshot and the columns searches filter on."""

    __tablename__ = "listing"
    __table_args__ = (
        Index("ix_listing_state_species", "state", "species"),
        Index("ix_listing_organisation_animal", "organisation_id", "animal_id"),
        Index("ix_listing_state_expires_at", "state", "expires_at"),
        Index("uq_listing_external_ref", "organisation_id", "external_ref", unique=True),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    animal_id: Mapped[uuid.UUID] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(12))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(100), default=None)
    shipping_available: Mapped[bool] = mapped_column(Boolean)
    pickup_available: Mapped[bool] = mapped_column(Boolean)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(Integer)
    species: Mapped[str] = mapped_column(String(60))
    sex: Mapped[str] = mapped_column(String(10))
    hatch_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    animal: Mapped[dict[str, Any]] = mapped_column(JsonB)
    visual_index: Mapped[str] = mapped_column(String(2000))
    het_index: Mapped[str] = mapped_column(String(2000))
    possible_het_index: Mapped[str] = mapped_column(String(2000))
    external_ref: Mapped[str | None] = mapped_column(String(200), default=None)
    """Where an import took the listing from (a partner's row id), unique per seller."""
    document: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    """The listing's public JSON as the service rendered it when it wrote the row
    (:mod:`~reptidex.adapters.sql.commerce.listing_documents`); read only by searches."""
    document_tag: Mapped[str | None] = mapped_column(String(40), default=None, deferred=True)
    """The tag of the renderer that made :attr:`document`."""


class AnimalHetOddsRow(CommerceModel):
    """An animal's pedigree carrier odds as repti-animal last announced them (migration
    ``commerce_0021``): one row per organisation and animal."""

    __tablename__ = "animal_het_odds"
    __table_args__ = (
        Index("uq_animal_het_odds_animal", "organisation_id", "animal_id", unique=True),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    animal_id: Mapped[uuid.UUID] = mapped_column()
    species: Mapped[str] = mapped_column(String(60))
    genes: Mapped[list[dict[str, Any]]] = mapped_column(JsonB)
    """Each gene's ``locus``, ``gene``, exact ``probability`` and ``proven``."""
    computed_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    """When repti-animal computed them (its event's time)."""


class OrderRow(CommerceModel):
    """An order of a listing."""

    __tablename__ = "commerce_order"
    __table_args__ = (
        Index(
            "uq_commerce_order_active_listing",
            "listing_id",
            unique=True,
            postgresql_where=sql_text(ACTIVE_ORDER),
            sqlite_where=sql_text(ACTIVE_ORDER),
        ),
        Index("ix_commerce_order_seller", "seller_organisation_id"),
        CheckConstraint(
            "buyer_organisation_id <> seller_organisation_id", name="ck_commerce_order_parties"
        ),
        Index("ix_commerce_order_buyer", "buyer_organisation_id"),
    )

    listing_id: Mapped[uuid.UUID] = mapped_column()
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column()
    buyer_organisation_id: Mapped[uuid.UUID] = mapped_column()
    buyer_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    platform_fee_amount: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(12))
    placed_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = mapped_column(Integer)


class OrderStepRow(CommerceModel):
    """A step of an order's history: who did what, when."""

    __tablename__ = "commerce_order_step"

    order_id: Mapped[uuid.UUID] = mapped_column(index=True)
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column()
    buyer_organisation_id: Mapped[uuid.UUID] = mapped_column()
    action: Mapped[str] = mapped_column(String(12))
    from_state: Mapped[str | None] = mapped_column(String(12), default=None)
    to_state: Mapped[str] = mapped_column(String(12))
    party: Mapped[str] = mapped_column(String(6))
    organisation_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    note: Mapped[str | None] = mapped_column(Text, default=None)


class LedgerEntryRow(CommerceModel):
    """One entry of a ledger posting (the posting's entries sum to zero per currency)."""

    __tablename__ = "ledger_entry"

    posting_id: Mapped[uuid.UUID] = mapped_column(index=True)
    posting_kind: Mapped[str] = mapped_column(String(14))
    order_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column()
    buyer_organisation_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    account_kind: Mapped[str] = mapped_column(String(14))
    account_organisation_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    posting_number: Mapped[int] = mapped_column(Integer)
    """The posting's place among its order's postings (1, 2, …)."""
    position: Mapped[int] = mapped_column(Integer)
    """The entry's place in its posting."""
    posted_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))


class IdempotencyKeyRow(CommerceModel):
    """An order request kept under its organisation's ``Idempotency-Key``."""

    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("organisation_id", "key", name="uq_idempotency_key_organisation_key"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[uuid.UUID] = mapped_column()
