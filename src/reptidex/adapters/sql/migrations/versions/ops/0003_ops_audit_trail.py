"""repti-ops: the audit trail (audit_record, audit_chain_head, audit_checkpoint).

On PostgreSQL the service connects as a non-owner role in ``reptidex_ops_app`` (made here,
NOLOGIN; grant it to the service's login role). That role may SELECT and INSERT audit records
and checkpoints but never UPDATE, DELETE or TRUNCATE them; it may move the chain's head.
Row-level security shows a transaction the records of its organisation
(``reptidex.organisation_id``) or, with ``reptidex.audit_scope = 'all'``, every record; any
organisation's record may be inserted (the consumer appends them all).

Revision ID: ops_0003
Revises: ops_0002e
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "ops_0003"
down_revision = "ops_0002e"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_ops_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
ALL = "current_setting('reptidex.audit_scope', true) = 'all'"
GENESIS = "0" * 64


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    """Create the tables and the chain's head; on PostgreSQL the role, grants and policies."""
    op.create_table(
        "audit_record",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("occurred_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("actor_id", GUID(length=16), nullable=True),
        sa.Column("organisation_id", GUID(length=16), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("resource_kind", sa.String(60), nullable=False),
        sa.Column("resource_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("before", JsonB, nullable=False),
        sa.Column("after", JsonB, nullable=False),
        sa.Column("withheld", JsonB, nullable=False),
        sa.Column("previous_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_audit_record_organisation_occurred", "audit_record", ["organisation_id", "occurred_at"]
    )
    op.create_index("ix_audit_record_occurred", "audit_record", ["occurred_at"])
    op.create_index("ix_audit_record_resource", "audit_record", ["resource_kind", "resource_id"])
    op.create_index("ix_audit_record_actor", "audit_record", ["actor_id"])
    head = op.create_table(
        "audit_chain_head",
        sa.Column("chain", sa.String(20), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"chain": "audit", "seq": 0, "hash": GENESIS}])
    op.create_table(
        "audit_checkpoint",
        sa.Column("seq", sa.BigInteger(), primary_key=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("expired", sa.BigInteger(), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
    )
    if _postgres():
        _secure()


def _secure() -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
            CREATE ROLE {APP_ROLE} NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END
        $$;
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_message, processed_event TO {APP_ROLE}"
    )
    op.execute(f"GRANT SELECT, INSERT ON audit_record, audit_checkpoint TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, UPDATE ON audit_chain_head TO {APP_ROLE}")
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_record, audit_checkpoint FROM PUBLIC")
    op.execute("ALTER TABLE audit_record ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY audit_record_read ON audit_record FOR SELECT "
        f"USING (organisation_id = {ORG} OR {ALL})"
    )
    op.execute("CREATE POLICY audit_record_append ON audit_record FOR INSERT WITH CHECK (true)")


def downgrade() -> None:
    """Drop the policies, grants and tables (the role stays: it may be shared)."""
    if _postgres():
        op.execute("DROP POLICY IF EXISTS audit_record_append ON audit_record")
        op.execute("DROP POLICY IF EXISTS audit_record_read ON audit_record")
        op.execute(
            f"REVOKE ALL ON outbox_message, processed_event, audit_record, audit_checkpoint, "
            f"audit_chain_head FROM {APP_ROLE}"
        )
        op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    op.drop_table("audit_checkpoint")
    op.drop_table("audit_chain_head")
    op.drop_table("audit_record")
