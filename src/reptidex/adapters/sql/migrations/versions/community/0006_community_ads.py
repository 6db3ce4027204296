"""repti-community: advertising (campaigns, their days, ad credits and their purchases, the
sightings that filter duplicate impressions and clicks); row-level security on PostgreSQL.

The service connects as a role in ``reptidex_community_app`` (made here, NOLOGIN; grant it to
the service's login role). Each transaction sets ``reptidex.organisation_id``; two kinds of
transaction also set ``reptidex.worker``:

- ``ad_campaign``: an organisation reads, adds and changes its own; nobody deletes one. The ad
  server (``reptidex.worker = 'ad_server'``: serving and recording) reads every campaign and
  updates their spend.
- ``ad_campaign_day``: an organisation reads its campaigns' days; the ad server reads, adds
  and updates them.
- ``ad_credit_account``: an organisation reads its own balances; only the crediting of a paid
  purchase (``reptidex.worker = 'ad_credits'``, scoped to the buying organisation) adds an
  account or raises it; the ad server reads them and takes each impression's cost.
- ``ad_credit_purchase``: an organisation reads its own; the crediting adds them.
- ``ad_sighting``: the ad server's alone (it adds them, reads them and forgets old ones).

Row-level security admits rows, not columns, so a trigger (``community_ad_server_guard``)
limits the ad server's updates: a campaign's spend only grows, a balance only shrinks, and
nothing else of either row changes. ``CHECK`` constraints keep spend within the total budget
and balances at zero or more whoever writes.

Revision ID: community_0006
Revises: community_0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    create_app_role,
    enable_row_level_security,
    on_postgres,
)

revision = "community_0006"
down_revision = "community_0005"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_community_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
SERVER = "(current_setting('reptidex.worker', true) = 'ad_server')"
CREDITS = "(current_setting('reptidex.worker', true) = 'ad_credits')"
OWN = f"(organisation_id = {ORG})"
TABLES = (
    "ad_campaign",
    "ad_campaign_day",
    "ad_credit_account",
    "ad_credit_purchase",
    "ad_sighting",
)
# constants only, no input: the policies' SQL, as (name, table, rest of the statement)
POLICY_SQL = (
    ("ad_campaign_read", "ad_campaign", f"FOR SELECT USING ({OWN} OR {SERVER})"),
    ("ad_campaign_insert", "ad_campaign", f"FOR INSERT WITH CHECK {OWN}"),
    ("ad_campaign_update", "ad_campaign", f"FOR UPDATE USING {OWN} WITH CHECK {OWN}"),
    ("ad_campaign_spend", "ad_campaign", f"FOR UPDATE USING {SERVER} WITH CHECK {SERVER}"),
    ("ad_campaign_day_read", "ad_campaign_day", f"FOR SELECT USING ({OWN} OR {SERVER})"),
    ("ad_campaign_day_insert", "ad_campaign_day", f"FOR INSERT WITH CHECK {SERVER}"),
    ("ad_campaign_day_update", "ad_campaign_day", f"FOR UPDATE USING {SERVER} WITH CHECK {SERVER}"),
    ("ad_credit_account_read", "ad_credit_account", f"FOR SELECT USING ({OWN} OR {SERVER})"),
    (
        "ad_credit_account_insert",
        "ad_credit_account",
        f"FOR INSERT WITH CHECK ({CREDITS} AND {OWN})",
    ),
    (
        "ad_credit_account_credit",
        "ad_credit_account",
        f"FOR UPDATE USING ({CREDITS} AND {OWN}) WITH CHECK ({CREDITS} AND {OWN})",
    ),
    (
        "ad_credit_account_spend",
        "ad_credit_account",
        f"FOR UPDATE USING {SERVER} WITH CHECK {SERVER}",
    ),
    ("ad_credit_purchase_read", "ad_credit_purchase", f"FOR SELECT USING {OWN}"),
    (
        "ad_credit_purchase_insert",
        "ad_credit_purchase",
        f"FOR INSERT WITH CHECK ({CREDITS} AND {OWN})",
    ),
    ("ad_sighting_read", "ad_sighting", f"FOR SELECT USING {SERVER}"),
    ("ad_sighting_insert", "ad_sighting", f"FOR INSERT WITH CHECK {SERVER}"),
    ("ad_sighting_forget", "ad_sighting", f"FOR DELETE USING {SERVER}"),
)
# the ad server adds spend to a campaign and takes costs from credits, and changes nothing else
AD_SERVER_GUARD = """
CREATE FUNCTION community_ad_server_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    amount text := CASE TG_TABLE_NAME WHEN 'ad_campaign' THEN 'spent_millis'
                                      ELSE 'balance_millis' END;
    before bigint := (to_jsonb(OLD) ->> amount)::bigint;
    after bigint := (to_jsonb(NEW) ->> amount)::bigint;
