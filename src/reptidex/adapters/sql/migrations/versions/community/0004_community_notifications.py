"""repti-community: notifications (notification, notification_delivery, notification_log,
notification_recipient, notification_preference), the copy of organisations' members that
events notify (notification_member), users' saved listings (saved_listing), reminders
scheduled for later (notification_reminder) and browsers' web push subscriptions
(push_subscription).

On PostgreSQL the service connects as a member of ``reptidex_community_app`` (made here
unless it exists), which row-level security binds. A transaction that sets
``reptidex.user_id`` (a user's request) reads its own notifications, deliveries and log,
marks its own notifications read (only ``read_at`` may change), appends to its own log, and
reads and writes its own settings, channel choices, saved listings and push subscriptions,
and reads its own
memberships; nothing of another user's, and no reminder (they belong to the platform). A
transaction that sets ``reptidex.worker`` to ``notifications`` (sending, event consumers,
the delivery worker, one-click unsubscribes) works on every user's rows. Deliveries may
change only their outcome columns, log lines never change.

Revision ID: community_0004
Revises: community_0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    create_app_role,
    disable_row_level_security,
    drop_policies,
    enable_row_level_security,
    on_postgres,
)

revision = "community_0004"
down_revision = "community_0003"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_community_app"
USER = "NULLIF(current_setting('reptidex.user_id', true), '')::uuid"
SYSTEM = "(current_setting('reptidex.worker', true) = 'notifications')"
TABLES = (
    "notification",
    "notification_delivery",
    "notification_log",
    "notification_recipient",
    "notification_preference",
    "notification_member",
    "saved_listing",
    "push_subscription",
    "notification_reminder",
)
OWNER_RIGHTS = {
    "notification": ("SELECT", "UPDATE"),
    "notification_delivery": ("SELECT",),
    "notification_log": ("SELECT", "INSERT"),
    "notification_recipient": ("ALL",),
    "notification_preference": ("ALL",),
    "notification_member": ("SELECT",),
    "saved_listing": ("ALL",),
    "push_subscription": ("ALL",),
}
"""What a user's transaction may do to its own rows, by table."""
POLICIES = tuple(
    (f"{table}_{right.lower()}_own", table)
    for table, rights in OWNER_RIGHTS.items()
    for right in rights
) + tuple((f"{table}_system", table) for table in TABLES)


def _base() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
    ]


def upgrade() -> None:
    """Create the tables; on PostgreSQL the role's grants and the policies."""
    op.create_table(
        "notification",
        *_base(),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.String(2000), nullable=False),
        sa.Column("link", sa.String(2048), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("data", JsonB, nullable=False),
        sa.Column("read_at", DateTimeUTC(timezone=True), nullable=True),
        sa.UniqueConstraint("user_id", "event_id", name="uq_notification_user_event"),
    )
    op.create_index("ix_notification_user_created", "notification", ["user_id", "created_at"])
    op.create_table(
        "notification_delivery",
        *_base(),
        sa.Column(
            "notification_id",
            GUID(length=16),
            sa.ForeignKey("notification.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("sent_at", DateTimeUTC(timezone=True), nullable=True),
        sa.UniqueConstraint("notification_id", "channel", name="uq_notification_delivery_channel"),
    )
    op.create_index(
        "ix_notification_delivery_due", "notification_delivery", ["status", "next_attempt_at"]
    )
    op.create_table(
        "notification_log",
        *_base(),
        sa.Column(
            "notification_id",
            GUID(length=16),
            sa.ForeignKey("notification.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(10), nullable=True),
        sa.Column("detail", sa.String(400), nullable=False),
        sa.Column("at", DateTimeUTC(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_notification_log_notification", "notification_log", ["notification_id", "at"]
    )
    op.create_table(
        "notification_recipient",
        *_base(),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=True),
        sa.Column("quiet_end", sa.Time(), nullable=True),
        sa.UniqueConstraint("user_id", name="uq_notification_recipient_user"),
    )
    op.create_table(
        "notification_preference",
        *_base(),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("user_id", "kind", "channel", name="uq_notification_preference"),
    )
    op.create_table(
        "notification_member",
        *_base(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.UniqueConstraint("organisation_id", "user_id", name="uq_notification_member"),
    )
    op.create_table(
        "saved_listing",
        *_base(),
        sa.Column("listing_id", GUID(length=16), nullable=False),
        sa.UniqueConstraint("user_id", "listing_id", name="uq_saved_listing"),
    )
    op.create_index("ix_saved_listing_listing", "saved_listing", ["listing_id"])
    op.create_table(
        "push_subscription",
        *_base(),
        sa.Column("endpoint", sa.String(2048), nullable=False),
        sa.Column("p256dh", sa.String(100), nullable=False),
        sa.Column("auth", sa.String(40), nullable=False),
        sa.UniqueConstraint("user_id", "endpoint", name="uq_push_subscription_endpoint"),
    )
    op.create_table(
        "notification_reminder",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("parameters", JsonB, nullable=False),
        sa.Column("link", sa.String(2048), nullable=True),
        sa.Column("event_id", GUID(length=16), nullable=False),
        sa.Column("due_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.UniqueConstraint("subject_id", "kind", name="uq_notification_reminder_subject"),
    )
    op.create_index("ix_notification_reminder_due", "notification_reminder", ["status", "due_at"])
    if on_postgres():
        _secure()


def _secure() -> None:
    create_app_role(APP_ROLE)
    # the schema's default privileges may have given the role every right on the new tables:
    # take them back, then grant exactly these
    op.execute(f"REVOKE ALL ON {', '.join(TABLES)} FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_message TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON processed_event TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON notification TO {APP_ROLE}")
    op.execute(f"GRANT UPDATE (read_at, updated_at) ON notification TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON notification_delivery TO {APP_ROLE}")
    op.execute(
        "GRANT UPDATE (status, attempts, next_attempt_at, last_error, sent_at, updated_at) "
        f"ON notification_delivery TO {APP_ROLE}"
    )
    op.execute(f"GRANT SELECT, INSERT ON notification_log TO {APP_ROLE}")
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON notification_recipient, "
        f"notification_preference, notification_member, saved_listing, push_subscription "
        f"TO {APP_ROLE}"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON notification_reminder TO {APP_ROLE}")
    enable_row_level_security(TABLES)
    for table, rights in OWNER_RIGHTS.items():
        for right in rights:
            command = "ALL" if right == "ALL" else right
            using = "" if right == "INSERT" else f" USING (user_id = {USER})"
            check = "" if right in ("SELECT",) else f" WITH CHECK (user_id = {USER})"
            op.execute(
                f"CREATE POLICY {table}_{right.lower()}_own ON {table} FOR {command}{using}{check}"
            )
    for table in TABLES:
        op.execute(f"CREATE POLICY {table}_system ON {table} USING {SYSTEM} WITH CHECK {SYSTEM}")


def downgrade() -> None:
    """Drop the policies, grants and tables (the role stays: it is shared)."""
    if on_postgres():
        drop_policies(POLICIES)
        disable_row_level_security(TABLES)
        op.execute(f"REVOKE ALL ON {', '.join(TABLES)} FROM {APP_ROLE}")
    for table in reversed(TABLES):
        op.drop_table(table)
