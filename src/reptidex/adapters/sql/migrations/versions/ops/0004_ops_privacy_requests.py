"""repti-ops: GDPR requests (privacy_request, privacy_task) and pseudonymised audit records
(audit_pseudonymised).

On PostgreSQL the service's role (``reptidex_ops_app``) keeps the requests, and may now
rewrite exactly the columns an erasure pseudonymises in an audit record (``actor_id``,
``resource_id``, ``before``, ``after``; and ``updated_at``, which is not hashed), in a transaction that sees the whole trail; it still
may not change any other column, nor delete or truncate a record. Every pseudonymised record
gets a row in ``audit_pseudonymised`` with the hash of its new content, which verification
checks instead of the original.

Revision ID: ops_0004
Revises: ops_0003
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

revision = "ops_0004"
down_revision = "ops_0003"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_ops_app"
ALL = "current_setting('reptidex.audit_scope', true) = 'all'"


def upgrade() -> None:
    """Create the tables; on PostgreSQL the grants and the pseudonymising policy."""
    op.create_table(
        "privacy_request",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("subject_id", GUID(length=16), nullable=False),
        sa.Column("requested_by", GUID(length=16), nullable=False),
        sa.Column("pseudonym", GUID(length=16), nullable=True),
    )
    op.create_index("ix_privacy_request_subject", "privacy_request", ["subject_id"])
    op.create_table(
        "privacy_task",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column(
            "request_id",
            GUID(length=16),
            sa.ForeignKey("privacy_request.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("service", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("completed_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("result", JsonB, nullable=True),
        sa.UniqueConstraint("request_id", "service", name="uq_privacy_task_request_service"),
    )
    op.create_index("ix_privacy_task_request_id", "privacy_task", ["request_id"])
    op.create_index("ix_privacy_task_due", "privacy_task", ["state", "next_attempt_at"])
    op.create_table(
        "audit_pseudonymised",
        sa.Column("seq", sa.BigInteger(), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("request_id", GUID(length=16), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON privacy_request, privacy_task TO {APP_ROLE}"
        )
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON audit_pseudonymised TO {APP_ROLE}")
        op.execute(
            f"GRANT UPDATE (actor_id, resource_id, before, after, updated_at) ON audit_record TO {APP_ROLE}"
        )
        op.execute(
            f"CREATE POLICY audit_record_pseudonymise ON audit_record FOR UPDATE "
            f"USING ({ALL}) WITH CHECK ({ALL})"
        )


def downgrade() -> None:
    """Drop the policy, grants and tables."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS audit_record_pseudonymise ON audit_record")
        op.execute(
            f"REVOKE UPDATE (actor_id, resource_id, before, after, updated_at) ON audit_record FROM {APP_ROLE}"
        )
        op.execute(
            f"REVOKE ALL ON privacy_request, privacy_task, audit_pseudonymised FROM {APP_ROLE}"
        )
    op.drop_table("audit_pseudonymised")
    op.drop_table("privacy_task")
    op.drop_table("privacy_request")
