"""repti-animal: transfer offers, which the receiving organisation accepts or declines.

``animal_transfer_offer`` holds each offer (at most one pending per animal: a partial unique
index) with what the receiver is shown of the animal and the offer's end (indexed with the
status for the expiry worker). On PostgreSQL, under row-level security:

- the sender's and the receiver's transactions read an offer, nobody else's;
- only the sender inserts one, pending, and only the sender withdraws it;
- only the receiver accepts or declines it, and only while it is pending;
- a transaction that sets ``reptidex.worker`` to ``transfer_offer_expiry`` reads the pending
  and expired offers of every organisation and may move pending ones to ``expired`` only;
- no one deletes an offer, and the application role may update only its status and decision
  time (column privileges), so neither side can rewrite the parties or the animal.

Revision ID: animal_0010
Revises: animal_0009
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC, JsonB
from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    disable_row_level_security,
    drop_policies,
    enable_row_level_security,
    on_postgres,
)

revision = "animal_0010"
down_revision = "animal_0009"
branch_labels = None
depends_on = None

TABLE = "animal_transfer_offer"
APP_ROLE = "reptidex_animal_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
WORKER = "(current_setting('reptidex.worker', true) = 'transfer_offer_expiry')"
PENDING = "status = 'pending'"
UPDATABLE = "status, decided_at, updated_at"
POLICIES = (
    (
        "animal_transfer_offer_read",
        f"FOR SELECT USING (from_organisation_id = {ORG} OR to_organisation_id = {ORG})",
    ),
    (
        "animal_transfer_offer_insert",
        f"FOR INSERT WITH CHECK (from_organisation_id = {ORG} AND {PENDING})",
    ),
    (
        "animal_transfer_offer_withdraw",
        f"FOR UPDATE USING (from_organisation_id = {ORG} AND {PENDING}) "
        f"WITH CHECK (from_organisation_id = {ORG} AND status = 'withdrawn')",
    ),
    (
        "animal_transfer_offer_answer",
        f"FOR UPDATE USING (to_organisation_id = {ORG} AND {PENDING}) "
        f"WITH CHECK (to_organisation_id = {ORG} AND status IN ('accepted', 'declined'))",
    ),
    (
        "animal_transfer_offer_expiry_read",
        f"FOR SELECT USING ({WORKER} AND status IN ('pending', 'expired'))",
    ),
    (
        "animal_transfer_offer_expiry",
        f"FOR UPDATE USING ({WORKER} AND {PENDING}) WITH CHECK ({WORKER} AND status = 'expired')",
    ),
)


def upgrade() -> None:
    """Create the table and its indexes; on PostgreSQL its policies and column privileges."""
    op.create_table(
        TABLE,
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("animal_id", GUID(length=16), nullable=False),
        sa.Column("from_organisation_id", GUID(length=16), nullable=False),
        sa.Column("to_organisation_id", GUID(length=16), nullable=False),
        sa.Column("animal", JsonB, nullable=False),
        sa.Column("share_lineage", sa.Boolean(), nullable=False),
        sa.Column("offered_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("decided_at", DateTimeUTC(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_animal_transfer_offer_pending",
        TABLE,
        ["animal_id"],
        unique=True,
        sqlite_where=sa.text(PENDING),
        postgresql_where=sa.text(PENDING),
    )
    op.create_index("ix_animal_transfer_offer_status_expires_at", TABLE, ["status", "expires_at"])
    for column in ("from_organisation_id", "to_organisation_id"):
        op.create_index(f"ix_{TABLE}_{column}", TABLE, [column])
    if not on_postgres():
        return
    # the role got every right on the new table by 0005's default privileges
    op.execute(f"REVOKE UPDATE ON {TABLE} FROM {APP_ROLE}")
    op.execute(f"GRANT UPDATE ({UPDATABLE}) ON {TABLE} TO {APP_ROLE}")
    enable_row_level_security([TABLE])
    for name, rule in POLICIES:
        op.execute(f"CREATE POLICY {name} ON {TABLE} {rule}")


def downgrade() -> None:
    """Drop the policies, the indexes and the table."""
    if on_postgres():
        drop_policies((name, TABLE) for name, _ in POLICIES)
        disable_row_level_security([TABLE])
    for column in ("from_organisation_id", "to_organisation_id"):
        op.drop_index(f"ix_{TABLE}_{column}", table_name=TABLE)
    op.drop_index("ix_animal_transfer_offer_status_expires_at", table_name=TABLE)
    op.drop_index("ix_animal_transfer_offer_pending", table_name=TABLE)
    op.drop_table(TABLE)
