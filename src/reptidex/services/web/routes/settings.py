"""Settings (repti-core and repti-media): the breeder's profile and password, the
organisation's members and invitations, its plan and billing (Stripe Checkout and the
customer portal, where the page sends the breeder to the address core answers), and the
embeddable widgets with their snippets and a live preview."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_303_SEE_OTHER

from reptidex.services.web.api import ServiceProblem
from reptidex.services.web.pages import FORM, FormState, QueryText, form_values, page, secured
from reptidex.services.web.pages import see_other as _see_other
from reptidex.services.web.visitor import CurrentVisitor, Visitor

Text = Annotated[str, msgspec.Meta(max_length=4000)]
ROLES = (("viewer", "Viewer"), ("member", "Member"), ("admin", "Admin"), ("owner", "Owner"))
NOTICES = {
    "password": "Your password is changed. Your other sessions are signed out.",
    "invited": "The invitation is mailed.",
    "revoked": "The invitation is revoked.",
    "role": "The member's role is changed.",
    "removed": "The member is removed from the organisation.",
    "paid": "Thank you: the payment is being confirmed; the plan changes when it is.",
    "cancelled": "The plan ends at the end of the paid period.",
    "origins": "The sites allowed to show your widgets are saved.",
}


class PasswordForm(msgspec.Struct, kw_only=True):
    """Changing the password."""

    current_password: Text = ""
    new_password: Text = ""


class InviteForm(msgspec.Struct, kw_only=True):
    """Inviting someone by email."""

    email: Text = ""
    role: Text = "member"


class RoleForm(msgspec.Struct, kw_only=True):
    """A member's new role."""

    role: Text = ""


class CheckoutForm(msgspec.Struct, kw_only=True):
    """Paying for a plan."""

    plan: Text = ""


class OriginsForm(msgspec.Struct, kw_only=True):
    """The sites allowed to frame the organisation's widgets, one per line."""

    allowed_origins: Text = ""


def _organisation(visitor: Visitor) -> str:
    """The organisation the signed-in breeder acts in (a refusal when they have none)."""
    organisation_id = visitor.session.organisation_id
    if organisation_id is None:
        raise ServiceProblem(
            409, "No organisation", "Create or join an organisation to see its settings."
        )
    return organisation_id


def _site(visitor: Visitor) -> str:
    """This site's address as the browser reached it (for the payment pages' way back)."""
    return str(visitor.request.base_url).rstrip("/")


def _away(visitor: Visitor, url: str) -> Response[Any]:
    """Send the breeder to a payment provider's page (``url`` as core answered it)."""
    if not url.startswith(("https://", "http://")):
        raise ServiceProblem(502, "Bad answer", "The payment page's address could not be read.")
    return secured(Redirect(url, status_code=HTTP_303_SEE_OTHER, cookies=list(visitor.cookies)))


def _with_policy(response: Response[Any], directive: str, sources: str) -> Response[Any]:
    """``response`` whose Content-Security-Policy sets ``directive`` to ``sources``."""
    parts = [
        part.strip()
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.strip() and not part.strip().startswith(directive + " ")
    ]
    response.headers["Content-Security-Policy"] = "; ".join([*parts, f"{directive} {sources}"])
    return response


THEMES = (("light", "Light"), ("dark", "Dark"))


def themed(url: str, theme: str) -> str:
    """The widget address ``url`` with media's ``theme`` option (light is the default).

    >>> themed("http://m/embed/profile/a", "dark"), themed("http://m/embed/profile/a", "light")
    ('http://m/embed/profile/a?theme=dark', 'http://m/embed/profile/a')
    """
    if theme == "light":
        return url
    return f"{url}{'&' if '?' in url else '?'}theme={theme}"


