"""Identity and access: users, organisations, memberships and roles, sessions and tokens.

The use cases (:class:`Accounts`, :class:`Sessions`, :class:`Organisations`) work through the
ports in :mod:`reptidex.domain.identity.ports`; the composition root in repti-core picks the
adapters (SQL, Argon2id, JWT, mail, rate limits).
"""

from reptidex.domain.identity.accounts import Accounts, Registration
from reptidex.domain.identity.context import IdentityContext, IdentityPolicy, Limit
from reptidex.domain.identity.model import (
    AuthSession,
    Email,
    Invitation,
    Membership,
    MembershipView,
    OneTimeToken,
    Organisation,
    RefreshToken,
    Role,
    TokenPurpose,
    User,
)
from reptidex.domain.identity.organisations import IssuedInvitation, Organisations
from reptidex.domain.identity.passwords import PasswordPolicy
from reptidex.domain.identity.sessions import AccessGrant, Me, ServiceSecrets, Sessions
from reptidex.domain.identity.tokens import AccessClaims, TokenPair

__all__ = [
    "AccessClaims",
    "AccessGrant",
    "Accounts",
    "AuthSession",
    "Email",
    "IdentityContext",
    "IdentityPolicy",
    "Invitation",
    "IssuedInvitation",
    "Limit",
    "Me",
    "Membership",
    "MembershipView",
    "OneTimeToken",
    "Organisation",
    "Organisations",
    "PasswordPolicy",
    "RefreshToken",
    "Registration",
    "Role",
    "ServiceSecrets",
    "Sessions",
    "TokenPair",
    "TokenPurpose",
    "User",
]
