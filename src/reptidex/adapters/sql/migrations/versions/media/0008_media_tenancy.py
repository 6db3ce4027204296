"""repti-media: an organisation's files, widget settings and widget views under row-level
security, FORCEd (no-op on SQLite).

Each transaction of a request sets ``reptidex.organisation_id`` to the caller's organisation
(none when anonymous). Then:

- ``media_file``: an organisation reads, adds and deletes its own records; anyone reads the
  public ones; a fetch whose signed URL was checked sets ``reptidex.signed_file`` to that
  file's id and reads that record alone; repti-media's GDPR port (``reptidex.worker`` =
  ``personal_data``) reads every record and may change them (it forgets uploaders).
- ``media_embed_settings``: read by anyone (the allowed origins are what every widget answer
  states in its headers), written by the organisation only.
- ``media_embed_view``: an organisation reads its own counts; a widget shown to a visitor sets
  ``reptidex.widget_views_of`` to the organisation of what it shows, and may add views to
  that organisation's counts only (and read them, which counting needs). Nobody deletes.

Revision ID: media_0008
Revises: media_0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from reptidex.adapters.sql.migrations.app_role import (
    disable_row_level_security,
    drop_policies,
    enable_row_level_security,
    force_row_level_security,
    on_postgres,
    unforce_row_level_security,
)

revision = "media_0008"
down_revision = "media_0007"
branch_labels = None
depends_on = None

ORG = "NULLIF(current_setting('reptidex.organisation_id', true), '')::uuid"
SIGNED = "NULLIF(current_setting('reptidex.signed_file', true), '')::uuid"
VIEWS_OF = "NULLIF(current_setting('reptidex.widget_views_of', true), '')::uuid"
PERSONAL_DATA = "(current_setting('reptidex.worker', true) = 'personal_data')"
OWN = f"(organisation_id = {ORG})"
COUNTED = f"(organisation_id = {VIEWS_OF})"

TABLES = ("media_file", "media_embed_settings", "media_embed_view")
POLICIES = (
    ("media_file_own", "media_file", f"FOR ALL USING {OWN} WITH CHECK {OWN}"),
    ("media_file_public", "media_file", "FOR SELECT USING (visibility = 'public')"),
    ("media_file_signed", "media_file", f"FOR SELECT USING (id = {SIGNED})"),
    ("media_file_personal_data_read", "media_file", f"FOR SELECT USING {PERSONAL_DATA}"),
    (
        "media_file_personal_data_update",
        "media_file",
        f"FOR UPDATE USING {PERSONAL_DATA} WITH CHECK {PERSONAL_DATA}",
    ),
    ("media_embed_settings_read", "media_embed_settings", "FOR SELECT USING (true)"),
    ("media_embed_settings_add", "media_embed_settings", f"FOR INSERT WITH CHECK {OWN}"),
    (
        "media_embed_settings_change",
        "media_embed_settings",
        f"FOR UPDATE USING {OWN} WITH CHECK {OWN}",
    ),
    ("media_embed_view_read", "media_embed_view", f"FOR SELECT USING ({OWN} OR {COUNTED})"),
    ("media_embed_view_add", "media_embed_view", f"FOR INSERT WITH CHECK {COUNTED}"),
    (
        "media_embed_view_count",
        "media_embed_view",
        f"FOR UPDATE USING {COUNTED} WITH CHECK {COUNTED}",
    ),
)
"""Each policy: its name, its table and what follows ``ON table`` in ``CREATE POLICY``."""


def upgrade() -> None:
    """Put the tables under forced row-level security with their policies."""
    if not on_postgres():
        return
    enable_row_level_security(TABLES)
    force_row_level_security(TABLES)
    for name, table, rule in POLICIES:
        op.execute(f"CREATE POLICY {name} ON {table} {rule}")


def downgrade() -> None:
    """Drop the policies and take the tables out of row-level security."""
    if not on_postgres():
        return
    drop_policies((name, table) for name, table, _ in POLICIES)
    unforce_row_level_security(TABLES)
    disable_row_level_security(TABLES)
