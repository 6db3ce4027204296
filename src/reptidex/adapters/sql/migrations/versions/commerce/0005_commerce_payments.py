"""repti-commerce: payments through providers, payout accounts, handled webhook events, with
row-level security on PostgreSQL.

- ``commerce_payment``: the order's two parties read it and change it; only the buyer
  inserts one; a transaction that set ``reptidex.provider_reference`` (a verified webhook's)
  reads the payment with that checkout or charge reference (or id, from a webhook's
  metadata).
- ``commerce_payout_account``: the organisation's own; the buyer of a pending order reads its
  seller's (to pay into it); a transaction that set the reference reads the account with it
  (a payout's webhook).
- ``commerce_handled_notice``: the providers' event ids, the platform's (no organisation's
  data), without row-level security.

Revision ID: commerce_0005
Revises: commerce_0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "commerce_0005"
down_revision = "commerce_0004"
branch_labels = None
depends_on = None

OPEN_PAYMENT = "status = 'created'"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
REF = "NULLIF(current_setting('reptidex.provider_reference', true), '')"
PARTY = f"(seller_organisation_id = {ORG} OR buyer_organisation_id = {ORG})"
# constants only, no input: the policies' SQL
BUYER_OF_SELLER = (
    "EXISTS (SELECT 1 FROM commerce_order o "  # noqa: S608
    "WHERE o.seller_organisation_id = commerce_payout_account.organisation_id "
    f"AND o.buyer_organisation_id = {ORG} AND o.state = 'pending')"
)
POLICIES = (
    (
        "commerce_payment_read",
        "commerce_payment",
        f"FOR SELECT USING ({PARTY} OR reference = {REF} OR charge_reference = {REF} "
        f"OR id::text = {REF})",
    ),
    (
        "commerce_payment_insert",
        "commerce_payment",
        f"FOR INSERT WITH CHECK (buyer_organisation_id = {ORG})",
    ),
    (
        "commerce_payment_update",
        "commerce_payment",
        f"FOR UPDATE USING {PARTY} WITH CHECK {PARTY}",
    ),
    (
        "payout_account_own",
        "commerce_payout_account",
        f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})",
    ),
    (
        "payout_account_read",
        "commerce_payout_account",
        f"FOR SELECT USING (account = {REF} OR {BUYER_OF_SELLER})",
    ),
)


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def _uuid(name: str) -> sa.Column[Any]:
    return sa.Column(name, GUID(length=16), nullable=False)


def upgrade() -> None:
    """Create the tables, then (PostgreSQL) enable row-level security with the policies."""
    op.create_table(
        "commerce_payment",
        *_audit_columns(),
        _uuid("order_id"),
        sa.Column("provider", sa.String(10), nullable=False),
        _uuid("seller_organisation_id"),
        _uuid("buyer_organisation_id"),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("fee_amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        sa.Column("approval_url", sa.String(2000), nullable=False),
        sa.Column("charge_reference", sa.String(255), nullable=True),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("fee_refunded", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("provider", "reference", name="uq_commerce_payment_reference"),
    )
    op.create_index("ix_commerce_payment_order_id", "commerce_payment", ["order_id"])
    op.create_index(
        "ix_commerce_payment_charge", "commerce_payment", ["provider", "charge_reference"]
    )
    op.create_index(
        "uq_commerce_payment_open",
        "commerce_payment",
        ["order_id", "provider"],
        unique=True,
        postgresql_where=sa.text(OPEN_PAYMENT),
        sqlite_where=sa.text(OPEN_PAYMENT),
    )
    op.create_table(
        "commerce_payout_account",
        *_audit_columns(),
        _uuid("organisation_id"),
        sa.Column("provider", sa.String(10), nullable=False),
        sa.Column("account", sa.String(255), nullable=False),
        sa.UniqueConstraint("organisation_id", "provider", name="uq_payout_account_organisation"),
        sa.UniqueConstraint("provider", "account", name="uq_payout_account_account"),
    )
    op.create_table(
        "commerce_handled_notice",
        *_audit_columns(),
        sa.Column("provider", sa.String(10), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("handled_at", DateTimeUTC(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "event_id", name="uq_handled_notice_event"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("commerce_payment", "commerce_payout_account"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for name, table, rule in POLICIES:
        op.execute(f"CREATE POLICY {name} ON {table} {rule}")


def downgrade() -> None:
    """Drop the tables (and with them their policies)."""
    for table in ("commerce_handled_notice", "commerce_payout_account", "commerce_payment"):
        op.drop_table(table)
