"""repti-commerce: seller profiles and ratings, with row-level security on PostgreSQL.

- ``seller_profile``: anyone reads; an organisation inserts and updates its own only.
- ``order_rating``: anyone reads (a trader's reputation is public); an organisation inserts
  a rating only as itself, of the other party of a completed order it is party to; nobody
  changes or deletes one.

Revision ID: commerce_0008
Revises: commerce_0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "commerce_0008"
down_revision = "commerce_0007"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_commerce_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
# constants only, no input: the policy's SQL
COMPLETED_ORDER_OF_RATER = (
    "EXISTS (SELECT 1 FROM commerce_order o WHERE o.id = order_rating.order_id "
    "AND o.state = 'completed' AND ("
    "(o.buyer_organisation_id = order_rating.rater_organisation_id "
    "AND o.seller_organisation_id = order_rating.rated_organisation_id "
    "AND order_rating.rater_party = 'buyer') OR "
    "(o.seller_organisation_id = order_rating.rater_organisation_id "
    "AND o.buyer_organisation_id = order_rating.rated_organisation_id "
    "AND order_rating.rater_party = 'seller')))"
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
        "seller_profile",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("about", sa.Text(), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("region", sa.String(100), nullable=True),
        sa.Column("shipping_policy", sa.Text(), nullable=True),
        sa.Column("returns_policy", sa.Text(), nullable=True),
        sa.Column("payment_policy", sa.Text(), nullable=True),
    )
    op.create_table(
        "order_rating",
        *_audit_columns(),
        sa.Column("order_id", GUID(length=16), nullable=False),
        sa.Column("rater_organisation_id", GUID(length=16), nullable=False),
        sa.Column("rated_organisation_id", GUID(length=16), nullable=False),
        sa.Column("rater_party", sa.String(10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.UniqueConstraint("order_id", "rater_organisation_id", name="uq_order_rating_rater"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="ck_order_rating_score"),
    )
    op.create_index(
        "ix_order_rating_rated", "order_rating", ["rated_organisation_id", "rater_party"]
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON seller_profile TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON order_rating TO {APP_ROLE}")
    for table in ("seller_profile", "order_rating"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for statement in (
        "CREATE POLICY seller_profile_read ON seller_profile FOR SELECT USING (true)",
        "CREATE POLICY seller_profile_insert ON seller_profile FOR INSERT "
        f"WITH CHECK (organisation_id = {ORG})",
        "CREATE POLICY seller_profile_update ON seller_profile FOR UPDATE "
        f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})",
        "CREATE POLICY order_rating_read ON order_rating FOR SELECT USING (true)",
        "CREATE POLICY order_rating_insert ON order_rating FOR INSERT "
        f"WITH CHECK (rater_organisation_id = {ORG} AND {COMPLETED_ORDER_OF_RATER})",
    ):
        op.execute(statement)


def downgrade() -> None:
    """Drop the tables (and their policies with them)."""
    op.drop_index("ix_order_rating_rated", table_name="order_rating")
    op.drop_table("order_rating")
    op.drop_table("seller_profile")
