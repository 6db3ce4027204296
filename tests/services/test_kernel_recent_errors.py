"""Every service keeps its recent unhandled errors (redacted, repeats grouped, bounded) and
shows them at ``GET /health/errors`` to platform administrators and repti-ops only."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar, get
from litestar.params import FromPath
from litestar.testing import TestClient

from core_tokens import StaticKeys, signed_token
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.app import build_kernel, create_service_app, kernel_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.recent_errors import RecentErrors
from reptidex.services.kernel.settings import Settings

JWT = signed_token(sub="leaked")
ADMIN = {"Authorization": f"Bearer {signed_token(platform_admin=True)}"}


@get("/animals/{code:str}", sync_to_thread=False)
def failing(code: FromPath[str]) -> None:
    raise RuntimeError(f"cannot load {code}: password=hunter2 via postgresql://app:pw1@db/x {JWT}")


@get("/quiet", sync_to_thread=False)
def quiet() -> str:
    return "fine"


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    app = create_service_app(
        build_kernel(service_spec("animal"), settings),
        [failing, quiet],
        authenticator=Authenticator(StaticKeys()),
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_500_is_kept_redacted_and_its_repeats_counted(client: TestClient[Litestar]) -> None:
    leaked = {"Authorization": "Bearer sk_live_abcdef123456", "Cookie": "session=s3cr3t"}
    first = client.get("/animals/BP-1", params={"token": "q-secret"}, headers=leaked)
    assert first.status_code == 500
    second = client.get("/animals/BP-1", headers={"X-Request-ID": "req-two"})
    assert second.status_code == 500
    assert client.get("/quiet").status_code == 200
    response = client.get("/health/errors", headers=ADMIN)
    assert response.status_code == 200
    body = response.json()
    assert (body["service"], body["capacity"]) == ("animal", 100)
    (error,) = body["errors"]
    assert (error["exception"], error["route"], error["method"]) == (
        "RuntimeError",
        "/animals/{code}",  # the route's template, never the path asked for
        "GET",
    )
    assert (error["count"], error["request_id"]) == (2, "req-two")
    assert error["message"].startswith("cannot load BP-1: password=<hidden>")
    assert error["first_at"] <= error["last_at"]
    text = json.dumps(body)
    for secret in ("hunter2", "pw1", JWT, "sk_live", "s3cr3t", "q-secret", "Traceback"):
        assert secret not in text, secret


def test_only_administrators_and_ops_read_the_errors(client: TestClient[Litestar]) -> None:
    def status(claims: dict[str, object] | None) -> int:
        headers = {} if claims is None else {"Authorization": f"Bearer {signed_token(**claims)}"}
        return client.get("/health/errors", headers=headers).status_code

    assert status(None) == 401
    assert status({"org": "00000000-0000-0000-0000-000000000001", "role": "owner"}) == 403
    assert status({"sub": "service:commerce"}) == 403
    assert status({"sub": "service:ops"}) == 200
    assert status({"platform_admin": True}) == 200
    refused = client.get("/health/errors")
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "/health/errors" in client.get("/schema/openapi.json").json()["paths"]
    assert kernel_of(client.app).errors.recent() == []  # a refusal is not an unhandled error


def test_the_store_keeps_the_most_recently_seen_errors_only() -> None:
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    errors = RecentErrors(capacity=3, clock=lambda: now)
    for n in range(5):
        errors.record(ValueError(f"bad {n}"), route="/r", method="GET", request_id=f"q{n}")
    assert [e.message for e in errors.recent()] == ["bad 4", "bad 3", "bad 2"]
    again = errors.record(ValueError("bad 2"), route="/r", method="GET", request_id="q9")
    assert (again.count, again.request_id) == (2, "q9")
    assert [e.message for e in errors.recent()] == ["bad 2", "bad 4", "bad 3"]
    errors.record(KeyError("x"), route="/r", method="GET", request_id=None)
    assert [e.exception for e in errors.recent()] == ["KeyError", "ValueError", "ValueError"]
    assert "bad 3" not in [e.message for e in errors.recent()]  # the least recently seen went
    errors.record(ValueError("y" * 5000), route="/r", method="POST", request_id=None)
    assert len(errors.recent()[0].message) == 500
    assert len(errors.recent()) == 3
