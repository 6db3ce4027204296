"""``/admin/dashboard``: server-rendered pages for platform administrators (no scripts).

Every page but sign-in needs a signed-in platform administrator (anonymous: a redirect to the
sign-in page; anyone else: 403). Every form posts a CSRF token (the session's; on the sign-in
form a double-submit cookie's) and is refused with 403 without it. Actions on accounts and
flags go to repti-core with the administrator's own token, where they are audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from reptidex.domain.audit.figures import MAX_DAYS, daily_figures
from reptidex.domain.audit.ports import AuditQuery
from reptidex.domain.audit.reading import AuditReader, search_trail
from reptidex.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from reptidex.domain.monitoring.uptime import ServiceUptime, uptime_history
from reptidex.domain.plausible_dates import check_plausible
from reptidex.services.kernel.rate_limits import ClientAddress
from reptidex.services.ops.dashboard.core_api import CoreUnreachable
from reptidex.services.ops.dashboard.desk import ADMIN_STATE, Admin, Desk, SignInRequired
from reptidex.services.ops.dashboard.platform import SERVICES
from reptidex.services.ops.dashboard.sessions import (
    COOKIE,
    LIFETIME,
    SIGN_IN_COOKIE,
    SIGN_IN_FORM_LIFETIME,
    cookie,
    expired_cookie,
    new_csrf_token,
    require_form_token,
    session_id_of,
)

HOME = "/admin/dashboard"
SIGN_IN = f"{HOME}/sign-in"
STYLESHEET = Path(__file__).parent / "static" / "dashboard.css"
PAGE = 20
UPTIME_DAYS = 14
"""Days of uptime the health page shows."""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""Headers on every dashboard response: no script, style or frame from anywhere, and no
script at all (the pages have none)."""

_STATUS: dict[type[DomainError], tuple[int, str]] = {
    NotAuthenticated: (401, "Not signed in"),
    PermissionDenied: (403, "Forbidden"),
    NotFound: (404, "Not found"),
    Conflict: (409, "Not possible"),
    InvalidInput: (422, "Not valid"),
    RateLimited: (429, "Too many attempts"),
}

NOTICES = {
    "suspend": "The account is suspended and its sessions ended.",
    "reinstate": "The account is reinstated.",
    "grant-admin": "The account is now a platform administrator.",
    "revoke-admin": "The account is no longer a platform administrator.",
    "flag": "The flag is changed.",
}

Search = Annotated[str, QueryParameter(max_length=100)]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000)]
Filter = Annotated[str, QueryParameter(max_length=200)]
Done = Annotated[str, QueryParameter(max_length=20)]
AccountAction = Literal["suspend", "reinstate", "grant-admin", "revoke-admin"]
ServiceName = Annotated[
    Literal["", "core", "animal", "commerce", "media", "community", "ops"], QueryParameter()
]


class SignInForm(msgspec.Struct, kw_only=True):
    """The sign-in form."""

    email: Annotated[str, msgspec.Meta(max_length=254)] = ""
    password: Annotated[str, msgspec.Meta(max_length=1024)] = ""
    csrf_token: Annotated[str, msgspec.Meta(max_length=200)] = ""


class ActionForm(msgspec.Struct, kw_only=True):
    """A button's form: the CSRF token, and the search to return to."""

    csrf_token: Annotated[str, msgspec.Meta(max_length=200)] = ""
    q: Annotated[str, msgspec.Meta(max_length=100)] = ""


class FlagForm(msgspec.Struct, kw_only=True):
    """Switching a flag."""

    csrf_token: Annotated[str, msgspec.Meta(max_length=200)] = ""
    enabled: Literal["true", "false"] = "false"


Form = Body(media_type=RequestEncodingType.URL_ENCODED)


def secured(response: Response[Any]) -> Response[Any]:
    """``response`` with the dashboard's security headers."""
    response.headers.update(SECURITY_HEADERS)
    return response


def _page(name: str, admin: Admin | None, status_code: int = 200, **context: Any) -> Response[Any]:
    base = {"admin": admin, "csrf_token": admin.csrf_token if admin else "", "notice": None}
    return secured(
        Template(template_name=name, context={**base, **context}, status_code=status_code)
    )


