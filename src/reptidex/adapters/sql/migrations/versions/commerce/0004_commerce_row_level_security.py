"""repti-commerce: tenant isolation in PostgreSQL with row-level security (no-op on SQLite).

The service connects as a role that is not the table owner and is a member of
``reptidex_commerce_app`` (made here, NOLOGIN; grant it to the service's login role). Each
transaction sets ``reptidex.organisation_id`` (``set_config(..., true)``, a bound parameter).

- ``listing``: anyone reads the public ones (available, on hold, sold); a seller reads and
  writes its own; a buyer may also read and write a listing it has an order of (an order
  puts it on hold, releases it, sells it), but never make it its own.
- ``commerce_order``, ``commerce_order_step``, ``ledger_entry``: the two parties read them;
  only the buyer inserts an order, either party updates it, steps and ledger entries are
  added by a party and never changed or deleted (no policy allows it).
- ``idempotency_key``: the organisation's own.

Revision ID: commerce_0004
Revises: commerce_0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    create_app_role,
    disable_row_level_security,
    drop_policies,
    enable_row_level_security,
    grant_every_table,
    on_postgres,
    revoke_every_table,
)

revision = "commerce_0004"
down_revision = "commerce_0003"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_commerce_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
PARTY = f"(seller_organisation_id = {ORG} OR buyer_organisation_id = {ORG})"
# constants only, no input: the policies' SQL
BUYER_OF_LISTING = (
    "EXISTS (SELECT 1 FROM commerce_order o WHERE o.listing_id = listing.id "  # noqa: S608
    f"AND o.buyer_organisation_id = {ORG} AND o.seller_organisation_id = listing.organisation_id)"
)
NOT_BUYER_OF_LISTING = (
    "NOT EXISTS (SELECT 1 FROM commerce_order o WHERE o.listing_id = listing.id "  # noqa: S608
    f"AND o.buyer_organisation_id = {ORG})"
)
TABLES = ("listing", "commerce_order", "commerce_order_step", "ledger_entry", "idempotency_key")
POLICIES = (
    ("listing_read", "listing"),
    ("listing_insert", "listing"),
    ("listing_update", "listing"),
    ("listing_delete", "listing"),
    ("commerce_order_read", "commerce_order"),
    ("commerce_order_insert", "commerce_order"),
    ("commerce_order_update", "commerce_order"),
    ("commerce_order_step_read", "commerce_order_step"),
    ("commerce_order_step_insert", "commerce_order_step"),
    ("ledger_entry_read", "ledger_entry"),
    ("ledger_entry_insert", "ledger_entry"),
    ("idempotency_key_tenant", "idempotency_key"),
)


def upgrade() -> None:
    """Make the application role, grant it the tables, enable RLS and create the policies."""
    if not on_postgres():
        return
    create_app_role(APP_ROLE)
    grant_every_table(APP_ROLE)
    enable_row_level_security(TABLES)
    statements = (
        f"CREATE POLICY listing_read ON listing FOR SELECT USING (organisation_id = {ORG} "
        f"OR state IN ('available', 'on_hold', 'sold') OR {BUYER_OF_LISTING})",
        f"CREATE POLICY listing_insert ON listing FOR INSERT WITH CHECK (organisation_id = {ORG})",
        f"CREATE POLICY listing_update ON listing FOR UPDATE "
        f"USING (organisation_id = {ORG} OR {BUYER_OF_LISTING}) "
        f"WITH CHECK ((organisation_id = {ORG} AND {NOT_BUYER_OF_LISTING}) OR {BUYER_OF_LISTING})",
        f"CREATE POLICY listing_delete ON listing FOR DELETE USING (organisation_id = {ORG})",
        f"CREATE POLICY commerce_order_read ON commerce_order FOR SELECT USING {PARTY}",
        f"CREATE POLICY commerce_order_insert ON commerce_order FOR INSERT "
        f"WITH CHECK (buyer_organisation_id = {ORG})",
        f"CREATE POLICY commerce_order_update ON commerce_order FOR UPDATE USING {PARTY} "
        f"WITH CHECK {PARTY}",
        f"CREATE POLICY commerce_order_step_read ON commerce_order_step FOR SELECT USING {PARTY}",
        f"CREATE POLICY commerce_order_step_insert ON commerce_order_step FOR INSERT "
        f"WITH CHECK (organisation_id = {ORG} AND {PARTY})",
        f"CREATE POLICY ledger_entry_read ON ledger_entry FOR SELECT USING {PARTY}",
        f"CREATE POLICY ledger_entry_insert ON ledger_entry FOR INSERT WITH CHECK {PARTY}",
        f"CREATE POLICY idempotency_key_tenant ON idempotency_key "
        f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})",
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Drop the policies, disable RLS and revoke the grants (the role stays: it is shared)."""
    if not on_postgres():
        return
    drop_policies(POLICIES)
    disable_row_level_security(TABLES)
    revoke_every_table(APP_ROLE)
