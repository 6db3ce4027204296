"""repti-commerce: row-level security FORCEd on its tables, and the outbox under it (no-op on SQLite).

FORCE makes the tables' owner subject to the policies as well (a superuser still bypasses
them): a service connected as the owner by mistake sees nothing without its organisation set
(it refuses to start so anyway). The outbox joins row-level security: any transaction may
stage an event, only the relay (``reptidex.outbox_relay`` on) reads, stamps and prunes them.

``supply`` is FORCEd by ``commerce_0019``, with the policy its owner's trigger functions need.

Revision ID: commerce_0017
Revises: commerce_0016
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

revision = "commerce_0017"
down_revision = "commerce_0016"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_commerce_app"
TABLES = (
    "commerce_order",
    "commerce_order_step",
    "commerce_payment",
    "commerce_payout_account",
    "idempotency_key",
    "ledger_entry",
    "listing",
    "listing_inquiry",
    "listing_view",
    "order_rating",
    "ownership_transfer",
    "seller_profile",
    "supply_reservation",
)
"""Every table of repti-commerce under row-level security but ``supply`` (the outbox aside)."""


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
