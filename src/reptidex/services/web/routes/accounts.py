"""Accounts: sign up, confirm the address (the mailed link lands here), sign in and out,
forgotten and new passwords, unlocking an account.

The links in repti-core's mails open ``REPTIDEX_PUBLIC_URL`` + ``/account/...``; ``reptidex up``
points that address at this application, so these pages answer them.
"""

from __future__ import annotations

from typing import Annotated, Any

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


class SignUpForm(msgspec.Struct, kw_only=True):
    """The sign-up form."""

    email: FieldText = ""
    display_name: FieldText = ""
    password: FieldText = ""


class SignInForm(msgspec.Struct, kw_only=True):
    """The sign-in form."""

    email: FieldText = ""
    password: FieldText = ""
    next: FieldText = "/"


class TokenForm(msgspec.Struct, kw_only=True):
    """A form that sends on the token of a mailed link."""

    token: FieldText = ""


class EmailForm(msgspec.Struct, kw_only=True):
    """A form asking for an address."""

    email: FieldText = ""


class NewPasswordForm(msgspec.Struct, kw_only=True):
    """Setting a new password with the mailed token."""

    token: FieldText = ""
    new_password: FieldText = ""


class AccountPages(Controller):
    """The account pages."""

    path = "/"
    include_in_schema = False

    @get("/sign-up")
    async def sign_up_form(self, visitor: CurrentVisitor) -> Response[Any]:
        """The sign-up form."""
        return page(visitor, "accounts/sign_up.html")

    @post("/sign-up", status_code=200)
    async def sign_up(
        self, visitor: CurrentVisitor, data: Annotated[SignUpForm, FORM]
    ) -> Response[Any]:
        """Register with core, which mails the confirmation link."""
        body: dict[str, Any] = {"email": data.email.strip(), "password": data.password}
        if data.display_name.strip():
            body["display_name"] = data.display_name.strip()
        try:
            await visitor.call("POST", "core", "/auth/register", json=body, anonymous=True)
        except ServiceProblem as problem:
            values = {**form_values(data), "password": ""}
            form = FormState.refused(values, problem, ("email", "display_name", "password"))
            return page(visitor, "accounts/sign_up.html", status_code=problem.status, form=form)
        return page(visitor, "accounts/check_mail.html", email=body["email"])

    @get("/account/verify-email")
    async def verify_email_form(
        self, visitor: CurrentVisitor, token: QueryText = ""
    ) -> Response[Any]:
        """The page the confirmation mail links to: one button confirms the address (a GET
        changes nothing, so a mail scanner following the link confirms nothing)."""
        return page(visitor, "accounts/verify_email.html", token=token[:200])

    @post("/account/verify-email", status_code=200)
    async def verify_email(
        self, visitor: CurrentVisitor, data: Annotated[TokenForm, FORM]
    ) -> Response[Any]:
        """Confirm the address with core."""
        try:
            await visitor.call(
                "POST", "core", "/auth/verify-email", json={"token": data.token}, anonymous=True
            )
        except ServiceProblem as problem:
            form = FormState(message=problem.detail)
            return page(
                visitor, "accounts/verify_email.html", status_code=problem.status,
                token=data.token, form=form,
            )  # fmt: skip
        return page(visitor, "accounts/verified.html")

    @get("/sign-in")
    async def sign_in_form(self, visitor: CurrentVisitor, next: QueryText = "/") -> Response[Any]:
        """The sign-in form (``next``: where to go once signed in)."""
        form = FormState(values={"next": safe_next(next)})
        return page(visitor, "accounts/sign_in.html", form=form)

    @post("/sign-in", status_code=200)
    async def sign_in(
        self, visitor: CurrentVisitor, data: Annotated[SignInForm, FORM]
    ) -> Response[Any]:
        """Log in with core and start a session."""
        try:
            tokens = (
                await visitor.call(
                    "POST", "core", "/auth/login",
                    json={"email": data.email.strip(), "password": data.password},
                    anonymous=True,
                )
            ).json()  # fmt: skip
        except ServiceProblem as problem:
            values = {**form_values(data), "password": ""}
            form = FormState.refused(values, problem, ("email", "password"))
            return page(visitor, "accounts/sign_in.html", status_code=problem.status, form=form)
        await visitor.sign_in(tokens)
        target = safe_next(data.next)
        return see_other(visitor, target if target != "/" else "/?done=signed-in")

    @post("/sign-out", status_code=200)
    async def sign_out(self, visitor: CurrentVisitor) -> Response[Any]:
        """End the session."""
        await visitor.sign_out()
        return see_other(visitor, "/?done=signed-out")

    @get("/account/forgot-password")
    async def forgot_password_form(self, visitor: CurrentVisitor) -> Response[Any]:
        """Ask for a password reset mail."""
        return page(visitor, "accounts/forgot_password.html")

    @post("/account/forgot-password", status_code=200)
    async def forgot_password(
        self, visitor: CurrentVisitor, data: Annotated[EmailForm, FORM]
    ) -> Response[Any]:
        """Have core mail a reset link (it says the same whether or not the address is known)."""
        try:
            await visitor.call(
                "POST", "core", "/auth/password/reset-request",
                json={"email": data.email.strip()}, anonymous=True,
            )  # fmt: skip
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("email",))
            return page(
                visitor, "accounts/forgot_password.html", status_code=problem.status, form=form
            )
        return page(visitor, "accounts/check_mail.html", email=data.email.strip())

    @get("/account/reset-password")
    async def reset_password_form(
        self, visitor: CurrentVisitor, token: QueryText = ""
    ) -> Response[Any]:
        """The page the reset mail links to."""
        form = FormState(values={"token": token[:200]})
        return page(visitor, "accounts/reset_password.html", form=form)

    @post("/account/reset-password", status_code=200)
    async def reset_password(
        self, visitor: CurrentVisitor, data: Annotated[NewPasswordForm, FORM]
    ) -> Response[Any]:
        """Set the new password with core (which ends every session of the account)."""
        try:
            await visitor.call(
                "POST", "core", "/auth/password/reset",
                json={"token": data.token, "new_password": data.new_password}, anonymous=True,
            )  # fmt: skip
        except ServiceProblem as problem:
            values = {"token": data.token}
            form = FormState.refused(values, problem, ("new_password",))
            return page(
                visitor, "accounts/reset_password.html", status_code=problem.status, form=form
            )
        return page(
            visitor, "accounts/done.html", title="Password changed",
            message="Your new password is set. Sign in with it.",
        )  # fmt: skip

    @get("/account/unlock")
    async def unlock_form(self, visitor: CurrentVisitor, token: QueryText = "") -> Response[Any]:
        """The page the unlock mail links to."""
        return page(visitor, "accounts/unlock.html", token=token[:200])

    @post("/account/unlock", status_code=200)
    async def unlock(
        self, visitor: CurrentVisitor, data: Annotated[TokenForm, FORM]
    ) -> Response[Any]:
        """Lift the account's ceiling of failed sign-ins."""
        try:
            await visitor.call(
                "POST", "core", "/auth/unlock", json={"token": data.token}, anonymous=True
            )
        except ServiceProblem as problem:
            return page(
                visitor, "accounts/unlock.html", status_code=problem.status, token=data.token,
                form=FormState(message=problem.detail),
            )  # fmt: skip
        return page(
            visitor, "accounts/done.html", title="Account unlocked",
            message="You can sign in again.",
        )  # fmt: skip
