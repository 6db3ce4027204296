"""Organisations: create one, switch the one the breeder acts in, accept an invitation."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Response, get, post

from reptidex.services.web.api import ServiceProblem
from reptidex.services.web.pages import (
    FORM,
    FieldText,
    FormState,
    QueryText,
    form_values,
    page,
    safe_next,
    see_other,
)
from reptidex.services.web.visitor import CurrentVisitor


class NewOrganisationForm(msgspec.Struct, kw_only=True):
    """Creating an organisation."""

    name: FieldText = ""


class SwitchForm(msgspec.Struct, kw_only=True):
    """The organisation switcher."""

    organisation_id: FieldText = ""
    next: FieldText = "/"


class InvitationForm(msgspec.Struct, kw_only=True):
    """Accepting an invitation."""

    token: FieldText = ""


class OrganisationPages(Controller):
    """The organisation pages."""

    path = "/"
    include_in_schema = False

    @get("/organisations/new")
    async def new_form(self, visitor: CurrentVisitor) -> Response[Any]:
        """The form for a new organisation."""
        visitor.session  # noqa: B018 - signed-in breeders only
        return page(visitor, "organisations/new.html")

    @post("/organisations", status_code=200)
    async def create(
        self, visitor: CurrentVisitor, data: Annotated[NewOrganisationForm, FORM]
    ) -> Response[Any]:
        """Create the organisation (the breeder becomes its owner) and act in it."""
        try:
            created = (
                await visitor.call("POST", "core", "/orgs/", json={"name": data.name.strip()})
            ).json()
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("name",))
            return page(visitor, "organisations/new.html", status_code=problem.status, form=form)
        await visitor.reload_memberships()
        await visitor.switch_organisation(str(created["id"]))
        return see_other(visitor, "/?done=organisation")

    @post("/organisations/switch", status_code=200)
    async def switch(
        self, visitor: CurrentVisitor, data: Annotated[SwitchForm, FORM]
    ) -> Response[Any]:
        """Act in another of the breeder's organisations."""
        await visitor.switch_organisation(data.organisation_id)
        target = safe_next(data.next)
        return see_other(visitor, target if target != "/" else "/?done=switched")

    @get("/account/invitation")
    async def invitation_form(
        self, visitor: CurrentVisitor, token: QueryText = ""
    ) -> Response[Any]:
        """The page an invitation mail links to (sign in first, then accept)."""
        visitor.session  # noqa: B018 - the invitation is accepted by a signed-in account
        return page(visitor, "organisations/invitation.html", token=token[:200])

    @post("/account/invitation", status_code=200)
    async def accept_invitation(
        self, visitor: CurrentVisitor, data: Annotated[InvitationForm, FORM]
    ) -> Response[Any]:
        """Join the organisation and act in it."""
        try:
            joined = (
                await visitor.call(
                    "POST", "core", f"/invitations/{quote(data.token, safe='')}/accept"
                )
            ).json()
        except ServiceProblem as problem:
            return page(
                visitor, "organisations/invitation.html", status_code=problem.status,
                token=data.token, form=FormState(message=problem.detail),
            )  # fmt: skip
        await visitor.reload_memberships()
        await visitor.switch_organisation(str(joined["organisation_id"]))
        return see_other(visitor, "/?done=switched")
