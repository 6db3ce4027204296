"""repti-core's identity endpoints: accounts, sessions, organisations, invitations, JWKS."""

from reptidex.services.core.identity.controllers import IDENTITY_ROUTES
from reptidex.services.core.identity.wiring import IdentityComponents, IdentityOverrides

__all__ = ["IDENTITY_ROUTES", "IdentityComponents", "IdentityOverrides"]
