"""repti-ops: outgoing webhooks (webhook_subscription, webhook_delivery).

On PostgreSQL, row-level security lets a transaction that sets ``reptidex.organisation_id``
read, add, change and delete its organisation's subscriptions, and read and add (never change
or delete) its organisation's deliveries. A transaction that sets ``reptidex.worker`` to
``webhook_delivery`` (the delivery worker) reads every organisation's subscriptions and
deliveries and records attempts; the service's role may change only a delivery's outcome
columns, never its webhook, organisation, event or body. A delivery's webhook and organisation
form one foreign key, so a delivery never names another organisation's webhook; deleting a
webhook deletes its deliveries.

Revision ID: ops_0005w
Revises: ops_0004
Create Date: 2026-12-16
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    disable_row_level_security,
    drop_policies,
    enable_row_level_security,
    on_postgres,
)

revision = "ops_0005w"
down_revision = "ops_0004"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_ops_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
WORKER = "(current_setting('reptidex.worker', true) = 'webhook_delivery')"
TABLES = ("webhook_subscription", "webhook_delivery")
OUTCOME = (
    "status, attempts, next_attempt_at, last_attempt_at, last_status_code, last_response_ms, "
    "last_error, delivered_at, updated_at"
)
POLICIES = (
    ("webhook_subscription_tenant", "webhook_subscription"),
    ("webhook_subscription_worker_read", "webhook_subscription"),
    ("webhook_delivery_read", "webhook_delivery"),
    ("webhook_delivery_insert", "webhook_delivery"),
    ("webhook_delivery_worker_read", "webhook_delivery"),
    ("webhook_delivery_worker_update", "webhook_delivery"),
)


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Create the tables; on PostgreSQL the grants and policies."""
    op.create_table(
        "webhook_subscription",
        *_timestamps(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("event_kinds", JsonB, nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("secret_key", sa.String(20), nullable=False),
        sa.Column("secret_version", sa.Integer(), nullable=False),
        sa.Column("previous_secret_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("previous_secret_key", sa.String(20), nullable=True),
        sa.Column("previous_secret_version", sa.Integer(), nullable=True),
        sa.Column("previous_secret_expires_at", DateTimeUTC(timezone=True), nullable=True),
        sa.UniqueConstraint("id", "organisation_id", name="uq_webhook_subscription_organisation"),
    )
    op.create_index(
        "ix_webhook_subscription_organisation",
        "webhook_subscription",
        ["organisation_id", "created_at"],
    )
    op.create_table(
        "webhook_delivery",
        *_timestamps(),
        sa.Column("webhook_id", GUID(length=16), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("last_attempt_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_response_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("delivered_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("redelivery_of", GUID(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id", "organisation_id"],
            ["webhook_subscription.id", "webhook_subscription.organisation_id"],
            name="fk_webhook_delivery_webhook",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_webhook_delivery_log", "webhook_delivery", ["webhook_id", "created_at"])
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    if on_postgres():
        _secure()


def _secure() -> None:
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_subscription TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON webhook_delivery TO {APP_ROLE}")
    op.execute(f"GRANT UPDATE ({OUTCOME}) ON webhook_delivery TO {APP_ROLE}")
    enable_row_level_security(TABLES)
    for statement in (
        f"CREATE POLICY webhook_subscription_tenant ON webhook_subscription "
        f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})",
        f"CREATE POLICY webhook_subscription_worker_read ON webhook_subscription FOR SELECT "
        f"USING {WORKER}",
        f"CREATE POLICY webhook_delivery_read ON webhook_delivery FOR SELECT "
        f"USING (organisation_id = {ORG})",
        f"CREATE POLICY webhook_delivery_insert ON webhook_delivery FOR INSERT "
        f"WITH CHECK (organisation_id = {ORG})",
        f"CREATE POLICY webhook_delivery_worker_read ON webhook_delivery FOR SELECT USING {WORKER}",
        f"CREATE POLICY webhook_delivery_worker_update ON webhook_delivery FOR UPDATE "
        f"USING {WORKER}",
    ):
        op.execute(statement)


def downgrade() -> None:
    """Drop the policies, grants and tables."""
    if on_postgres():
        drop_policies(POLICIES)
        disable_row_level_security(TABLES)
        op.execute(f"REVOKE ALL ON webhook_subscription, webhook_delivery FROM {APP_ROLE}")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_subscription")
