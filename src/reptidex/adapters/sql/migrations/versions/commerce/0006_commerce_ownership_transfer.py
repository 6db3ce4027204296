"""repti-commerce: the requests to transfer sold animals to their buyers (one per completed
order), with row-level security on PostgreSQL.

The two parties of the order read the request, and the buyer (who completes the order)
inserts it; only the transfer worker, whose transactions set ``reptidex.worker`` to
``ownership_transfer``, reads every request and updates them. Nobody deletes one.

Revision ID: commerce_0006
Revises: commerce_0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "commerce_0006"
down_revision = "commerce_0005"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_commerce_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
PARTY = f"(seller_organisation_id = {ORG} OR buyer_organisation_id = {ORG})"
WORKER = "(current_setting('reptidex.worker', true) = 'ownership_transfer')"
POLICIES = ("ownership_transfer_read", "ownership_transfer_insert", "ownership_transfer_update")


def upgrade() -> None:
    """Create the table; on PostgreSQL grant it and enable its policies."""
    op.create_table(
        "ownership_transfer",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("order_id", GUID(length=16), nullable=False, unique=True),
        sa.Column("listing_id", GUID(length=16), nullable=False),
        sa.Column("animal_id", GUID(length=16), nullable=False),
        sa.Column("seller_organisation_id", GUID(length=16), nullable=False),
        sa.Column("buyer_organisation_id", GUID(length=16), nullable=False),
        sa.Column("requested_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("finished_at", DateTimeUTC(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_ownership_transfer_due", "ownership_transfer", ["status", "next_attempt_at"]
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON ownership_transfer TO {APP_ROLE}")
    op.execute("ALTER TABLE ownership_transfer ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY ownership_transfer_read ON ownership_transfer FOR SELECT "
        f"USING ({PARTY} OR {WORKER})"
    )
    op.execute(
        "CREATE POLICY ownership_transfer_insert ON ownership_transfer FOR INSERT "
        f"WITH CHECK {PARTY}"
    )
    op.execute(
        f"CREATE POLICY ownership_transfer_update ON ownership_transfer FOR UPDATE USING {WORKER}"
    )


def downgrade() -> None:
    """Drop the table (and its policies with it)."""
    op.drop_index("ix_ownership_transfer_due", table_name="ownership_transfer")
    op.drop_table("ownership_transfer")
