"""repti-ops: partner marketplace feeds (marketplace_feed).

One row per organisation and partner: the SHA-256 digest of the token the partner reads the
feed with. On PostgreSQL, row-level security lets a transaction that sets
``reptidex.organisation_id`` read, add, change and delete its organisation's feeds only, and a
transaction that sets ``reptidex.feed_token_digest`` read the one feed of that digest (a
partner's request, which names no organisation).

Revision ID: ops_0007
Revises: ops_0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    disable_row_level_security,
    drop_policies,
    enable_row_level_security,
    on_postgres,
)

revision = "ops_0007"
down_revision = "ops_0006"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_ops_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
DIGEST = "NULLIF(current_setting('reptidex.feed_token_digest', true), '')"
TABLES = ("marketplace_feed",)
POLICIES = (
    ("marketplace_feed_tenant", "marketplace_feed"),
    ("marketplace_feed_token", "marketplace_feed"),
)


def upgrade() -> None:
    """Create the table; on PostgreSQL the grants and the policies."""
    op.create_table(
        "marketplace_feed",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("partner", sa.String(100), nullable=False),
        sa.Column("partner_key", sa.String(100), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
    )
    op.create_index(
        "uq_marketplace_feed_partner",
        "marketplace_feed",
        ["organisation_id", "partner_key"],
        unique=True,
    )
    op.create_index("uq_marketplace_feed_token", "marketplace_feed", ["token_digest"], unique=True)
    if on_postgres():
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON marketplace_feed TO {APP_ROLE}")
        enable_row_level_security(TABLES)
        op.execute(
            f"CREATE POLICY marketplace_feed_tenant ON marketplace_feed "
            f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})"
        )
        op.execute(
            f"CREATE POLICY marketplace_feed_token ON marketplace_feed FOR SELECT "
            f"USING (token_digest = {DIGEST})"
        )


def downgrade() -> None:
    """Drop the policies, grants and table."""
    if on_postgres():
        drop_policies(POLICIES)
        disable_row_level_security(TABLES)
        op.execute(f"REVOKE ALL ON marketplace_feed FROM {APP_ROLE}")
    op.drop_table("marketplace_feed")
