"""Payloads of identity's events (``user.*``, ``auth.*``), version 1 of each shape."""

from __future__ import annotations

import uuid

import msgspec


class UserRegistered(msgspec.Struct, frozen=True, kw_only=True):
    """``user.registered``: an account was created (not yet verified)."""

    user_id: uuid.UUID
    email: str


class UserEmailVerified(msgspec.Struct, frozen=True, kw_only=True):
    """``user.email_verified``."""

    user_id: uuid.UUID
    email: str


class UserPasswordChanged(msgspec.Struct, frozen=True, kw_only=True):
    """``user.password_changed`` (by the user) or ``user.password_reset`` (through a mailed token)."""

    user_id: uuid.UUID
    sessions_revoked: int


class UserPasswordResetRequested(msgspec.Struct, frozen=True, kw_only=True):
    """``user.password_reset_requested``."""

    user_id: uuid.UUID


class SessionStarted(msgspec.Struct, frozen=True, kw_only=True):
    """``auth.logged_in``."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    address: str | None = None


class SessionEnded(msgspec.Struct, frozen=True, kw_only=True):
    """``auth.logged_out`` or ``auth.refresh_reuse_detected`` (the family was revoked)."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    reason: str


class OrganisationSwitched(msgspec.Struct, frozen=True, kw_only=True):
    """``auth.organisation_switched``."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    organisation_id: uuid.UUID
    role: str


class OrganisationCreated(msgspec.Struct, frozen=True, kw_only=True):
    """``user.organisation_created``: the creator became its owner."""

    organisation_id: uuid.UUID
    name: str
    owner_id: uuid.UUID


class MemberInvited(msgspec.Struct, frozen=True, kw_only=True):
    """``user.invited``."""

    invitation_id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    role: str
    invited_by: uuid.UUID


class MemberJoined(msgspec.Struct, frozen=True, kw_only=True):
    """``user.joined_organisation``."""

    organisation_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    invitation_id: uuid.UUID | None = None


class MemberRoleChanged(msgspec.Struct, frozen=True, kw_only=True):
    """``user.role_changed``: before and after, for the audit log."""

    organisation_id: uuid.UUID
    user_id: uuid.UUID
    old_role: str
    new_role: str


class MemberRemoved(msgspec.Struct, frozen=True, kw_only=True):
    """``user.removed_from_organisation`` (by an admin or owner) or ``user.left_organisation``."""

    organisation_id: uuid.UUID
    user_id: uuid.UUID
    role: str
    removed_by: uuid.UUID


class InvitationRevoked(msgspec.Struct, frozen=True, kw_only=True):
    """``user.invitation_revoked``: the invitation can no longer be accepted."""

    invitation_id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    role: str
    revoked_by: uuid.UUID


class PlatformAdminChanged(msgspec.Struct, frozen=True, kw_only=True):
    """``user.platform_admin_granted`` or ``user.platform_admin_revoked``."""

    user_id: uuid.UUID
    email: str


class UserSuspensionChanged(msgspec.Struct, frozen=True, kw_only=True):
    """``user.suspended`` (with the sessions it ended) or ``user.reinstated``, by a platform
    administrator."""

    user_id: uuid.UUID
    by: uuid.UUID
    sessions_revoked: int = 0


class LoginLocked(msgspec.Struct, frozen=True, kw_only=True):
    """``auth.login_locked``: the account's ceiling of failed logins was reached (from any
    address); its owner was mailed an unlock token."""

    user_id: uuid.UUID
    retry_after: int
    """Seconds until the ceiling lifts by itself."""


class AccountUnlocked(msgspec.Struct, frozen=True, kw_only=True):
    """``auth.account_unlocked``: the owner used the mailed unlock token."""

    user_id: uuid.UUID
