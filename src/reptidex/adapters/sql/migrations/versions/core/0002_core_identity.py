"""repti-core: identity (accounts, organisations, memberships, invitations, sessions, tokens, keys).

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def _when(name: str, *, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, DateTimeUTC(timezone=True), nullable=nullable)


def _user_fk(name: str, *, nullable: bool = False, cascade: bool = False) -> sa.Column[Any]:
    return sa.Column(
        name,
        GUID(length=16),
        sa.ForeignKey("user_account.id", ondelete="CASCADE" if cascade else None),
        nullable=nullable,
    )


def upgrade() -> None:
    """Create the identity tables."""
    op.create_table(
        "user_account",
        *_audit_columns(),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=True),
        _when("email_verified_at"),
        _when("password_changed_at"),
        sa.UniqueConstraint("email", name="uq_user_account_email"),
    )
    op.create_table(
        "organisation",
        *_audit_columns(),
        sa.Column("name", sa.String(120), nullable=False),
        _user_fk("created_by"),
    )
    op.create_table(
        "membership",
        *_audit_columns(),
        _user_fk("user_id", cascade=True),
        sa.Column(
            "organisation_id",
            GUID(length=16),
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(10), nullable=False),
        sa.UniqueConstraint("organisation_id", "user_id", name="uq_membership_organisation_user"),
    )
    op.create_index("ix_membership_user_id", "membership", ["user_id"])
    op.create_table(
        "invitation",
        *_audit_columns(),
        sa.Column(
            "organisation_id",
            GUID(length=16),
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        _user_fk("invited_by"),
        _when("expires_at", nullable=False),
        _when("accepted_at"),
        _user_fk("accepted_by", nullable=True),
        sa.UniqueConstraint("token_digest", name="uq_invitation_token_digest"),
    )
    op.create_index("ix_invitation_organisation_id", "invitation", ["organisation_id"])
    op.create_table(
        "auth_session",
        *_audit_columns(),
        _user_fk("user_id", cascade=True),
        sa.Column(
            "organisation_id",
            GUID(length=16),
            sa.ForeignKey("organisation.id", ondelete="SET NULL"),
            nullable=True,
        ),
        _when("expires_at", nullable=False),
        _when("revoked_at"),
        sa.Column("revoked_reason", sa.String(40), nullable=True),
    )
    op.create_index("ix_auth_session_user_id", "auth_session", ["user_id"])
    op.create_table(
        "refresh_token",
        *_audit_columns(),
        sa.Column(
            "session_id",
            GUID(length=16),
            sa.ForeignKey("auth_session.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_digest", sa.String(64), nullable=False),
        _when("expires_at", nullable=False),
        _when("used_at"),
        sa.UniqueConstraint("token_digest", name="uq_refresh_token_token_digest"),
    )
    op.create_index("ix_refresh_token_session_id", "refresh_token", ["session_id"])
    op.create_table(
        "one_time_token",
        *_audit_columns(),
        _user_fk("user_id", cascade=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        _when("expires_at", nullable=False),
        _when("used_at"),
        sa.UniqueConstraint("token_digest", name="uq_one_time_token_token_digest"),
    )
    op.create_index("ix_one_time_token_user_purpose", "one_time_token", ["user_id", "purpose"])
    op.create_table(
        "signing_key",
        *_audit_columns(),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        _when("signs_until", nullable=False),
        _when("published_until", nullable=False),
        sa.UniqueConstraint("kid", name="uq_signing_key_kid"),
    )


def downgrade() -> None:
    """Drop the identity tables."""
    op.drop_table("signing_key")
    op.drop_index("ix_one_time_token_user_purpose", table_name="one_time_token")
    op.drop_table("one_time_token")
    op.drop_index("ix_refresh_token_session_id", table_name="refresh_token")
    op.drop_table("refresh_token")
    op.drop_index("ix_auth_session_user_id", table_name="auth_session")
    op.drop_table("auth_session")
    op.drop_index("ix_invitation_organisation_id", table_name="invitation")
    op.drop_table("invitation")
    op.drop_index("ix_membership_user_id", table_name="membership")
    op.drop_table("membership")
    op.drop_table("organisation")
    op.drop_table("user_account")
