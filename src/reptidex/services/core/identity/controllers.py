"""HTTP for identity: thin translations between JSON bodies and the identity use cases."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypeAlias

from litestar import Controller, Response, delete, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)
from litestar.types import ControllerRouterHandler

from reptidex.domain.identity import Role, TokenPair
from reptidex.services.core.identity.schemas import (
    Accepted,
    AccessTokenResponse,
    ChangePasswordRequest,
    ChangeRoleRequest,
    CreateOrganisationRequest,
    EmailRequest,
    InvitationOut,
    InviteRequest,
    JsonWebKey,
    JsonWebKeySet,
    LoginRequest,
    MemberOut,
    MembershipOut,
    MeResponse,
    OrganisationOut,
    PasswordChanged,
    RefreshRequest,
    RegisterRequest,
    RegisterResponse,
    ResetPasswordRequest,
    ServiceTokenRequest,
    ServiceTokenResponse,
    SwitchOrganisationRequest,
    TokenResponse,
    UnlockRequest,
    VerifiedEmail,
    VerifyEmailRequest,
)
from reptidex.services.core.identity.wiring import IdentityComponents
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_user
from reptidex.services.kernel.problems import Problem
from reptidex.services.kernel.rate_limits import ClientAddress

Identity: TypeAlias = Injected[IdentityComponents]

_PROBLEM_TEXT = {
    400: "The body is not valid JSON or does not match the schema.",
    401: "No valid credentials (problem+json, WWW-Authenticate: Bearer).",
    403: "The caller may not do this.",
    404: "Not found, or not visible to the caller.",
    409: "Clashes with the current state.",
    422: "A field breaks a rule; `errors` lists each field.",
    429: "Too many attempts; see Retry-After.",
}


def _problems(*codes: int) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(
            data_container=Problem,
            description=_PROBLEM_TEXT[code],
            media_type="application/problem+json",
        )
        for code in (400, 422, *codes)
    }


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(0, int((moment - now).total_seconds()))


def _tokens(pair: TokenPair, identity: Identity) -> TokenResponse:
    now = identity.context.now()
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=_seconds_until(pair.access_expires_at, now),
        refresh_token=pair.refresh_token,
        refresh_expires_in=_seconds_until(pair.refresh_expires_at, now),
        organisation_id=pair.organisation_id,
        role=pair.role.value if pair.role else None,
    )


class AuthController(Controller):
    """Accounts and sessions."""

    path = "/auth"
    tags = ("identity",)

    @post(
        "/register",
        status_code=HTTP_202_ACCEPTED,
        summary="Register with email and password",
        description=(
            "Creates an unverified account and mails a verification token. The answer is the "
            "same when the address already has an account (its owner is told by mail), so it "
            "reveals no accounts. Rate limited per address and per email."
        ),
        responses=_problems(429),
    )
    async def register(
        self, data: JSONBody[RegisterRequest], client_address: ClientAddress, identity: Identity
    ) -> RegisterResponse:
        registration = await identity.accounts.register(
            data.email, data.password, display_name=data.display_name, address=client_address
        )
        return RegisterResponse(email=registration.email.value)

    @post(
        "/verify-email",
        status_code=HTTP_200_OK,
        summary="Confirm the email address with the mailed token",
        responses=_problems(),
    )
    async def verify_email(
        self, data: JSONBody[VerifyEmailRequest], identity: Identity
    ) -> VerifiedEmail:
        user = await identity.accounts.verify_email(data.token)
        return VerifiedEmail(user_id=user.id, email=user.email.value)

    @post(
        "/verify-email/resend",
        status_code=HTTP_202_ACCEPTED,
        summary="Mail a new verification token",
        responses=_problems(429),
    )
    async def resend_verification(
        self, data: JSONBody[EmailRequest], client_address: ClientAddress, identity: Identity
    ) -> Accepted:
        await identity.accounts.resend_verification(data.email, address=client_address)
        return Accepted(detail="If the address has an unverified account, a new token was mailed.")

    @post(
        "/login",
        status_code=HTTP_200_OK,
        summary="Log in: an access token and a refresh token",
        description=(
            "The access token is a short-lived EdDSA JWT for every service; the refresh token "
            "works once. A wrong address and a wrong password give the same 401. Rate limited "
            "(429 with Retry-After): every attempt per client address; wrong passwords per "
            "client address and account, with a wait that grows as they go on; and wrong "
            "passwords per account from all addresses together, a ceiling whose first trip "
            "in a window mails the owner an unlock token (POST /auth/unlock). Unknown "
            "accounts are limited exactly alike."
        ),
        responses=_problems(401, 403, 429),
    )
    async def login(
        self, data: JSONBody[LoginRequest], client_address: ClientAddress, identity: Identity
    ) -> TokenResponse:
        pair = await identity.sessions.login(data.email, data.password, address=client_address)
        return _tokens(pair, identity)

    @post(
        "/unlock",
        status_code=HTTP_204_NO_CONTENT,
        summary="Lift the account's login ceiling with the mailed unlock token",
        description=(
            "The token works once, within the hour it was mailed. It lifts the ceiling of "
            "failed logins for the account (from all addresses), not the wait of an address "
            "that guessed wrong itself. Emits `auth.account_unlocked`."
        ),
        responses=_problems(),
    )
    async def unlock(self, data: JSONBody[UnlockRequest], identity: Identity) -> None:
        await identity.sessions.unlock(data.token)

    @post(
        "/refresh",
        status_code=HTTP_200_OK,
        summary="Rotate the refresh token",
        description=(
            "Returns a new pair; the token sent stops working. Sending an already used refresh "
            "token ends the whole session (reuse detection)."
        ),
        responses=_problems(401),
    )
    async def refresh(self, data: JSONBody[RefreshRequest], identity: Identity) -> TokenResponse:
        return _tokens(await identity.sessions.refresh(data.refresh_token), identity)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="End the session of a refresh token",
        responses=_problems(),
    )
    async def logout(self, data: JSONBody[RefreshRequest], identity: Identity) -> None:
        await identity.sessions.logout(data.refresh_token)

    @get(
        "/me",
        summary="The signed-in user and their organisations",
        guards=[requires_user],
        security=BEARER,
        responses=_problems(401, 403),
    )
    async def me(self, principal: CurrentPrincipal, identity: Identity) -> MeResponse:
        me = await identity.sessions.me(principal.require_user(), principal.organisation_id)
        return MeResponse(
            id=me.user.id,
            email=me.user.email.value,
            display_name=me.user.display_name,
            email_verified=me.user.email_verified,
            organisation_id=me.organisation_id,
            role=me.role.value if me.role else None,
            organisations=[MembershipOut.of(view) for view in me.memberships],
            platform_admin=me.user.platform_admin,
        )

    @post(
        "/password/change",
        status_code=HTTP_200_OK,
        summary="Change the password (ends the other sessions)",
        guards=[requires_user],
        security=BEARER,
        responses=_problems(401, 403, 429),
    )
    async def change_password(
        self, data: JSONBody[ChangePasswordRequest], principal: CurrentPrincipal, identity: Identity
    ) -> PasswordChanged:
        revoked = await identity.accounts.change_password(
            principal.require_user(),
            data.current_password,
            data.new_password,
            keep_session=principal.session_id,
        )
        return PasswordChanged(sessions_revoked=revoked)

    @post(
        "/password/reset-request",
        status_code=HTTP_202_ACCEPTED,
        summary="Mail a password reset token",
        description="Answers the same whether or not the address has an account.",
        responses=_problems(429),
    )
    async def request_password_reset(
        self, data: JSONBody[EmailRequest], client_address: ClientAddress, identity: Identity
    ) -> Accepted:
        await identity.accounts.request_password_reset(data.email, address=client_address)
        return Accepted(detail="If the address has an account, a reset token was mailed to it.")

    @post(
        "/password/reset",
        status_code=HTTP_204_NO_CONTENT,
        summary="Set a new password with the mailed token (ends every session)",
        responses=_problems(),
    )
    async def reset_password(
        self, data: JSONBody[ResetPasswordRequest], identity: Identity
    ) -> None:
        await identity.accounts.reset_password(data.token, data.new_password)

    @post(
        "/switch-organisation",
        status_code=HTTP_200_OK,
        summary="Act in another of your organisations",
        description="Returns an access token for that organisation; the session keeps it.",
        guards=[requires_user],
        security=BEARER,
        responses=_problems(401, 403, 404),
    )
    async def switch_organisation(
        self,
        data: JSONBody[SwitchOrganisationRequest],
        principal: CurrentPrincipal,
        identity: Identity,
    ) -> AccessTokenResponse:
        grant = await identity.sessions.switch_organisation(
            principal.require_user(), principal.session_id, data.organisation_id
        )
        return AccessTokenResponse(
            access_token=grant.access_token,
            expires_in=_seconds_until(grant.expires_at, identity.context.now()),
            organisation_id=grant.organisation_id,
            role=grant.role.value,
        )

    @post(
        "/service-token",
        status_code=HTTP_200_OK,
        summary="A token for a service calling other services (client credentials)",
        description=(
            "`sub` is `service:<name>`; the secret is the service's own. Limited per client "
            "address (every request) and per service (tokens issued): 429 with Retry-After."
        ),
        responses=_problems(401, 429),
    )
    async def service_token(
        self, data: JSONBody[ServiceTokenRequest], client_address: ClientAddress, identity: Identity
    ) -> ServiceTokenResponse:
        token, expires_at = await identity.sessions.service_token(
            data.service, data.secret, identity.service_secret, address=client_address
        )
        return ServiceTokenResponse(
            access_token=token, expires_in=_seconds_until(expires_at, identity.context.now())
        )


class OrganisationController(Controller):
    """Organisations and their members."""

    path = "/orgs"
    tags = ("organisations",)
    guards = (requires_user,)
    security = tuple(BEARER)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Create an organisation (you become its owner)",
        description="Switch to it with POST /auth/switch-organisation.",
        responses=_problems(401, 403),
    )
    async def create(
        self,
        data: JSONBody[CreateOrganisationRequest],
        principal: CurrentPrincipal,
        identity: Identity,
    ) -> OrganisationOut:
        organisation = await identity.organisations.create(principal.require_user(), data.name)
        return OrganisationOut(
            id=organisation.id,
            name=organisation.name,
            role=Role.OWNER.value,
            created_at=organisation.created_at,
        )

    @get("/", summary="Your organisations", responses=_problems(401, 403))
    async def list_mine(
        self, principal: CurrentPrincipal, identity: Identity
    ) -> list[OrganisationOut]:
        views = await identity.organisations.of_user(principal.require_user())
        return [
            OrganisationOut(
                id=view.organisation_id,
                name=view.organisation_name,
                role=view.role.value,
                created_at=view.joined_at,
            )
            for view in views
        ]

    @post(
        "/{organisation_id:uuid}/invitations",
        status_code=HTTP_201_CREATED,
        summary="Invite someone by email (admin or owner)",
        responses=_problems(401, 403, 404, 409),
    )
    async def invite(
        self,
        organisation_id: FromPath[uuid.UUID],
        data: JSONBody[InviteRequest],
        principal: CurrentPrincipal,
        identity: Identity,
    ) -> InvitationOut:
        issued = await identity.organisations.invite(
            principal.require_user(), organisation_id, data.email, Role(data.role)
        )
        return InvitationOut.of(issued.invitation, identity.context.now())

    @get(
        "/{organisation_id:uuid}/invitations",
        summary="Invitations not yet accepted or revoked (admin or owner)",
        description="Expired ones are listed with `expired: true` until revoked.",
        responses=_problems(401, 403, 404),
    )
    async def invitations(
        self, organisation_id: FromPath[uuid.UUID], principal: CurrentPrincipal, identity: Identity
    ) -> list[InvitationOut]:
        pending = await identity.organisations.invitations(
            principal.require_user(), organisation_id
        )
        now = identity.context.now()
        return [InvitationOut.of(invitation, now) for invitation in pending]

    @delete(
        "/{organisation_id:uuid}/invitations/{invitation_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke an invitation (admin or owner; owner invitations by owners)",
        description="Its token stops working at once. Emits `user.invitation_revoked`.",
        responses=_problems(401, 403, 404, 409),
    )
    async def revoke_invitation(
        self,
        organisation_id: FromPath[uuid.UUID],
        invitation_id: FromPath[uuid.UUID],
        principal: CurrentPrincipal,
        identity: Identity,
    ) -> None:
        await identity.organisations.revoke_invitation(
            principal.require_user(), organisation_id, invitation_id
        )

    @delete(
        "/{organisation_id:uuid}/members/{user_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a member (admin or owner; owners by owners; never the last owner)",
        description=(
            "Removing yourself is leaving. The member's tokens lose the organisation at their "
            "next refresh (within one access-token lifetime). Emits "
            "`user.removed_from_organisation`."
        ),
        responses=_problems(401, 403, 404, 409),
    )
    async def remove_member(
        self,
        organisation_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        principal: CurrentPrincipal,
        identity: Identity,
    ) -> None:
        await identity.organisations.remove_member(
            principal.require_user(), organisation_id, user_id
        )

    @post(
        "/{organisation_id:uuid}/leave",
        status_code=HTTP_204_NO_CONTENT,
        summary="Leave an organisation (not as its last owner)",
        description="Emits `user.left_organisation`.",
        responses=_problems(401, 403, 404, 409),
    )
    async def leave(
        self, organisation_id: FromPath[uuid.UUID], principal: CurrentPrincipal, identity: Identity
    ) -> None:
        await identity.organisations.leave(principal.require_user(), organisation_id)

    @get(
        "/{organisation_id:uuid}/members",
        summary="The members and their roles",
        responses=_problems(401, 403, 404),
    )
    async def members(
        self, organisation_id: FromPath[uuid.UUID], principal: CurrentPrincipal, identity: Identity
    ) -> list[MemberOut]:
        views = await identity.organisations.members(principal.require_user(), organisation_id)
        return [MemberOut.of(view) for view in views]

    @patch(
        "/{organisation_id:uuid}/members/{user_id:uuid}",
        summary="Change a member's role (admin or owner; ownership by owners only)",
        responses=_problems(401, 403, 404, 409),
    )
    async def change_role(
        self,
        organisation_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[ChangeRoleRequest],
        principal: CurrentPrincipal,
        identity: Identity,
    ) -> MemberOut:
        membership = await identity.organisations.change_role(
            principal.require_user(), organisation_id, user_id, Role(data.role)
        )
        views = await identity.organisations.members(principal.require_user(), organisation_id)
        view = next(v for v in views if v.user_id == membership.user_id)
        return MemberOut.of(view)


class InvitationController(Controller):
    """Accepting invitations."""

    path = "/invitations"
    tags = ("organisations",)

    @post(
        "/{token:str}/accept",
        status_code=HTTP_200_OK,
        summary="Accept an invitation sent to your address",
        guards=[requires_user],
        security=BEARER,
        responses=_problems(401, 403, 404, 409),
    )
    async def accept(
        self, token: FromPath[str], principal: CurrentPrincipal, identity: Identity
    ) -> MembershipOut:
        view = await identity.organisations.accept(principal.require_user(), token)
        return MembershipOut.of(view)


@get(
    "/.well-known/jwks.json",
    tags=["identity"],
    summary="The public keys access tokens are signed with (JWKS)",
    description="Services cache this set and refetch it when a token names an unknown `kid`.",
)
async def jwks(identity: Identity) -> Response[JsonWebKeySet]:
    document = await identity.keys.jwks()
    body = JsonWebKeySet(keys=[JsonWebKey(**key) for key in document["keys"]])
    return Response(body, headers={"Cache-Control": "public, max-age=300"})


IDENTITY_ROUTES: list[ControllerRouterHandler] = [
    AuthController,
    OrganisationController,
    InvitationController,
    jwks,
]
"""Every identity route handler of repti-core."""
