"""repti-community: row-level security FORCEd on its tables, and the outbox under it (no-op on SQLite).

FORCE makes the tables' owner subject to the policies as well (a superuser still bypasses
them): a service connected as the owner by mistake sees nothing without its organisation set
(it refuses to start so anyway). The outbox joins row-level security: any transaction may
stage an event, only the relay (``reptidex.outbox_relay`` on) reads, stamps and prunes them.

Revision ID: community_0008
Revises: community_0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from reptidex.adapters.sql.migrations.app_role import (
    force_row_level_security,
    on_postgres,
    secure_outbox,
    unforce_row_level_security,
    unsecure_outbox,
)

revision = "community_0008"
down_revision = "community_0007"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_community_app"
TABLES = (
    "ad_campaign",
    "ad_campaign_day",
    "ad_credit_account",
    "ad_credit_purchase",
    "ad_sighting",
    "forum_category",
    "forum_follow",
    "forum_member",
    "forum_post",
    "forum_post_revision",
    "forum_reaction",
    "forum_report",
    "forum_thread",
    "notification",
    "notification_delivery",
    "notification_log",
    "notification_member",
    "notification_preference",
    "notification_recipient",
    "notification_reminder",
    "push_subscription",
    "saved_listing",
    "search_day",
    "search_query_day",
    "search_showing_day",
)
"""Every table of repti-community under row-level security (the outbox aside)."""


def upgrade() -> None:
    """FORCE row-level security on the tenant tables and put the outbox under it."""
    if not on_postgres():
        return
    force_row_level_security(TABLES)
    secure_outbox(APP_ROLE)


def downgrade() -> None:
    """Take the outbox out of row-level security and lift FORCE from the tenant tables."""
    if not on_postgres():
        return
    unsecure_outbox()
    unforce_row_level_security(TABLES)
