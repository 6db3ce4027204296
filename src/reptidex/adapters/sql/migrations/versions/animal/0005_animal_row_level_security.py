"""repti-animal: tenant isolation in PostgreSQL with row-level security (no-op on SQLite).

The service connects as a role that is not the table owner and is a member of
``reptidex_animal_app`` (made here, NOLOGIN; grant it to the service's login role). Each
transaction sets ``reptidex.organisation_id`` (``set_config(..., true)`` with a bound
parameter); the policies let a transaction read its organisation's rows plus other
organisations' lineage-only and public animals, and write only its organisation's rows. A
transfer also sets ``reptidex.transfer_to`` (the buyer), which is the only way a row may
leave: PostgreSQL checks an updated row against the read policies too, so those admit the
buyer's rows within that one transaction.

Revision ID: animal_0005
Revises: animal_0004
Create Date: 2026-11-25
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

revision = "animal_0005"
down_revision = "animal_0004"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_animal_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
TRANSFER_TO = "NULLIF(current_setting('reptidex.transfer_to', true), '')::uuid"
TENANT_TABLES = ("animal_id_code", "breeding_pair", "clutch")
TABLES = ("animal", "husbandry_log", "animal_transfer", *TENANT_TABLES)


def upgrade() -> None:
    """Make the application role, grant it the tables, enable RLS and create the policies."""
    if not on_postgres():
        return
    create_app_role(APP_ROLE)
    grant_every_table(APP_ROLE)
    enable_row_level_security(TABLES)
    op.execute(
        f"CREATE POLICY animal_read ON animal FOR SELECT "
        f"USING (organisation_id = {ORG} OR visibility IN ('lineage_only', 'public') "
        f"OR organisation_id = {TRANSFER_TO})"
    )
    op.execute(
        f"CREATE POLICY animal_insert ON animal FOR INSERT WITH CHECK (organisation_id = {ORG})"
    )
    op.execute(
        f"CREATE POLICY animal_update ON animal FOR UPDATE USING (organisation_id = {ORG}) "
        f"WITH CHECK (organisation_id = {ORG} OR organisation_id = {TRANSFER_TO})"
    )
    op.execute(f"CREATE POLICY animal_delete ON animal FOR DELETE USING (organisation_id = {ORG})")
    op.execute(
        f"CREATE POLICY husbandry_log_tenant ON husbandry_log "
        f"USING (organisation_id = {ORG} OR organisation_id = {TRANSFER_TO}) "
        f"WITH CHECK (organisation_id = {ORG} OR organisation_id = {TRANSFER_TO})"
    )
    for table in TENANT_TABLES:
        op.execute(
            f"CREATE POLICY {table}_tenant ON {table} USING (organisation_id = {ORG}) "
            f"WITH CHECK (organisation_id = {ORG})"
        )
    op.execute(
        f"CREATE POLICY animal_transfer_read ON animal_transfer FOR SELECT "
        f"USING (from_organisation_id = {ORG} OR to_organisation_id = {ORG})"
    )
    op.execute(
        f"CREATE POLICY animal_transfer_insert ON animal_transfer FOR INSERT "
        f"WITH CHECK (from_organisation_id = {ORG})"
    )


def downgrade() -> None:
    """Drop the policies, disable RLS and revoke the grants (the role stays: it is shared)."""
    if not on_postgres():
        return
    drop_policies(
        (
            ("animal_read", "animal"),
            ("animal_insert", "animal"),
            ("animal_update", "animal"),
            ("animal_delete", "animal"),
            ("husbandry_log_tenant", "husbandry_log"),
            ("animal_transfer_read", "animal_transfer"),
            ("animal_transfer_insert", "animal_transfer"),
            *((f"{t}_tenant", t) for t in TENANT_TABLES),
        )
    )
    disable_row_level_security(TABLES)
    revoke_every_table(APP_ROLE)
