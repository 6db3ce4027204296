"""repti-ops: genetics lab integrations (lab_integration).

One row per organisation and lab: the headers of its results files' columns and its sealed API
key. On PostgreSQL, row-level security lets a transaction that sets
``reptidex.organisation_id`` read, add, change and delete its organisation's integrations only.

Revision ID: ops_0006
Revises: ops_0005w
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    disable_row_level_security,
    drop_policies,
    enable_row_level_security,
    on_postgres,
)

revision = "ops_0006"
down_revision = "ops_0005w"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_ops_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
TABLES = ("lab_integration",)
POLICIES = (("lab_integration_tenant", "lab_integration"),)


def upgrade() -> None:
    """Create the table; on PostgreSQL the grants and the policy."""
    op.create_table(
        "lab_integration",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("lab", sa.String(100), nullable=False),
        sa.Column("lab_key", sa.String(100), nullable=False),
        sa.Column("columns", JsonB, nullable=False),
        sa.Column("api_key_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("api_key_key", sa.String(20), nullable=True),
        sa.Column("api_key_version", sa.Integer(), nullable=True),
    )
    op.create_index(
        "uq_lab_integration_lab", "lab_integration", ["organisation_id", "lab_key"], unique=True
    )
    if on_postgres():
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON lab_integration TO {APP_ROLE}")
        enable_row_level_security(TABLES)
        op.execute(
            f"CREATE POLICY lab_integration_tenant ON lab_integration "
            f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})"
        )


def downgrade() -> None:
    """Drop the policy, grants and table."""
    if on_postgres():
        drop_policies(POLICIES)
        disable_row_level_security(TABLES)
        op.execute(f"REVOKE ALL ON lab_integration FROM {APP_ROLE}")
    op.drop_table("lab_integration")
