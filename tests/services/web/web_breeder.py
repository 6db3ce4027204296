"""A repti-web test client with a breeder signed in against stand-in services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from litestar.testing import TestClient
from web_testkit import StandInServices, answer, csrf_token

from reptidex.services.kernel.settings import Settings
from reptidex.services.web.app import create_app

USER = "5b0c5a8e-0000-4000-8000-000000000001"
ORG = "5b0c5a8e-0000-4000-8000-0000000000aa"
EMAIL = "ada@example.org"


def me(role: str = "owner") -> dict[str, Any]:
    """Core's ``/auth/me`` for Ada, a ``role`` of one organisation."""
    return {"id": USER, "email": EMAIL, "display_name": "Ada", "email_verified": True,
            "organisation_id": ORG, "role": role, "platform_admin": False,
            "organisations": [{"organisation_id": ORG, "name": "Ada Pythons", "role": role,
                               "joined_at": "2026-01-02T10:00:00Z"}]}  # fmt: skip


def sign_in(client: TestClient[Any], services: StandInServices, role: str = "owner") -> None:
    """Sign Ada in as a ``role`` of her organisation."""
    services.on("POST core /auth/login", answer({
        "access_token": "access-1", "expires_in": 900, "refresh_token": "refresh-1",
        "refresh_expires_in": 86400, "organisation_id": ORG, "role": role,
    }))  # fmt: skip
    services.on("GET core /auth/me", answer(me(role)))
    token = csrf_token(client.get("/sign-in").text)
    signed = client.post(
        "/sign-in",
        data={"email": EMAIL, "password": "basking-under-the-heat-lamp", "_csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


@contextmanager
def breeder_client(
    make_settings: Callable[..., Settings], services: StandInServices, *, signed_in: bool = True,
    role: str = "owner",
) -> Iterator[TestClient[Any]]:  # fmt: skip
    """A test client of repti-web over ``services``, with Ada signed in (``signed_in``)."""
    with TestClient(create_app(make_settings(), calls=services)) as client:
        if signed_in:
            sign_in(client, services, role)
        yield client


def post_form(client: TestClient[Any], page: str, action: str, data: dict[str, str]) -> Any:
    """Send the form at ``action`` with the CSRF token of ``page`` (not following the
    redirect)."""
    token = csrf_token(client.get(page).text)
    return client.post(action, data={**data, "_csrf_token": token}, follow_redirects=False)
