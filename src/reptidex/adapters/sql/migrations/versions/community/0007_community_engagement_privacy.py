"""repti-community: engagement figures (the platform's searches per day and per normalised
query, and per organisation the queries whose first page showed its things); row-level
security on PostgreSQL.

And the erasure of a user's notifications (GDPR): the role may now also delete
``notification``, ``notification_delivery`` and ``notification_log`` rows, and row-level
security admits it only in the transactions of repti-ops' personal-data requests
(``reptidex.worker = 'personal_data'``), which read those rows and change none. The notifications' worker keeps what migration
``community_0004`` let it do there (read, add, and change a notification's ``read_at`` and a
delivery's outcome), no more: its policy on these tables is split by command so that it
cannot delete; a user deletes none of them.

Only words and counts per day are kept: no user, no address. The role
``reptidex_community_app`` is granted these tables only:

- ``search_day`` and ``search_query_day``: the platform's; only the analytics
  (``reptidex.worker = 'search_analytics'``) read, add, update and forget them.
- ``search_showing_day``: an organisation reads its own rows
  (``reptidex.organisation_id``); the analytics read, add, update and forget every one.

Revision ID: community_0007
Revises: community_0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    create_app_role,
    enable_row_level_security,
    on_postgres,
)

revision = "community_0007"
down_revision = "community_0006"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_community_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
ANALYTICS = "(current_setting('reptidex.worker', true) = 'search_analytics')"
TABLES = ("search_day", "search_query_day", "search_showing_day")
ERASABLE = ("notification", "notification_delivery", "notification_log")
SYSTEM = "(current_setting('reptidex.worker', true) = 'notifications')"
ERASER = "(current_setting('reptidex.worker', true) = 'personal_data')"
# the notifications' worker on the erasable tables, by command (no DELETE), and the erasure
ERASABLE_POLICY_SQL = tuple(
    (name, table, rest)
    for table in ERASABLE
    for name, rest in (
        (f"{table}_system_read", f"FOR SELECT USING {SYSTEM}"),
        (f"{table}_system_insert", f"FOR INSERT WITH CHECK {SYSTEM}"),
        # log lines never change: the role has no UPDATE on them
        *(
            ()
            if table == "notification_log"
            # (no WITH CHECK: USING checks the new row too, and the setting cannot change)
            else ((f"{table}_system_update", f"FOR UPDATE USING {SYSTEM}"),)
        ),
        (f"{table}_erase_read", f"FOR SELECT USING {ERASER}"),
        (f"{table}_erase", f"FOR DELETE USING {ERASER}"),
    )
)
# constants only, no input: the policies' SQL, as (name, table, rest of the statement)
POLICY_SQL = (
    *(
        (f"{table}_analytics", table, f"FOR ALL USING {ANALYTICS} WITH CHECK {ANALYTICS}")
        for table in TABLES
    ),
    ("search_showing_day_own", "search_showing_day", f"FOR SELECT USING (organisation_id = {ORG})"),
)


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Create the tables; on PostgreSQL grant them to the role and add the policies, and let
    the role delete notifications, their deliveries and their log."""
    op.create_table(
        "search_day",
        *_audit_columns(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("searches", sa.BigInteger(), nullable=False),
        sa.Column("empty", sa.BigInteger(), nullable=False),
        sa.Column("unrecorded", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("day", name="uq_search_day"),
    )
    op.create_table(
        "search_query_day",
        *_audit_columns(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("query", sa.String(100), nullable=False),
        sa.Column("searches", sa.BigInteger(), nullable=False),
        sa.Column("empty", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("day", "query", name="uq_search_query_day"),
    )
    op.create_table(
        "search_showing_day",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("query", sa.String(100), nullable=False),
        sa.Column("searches", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("organisation_id", "day", "query", name="uq_search_showing_day"),
    )
    op.create_index("ix_search_showing_day_day", "search_showing_day", ["day"])
    if not on_postgres():
        return
    create_app_role(APP_ROLE)
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {APP_ROLE}")
    enable_row_level_security(TABLES)
    for name, table, rest in POLICY_SQL:
        op.execute(f"CREATE POLICY {name} ON {table} {rest}")
    for table in ERASABLE:
        op.execute(f"DROP POLICY {table}_system ON {table}")
    for name, table, rest in ERASABLE_POLICY_SQL:
        op.execute(f"CREATE POLICY {name} ON {table} {rest}")
    op.execute(f"GRANT DELETE ON {', '.join(ERASABLE)} TO {APP_ROLE}")


def downgrade() -> None:
    """Drop the tables (their policies and grants go with them; the role stays: it is
    shared) and take back the deletes."""
    if on_postgres():
        op.execute(f"REVOKE DELETE ON {', '.join(ERASABLE)} FROM {APP_ROLE}")
        for name, table, _ in ERASABLE_POLICY_SQL:
            op.execute(f"DROP POLICY {name} ON {table}")
        for table in ERASABLE:
            op.execute(
                f"CREATE POLICY {table}_system ON {table} USING {SYSTEM} WITH CHECK {SYSTEM}"
            )
    op.drop_index("ix_search_showing_day_day", table_name="search_showing_day")
    for table in reversed(TABLES):
        op.drop_table(table)
