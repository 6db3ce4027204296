"""repti-core's identity tables: accounts, organisations, memberships, sessions, tokens, keys."""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CoreModel


class UserRow(CoreModel):
    """An account (``user`` is a reserved word in PostgreSQL, hence ``user_account``)."""

    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(100), default=None)
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    suspended_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)


class OrganisationRow(CoreModel):
    """A breeder's business."""

    __tablename__ = "organisation"

    name: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))


class MembershipRow(CoreModel):
    """A user's role in an organisation."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id", name="uq_membership_organisation_user"),
        Index("ix_membership_user_id", "user_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(10))


class InvitationRow(CoreModel):
    """An invitation to an organisation; only the token's SHA-256 is kept."""

    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_organisation_id", "organisation_id"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(10))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)


class AuthSessionRow(CoreModel):
    """A signed-in session: one family of rotating refresh tokens."""

    __tablename__ = "auth_session"
    __table_args__ = (Index("ix_auth_session_user_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), default=None
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(40), default=None)


class RefreshTokenRow(CoreModel):
    """One refresh token of a session's family; only its SHA-256 is kept."""

    __tablename__ = "refresh_token"
    __table_args__ = (Index("ix_refresh_token_session_id", "session_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth_session.id", ondelete="CASCADE"))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)


class OneTimeTokenRow(CoreModel):
    """A mailed one-time token (email verification, password reset)."""

    __tablename__ = "one_time_token"
    __table_args__ = (Index("ix_one_time_token_user_purpose", "user_id", "purpose"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)


class SigningKeyRow(CoreModel):
    """A JWT signing key pair.

    The newest key whose ``signs_until`` is in the future signs; every key stays published in
    the JWKS until ``published_until``, which outlasts the last token it signed.
    """

    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[str] = mapped_column(Text)
    private_key: Mapped[str] = mapped_column(Text)
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    signs_until: Mapped[dt.datetime] = mapped_column(DateTimeUTC)
    published_until: Mapped[dt.datetime] = mapped_column(DateTimeUTC)


class MailMessageRow(CoreModel):
    """A mail queued in the transaction of the change it tells about, until it is sent.

    The body may hold a one-time token, so the row is deleted as soon as the mail is sent:
    tokens rest in the database in the clear only while their mail is in flight.
    """

    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_created_at", "created_at"),)

    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