def _origin(url: str) -> str:
    """The scheme and host of ``url``.

    >>> _origin("http://127.0.0.1:8004/embed/profile/x?theme=dark")
    'http://127.0.0.1:8004'
    """
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class SettingsPages(Controller):
    """The settings pages."""

    path = "/settings"
    include_in_schema = False

    @get("/")
    async def profile(self, visitor: CurrentVisitor, done: QueryText = "") -> Response[Any]:
        """The breeder's profile (from core) and the password form."""
        me = (await visitor.call("GET", "core", "/auth/me")).json()
        return page(visitor, "settings/profile.html", me=me, notice=NOTICES.get(done))

    @post("/password", status_code=200)
    async def change_password(
        self, visitor: CurrentVisitor, data: Annotated[PasswordForm, FORM]
    ) -> Response[Any]:
        """Change the password (core ends the breeder's other sessions)."""
        try:
            await visitor.call("POST", "core", "/auth/password/change", json={
                "current_password": data.current_password, "new_password": data.new_password,
            })  # fmt: skip
        except ServiceProblem as problem:
            me = (await visitor.call("GET", "core", "/auth/me")).json()
            form = FormState.refused({}, problem, ("current_password", "new_password"))
            return page(
                visitor, "settings/profile.html", status_code=problem.status, me=me, form=form
            )
        return _see_other(visitor, "/settings?done=password")

    async def _members_page(
        self, visitor: Visitor, *, status_code: int = 200, form: FormState | None = None,
        notice: str | None = None,
    ) -> Response[Any]:  # fmt: skip
        organisation_id = _organisation(visitor)
        members_answer, invitations = await asyncio.gather(
            visitor.call("GET", "core", f"/orgs/{organisation_id}/members"),
            self._invitations(visitor, organisation_id),
        )
        return page(
            visitor, "settings/members.html", status_code=status_code,
            members=members_answer.json(), invitations=invitations, roles=ROLES,
            form=form or FormState(values={"role": "member"}), notice=notice,
            me=visitor.session.user_id,
        )  # fmt: skip

    @staticmethod
    async def _invitations(visitor: Visitor, organisation_id: str) -> list[Any] | None:
        """Pending invitations, or ``None`` when the breeder may not see them (viewers,
        members: core answers 403)."""
        try:
            found: list[Any] = (
                await visitor.call("GET", "core", f"/orgs/{organisation_id}/invitations")
            ).json()
        except ServiceProblem as problem:
            if problem.status == 403:
                return None
            raise
        return found

    @get("/members")
    async def members(self, visitor: CurrentVisitor, done: QueryText = "") -> Response[Any]:
        """The organisation's members with their roles, and its pending invitations."""
        return await self._members_page(visitor, notice=NOTICES.get(done))

    @post("/members/invitations", status_code=200)
    async def invite(
        self, visitor: CurrentVisitor, data: Annotated[InviteForm, FORM]
    ) -> Response[Any]:
        """Invite someone by email with a role (admins and owners)."""
        organisation_id = _organisation(visitor)
        try:
            await visitor.call(
                "POST", "core", f"/orgs/{organisation_id}/invitations",
                json={"email": data.email.strip(), "role": data.role},
            )  # fmt: skip
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("email", "role"))
            return await self._members_page(visitor, status_code=problem.status, form=form)
        return _see_other(visitor, "/settings/members?done=invited")

    @post("/members/invitations/{invitation_id:str}/revoke", status_code=200)
    async def revoke(self, visitor: CurrentVisitor, invitation_id: FromPath[str]) -> Response[Any]:
        """Revoke an invitation not yet accepted."""
        organisation_id = _organisation(visitor)
        await visitor.call(
            "DELETE", "core",
            f"/orgs/{organisation_id}/invitations/{quote(invitation_id, safe='')}",
        )  # fmt: skip
        return _see_other(visitor, "/settings/members?done=revoked")

    @post("/members/{user_id:str}/role", status_code=200)
    async def change_role(
        self, visitor: CurrentVisitor, user_id: FromPath[str], data: Annotated[RoleForm, FORM]
    ) -> Response[Any]:
        """Change a member's role (core decides who may)."""
        organisation_id = _organisation(visitor)
        try:
            await visitor.call(
                "PATCH", "core", f"/orgs/{organisation_id}/members/{quote(user_id, safe='')}",
                json={"role": data.role},
            )  # fmt: skip
        except ServiceProblem as problem:
            return await self._members_page(
                visitor, status_code=problem.status, form=FormState(message=problem.detail)
            )
        return _see_other(visitor, "/settings/members?done=role")

    @post("/members/{user_id:str}/remove", status_code=200)
    async def remove(self, visitor: CurrentVisitor, user_id: FromPath[str]) -> Response[Any]:
        """Remove a member (never the last owner: core refuses)."""
        organisation_id = _organisation(visitor)
        try:
            await visitor.call(
                "DELETE", "core", f"/orgs/{organisation_id}/members/{quote(user_id, safe='')}"
            )
        except ServiceProblem as problem:
            return await self._members_page(
                visitor, status_code=problem.status, form=FormState(message=problem.detail)
            )
        return _see_other(visitor, "/settings/members?done=removed")

    async def _billing_page(
        self, visitor: Visitor, *, status_code: int = 200, form: FormState | None = None,
        notice: str | None = None,
    ) -> Response[Any]:  # fmt: skip
        _organisation(visitor)
        plans, subscription = await asyncio.gather(
            visitor.call("GET", "core", "/billing/plans", anonymous=True),
            visitor.call("GET", "core", "/billing/subscriptions"),
        )
        response = page(
            visitor, "settings/billing.html", status_code=status_code, plans=plans.json(),
            subscription=subscription.json(), form=form or FormState(), notice=notice,
        )  # fmt: skip
        # The forms end on the payment provider's page: allow the redirect to leave the site.
        return _with_policy(response, "form-action", "'self' https:")

    @get("/billing")
    async def billing(self, visitor: CurrentVisitor, done: QueryText = "") -> Response[Any]:
        """The plans, the organisation's subscription, and the buttons to pay or manage it."""
        return await self._billing_page(visitor, notice=NOTICES.get(done))

    @post("/billing/checkout", status_code=200)
    async def checkout(
        self, visitor: CurrentVisitor, data: Annotated[CheckoutForm, FORM]
    ) -> Response[Any]:
        """Start paying for a plan: core opens a Stripe Checkout session; go to its page."""
        site = _site(visitor)
        try:
            opened = (
                await visitor.call(
                    "POST",
                    "core",
                    "/billing/checkout",
                    json={
                        "plan": data.plan,
                        "email": visitor.session.email,
                        "provider": "stripe",
                        "success_url": f"{site}/settings/billing?done=paid",
                        "cancel_url": f"{site}/settings/billing",
                    },
                )
            ).json()
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("plan",))
            return await self._billing_page(visitor, status_code=problem.status, form=form)
        return _away(visitor, str(opened["url"]))

    @post("/billing/portal", status_code=200)
    async def portal(self, visitor: CurrentVisitor) -> Response[Any]:
        """Open Stripe's customer portal (invoices, card, plan) for the organisation."""
        try:
            opened = (
                await visitor.call("POST", "core", "/billing/portal",
                                   json={"return_url": f"{_site(visitor)}/settings/billing"})
            ).json()  # fmt: skip
        except ServiceProblem as problem:
            return await self._billing_page(
                visitor, status_code=problem.status, form=FormState(message=problem.detail)
            )
        return _away(visitor, str(opened["url"]))

    @post("/billing/cancel", status_code=200)
    async def cancel(self, visitor: CurrentVisitor) -> Response[Any]:
        """Cancel the plan at the end of the paid period."""
        try:
            await visitor.call("POST", "core", "/billing/cancel")
        except ServiceProblem as problem:
            return await self._billing_page(
                visitor, status_code=problem.status, form=FormState(message=problem.detail)
            )
        return _see_other(visitor, "/settings/billing?done=cancelled")

    async def _embeds_page(
        self, visitor: Visitor, *, status_code: int = 200, form: FormState | None = None,
        notice: str | None = None, animal: str = "", theme: str = "light",
    ) -> Response[Any]:  # fmt: skip
        organisation_id = _organisation(visitor)
        params: dict[str, str | int] = {"organisation_id": organisation_id}
        if animal:
            params["animal_id"] = animal
        catalog, allowed, animals = await asyncio.gather(
            visitor.call("GET", "media", "/embed/widgets", anonymous=True, params=params),
            visitor.call("GET", "media", "/embed/settings"),
            visitor.call("GET", "animal", "/animals",
                         params={"limit": 50, "sort": "updated_at", "order": "desc"}),
        )  # fmt: skip
        theme = theme if theme in dict(THEMES) else "light"
        widgets = []
        for widget in catalog.json()["widgets"]:
            if not widget.get("iframe_url"):
                continue  # a widget of an animal, before one is chosen
            url = themed(widget["iframe_url"], theme)
            snippet = (widget.get("iframe_snippet") or "").replace(widget["iframe_url"], url, 1)
            widgets.append({**widget, "iframe_url": url, "iframe_snippet": snippet})
        origins = "\n".join(allowed.json()["allowed_origins"])
        response = page(
            visitor, "settings/embeds.html", status_code=status_code, widgets=widgets,
            form=form or FormState(values={"allowed_origins": origins}), notice=notice,
            animals=animals.json()["items"], animal=animal, theme=theme, themes=THEMES,
        )  # fmt: skip
        frames = " ".join(sorted({_origin(w["iframe_url"]) for w in widgets}))
        # The preview shows the widget from repti-media's own address.
        return _with_policy(response, "frame-src", frames) if frames else response

    @get("/embeds")
    async def embeds(
        self, visitor: CurrentVisitor, done: QueryText = "", animal: QueryText = "",
        theme: QueryText = "light",
    ) -> Response[Any]:  # fmt: skip
        """The organisation's widgets (and an animal's, when one is chosen): copy-paste
        snippets and a live preview of each in the chosen theme."""
        return await self._embeds_page(
            visitor, notice=NOTICES.get(done), animal=animal.strip(), theme=theme
        )

    @post("/embeds", status_code=200)
    async def save_origins(
        self, visitor: CurrentVisitor, data: Annotated[OriginsForm, FORM]
    ) -> Response[Any]:
        """Set the sites allowed to show the widgets (admins; none listed: any site)."""
        origins = [line.strip() for line in data.allowed_origins.splitlines() if line.strip()]
        try:
            await visitor.call("PUT", "media", "/embed/settings",
                               json={"allowed_origins": origins})  # fmt: skip
        except ServiceProblem as problem:
            fields = {"allowed_origins": "allowed_origins"}
            form = FormState.refused(form_values(data), problem, fields)
            for name, text in problem.field_errors.items():
                if name.startswith("allowed_origins"):
                    form.errors.setdefault("allowed_origins", text)
            if form.errors:
                form.message = None
            return await self._embeds_page(visitor, status_code=problem.status, form=form)
        return _see_other(visitor, "/settings/embeds?done=origins")
