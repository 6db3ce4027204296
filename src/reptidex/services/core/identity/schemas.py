"""Request and response bodies of the identity endpoints (msgspec, validated on the way in)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from reptidex.domain.identity import Invitation, MembershipView

EmailText = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=254,
        description="An email address; compared case-insensitively.",
        examples=["ann@example.org"],
    ),
]
NewPassword = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=1024,
        description="10 to 128 characters; common passwords are refused.",
    ),
]
AnyPassword = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
OpaqueToken = Annotated[
    str,
    msgspec.Meta(
        min_length=16,
        max_length=128,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="A token as it was handed out (URL-safe base64).",
    ),
]
RoleName = Literal["viewer", "member", "admin", "owner"]
TOKEN_TYPE = "Bearer"  # noqa: S105 (the OAuth token type, not a secret)
ServiceName = Literal["core", "animal", "commerce", "media", "community", "ops"]


class _Body(msgspec.Struct, forbid_unknown_fields=True):
    """Request bodies refuse unknown fields, so a typo is an error, not silently ignored."""


class RegisterRequest(_Body):
    """Create an account."""

    email: EmailText
    password: NewPassword
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


class RegisterResponse(msgspec.Struct, frozen=True):
    """The same answer whether or not the address already had an account."""

    email: str
    detail: str = "If the address can be registered, a verification token has been mailed to it."


class EmailRequest(_Body):
    """An email address (resend verification, request a password reset)."""

    email: EmailText


class Accepted(msgspec.Struct, frozen=True):
    """The request was taken; the answer does not reveal whether an account exists."""

    detail: str


class VerifyEmailRequest(_Body):
    """The token from the verification mail."""

    token: OpaqueToken


class VerifiedEmail(msgspec.Struct, frozen=True):
    """The address is confirmed."""

    user_id: uuid.UUID
    email: str
    email_verified: bool = True


class LoginRequest(_Body):
    """Credentials."""

    email: EmailText
    password: AnyPassword


class UnlockRequest(_Body):
    """The token from the mail sent when the account's ceiling of failed logins was reached."""

    token: OpaqueToken


class RefreshRequest(_Body):
    """A refresh token (each works once: the answer carries its replacement)."""

    refresh_token: OpaqueToken


class TokenResponse(msgspec.Struct, frozen=True):
    """An access token (JWT, short-lived) and a rotating refresh token."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    organisation_id: uuid.UUID | None
    role: RoleName | None
    token_type: str = TOKEN_TYPE


class AccessTokenResponse(msgspec.Struct, frozen=True):
    """An access token alone (after switching organisation; the refresh token is unchanged)."""

    access_token: str
    expires_in: int
    organisation_id: uuid.UUID | None = None
    role: RoleName | None = None
    token_type: str = TOKEN_TYPE


class ChangePasswordRequest(_Body):
    """The current password and the new one."""

    current_password: AnyPassword
    new_password: NewPassword


class PasswordChanged(msgspec.Struct, frozen=True):
    """The password is changed; other sessions were ended."""

    sessions_revoked: int


class ResetPasswordRequest(_Body):
    """The token from the reset mail and the new password."""

    token: OpaqueToken
    new_password: NewPassword


class MembershipOut(msgspec.Struct, frozen=True):
    """An organisation the user belongs to, with their role."""

    organisation_id: uuid.UUID
    name: str
    role: RoleName
    joined_at: dt.datetime

    @classmethod
    def of(cls, view: MembershipView) -> MembershipOut:
        """From the domain's view."""
        return cls(
            organisation_id=view.organisation_id,
            name=view.organisation_name,
            role=view.role.value,
            joined_at=view.joined_at,
        )


class MeResponse(msgspec.Struct, frozen=True):
    """The signed-in user."""

    id: uuid.UUID
    email: str
    display_name: str | None
    email_verified: bool
    organisation_id: uuid.UUID | None
    role: RoleName | None
    organisations: list[MembershipOut]
    platform_admin: bool = False


class SwitchOrganisationRequest(_Body):
    """The organisation to act in from now on."""

    organisation_id: uuid.UUID


class CreateOrganisationRequest(_Body):
    """A new organisation; its creator becomes the owner."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120, examples=["Scales & Tails"])]


class OrganisationOut(msgspec.Struct, frozen=True):
    """An organisation and the caller's role in it."""

    id: uuid.UUID
    name: str
    role: RoleName
    created_at: dt.datetime


class InviteRequest(_Body):
    """Invite an address to the organisation."""

    email: EmailText
    role: RoleName = "member"


class InvitationOut(msgspec.Struct, frozen=True):
    """A sent invitation (its token went to the invitee's mailbox only)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    role: RoleName
    expires_at: dt.datetime
    invited_by: uuid.UUID | None = None
    created_at: dt.datetime | None = None
    expired: bool = False

    @classmethod
    def of(cls, invitation: Invitation, now: dt.datetime) -> InvitationOut:
        """From the domain's invitation."""
        return cls(
            id=invitation.id,
            organisation_id=invitation.organisation_id,
            email=invitation.email.value,
            role=invitation.role.value,
            expires_at=invitation.expires_at,
            invited_by=invitation.invited_by,
            created_at=invitation.created_at,
            expired=now >= invitation.expires_at,
        )


class MemberOut(msgspec.Struct, frozen=True):
    """A member of an organisation."""

    user_id: uuid.UUID
    email: str
    role: RoleName
    joined_at: dt.datetime

    @classmethod
    def of(cls, view: MembershipView) -> MemberOut:
        """From the domain's view."""
        return cls(
            user_id=view.user_id,
            email=view.email.value,
            role=view.role.value,
            joined_at=view.joined_at,
        )


class ChangeRoleRequest(_Body):
    """A member's new role."""

    role: RoleName


class ServiceTokenRequest(_Body):
    """A service's credentials (client-credentials grant)."""

    service: ServiceName
    secret: Annotated[str, msgspec.Meta(min_length=16, max_length=256)]


class ServiceTokenResponse(msgspec.Struct, frozen=True):
    """A service token: ``sub`` is ``service:<name>``."""

    access_token: str
    expires_in: int
    token_type: str = TOKEN_TYPE


class JsonWebKey(msgspec.Struct, frozen=True):
    """A public Ed25519 key (RFC 8037)."""

    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class JsonWebKeySet(msgspec.Struct, frozen=True):
    """The keys access tokens are signed with."""

    keys: list[JsonWebKey]
