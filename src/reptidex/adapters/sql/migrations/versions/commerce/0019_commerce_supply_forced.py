"""repti-commerce: row-level security FORCEd on ``supply`` too (no-op on SQLite).

The counts of a seller's supply move in the ``SECURITY DEFINER`` trigger functions of
``supply_reservation`` (migration ``commerce_0011``), which run as their owner, the role that
migrates: under FORCE the owner is bound by the policies like anyone, and a buyer's
transaction is scoped to the buyer's organisation, not the seller's. Each function now sets
``reptidex.supply_counts`` to ``on`` while it runs (a ``SET`` clause of the function: set on
entry, restored on exit, never visible to the caller), and one policy admits the owner's
updates of ``supply`` while it is on. The policy is for the owner only: the service's role
may set the flag as it likes and gains nothing by it.

Revision ID: commerce_0019
Revises: commerce_0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    force_row_level_security,
    on_postgres,
    unforce_row_level_security,
)

revision = "commerce_0019"
down_revision = "commerce_0018"
branch_labels = None
depends_on = None

FUNCTIONS = ("commerce_supply_hold()", "commerce_supply_settle()")
COUNTING = "(current_setting('reptidex.supply_counts', true) = 'on')"


def upgrade() -> None:
    """Let the trigger functions move the counts under FORCE, then FORCE ``supply``."""
    if not on_postgres():
        return
    for function in FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} SET reptidex.supply_counts = 'on'")
    op.execute(
        "CREATE POLICY supply_counts ON supply FOR UPDATE TO CURRENT_USER "
        f"USING {COUNTING} WITH CHECK {COUNTING}"
    )
    force_row_level_security(["supply"])


def downgrade() -> None:
    """Lift FORCE from ``supply``, drop the owner's policy and the functions' setting."""
    if not on_postgres():
        return
    unforce_row_level_security(["supply"])
    op.execute("DROP POLICY supply_counts ON supply")
    for function in FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} RESET reptidex.supply_counts")
