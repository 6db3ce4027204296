"""``POST /events/publish`` on repti-core: validation, authorisation, outbox, relay to the bus."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fixed_tokens import FixedTokens, bearer, principal
from reptidex.adapters.sql.migrations import upgrade
from reptidex.adapters.sql.outbox import OUTBOX_MODELS
from reptidex.domain.events import DomainEvent
from reptidex.domain.identity.model import Role
from reptidex.services.core.events_api import EVENT_ROUTES
from reptidex.services.core.wiring import build_core
from reptidex.services.kernel.app import build_kernel, create_service_app, kernel_of
from reptidex.services.kernel.auth import Principal
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings

ORG = uuid.UUID("00000000-0000-4000-8000-0000000000aa")
ADMIN = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
MEMBER = uuid.UUID("00000000-0000-4000-8000-0000000000a2")


PRINCIPALS: Mapping[str, Principal] = {
    "admin": principal(str(ADMIN), user_id=ADMIN, organisation_id=ORG, role=Role.ADMIN),
    "member": principal(str(MEMBER), user_id=MEMBER, organisation_id=ORG, role=Role.MEMBER),
    "animal-service": principal("service:animal", service="animal"),
}


@pytest.fixture
def app(make_settings: Callable[..., Settings]) -> Litestar:
    settings = make_settings(outbox_poll_interval="5")
    upgrade("core", settings.database_url("core"))
    kernel = build_kernel(service_spec("core"), settings)
    core = build_core(kernel)
    return create_service_app(
        kernel,
        EVENT_ROUTES,
        components=core,
        dependencies=core.dependencies(),
        authenticator=FixedTokens(PRINCIPALS),
    )


@pytest.fixture
def received(app: Litestar) -> list[DomainEvent]:
    got: list[DomainEvent] = []

    async def collect(event: DomainEvent) -> None:
        got.append(event)

    kernel_of(app).events.subscribe("*", collect)
    return got


@contextlib.asynccontextmanager
async def serve(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app running in this event loop (its relay too), and a client for it."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar types ASGI more narrowly than httpx
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://core") as c:
        yield c


async def until(check: Callable[[], bool]) -> None:
    for _ in range(250):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def test_a_service_publishes_an_event_that_reaches_the_bus(
    app: Litestar, received: list[DomainEvent]
) -> None:
    async with serve(app) as client:
        body = {"type": "animal.created", "payload": {"code": "RX-1"}, "organisation_id": str(ORG)}
        response = await client.post("/events/publish", json=body, headers=bearer("animal-service"))
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert accepted["producer"] == "animal"
        assert accepted["status"] == "accepted"
        await until(lambda: len(received) == 1)  # woken by the commit, not the 5 s poll
        [event] = received
        assert str(event.id) == accepted["id"]
        assert (event.type, event.payload, event.organisation_id) == (
            "animal.created",
            {"code": "RX-1"},
            ORG,
        )


async def test_an_admin_publishes_integration_events_for_their_organisation(
    app: Litestar, received: list[DomainEvent]
) -> None:
    async with serve(app) as client:
        event_id = uuid.uuid4()
        body = {"type": "integration.webhook.received", "id": str(event_id), "version": 2}
        response = await client.post("/events/publish", json=body, headers=bearer("admin"))
        assert response.status_code == 202, response.text
        await until(lambda: len(received) == 1)
        [event] = received
        assert (event.id, event.version, event.producer) == (event_id, 2, "integration")
        assert (event.organisation_id, event.actor_id) == (ORG, ADMIN)

        again = await client.post("/events/publish", json=body, headers=bearer("admin"))
        assert again.status_code == 409
        assert again.headers["content-type"].startswith("application/problem+json")
        model = OUTBOX_MODELS["core"]
        async with AsyncSession(kernel_of(app).events.engine) as session:
            rows = (await session.scalars(select(model))).all()
        assert len(rows) == 1


async def test_an_unknown_family_is_a_422_naming_the_field(app: Litestar) -> None:
    async with serve(app) as client:
        response = await client.post(
            "/events/publish", json={"type": "pets.created"}, headers=bearer("animal-service")
        )
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 422
        [error] = problem["errors"]
        assert error["field"] == "type"
        assert "pets" in error["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"payload": {}},  # no type
        {"type": "animal.created", "payload": []},  # payload not an object
        {"type": "animal.created", "version": 0},
        {"type": "animal.created", "colour": "red"},  # unknown field
        {"type": "animal.created", "occurred_at": "2026-01-01T10:00:00"},  # no time zone
        {"type": "animal.created", "occurred_at": "0001-01-01T10:00:00Z"},  # implausible
        {"type": "animal.created", "id": "not-a-uuid"},
    ],
)
async def test_a_bad_body_is_a_client_error_with_problem_json(
    app: Litestar, body: dict[str, Any]
) -> None:
    async with serve(app) as client:
        response = await client.post("/events/publish", json=body, headers=bearer("animal-service"))
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_body_that_is_not_json_is_refused(app: Litestar) -> None:
    async with serve(app) as client:
        response = await client.post(
            "/events/publish",
            content=b"{type: animal",
            headers={**bearer("animal-service"), "content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_publishing_needs_a_service_or_an_admin(
    app: Litestar, received: list[DomainEvent]
) -> None:
    async with serve(app) as client:
        body = {"type": "integration.sync.done"}
        anonymous = await client.post("/events/publish", json=body)
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        forged = await client.post("/events/publish", json=body, headers=bearer("forged"))
        assert forged.status_code == 401
        member = await client.post("/events/publish", json=body, headers=bearer("member"))
        assert member.status_code == 403
        admin_domain = await client.post(
            "/events/publish",
            json={"type": "billing.subscription.cancelled"},
            headers=bearer("admin"),
        )
        assert admin_domain.status_code == 403
        other_org = await client.post(
            "/events/publish",
            json={**body, "organisation_id": str(uuid.uuid4())},
            headers=bearer("admin"),
        )
        assert other_org.status_code == 403
        await asyncio.sleep(0.1)
        assert received == []


async def test_the_route_is_documented(app: Litestar) -> None:
    async with serve(app) as client:
        schema = (await client.get("/schema/openapi.json")).json()
        operation = schema["paths"]["/events/publish"]["post"]
        assert "202" in operation["responses"]
