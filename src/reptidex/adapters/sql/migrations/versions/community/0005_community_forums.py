"""repti-community: the forums, with row-level security on PostgreSQL.

The application role ``reptidex_community_app`` reads and writes every table; the policies
read the transaction's ``reptidex.user_id``, ``reptidex.forum_moderator`` (``on`` for a
moderator) and ``reptidex.forum_system`` (``on`` when the platform writes: repti-core's
events, the GDPR port):

- ``forum_category``: anyone reads; moderators add and change.
- ``forum_thread``: anyone reads; a user opens threads as themselves; moderators change them
  (pin, lock), the platform too (GDPR erasure).
- ``forum_post``: anyone reads (the use cases leave hidden posts out); a user writes posts as
  themselves; its author, a moderator or the platform changes one.
- ``forum_post_revision``: its editor, moderators and the platform read; an author keeps the
  earlier texts of their own posts only; the platform removes them.
- ``forum_reaction`` and ``forum_follow``: anyone reads (the counts, whom to notify); a user
  adds and removes their own only; the platform removes anyone's.
- ``forum_report``: its reporter, moderators and the platform read; a user reports as
  themselves; moderators resolve, the platform changes.
- ``forum_member``: anyone reads (handles); a user writes their own, the platform writes and
  removes anyone's.

Revision ID: community_0005
Revises: community_0004
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

revision = "community_0005"
down_revision = "community_0004"
branch_labels = None
depends_on = None

APP_ROLE = "reptidex_community_app"
# constants only, no input: the policies' SQL
USER = "NULLIF(current_setting('reptidex.user_id', true), '')::uuid"
MODERATOR = "coalesce(current_setting('reptidex.forum_moderator', true), '') = 'on'"
SYSTEM = "coalesce(current_setting('reptidex.forum_system', true), '') = 'on'"
OWN_POST = (
    "EXISTS (SELECT 1 FROM forum_post p WHERE p.id = forum_post_revision.post_id "  # noqa: S608
    f"AND p.author_id = {USER})"
)

TABLES = (
    "forum_category",
    "forum_thread",
    "forum_post",
    "forum_post_revision",
    "forum_reaction",
    "forum_follow",
    "forum_report",
    "forum_member",
)

POLICIES = (
    ("forum_category_read", "forum_category", "FOR SELECT USING (true)"),
    ("forum_category_insert", "forum_category", f"FOR INSERT WITH CHECK ({MODERATOR})"),
    ("forum_category_update", "forum_category", f"FOR UPDATE USING ({MODERATOR})"),
    ("forum_thread_read", "forum_thread", "FOR SELECT USING (true)"),
    ("forum_thread_insert", "forum_thread", f"FOR INSERT WITH CHECK (author_id = {USER})"),
    ("forum_thread_update", "forum_thread", f"FOR UPDATE USING ({MODERATOR} OR {SYSTEM})"),
    ("forum_post_read", "forum_post", "FOR SELECT USING (true)"),
    ("forum_post_insert", "forum_post", f"FOR INSERT WITH CHECK (author_id = {USER})"),
    (
        "forum_post_update",
        "forum_post",
        f"FOR UPDATE USING (author_id = {USER} OR {MODERATOR} OR {SYSTEM}) "
        f"WITH CHECK (author_id = {USER} OR {MODERATOR} OR {SYSTEM})",
    ),
    (
        "forum_post_revision_read",
        "forum_post_revision",
        f"FOR SELECT USING (editor_id = {USER} OR {MODERATOR} OR {SYSTEM})",
    ),
    ("forum_post_revision_delete", "forum_post_revision", f"FOR DELETE USING ({SYSTEM})"),
    (
        "forum_post_revision_insert",
        "forum_post_revision",
        f"FOR INSERT WITH CHECK (editor_id = {USER} AND {OWN_POST})",
    ),
    ("forum_reaction_read", "forum_reaction", "FOR SELECT USING (true)"),
    ("forum_reaction_insert", "forum_reaction", f"FOR INSERT WITH CHECK (user_id = {USER})"),
    (
        "forum_reaction_delete",
        "forum_reaction",
        f"FOR DELETE USING (user_id = {USER} OR {SYSTEM})",
    ),
    ("forum_follow_read", "forum_follow", "FOR SELECT USING (true)"),
    ("forum_follow_insert", "forum_follow", f"FOR INSERT WITH CHECK (user_id = {USER})"),
    (
        "forum_follow_delete",
        "forum_follow",
        f"FOR DELETE USING (user_id = {USER} OR {SYSTEM})",
    ),
    (
        "forum_report_read",
        "forum_report",
        f"FOR SELECT USING (reporter_id = {USER} OR {MODERATOR} OR {SYSTEM})",
    ),
    ("forum_report_insert", "forum_report", f"FOR INSERT WITH CHECK (reporter_id = {USER})"),
    ("forum_report_update", "forum_report", f"FOR UPDATE USING ({MODERATOR} OR {SYSTEM})"),
    ("forum_member_read", "forum_member", "FOR SELECT USING (true)"),
    ("forum_member_delete", "forum_member", f"FOR DELETE USING ({SYSTEM})"),
    (
        "forum_member_insert",
        "forum_member",
        f"FOR INSERT WITH CHECK (user_id = {USER} OR {SYSTEM})",
    ),
    (
        "forum_member_update",
        "forum_member",
        f"FOR UPDATE USING (user_id = {USER} OR {SYSTEM}) WITH CHECK (user_id = {USER} OR {SYSTEM})",
    ),
)


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Create the forum tables; on PostgreSQL grant them and enable their policies."""
    op.create_table(
        "forum_category",
        *_audit_columns(),
        sa.Column("slug", sa.String(60), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by", GUID(length=16), nullable=False),
    )
    op.create_table(
        "forum_thread",
        *_audit_columns(),
        sa.Column("category_id", GUID(length=16), nullable=False),
        sa.Column("author_id", GUID(length=16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_forum_thread_category", "forum_thread", ["category_id", "pinned"])
    op.create_table(
        "forum_post",
        *_audit_columns(),
        sa.Column("thread_id", GUID(length=16), nullable=False),
        sa.Column("author_id", GUID(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("mentions", JsonB, nullable=False),
        sa.Column("edited_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("hidden_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("hidden_by", GUID(length=16), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_forum_post_thread", "forum_post", ["thread_id", "created_at"])
    op.create_index("ix_forum_post_author", "forum_post", ["author_id"])
    op.create_table(
        "forum_post_revision",
        *_audit_columns(),
        sa.Column("post_id", GUID(length=16), nullable=False),
        sa.Column("editor_id", GUID(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("replaced_at", DateTimeUTC(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_forum_post_revision_post", "forum_post_revision", ["post_id", "replaced_at"]
    )
    op.create_table(
        "forum_reaction",
        *_audit_columns(),
        sa.Column("post_id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.UniqueConstraint("post_id", "user_id", "kind", name="uq_forum_reaction"),
    )
    op.create_index("ix_forum_reaction_user", "forum_reaction", ["user_id"])
    op.create_table(
        "forum_follow",
        *_audit_columns(),
        sa.Column("thread_id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.UniqueConstraint("thread_id", "user_id", name="uq_forum_follow"),
    )
    op.create_index("ix_forum_follow_user", "forum_follow", ["user_id"])
    op.create_table(
        "forum_report",
        *_audit_columns(),
        sa.Column("post_id", GUID(length=16), nullable=False),
        sa.Column("reporter_id", GUID(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("resolved_by", GUID(length=16), nullable=True),
        sa.Column("resolved_at", DateTimeUTC(timezone=True), nullable=True),
        sa.UniqueConstraint("post_id", "reporter_id", name="uq_forum_report"),
    )
    op.create_index("ix_forum_report_state", "forum_report", ["state", "created_at"])
    op.create_index("ix_forum_report_reporter", "forum_report", ["reporter_id"])
    op.create_table(
        "forum_member",
        *_audit_columns(),
        sa.Column("user_id", GUID(length=16), nullable=False, unique=True),
        sa.Column("handle", sa.String(30), nullable=True, unique=True),
        sa.Column("registered_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("first_seen_at", DateTimeUTC(timezone=True), nullable=True),
    )
    if not on_postgres():
        return
    create_app_role(APP_ROLE)
    # its own tables only: a grant on every table would widen the column grants of others
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {APP_ROLE}")
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON outbox_message, processed_event TO {APP_ROLE}"
    )
    enable_row_level_security(TABLES)
    for name, table, rule in POLICIES:
        op.execute(f"CREATE POLICY {name} ON {table} {rule}")


def downgrade() -> None:
    """Drop the forum tables (and their policies with them)."""
    for table in reversed(TABLES):
        op.drop_table(table)
