"""repti-commerce: listings, orders and their steps, the ledger, idempotency keys.

Revision ID: commerce_0003
Revises: commerce_0002e
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "commerce_0003"
down_revision = "commerce_0002e"
branch_labels = None
depends_on = None

ACTIVE_ORDER = "state IN ('pending', 'paid', 'handed_over')"


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def _uuid(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, GUID(length=16), nullable=nullable)


def upgrade() -> None:
    """Create the marketplace's tables."""
    op.create_table(
        "listing",
        *_audit_columns(),
        _uuid("organisation_id"),
        _uuid("animal_id"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(100), nullable=True),
        sa.Column("shipping_available", sa.Boolean(), nullable=False),
        sa.Column("pickup_available", sa.Boolean(), nullable=False),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=True),
        _uuid("created_by", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("species", sa.String(60), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("hatch_date", sa.Date(), nullable=True),
        sa.Column("animal", JsonB, nullable=False),
        sa.Column("visual_index", sa.String(2000), nullable=False),
        sa.Column("het_index", sa.String(2000), nullable=False),
        sa.Column("possible_het_index", sa.String(2000), nullable=False),
    )
    op.create_index("ix_listing_state_species", "listing", ["state", "species"])
    op.create_index("ix_listing_organisation_animal", "listing", ["organisation_id", "animal_id"])
    op.create_table(
        "commerce_order",
        *_audit_columns(),
        _uuid("listing_id"),
        _uuid("seller_organisation_id"),
        _uuid("buyer_organisation_id"),
        _uuid("buyer_user_id", nullable=True),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("platform_fee_amount", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("placed_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "buyer_organisation_id <> seller_organisation_id", name="ck_commerce_order_parties"
        ),
    )
    op.create_index(
        "uq_commerce_order_active_listing",
        "commerce_order",
        ["listing_id"],
        unique=True,
        postgresql_where=sa.text(ACTIVE_ORDER),
        sqlite_where=sa.text(ACTIVE_ORDER),
    )
    op.create_index("ix_commerce_order_seller", "commerce_order", ["seller_organisation_id"])
    op.create_index("ix_commerce_order_buyer", "commerce_order", ["buyer_organisation_id"])
    op.create_table(
        "commerce_order_step",
        *_audit_columns(),
        _uuid("order_id"),
        _uuid("seller_organisation_id"),
        _uuid("buyer_organisation_id"),
        sa.Column("action", sa.String(12), nullable=False),
        sa.Column("from_state", sa.String(12), nullable=True),
        sa.Column("to_state", sa.String(12), nullable=False),
        sa.Column("party", sa.String(6), nullable=False),
        _uuid("organisation_id"),
        _uuid("user_id", nullable=True),
        sa.Column("at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_commerce_order_step_order_id", "commerce_order_step", ["order_id"])
    op.create_table(
        "ledger_entry",
        *_audit_columns(),
        _uuid("posting_id"),
        sa.Column("posting_kind", sa.String(14), nullable=False),
        _uuid("order_id", nullable=True),
        _uuid("seller_organisation_id"),
        _uuid("buyer_organisation_id", nullable=True),
        sa.Column("account_kind", sa.String(14), nullable=False),
        _uuid("account_organisation_id", nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("posting_number", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("posted_at", DateTimeUTC(timezone=True), nullable=False),
    )
    op.create_index("ix_ledger_entry_posting_id", "ledger_entry", ["posting_id"])
    op.create_index("ix_ledger_entry_order_id", "ledger_entry", ["order_id"])
    op.create_table(
        "idempotency_key",
        *_audit_columns(),
        _uuid("organisation_id"),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        _uuid("order_id"),
        sa.UniqueConstraint("organisation_id", "key", name="uq_idempotency_key_organisation_key"),
    )


def downgrade() -> None:
    """Drop the marketplace's tables."""
    for table in (
        "idempotency_key",
        "ledger_entry",
        "commerce_order_step",
        "commerce_order",
        "listing",
    ):
        op.drop_table(table)
