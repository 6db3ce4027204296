"""repti-core: billing (subscriptions, processed Stripe events) and feature flags.

Revision ID: core_0003
Revises: core_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "core_0003"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Create the billing and feature flag tables."""
    op.create_table(
        "billing_subscription",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("plan", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("customer_ref", sa.String(255), nullable=True),
        sa.Column("subscription_ref", sa.String(255), nullable=True),
        sa.Column("current_period_end", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("organisation_id", name="uq_billing_subscription_organisation_id"),
        sa.UniqueConstraint("customer_ref", name="uq_billing_subscription_customer_ref"),
        sa.UniqueConstraint("subscription_ref", name="uq_billing_subscription_subscription_ref"),
    )
    op.create_table(
        "billing_processed_webhook",
        *_audit_columns(),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_billing_processed_webhook_event_id"),
    )
    op.create_table(
        "feature_flag",
        *_audit_columns(),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("rollout_percentage", sa.Integer(), nullable=True),
        sa.Column("entitlement", sa.String(40), nullable=True),
        sa.UniqueConstraint("key", name="uq_feature_flag_key"),
    )
    op.create_table(
        "feature_flag_override",
        *_audit_columns(),
        sa.Column(
            "flag_key",
            sa.String(64),
            sa.ForeignKey(
                "feature_flag.key", ondelete="CASCADE", name="fk_feature_flag_override_flag_key"
            ),
            nullable=False,
        ),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("subject_id", GUID(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("flag_key", "scope", "subject_id", name="uq_feature_flag_override"),
    )
    op.create_index(
        "ix_feature_flag_override_subject", "feature_flag_override", ["scope", "subject_id"]
    )


def downgrade() -> None:
    """Drop the billing and feature flag tables."""
    op.drop_index("ix_feature_flag_override_subject", table_name="feature_flag_override")
    op.drop_table("feature_flag_override")
    op.drop_table("feature_flag")
    op.drop_table("billing_processed_webhook")
    op.drop_table("billing_subscription")