def _pager(params: dict[str, Any]) -> Any:
    def query(offset: int) -> str:
        return urlencode({**{k: v for k, v in params.items() if v}, "offset": max(offset, 0)})

    return query


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The dashboard's answer to an error: the sign-in page for a visitor without a session,
    else a page with the error's status and reason."""
    if isinstance(exc, SignInRequired):
        return secured(Redirect(SIGN_IN, status_code=HTTP_303_SEE_OTHER))
    if isinstance(exc, CoreUnreachable):
        status, title, detail = 502, "repti-core is not answering", str(exc)
    elif isinstance(exc, DomainError):
        status, title = next(
            (value for kind, value in _STATUS.items() if isinstance(exc, kind)), (400, "Refused")
        )
        detail = exc.detail
    elif isinstance(exc, HTTPException):
        status, title, detail = exc.status_code, "Refused", str(exc.detail)
    else:  # pragma: no cover - only the types above are routed here
        raise exc
    if isinstance(exc, ValidationException):
        detail = "The request's fields are not valid."
    admin = request.scope.get("state", {}).get(ADMIN_STATE)
    signed_in = admin if isinstance(admin, Admin) else None
    page = _page("error.html", signed_in, status, title=title, detail=detail)
    if isinstance(exc, RateLimited):
        page.headers["Retry-After"] = str(exc.retry_after)
    return page


def _utc(text: str, name: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} is not a date and time.") from None
    check_plausible(moment, name)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _uuid(text: str, name: str) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(f"{name} is not an id.") from None


def _uptime(history: list[ServiceUptime], days: list[dt.date]) -> list[dict[str, Any]]:
    """The uptime table's rows: each service's percent over the period and per day (None
    where there was no sample)."""
    rows = []
    for service in history:
        by_day = {day.day: day.percent for day in service.days}
        rows.append(
            {
                "service": service.service,
                "percent": service.percent if service.samples else None,
                "cells": [by_day.get(day) for day in days],
            }
        )
    return rows


def _day(text: str, name: str, default: dt.date) -> dt.date:
    if not text:
        return default
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} is not a date (YYYY-MM-DD).") from None
    check_plausible(day, name)
    return day