BEGIN
    IF current_setting('reptidex.worker', true) IS DISTINCT FROM 'ad_server' THEN
        RETURN NEW;
    END IF;
    IF (to_jsonb(NEW) - amount - 'updated_at') IS DISTINCT FROM
       (to_jsonb(OLD) - amount - 'updated_at')
       OR (TG_TABLE_NAME = 'ad_campaign' AND after < before)
       OR (TG_TABLE_NAME = 'ad_credit_account' AND after > before) THEN
        RAISE EXCEPTION 'the ad server only adds spend and takes costs from credits'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$
"""


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Create the tables; on PostgreSQL make the role, grant it the tables, add the policies."""
    op.create_table(
        "ad_campaign",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("boost", sa.String(10), nullable=False),
        sa.Column("listing_ids", JsonB, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("daily_budget_amount", sa.BigInteger(), nullable=False),
        sa.Column("total_budget_amount", sa.BigInteger(), nullable=False),
        sa.Column("cpm", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("species", JsonB, nullable=False),
        sa.Column("genes", JsonB, nullable=False),
        sa.Column("countries", JsonB, nullable=False),
        sa.Column("spent_millis", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", GUID(length=16), nullable=True),
        # named by the naming convention: ck_ad_campaign_spent, ..._within_budget
        sa.CheckConstraint("spent_millis >= 0", name="spent"),
        sa.CheckConstraint("spent_millis <= total_budget_amount * 1000", name="within_budget"),
    )
    op.create_index("ix_ad_campaign_organisation", "ad_campaign", ["organisation_id", "created_at"])
    op.create_index("ix_ad_campaign_running", "ad_campaign", ["status", "starts_on", "ends_on"])
    op.create_table(
        "ad_campaign_day",
        *_audit_columns(),
        sa.Column("campaign_id", GUID(length=16), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("impressions", sa.BigInteger(), nullable=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False),
        sa.Column("spent_millis", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("campaign_id", "day", name="uq_ad_campaign_day"),
        sa.CheckConstraint("spent_millis >= 0", name="spent"),
    )
    op.create_table(
        "ad_credit_account",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_millis", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("organisation_id", "currency", name="uq_ad_credit_account"),
        sa.CheckConstraint("balance_millis >= 0", name="balance"),
    )
    op.create_table(
        "ad_credit_purchase",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("payment_ref", sa.String(200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.UniqueConstraint("payment_ref", name="uq_ad_credit_purchase_payment"),
    )
    op.create_table(
        "ad_sighting",
        *_audit_columns(),
        sa.Column("campaign_id", GUID(length=16), nullable=False),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("viewer", sa.String(64), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint(
            "campaign_id", "kind", "slot", "viewer", "bucket", name="uq_ad_sighting"
        ),
    )
    op.create_index("ix_ad_sighting_bucket", "ad_sighting", ["bucket"])
    if not on_postgres():
        return
    create_app_role(APP_ROLE)
    # its own tables only: a grant on every table would widen the column grants of others
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {APP_ROLE}")
    enable_row_level_security(TABLES)
    for name, table, rest in POLICY_SQL:
        op.execute(f"CREATE POLICY {name} ON {table} {rest}")
    op.execute(AD_SERVER_GUARD)
    for table in ("ad_campaign", "ad_credit_account"):
        op.execute(
            f"CREATE TRIGGER {table}_ad_server_guard BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION community_ad_server_guard()"
        )


def downgrade() -> None:
    """Drop the tables (their policies, triggers and grants go with them; the role stays: it
    is shared) and the guard's function."""
    op.drop_index("ix_ad_sighting_bucket", table_name="ad_sighting")
    for table in reversed(TABLES):
        op.drop_table(table)
    if on_postgres():
        op.execute("DROP FUNCTION IF EXISTS community_ad_server_guard()")
