"""``/account/…``: the small pages the identity mails link to (no scripts, HTML only).

Each page shows, on GET, what will happen and a form; only the form's POST acts (mail scanners
fetch links before people open them), through the same use cases as the JSON API, and answers
with the outcome in plain words. The one-time token from the mail is the credential: it comes
in the link's query string, travels on in a hidden field of the form (whose action has no
query), and is never logged (the request log shows paths only). No cookie is read or set, so
a cross-site form cannot act with somebody else's session: without the mailed token it does
nothing. Every page answers with :data:`SECURITY_HEADERS`. Not in the OpenAPI document (HTML
for people, like repti-ops' dashboard).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import Body, QueryParameter
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig

from reptidex.domain.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from reptidex.domain.identity.accounts import INVALID_LINK
from reptidex.domain.identity.organisations import IssuedInvitation
from reptidex.services.core.identity.page_links import (
    ACCEPT_INVITATION,
    ACCOUNT,
    RESET_PASSWORD,
    UNLOCK_ACCOUNT,
    VERIFY_EMAIL,
)
from reptidex.services.core.identity.wiring import IdentityComponents
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.page_templates import page_templates
from reptidex.services.kernel.rate_limits import ClientAddress

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = TEMPLATES / "account.css"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""On every page: nothing loads from elsewhere, no script runs, forms post only here, no
frame holds the page, the address (with its token) is not sent on as a referrer, and no cache
keeps it."""

_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
"""A token as the mails hand it out (URL-safe base64); anything else is a broken link."""

WRONG_CREDENTIALS = (
    "The email address or the password is wrong. If you have no account with the invited "
    "address yet, register with it first, confirm it from the mail you receive, then open "
    "this invitation's link again."
)
PASSWORDS_DIFFER = "The two passwords differ; type the same new password twice."
INVITATION_INVALID = (
    "This invitation link is invalid, already used, revoked or expired; ask whoever invited "
    "you for a new one."
)
OTHER_ADDRESS = "This invitation was sent to another email address; sign in with that one."

Identity = Injected[IdentityComponents]
Token = Annotated[str, QueryParameter(max_length=512)]
Form = Body(media_type=RequestEncodingType.URL_ENCODED)
_Short = Annotated[str, msgspec.Meta(max_length=512)]
_Password = Annotated[str, msgspec.Meta(max_length=1024)]


class TokenForm(msgspec.Struct, kw_only=True):
    """A confirmation: the mailed token alone."""

    token: _Short = ""


class ResetForm(msgspec.Struct, kw_only=True):
    """The mailed token and the new password, typed twice."""

    token: _Short = ""
    new_password: _Password = ""
    new_password_again: _Password = ""


class InvitationForm(msgspec.Struct, kw_only=True):
    """The mailed token and the invitee's credentials."""

    token: _Short = ""
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""
    password: _Password = ""


def account_templates() -> TemplateConfig[JinjaTemplateEngine]:
    """The account pages' templates (every value escaped, an unknown name an error)."""
    return page_templates(TEMPLATES)


def secured(response: Response[Any]) -> Response[Any]:
    """``response`` with the pages' security headers."""
    response.headers.update(SECURITY_HEADERS)
    return response


def _page(name: str, status_code: int = 200, **context: Any) -> Response[Any]:
    return secured(Template(template_name=name, context=context, status_code=status_code))


def _outcome(title: str, message: str, status_code: int = 200) -> Response[Any]:
    return _page("outcome.html", status_code, title=title, message=message)


def _invalid_link(title: str, message: str = INVALID_LINK) -> Response[Any]:
    return _outcome(title, message, 404)


