"""repti-ops: uptime per service per day (service_uptime_day).

Platform data, not an organisation's: no row-level security. On PostgreSQL the service's role
(``reptidex_ops_app``) may read the counts, add a day, add samples to a day (UPDATE of the two
counts only) and delete days (the retention); it may not change a day's service or date, and a
trigger refuses any update that lowers a count or adds more up samples than samples, so the
role can add to the history but never rewrite it. A CHECK keeps every row sensible on both
databases.

Revision ID: ops_0010
Revises: ops_0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from reptidex.adapters.sql.migrations.app_role import on_postgres

revision = "ops_0010"
down_revision = "ops_0009"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_ops_app"


def upgrade() -> None:
    """Create the table; on PostgreSQL the grants and the trigger that lets counts only grow."""
    op.create_table(
        "service_uptime_day",
        sa.Column("service", sa.String(20), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("up_samples", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "samples >= 1 AND up_samples >= 0 AND up_samples <= samples",
            name="ck_service_uptime_day_counts",
        ),
    )
    op.create_index("ix_service_uptime_day_day", "service_uptime_day", ["day"])
    if not on_postgres():
        return
    op.execute(f"GRANT SELECT, INSERT, DELETE ON service_uptime_day TO {APP_ROLE}")
    op.execute(f"GRANT UPDATE (samples, up_samples) ON service_uptime_day TO {APP_ROLE}")
    op.execute(
        """
        CREATE FUNCTION service_uptime_day_only_grows() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.samples < OLD.samples OR NEW.up_samples < OLD.up_samples
               OR NEW.up_samples - OLD.up_samples > NEW.samples - OLD.samples THEN
                RAISE EXCEPTION 'service_uptime_day: samples are added, never taken back'
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER service_uptime_day_only_grows BEFORE UPDATE ON service_uptime_day "
        "FOR EACH ROW EXECUTE FUNCTION service_uptime_day_only_grows()"
    )


def downgrade() -> None:
    """Drop the table, its trigger and its function."""
    if on_postgres():
        op.execute("DROP TRIGGER IF EXISTS service_uptime_day_only_grows ON service_uptime_day")
        op.execute("DROP FUNCTION IF EXISTS service_uptime_day_only_grows()")
        op.execute(f"REVOKE ALL ON service_uptime_day FROM {APP_ROLE}")
    op.drop_index("ix_service_uptime_day_day", table_name="service_uptime_day")
    op.drop_table("service_uptime_day")