class DashboardController(Controller):
    """The admin dashboard."""

    path = "/"

    @get("/static/dashboard.css", sync_to_thread=False)
    def stylesheet(self) -> Response[bytes]:
        """The one stylesheet."""
        return Response(
            STYLESHEET.read_bytes(),
            media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    # -- signing in and out ------------------------------------------------------------------

    @get("/sign-in")
    async def sign_in_form(self, request: Request[Any, Any, Any], dashboard: Desk) -> Response[Any]:
        """The sign-in form (straight to the dashboard with a live session)."""
        try:
            await dashboard.admin(request)
        except (SignInRequired, PermissionDenied):
            return self._sign_in_page()
        return Redirect(HOME, status_code=HTTP_303_SEE_OTHER)

    @staticmethod
    def _sign_in_page(
        status_code: int = 200, error: str | None = None, email: str = ""
    ) -> Response[Any]:
        token = new_csrf_token()
        response = _page(
            "sign_in.html", None, status_code, csrf_token=token, error=error, email=email
        )
        response.cookies.append(cookie(SIGN_IN_COOKIE, token, SIGN_IN_FORM_LIFETIME))
        return response

    @post("/sign-in", status_code=HTTP_303_SEE_OTHER)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[SignInForm, Form],
        dashboard: Desk,
        client_address: ClientAddress,
    ) -> Response[Any]:
        """Sign in with a core account; only platform administrators get a session."""
        require_form_token(request.cookies.get(SIGN_IN_COOKIE), data.csrf_token)
        try:
            await dashboard.count_sign_in(client_address)
            tokens = await dashboard.core.login(data.email, data.password, client_address)
        except (NotAuthenticated, InvalidInput):
            return self._sign_in_page(
                401, "The email address or the password is wrong.", data.email
            )
        except PermissionDenied as exc:
            return self._sign_in_page(403, exc.detail, data.email)
        except RateLimited as exc:
            refused = self._sign_in_page(429, exc.detail, data.email)
            refused.headers["Retry-After"] = str(exc.retry_after)
            return refused
        session_id, _ = await dashboard.new_session(request, tokens)
        previous = session_id_of(request)
        if previous:
            await dashboard.sessions.end(previous)
        response: Response[Any] = Redirect(HOME, status_code=HTTP_303_SEE_OTHER)
        response.cookies.append(cookie(COOKIE, session_id, LIFETIME))
        response.cookies.append(expired_cookie(SIGN_IN_COOKIE))
        return response

    @post("/sign-out", status_code=HTTP_303_SEE_OTHER)
    async def sign_out(
        self, request: Request[Any, Any, Any], data: Annotated[ActionForm, Form], dashboard: Desk
    ) -> Response[Any]:
        """End the session (here and at core)."""
        admin = await dashboard.admin(request)
        require_form_token(admin.csrf_token, data.csrf_token)
        await dashboard.sign_out(admin.session_id, admin.session)
        response: Response[Any] = Redirect(SIGN_IN, status_code=HTTP_303_SEE_OTHER)
        response.cookies.append(expired_cookie(COOKIE))
        return response

    # -- platform health ---------------------------------------------------------------------

    @get("/")
    async def health(self, request: Request[Any, Any, Any], dashboard: Desk) -> Response[Any]:
        """The platform's status (every service's deep health, graded) and each service's
        uptime on the last :data:`UPTIME_DAYS` days."""
        admin = await dashboard.admin(request)
        monitoring = dashboard.monitoring
        status = await monitoring.board.current()
        today = monitoring.clock().astimezone(dt.UTC).date()
        days = [today - dt.timedelta(days=back) for back in range(UPTIME_DAYS - 1, -1, -1)]
        history = await uptime_history(monitoring.log, today, UPTIME_DAYS, monitoring.services)
        return _page(
            "health.html",
            admin,
            status=status,
            days=days,
            uptime=_uptime(history, days),
            interval=monitoring.interval,
        )

    @get("/errors")
    async def errors(
        self, request: Request[Any, Any, Any], dashboard: Desk, service: ServiceName = ""
    ) -> Response[Any]:
        """Every service's recent unhandled errors, or one service's (``service``)."""
        admin = await dashboard.admin(request)
        chosen = (service,) if service else SERVICES
        found = await dashboard.watch.errors(admin.token, chosen)
        errors = sorted(
            (error for part in found for error in part.errors),
            key=lambda e: e.last_at,
            reverse=True,
        )
        unread = [part for part in found if part.detail]
        return _page(
            "errors.html", admin, errors=errors, unread=unread, services=SERVICES, service=service
        )

    # -- users and organisations -------------------------------------------------------------

    @get("/users")
    async def users(
        self,
        request: Request[Any, Any, Any],
        dashboard: Desk,
        q: Search = "",
        offset: Offset = 0,
        done: Done = "",
    ) -> Response[Any]:
        """Search accounts; suspend, reinstate, grant or revoke admin."""
        admin = await dashboard.admin(request)
        page = await dashboard.core.users(admin.token, q, PAGE, offset)
        return _page(
            "users.html",
            admin,
            page=page,
            q=q,
            offset=offset,
            limit=PAGE,
            notice=NOTICES.get(done),
            pager_query=_pager({"q": q}),
        )

    @post("/users/{user_id:uuid}/{action:str}", status_code=HTTP_303_SEE_OTHER)
    async def act_on_user(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[uuid.UUID],
        action: FromPath[str],
        data: Annotated[ActionForm, Form],
        dashboard: Desk,
    ) -> Response[Any]:
        """Suspend, reinstate, grant or revoke admin (audited by core, naming the admin)."""
        admin = await dashboard.admin(request)
        require_form_token(admin.csrf_token, data.csrf_token)
        core = dashboard.core
        if action in {"suspend", "reinstate"}:
            await core.set_suspended(admin.token, user_id, action == "suspend")
        elif action in {"grant-admin", "revoke-admin"}:
            await core.set_platform_admin(admin.token, user_id, action == "grant-admin")
        else:
            raise NotFound("No such action.")
        back = urlencode({"q": data.q, "done": action})
        return Redirect(f"{HOME}/users?{back}", status_code=HTTP_303_SEE_OTHER)

    @get("/organisations")
    async def organisations(
        self, request: Request[Any, Any, Any], dashboard: Desk, q: Search = "", offset: Offset = 0
    ) -> Response[Any]:
        """Search organisations."""
        admin = await dashboard.admin(request)
        page = await dashboard.core.organisations(admin.token, q, PAGE, offset)
        return _page(
            "organisations.html",
            admin,
            page=page,
            q=q,
            offset=offset,
            limit=PAGE,
            pager_query=_pager({"q": q}),
        )

    # -- feature flags -----------------------------------------------------------------------

    @get("/flags")
    async def flags(
        self, request: Request[Any, Any, Any], dashboard: Desk, done: Done = ""
    ) -> Response[Any]:
        """Every feature flag."""
        admin = await dashboard.admin(request)
        flags = await dashboard.core.flags(admin.token)
        return _page("flags.html", admin, flags=flags, notice=NOTICES.get(done))

    @post("/flags/{key:str}", status_code=HTTP_303_SEE_OTHER)
    async def switch_flag(
        self,
        request: Request[Any, Any, Any],
        key: FromPath[str],
        data: Annotated[FlagForm, Form],
        dashboard: Desk,
    ) -> Response[Any]:
        """Switch a flag on or off (audited by core)."""
        admin = await dashboard.admin(request)
        require_form_token(admin.csrf_token, data.csrf_token)
        await dashboard.core.set_flag_enabled(admin.token, key, data.enabled == "true")
        return Redirect(f"{HOME}/flags?done=flag", status_code=HTTP_303_SEE_OTHER)

    # -- the audit trail ---------------------------------------------------------------------

    @get("/audit")
    async def audit(
        self,
        request: Request[Any, Any, Any],
        dashboard: Desk,
        service: Filter = "",
        organisation_id: Filter = "",
        actor_id: Filter = "",
        resource_kind: Filter = "",
        resource_id: Filter = "",
        action: Filter = "",
        since: Filter = "",
        until: Filter = "",
        offset: Offset = 0,
    ) -> Response[Any]:
        """ops' own audit trail, filtered and paged, newest first."""
        admin = await dashboard.admin(request)
        query = AuditQuery(
            organisation_id=_uuid(organisation_id, "Organisation"),
            actor_id=_uuid(actor_id, "Actor"),
            resource_kind=resource_kind or None,
            resource_id=resource_id or None,
            action=action or None,
            service=service or None,
            since=_utc(since, "Since"),
            until=_utc(until, "Until"),
            limit=PAGE,
            offset=offset,
        )
        reader = AuditReader(user_id=admin.user_id, platform_admin=True)
        entries, total = await search_trail(dashboard.trail, reader, query)
        filters = {
            "service": service,
            "organisation_id": organisation_id,
            "actor_id": actor_id,
            "resource_kind": resource_kind,
            "resource_id": resource_id,
            "action": action,
            "since": since,
            "until": until,
        }
        rows = [
            {
                "seq": entry.seq,
                "occurred_at": entry.record.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                "service": entry.record.service,
                "actor_id": entry.record.actor_id,
                "organisation_id": entry.record.organisation_id,
                "resource_kind": entry.record.resource_kind,
                "resource_id": entry.record.resource_id,
                "action": entry.record.action,
                "before": msgspec.json.encode(entry.record.before).decode(),
                "after": msgspec.json.encode(entry.record.after).decode(),
                "withheld": ", ".join(entry.record.withheld),
            }
            for entry in entries
        ]
        return _page(
            "audit.html",
            admin,
            page=SimpleNamespace(items=rows, total=total),
            filters=filters,
            offset=offset,
            limit=PAGE,
            pager_query=_pager(filters),
        )

    # -- backlogs and figures ----------------------------------------------------------------

    @get("/backlogs")
    async def backlogs(self, request: Request[Any, Any, Any], dashboard: Desk) -> Response[Any]:
        """Every service's outbox backlog and the event bus's."""
        admin = await dashboard.admin(request)
        outboxes = await dashboard.watch.outboxes()
        bus = await dashboard.watch.bus()
        return _page("backlogs.html", admin, outboxes=outboxes, bus=bus)

    @get("/figures")
    async def figures(
        self,
        request: Request[Any, Any, Any],
        dashboard: Desk,
        since: Filter = "",
        until: Filter = "",
    ) -> Response[Any]:
        """New accounts, breeders, animals, listings, orders and revenue per day."""
        admin = await dashboard.admin(request)
        today = dt.datetime.fromtimestamp(dashboard.clock(), dt.UTC).date()
        last = _day(until, "Until", today)
        first = _day(since, "Since", last - dt.timedelta(days=13))
        if first > last:
            raise InvalidInput("Since is after until.")
        days = await daily_figures(dashboard.activity, first, last)
        currencies = sorted({code for day in days for code in day.revenue})
        return _page(
            "figures.html",
            admin,
            days=days,
            currencies=currencies,
            since=first.isoformat(),
            until=last.isoformat(),
            max_days=MAX_DAYS,
        )


DASHBOARD = Router(
    path=HOME,
    route_handlers=[DashboardController],
    after_request=secured,
    exception_handlers={
        SignInRequired: error_page,
        DomainError: error_page,
        CoreUnreachable: error_page,
        HTTPException: error_page,
    },
    include_in_schema=False,
)
"""The dashboard's routes, with its security headers and HTML error pages."""
