"""repti-commerce: inquiries about listings and listing views, with row-level security.

- ``listing_inquiry``: the two sides read it; a buyer inserts it as itself, to the seller of
  a listing it may see and which is not its own; only the seller updates it (the answer);
  nobody deletes one.
- ``listing_view``: anyone adds a view of a listing it may see, naming that listing's seller;
  only the seller reads its views; nobody changes or deletes one.

Revision ID: commerce_0009
Revises: commerce_0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "commerce_0009"
down_revision = "commerce_0008"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_commerce_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
# constants only, no input: the policies' SQL (the subquery runs under listing's policies)
OF_A_VISIBLE_LISTING = (
    "EXISTS (SELECT 1 FROM listing l WHERE l.id = {table}.listing_id "
    "AND l.organisation_id = {table}.seller_organisation_id)"
)


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Create the tables; on PostgreSQL grant them and enable their policies."""
    op.create_table(
        "listing_inquiry",
        *_audit_columns(),
        sa.Column("listing_id", GUID(length=16), nullable=False),
        sa.Column("seller_organisation_id", GUID(length=16), nullable=False),
        sa.Column("buyer_organisation_id", GUID(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("asked_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", DateTimeUTC(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_listing_inquiry_seller", "listing_inquiry", ["seller_organisation_id", "listing_id"]
    )
    op.create_index("ix_listing_inquiry_buyer", "listing_inquiry", ["buyer_organisation_id"])
    op.create_table(
        "listing_view",
        *_audit_columns(),
        sa.Column("listing_id", GUID(length=16), nullable=False),
        sa.Column("seller_organisation_id", GUID(length=16), nullable=False),
        sa.Column("viewed_at", DateTimeUTC(timezone=True), nullable=False),
    )
    op.create_index("ix_listing_view_listing", "listing_view", ["listing_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON listing_inquiry TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON listing_view TO {APP_ROLE}")
    for table in ("listing_inquiry", "listing_view"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    inquiry_listing = OF_A_VISIBLE_LISTING.format(table="listing_inquiry")
    view_listing = OF_A_VISIBLE_LISTING.format(table="listing_view")
    for statement in (
        "CREATE POLICY listing_inquiry_read ON listing_inquiry FOR SELECT USING "
        f"(seller_organisation_id = {ORG} OR buyer_organisation_id = {ORG})",
        "CREATE POLICY listing_inquiry_insert ON listing_inquiry FOR INSERT WITH CHECK "
        f"(buyer_organisation_id = {ORG} AND seller_organisation_id <> {ORG} "
        f"AND {inquiry_listing})",
        "CREATE POLICY listing_inquiry_update ON listing_inquiry FOR UPDATE "
        f"USING (seller_organisation_id = {ORG}) WITH CHECK (seller_organisation_id = {ORG})",
        "CREATE POLICY listing_view_read ON listing_view FOR SELECT "
        f"USING (seller_organisation_id = {ORG})",
        f"CREATE POLICY listing_view_insert ON listing_view FOR INSERT WITH CHECK ({view_listing})",
    ):
        op.execute(statement)


def downgrade() -> None:
    """Drop the tables (and their policies with them)."""
    op.drop_index("ix_listing_view_listing", table_name="listing_view")
    op.drop_table("listing_view")
    op.drop_index("ix_listing_inquiry_buyer", table_name="listing_inquiry")
    op.drop_index("ix_listing_inquiry_seller", table_name="listing_inquiry")
    op.drop_table("listing_inquiry")