def _well_formed(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None


def refused_request(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """A request the pages cannot read (a field too long, not a form) as a page."""
    if isinstance(exc, ValidationException):
        return _outcome("This request cannot be handled", "The form's fields are not valid.", 400)
    return _outcome("This request cannot be handled", str(exc.detail), exc.status_code)


def _too_many(exc: RateLimited) -> Response[Any]:
    refused = _outcome("Too many attempts", exc.detail, 429)
    refused.headers["Retry-After"] = str(exc.retry_after)
    return refused


class AccountPages(Controller):
    """Confirm an address, reset a password, unlock logging in, accept an invitation."""

    path = "/"

    @get("/account.css", sync_to_thread=False)
    def stylesheet(self) -> Response[bytes]:
        """The pages' one stylesheet."""
        return Response(STYLESHEET.read_bytes(), media_type="text/css")

    # -- confirming the email address --------------------------------------------------------

    @get(VERIFY_EMAIL.removeprefix(ACCOUNT))
    async def verify_email_form(self, token: Token = "") -> Response[Any]:
        """What confirming does, and the button that does it."""
        if not _well_formed(token):
            return _invalid_link("Confirm your email address")
        return _page("verify_email.html", token=token, action=VERIFY_EMAIL)

    @post(VERIFY_EMAIL.removeprefix(ACCOUNT), status_code=200)
    async def verify_email(
        self, data: Annotated[TokenForm, Form], identity: Identity
    ) -> Response[Any]:
        """Confirm the address (once)."""
        title = "Confirm your email address"
        if not _well_formed(data.token):
            return _invalid_link(title)
        try:
            user = await identity.accounts.verify_email(data.token)
        except InvalidInput:
            return _invalid_link(title)
        return _outcome(
            "Email address confirmed",
            f"{user.email.value} is confirmed. You can log in to ReptiDex now.",
        )

    # -- resetting the password --------------------------------------------------------------

    @get(RESET_PASSWORD.removeprefix(ACCOUNT))
    async def reset_password_form(self, token: Token = "") -> Response[Any]:
        """The new password, typed twice."""
        if not _well_formed(token):
            return _invalid_link("Choose a new password")
        return _page("reset_password.html", token=token, action=RESET_PASSWORD, error=None)

    @post(RESET_PASSWORD.removeprefix(ACCOUNT), status_code=200)
    async def reset_password(
        self, data: Annotated[ResetForm, Form], identity: Identity
    ) -> Response[Any]:
        """Set the new password (once); every session of the account ends."""
        if not _well_formed(data.token):
            return _invalid_link("Choose a new password")
        if data.new_password != data.new_password_again:
            return self._reset_again(data.token, PASSWORDS_DIFFER)
        try:
            await identity.accounts.reset_password(data.token, data.new_password)
        except InvalidInput as exc:
            reason = exc.field_errors.get("new_password")
            if reason is None:  # the token: unknown, used or expired
                return _invalid_link("Choose a new password")
            return self._reset_again(data.token, reason)
        return _outcome(
            "Password changed",
            "Your new password is set, and every session of your account has ended. "
            "Log in with the new password.",
        )

    @staticmethod
    def _reset_again(token: str, error: str) -> Response[Any]:
        return _page("reset_password.html", 422, token=token, action=RESET_PASSWORD, error=error)

    # -- unlocking logging in ----------------------------------------------------------------

    @get(UNLOCK_ACCOUNT.removeprefix(ACCOUNT))
    async def unlock_form(self, token: Token = "") -> Response[Any]:
        """What unlocking does, and the button that does it."""
        if not _well_formed(token):
            return _invalid_link("Unlock logging in")
        return _page("unlock.html", token=token, action=UNLOCK_ACCOUNT)

    @post(UNLOCK_ACCOUNT.removeprefix(ACCOUNT), status_code=200)
    async def unlock(self, data: Annotated[TokenForm, Form], identity: Identity) -> Response[Any]:
        """Lift the account's ceiling of failed logins (once)."""
        if not _well_formed(data.token):
            return _invalid_link("Unlock logging in")
        try:
            await identity.sessions.unlock(data.token)
        except InvalidInput:
            return _invalid_link("Unlock logging in")
        return _outcome(
            "Logging in works again",
            "Your account is unlocked: log in as usual. Your password is unchanged; if someone "
            "may know it, reset it.",
        )

    # -- accepting an invitation -------------------------------------------------------------

    @get(ACCEPT_INVITATION.removeprefix(ACCOUNT))
    async def invitation_form(self, identity: Identity, token: Token = "") -> Response[Any]:
        """Which organisation invites whom, with which role; and the sign-in form."""
        title = "Accept an invitation"
        if not _well_formed(token):
            return _invalid_link(title, INVITATION_INVALID)
        try:
            issued = await identity.organisations.invitation(token)
        except NotFound:
            return _invalid_link(title, INVITATION_INVALID)
        return self._invitation_page(token, issued.invitation.email.value, issued, None)

    @staticmethod
    def _invitation_page(
        token: str,
        email: str,
        issued: IssuedInvitation,
        error: str | None,
        status_code: int = 200,
    ) -> Response[Any]:
        return _page(
            "invitation.html",
            status_code,
            token=token,
            action=ACCEPT_INVITATION,
            organisation=issued.organisation.name,
            role=issued.invitation.role.value,
            invited=issued.invitation.email.value,
            email=email,
            error=error,
        )

    @post(ACCEPT_INVITATION.removeprefix(ACCOUNT), status_code=200)
    async def accept_invitation(
        self,
        data: Annotated[InvitationForm, Form],
        identity: Identity,
        client_address: ClientAddress,
    ) -> Response[Any]:
        """Sign in with the invited address and accept; the session ends right after (the
        page keeps none)."""
        title = "Accept an invitation"
        if not _well_formed(data.token):
            return _invalid_link(title, INVITATION_INVALID)
        try:
            issued = await identity.organisations.invitation(data.token)
        except NotFound:
            return _invalid_link(title, INVITATION_INVALID)
        try:
            pair = await identity.sessions.login(data.email, data.password, address=client_address)
        except NotAuthenticated:
            return self._invitation_page(data.token, data.email, issued, WRONG_CREDENTIALS, 401)
        except PermissionDenied as exc:  # told only to whoever knows the password
            return self._invitation_page(data.token, data.email, issued, exc.detail, 403)
        except RateLimited as exc:
            return _too_many(exc)
        try:
            view = await identity.organisations.accept(pair.user_id, data.token)
        except NotFound:
            return _invalid_link(title, INVITATION_INVALID)
        except PermissionDenied:
            return self._invitation_page(data.token, data.email, issued, OTHER_ADDRESS, 403)
        except Conflict as exc:
            return _outcome("Already a member", exc.detail, 409)
        finally:
            await identity.sessions.logout(pair.refresh_token)
        return _outcome(
            "Invitation accepted",
            f"You joined {view.organisation_name} as {view.role.value}. Log in to ReptiDex and "
            "switch to it to work there.",
        )


ACCOUNT_PAGES = Router(
    path=ACCOUNT,
    route_handlers=[AccountPages],
    after_request=secured,
    exception_handlers={HTTPException: refused_request, ValidationException: refused_request},
    include_in_schema=False,
)
"""The account pages, with their security headers and HTML error pages."""
