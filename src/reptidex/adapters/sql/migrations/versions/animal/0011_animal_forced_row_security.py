"""repti-animal: row-level security FORCEd on its tables, and the outbox under it (no-op on SQLite).

FORCE makes the tables' owner subject to the policies as well (a superuser still bypasses
them): a service connected as the owner by mistake sees nothing without its organisation set
(it refuses to start so anyway). The outbox joins row-level security: any transaction may
stage an event, only the relay (``reptidex.outbox_relay`` on) reads, stamps and prunes them.

Revision ID: animal_0011
Revises: animal_0010
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

revision = "animal_0011"
down_revision = "animal_0010"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_animal_app"
TABLES = (
    "animal",
    "animal_id_code",
    "animal_transfer",
    "animal_transfer_offer",
    "breeding_pair",
    "clutch",
    "husbandry_log",
)
"""Every table of repti-animal under row-level security (the outbox aside)."""


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
