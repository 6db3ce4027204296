"""HTTP for platform administration of accounts (``/admin``): search users and organisations,
suspend and reinstate an account, grant and revoke the platform-admin right. Platform
administrators' user tokens only (repti-ops' dashboard forwards the signed-in admin's token,
so the audit trail names the person who acted)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, put
from litestar.params import FromPath, Parameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from reptidex.domain.identity import User
from reptidex.domain.identity.administration import MAX_SEARCH_PAGE
from reptidex.domain.identity.model import OrganisationSummary
from reptidex.services.core.identity.controllers import Identity, _problems
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_platform_admin

SearchText = Annotated[
    str, QueryParameter(name="q", max_length=100, description="Part of an address or name.")
]
Limit = Annotated[int, Parameter(ge=1, le=MAX_SEARCH_PAGE, description="Page size.")]
Offset = Annotated[int, Parameter(ge=0, le=1_000_000, description="Rows to skip.")]


class AdminUserOut(msgspec.Struct, frozen=True):
    """An account as platform administrators see it (never its password hash)."""

    id: uuid.UUID
    email: str
    display_name: str | None
    email_verified: bool
    platform_admin: bool
    suspended: bool
    suspended_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, user: User) -> AdminUserOut:
        """From the domain's user."""
        return cls(
            id=user.id,
            email=user.email.value,
            display_name=user.display_name,
            email_verified=user.email_verified,
            platform_admin=user.platform_admin,
            suspended=user.suspended,
            suspended_at=user.suspended_at,
            created_at=user.created_at,
        )


class UserPage(msgspec.Struct, frozen=True):
    """A page of users and how many match."""

    items: list[AdminUserOut]
    total: int


class AdminOrganisationOut(msgspec.Struct, frozen=True):
    """An organisation as platform administrators see it."""

    id: uuid.UUID
    name: str
    created_by: uuid.UUID
    created_at: dt.datetime
    members: int

    @classmethod
    def of(cls, summary: OrganisationSummary) -> AdminOrganisationOut:
        """From the domain's summary."""
        organisation = summary.organisation
        return cls(
            id=organisation.id,
            name=organisation.name,
            created_by=organisation.created_by,
            created_at=organisation.created_at,
            members=summary.members,
        )


class OrganisationPage(msgspec.Struct, frozen=True):
    """A page of organisations and how many match."""

    items: list[AdminOrganisationOut]
    total: int


class PlatformAdminController(Controller):
    """Accounts and organisations, for platform administrators."""

    path = "/admin"
    tags = ("administration",)
    guards = (requires_platform_admin(),)
    security = tuple(BEARER)

    @get(
        "/users",
        summary="Search users",
        description="Users whose address or display name contains `q` (any case), oldest "
        "first. Each account shown is recorded in the audit trail as `accessed` by the caller.",
        responses=_problems(401, 403),
    )
    async def search_users(
        self,
        identity: Identity,
        principal: CurrentPrincipal,
        q: SearchText = "",
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> UserPage:
        """Users whose address or display name contains ``q`` (any case), oldest first."""
        administration = identity.administration
        page = await administration.search_users(principal.require_user(), q, limit, offset)
        return UserPage([AdminUserOut.of(user) for user in page.items], page.total)

    @get("/organisations", summary="Search organisations", responses=_problems(401, 403))
    async def search_organisations(
        self, identity: Identity, q: SearchText = "", limit: Limit = 20, offset: Offset = 0
    ) -> OrganisationPage:
        """Organisations whose name contains ``q`` (any case), oldest first."""
        page = await identity.administration.search_organisations(q, limit, offset)
        return OrganisationPage(
            [AdminOrganisationOut.of(found) for found in page.items], page.total
        )

    @put(
        "/users/{user_id:uuid}/suspension",
        status_code=HTTP_200_OK,
        summary="Suspend an account",
        description=(
            "Ends every session of the account; it cannot log in, refresh or switch "
            "organisation until reinstated (an access token already issued lives out its "
            "minutes). Audited; emits `user.suspended`. 409 for your own account."
        ),
        responses=_problems(401, 403, 404, 409),
    )
    async def suspend(
        self, user_id: FromPath[uuid.UUID], principal: CurrentPrincipal, identity: Identity
    ) -> AdminUserOut:
        user = await identity.administration.suspend(principal.require_user(), user_id)
        return AdminUserOut.of(user)

    @delete(
        "/users/{user_id:uuid}/suspension",
        status_code=HTTP_200_OK,
        summary="Reinstate a suspended account",
        description="Audited; emits `user.reinstated`.",
        responses=_problems(401, 403, 404, 409),
    )
    async def reinstate(
        self, user_id: FromPath[uuid.UUID], principal: CurrentPrincipal, identity: Identity
    ) -> AdminUserOut:
        user = await identity.administration.reinstate(principal.require_user(), user_id)
        return AdminUserOut.of(user)

    @put(
        "/users/{user_id:uuid}/platform-admin",
        status_code=HTTP_200_OK,
        summary="Grant the platform-admin right",
        description=(
            "Reaches the account's tokens at its next login or refresh. Audited; emits "
            "`user.platform_admin_granted`."
        ),
        responses=_problems(401, 403, 404, 409),
    )
    async def grant_admin(
        self, user_id: FromPath[uuid.UUID], principal: CurrentPrincipal, identity: Identity
    ) -> AdminUserOut:
        administration = identity.administration
        user = await administration.set_platform_admin(principal.require_user(), user_id, True)
        return AdminUserOut.of(user)

    @delete(
        "/users/{user_id:uuid}/platform-admin",
        status_code=HTTP_200_OK,
        summary="Revoke the platform-admin right",
        description=(
            "Reaches the account's tokens within one access-token lifetime. Audited; emits "
            "`user.platform_admin_revoked`. 409 for your own right."
        ),
        responses=_problems(401, 403, 404, 409),
    )
    async def revoke_admin(
        self, user_id: FromPath[uuid.UUID], principal: CurrentPrincipal, identity: Identity
    ) -> AdminUserOut:
        administration = identity.administration
        user = await administration.set_platform_admin(principal.require_user(), user_id, False)
        return AdminUserOut.of(user)
