"""repti-commerce: supplies and their reservations; the triggers that move a supply's counts
with its reservations; row-level security on PostgreSQL.

- ``supply``: anyone reads (the supplies are a public catalogue, like the listings anyone may
  see); a seller inserts, updates and deletes its own only.
- ``supply_reservation``: the two parties read it; a buyer inserts one only as itself, held,
  for a supply of the seller it names and not its own; a party moves a held one to
  ``released``, only the seller to ``confirmed``; nobody deletes one. The expiry worker,
  whose transactions set ``reptidex.worker`` to ``inventory_expiry``, reads the held and
  expired reservations of every organisation and moves held ones to ``expired`` only.
- repti-ops' GDPR port, whose transactions set ``reptidex.worker`` to ``personal_data``
  (migration ``commerce_0010``), reads every reservation and puts a pseudonym in place of the
  user who made one or added a supply.

A buyer never writes the seller's supply itself. Row-level security can admit or refuse a
row, not limit which columns an update changes nor by how much, so a policy that let a buyer
update a seller's supply (even under a setting) would let it rename, reprice or restock it.
Instead the counts move in triggers on ``supply_reservation``: inserting a held reservation
takes its units in one conditional update (``WHERE available >= quantity``, else the insert
fails with ``insufficient_stock``), settling one gives them back (released, expired) or makes
them sold (confirmed), and a settled reservation never moves again (an update that leaves
its status alone, the GDPR port's pseudonym, moves nothing). On PostgreSQL the trigger
functions are ``SECURITY DEFINER``: they act for the buyer on exactly the counts of the
reservation the buyer's policies let it write, and cannot be called otherwise (a trigger
function cannot). ``CHECK`` constraints keep every count at zero or more.

Revision ID: commerce_0011
Revises: commerce_0010
Create Date: 2026-12-08
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "commerce_0011"
down_revision = "commerce_0010"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_commerce_app"
ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
PARTY = f"(seller_organisation_id = {ORG} OR buyer_organisation_id = {ORG})"
WORKER = "(current_setting('reptidex.worker', true) = 'inventory_expiry')"
PERSONAL_DATA = "(current_setting('reptidex.worker', true) = 'personal_data')"
# constants only, no input: the policies' SQL
OF_THE_SELLERS_SUPPLY = (
    "EXISTS (SELECT 1 FROM supply s WHERE s.id = supply_reservation.supply_id "
    "AND s.organisation_id = supply_reservation.seller_organisation_id)"
)

POSTGRES_TRIGGERS = (
    """
    CREATE FUNCTION commerce_supply_hold() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
        IF NEW.status <> 'held' THEN
            RAISE EXCEPTION 'a reservation starts held' USING ERRCODE = 'check_violation';
        END IF;
        UPDATE supply
           SET available = available - NEW.quantity, reserved = reserved + NEW.quantity
         WHERE id = NEW.supply_id AND organisation_id = NEW.seller_organisation_id
           AND available >= NEW.quantity;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'insufficient_stock' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE FUNCTION commerce_supply_settle() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    BEGIN
        IF NEW.supply_id IS DISTINCT FROM OLD.supply_id
           OR NEW.quantity IS DISTINCT FROM OLD.quantity
           OR NEW.seller_organisation_id IS DISTINCT FROM OLD.seller_organisation_id
           OR NEW.buyer_organisation_id IS DISTINCT FROM OLD.buyer_organisation_id
           OR (NEW.status IS DISTINCT FROM OLD.status AND (OLD.status <> 'held'
               OR NEW.status NOT IN ('confirmed', 'released', 'expired'))) THEN
            RAISE EXCEPTION 'reservation_settled' USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status = OLD.status THEN
            RETURN NEW;
        END IF;
        IF NEW.status = 'confirmed' THEN
            UPDATE supply SET reserved = reserved - OLD.quantity, sold = sold + OLD.quantity
             WHERE id = OLD.supply_id;
        ELSE
            UPDATE supply
               SET reserved = reserved - OLD.quantity, available = available + OLD.quantity
             WHERE id = OLD.supply_id;
        END IF;
        RETURN NEW;
    END $$
    """,
    "REVOKE ALL ON FUNCTION commerce_supply_hold() FROM PUBLIC",
    "REVOKE ALL ON FUNCTION commerce_supply_settle() FROM PUBLIC",
    "CREATE TRIGGER supply_reservation_hold BEFORE INSERT ON supply_reservation "
    "FOR EACH ROW EXECUTE FUNCTION commerce_supply_hold()",
    "CREATE TRIGGER supply_reservation_settle BEFORE UPDATE ON supply_reservation "
    "FOR EACH ROW EXECUTE FUNCTION commerce_supply_settle()",
)
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER supply_reservation_hold BEFORE INSERT ON supply_reservation
    BEGIN
        SELECT RAISE(ABORT, 'a reservation starts held') WHERE NEW.status <> 'held';
        SELECT RAISE(ABORT, 'insufficient_stock') WHERE NOT EXISTS (
            SELECT 1 FROM supply WHERE id = NEW.supply_id
            AND organisation_id = NEW.seller_organisation_id AND available >= NEW.quantity);
        UPDATE supply
           SET available = available - NEW.quantity, reserved = reserved + NEW.quantity
         WHERE id = NEW.supply_id AND available >= NEW.quantity;
    END
    """,
    """
    CREATE TRIGGER supply_reservation_settle BEFORE UPDATE ON supply_reservation
    BEGIN
        SELECT RAISE(ABORT, 'reservation_settled')
         WHERE NEW.supply_id IS NOT OLD.supply_id OR NEW.quantity IS NOT OLD.quantity
            OR NEW.seller_organisation_id IS NOT OLD.seller_organisation_id
            OR NEW.buyer_organisation_id IS NOT OLD.buyer_organisation_id
            OR (NEW.status IS NOT OLD.status AND (OLD.status <> 'held'
                OR NEW.status NOT IN ('confirmed', 'released', 'expired')));
        UPDATE supply SET reserved = reserved - OLD.quantity, sold = sold + OLD.quantity
         WHERE id = OLD.supply_id AND OLD.status = 'held' AND NEW.status = 'confirmed';
        UPDATE supply
           SET reserved = reserved - OLD.quantity, available = available + OLD.quantity
         WHERE id = OLD.supply_id AND OLD.status = 'held'
           AND NEW.status IN ('released', 'expired');
    END
    """,
)
POLICIES = (
    "CREATE POLICY supply_read ON supply FOR SELECT USING (true)",
    f"CREATE POLICY supply_insert ON supply FOR INSERT WITH CHECK (organisation_id = {ORG})",
    f"CREATE POLICY supply_update ON supply FOR UPDATE USING (organisation_id = {ORG}) "
    f"WITH CHECK (organisation_id = {ORG})",
    f"CREATE POLICY supply_delete ON supply FOR DELETE USING (organisation_id = {ORG})",
    "CREATE POLICY supply_reservation_read ON supply_reservation FOR SELECT "
    f"USING ({PARTY} OR ({WORKER} AND status IN ('held', 'expired')))",
    "CREATE POLICY supply_reservation_insert ON supply_reservation FOR INSERT WITH CHECK "
    f"(buyer_organisation_id = {ORG} AND seller_organisation_id <> {ORG} AND status = 'held' "
    f"AND {OF_THE_SELLERS_SUPPLY})",
    "CREATE POLICY supply_reservation_update ON supply_reservation FOR UPDATE "
    f"USING ({PARTY} AND status = 'held') WITH CHECK ((status = 'released' AND {PARTY}) "
    f"OR (status = 'confirmed' AND seller_organisation_id = {ORG}))",
    "CREATE POLICY supply_reservation_expiry ON supply_reservation FOR UPDATE "
    f"USING ({WORKER} AND status = 'held') WITH CHECK ({WORKER} AND status = 'expired')",
    "CREATE POLICY supply_personal_data_update ON supply FOR UPDATE "
    f"USING {PERSONAL_DATA} WITH CHECK {PERSONAL_DATA}",
    "CREATE POLICY supply_reservation_personal_data_read ON supply_reservation FOR SELECT "
    f"USING {PERSONAL_DATA}",
    "CREATE POLICY supply_reservation_personal_data_update ON supply_reservation FOR UPDATE "
    f"USING {PERSONAL_DATA} WITH CHECK {PERSONAL_DATA}",
)


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Create the tables and their triggers; on PostgreSQL grant them and add the policies."""
    op.create_table(
        "supply",
        *_audit_columns(),
        sa.Column("organisation_id", GUID(length=16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("sku", sa.String(64), nullable=True),
        sa.Column("unit_price_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.Column("created_by", GUID(length=16), nullable=True),
        sa.UniqueConstraint("organisation_id", "sku", name="uq_supply_organisation_sku"),
        # named by the naming convention: ck_supply_available, ...
        sa.CheckConstraint("available >= 0", name="available"),
        sa.CheckConstraint("reserved >= 0", name="reserved"),
        sa.CheckConstraint("sold >= 0", name="sold"),
    )
    op.create_index("ix_supply_organisation_kind", "supply", ["organisation_id", "kind"])
    op.create_table(
        "supply_reservation",
        *_audit_columns(),
        sa.Column("supply_id", GUID(length=16), nullable=False),
        sa.Column("seller_organisation_id", GUID(length=16), nullable=False),
        sa.Column("buyer_organisation_id", GUID(length=16), nullable=False),
        sa.Column("buyer_user_id", GUID(length=16), nullable=True),
        sa.Column("supply_name", sa.String(200), nullable=False),
        sa.Column("unit_price_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reserved_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("settled_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("settled_by", GUID(length=16), nullable=True),
        # named by the naming convention: ck_supply_reservation_quantity, ..._parties
        sa.CheckConstraint("quantity > 0", name="quantity"),
        sa.CheckConstraint("buyer_organisation_id <> seller_organisation_id", name="parties"),
    )
    op.create_index(
        "ix_supply_reservation_status_expires_at", "supply_reservation", ["status", "expires_at"]
    )
    op.create_index(
        "ix_supply_reservation_seller", "supply_reservation", ["seller_organisation_id"]
    )
    op.create_index("ix_supply_reservation_buyer", "supply_reservation", ["buyer_organisation_id"])
    if op.get_bind().dialect.name != "postgresql":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        return
    for statement in POSTGRES_TRIGGERS:
        op.execute(statement)
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON supply TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON supply_reservation TO {APP_ROLE}")
    for table in ("supply", "supply_reservation"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for statement in POLICIES:
        op.execute(statement)


def downgrade() -> None:
    """Drop the tables (their triggers and policies with them) and the trigger functions."""
    op.drop_index("ix_supply_reservation_buyer", table_name="supply_reservation")
    op.drop_index("ix_supply_reservation_seller", table_name="supply_reservation")
    op.drop_index("ix_supply_reservation_status_expires_at", table_name="supply_reservation")
    op.drop_table("supply_reservation")
    op.drop_index("ix_supply_organisation_kind", table_name="supply")
    op.drop_table("supply")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS commerce_supply_settle()")
        op.execute("DROP FUNCTION IF EXISTS commerce_supply_hold()")
