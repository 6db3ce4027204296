"""repti-animal: a record change asks for the het odds of every organisation's animals in its family.

On PostgreSQL, ``animal_request_family_upkeep(starts, asked_at, max_animals)`` walks the parent
links both ways from ``starts`` over every organisation's animals (at most ``max_animals``,
capped at :data:`MOST_ANIMALS`; at most :data:`MOST_STARTS` starts) and asks for the animals
of the other organisations it reaches to be computed again: their ``animal_het_odds_state``
rows get ``requested_at`` (the earliest ask kept, never later than the call: a caller cannot
put another organisation's upkeep off), ``pending`` when new. It only schedules and returns
nothing, so the caller learns nothing of other organisations' animals; the upkeep worker
computes each family as its organisation sees it.

The function is ``SECURITY DEFINER`` (it runs as its owner, who owns the tables), with its
``search_path`` pinned and EXECUTE granted to ``reptidex_animal_app`` only. Its ``SET`` clause
turns ``reptidex.family_upkeep`` on for the call alone; two policies admit the walk's read of
every animal and its write of every state row when that setting is on AND the current user
is (a member of) the table's owner, which the service's role never is
(``services/kernel/database_role.py``), AND not the session's user (the definer called by
another role): the role setting the flag itself gains nothing, and the owner's own session
stays bound by the FORCEd policies, flag or not.

Revision ID: animal_0014
Revises: animal_0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from reptidex.adapters.sql.migrations.app_role import drop_policies, on_postgres

revision = "animal_0014"
down_revision = "animal_0013"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_animal_app"
FUNCTION = "animal_request_family_upkeep(uuid[], timestamptz, integer)"
MOST_ANIMALS = 10_000
"""The walk's hard bound, whatever the caller asks (the service asks for its family limit)."""
MOST_STARTS = 1_000
"""The most starting animals one call walks from (the rest are ignored)."""
FLAG = "(current_setting('reptidex.family_upkeep', true) = 'on')"


def _owner_only(table: str) -> str:
    """The flag, and the current user a member of ``table``'s owner other than the session's
    (the definer, called by another role)."""
    return (
        f"({FLAG} AND current_user <> session_user AND pg_has_role(current_user, (SELECT c.relowner FROM pg_catalog.pg_class c "  # noqa: S608 - constants
        f"WHERE c.oid = 'public.{table}'::regclass), 'USAGE'))"
    )


POLICIES = (
    ("animal_family_upkeep_read", "animal", f"FOR SELECT USING {_owner_only('animal')}"),
    (
        "animal_het_odds_state_family_upkeep",
        "animal_het_odds_state",
        f"USING {_owner_only('animal_het_odds_state')} "
        f"WITH CHECK {_owner_only('animal_het_odds_state')}",
    ),
)

CALLER = "NULLIF(pg_catalog.current_setting('reptidex.organisation_id', true), '')::uuid"
BODY = f"""
WITH RECURSIVE family(id) AS (
    SELECT a.id FROM public.animal a WHERE a.id = ANY (starts[1:{MOST_STARTS}])
  UNION
    SELECT relative.id
    FROM family
    JOIN public.animal reached ON reached.id = family.id
    JOIN public.animal relative
      ON relative.sire_id = family.id OR relative.dam_id = family.id
      OR relative.id = reached.sire_id OR relative.id = reached.dam_id
), bounded AS (
    SELECT id FROM family
    LIMIT LEAST(GREATEST(max_animals, 0), {MOST_ANIMALS})
)
INSERT INTO public.animal_het_odds_state
    (animal_id, organisation_id, status, family_size, exact, requested_at)
SELECT a.id, a.organisation_id, 'pending', 0, false, LEAST(asked_at, pg_catalog.now())
FROM bounded JOIN public.animal a ON a.id = bounded.id
WHERE a.organisation_id IS DISTINCT FROM {CALLER}
ON CONFLICT (animal_id) DO UPDATE SET requested_at = LEAST(
    public.animal_het_odds_state.requested_at, excluded.requested_at
)
"""  # noqa: S608 - constants


def upgrade() -> None:
    """Create the function, its two policies, and grant it to the application role."""
    if not on_postgres():
        return  # SQLite has no row-level security: the adapter walks the family itself
    for name, table, rule in POLICIES:
        op.execute(f"CREATE POLICY {name} ON {table} {rule}")
    op.execute(
        f"""
        CREATE FUNCTION public.animal_request_family_upkeep(
            starts uuid[], asked_at timestamptz, max_animals integer
        ) RETURNS void
        LANGUAGE sql
        VOLATILE
        SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp
        SET reptidex.family_upkeep = 'on'
        AS $function${BODY}$function$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION public.{FUNCTION} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION public.{FUNCTION} TO {APP_ROLE}")


def downgrade() -> None:
    """Drop the function and its policies."""
    if not on_postgres():
        return
    op.execute(f"DROP FUNCTION IF EXISTS public.{FUNCTION}")
    drop_policies((name, table) for name, table, _ in POLICIES)
