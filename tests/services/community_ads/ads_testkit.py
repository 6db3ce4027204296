"""Helpers of the advertising tests: repti-community on a given database with in-process
listings and a settable clock, advertisers' clients, and credits fed by repti-core's event
(fixtures: conftest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from core_tokens import StaticKeys, signed_token
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.events import DomainEvent, new_event
from reptidex.services.community.app import create_app
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

NOON = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
"""The clock of the API tests (unless a test moves it)."""


@dataclass
class FakeListings:
    """In-process :class:`~reptidex.domain.ads.ports.ListingOwners`: listings by id."""

    sellers: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    async def seller_of(self, listing_id: uuid.UUID, *, credential: str | None) -> uuid.UUID | None:
        return self.sellers.get(listing_id)

    def add(self, organisation_id: uuid.UUID) -> uuid.UUID:
        """A listing of ``organisation_id``; its id."""
        listing_id = uuid.uuid4()
        self.sellers[listing_id] = organisation_id
        return listing_id


@dataclass
class Clock:
    """A clock a test sets."""

    now: dt.datetime = NOON

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Advertiser:
    """A user of an organisation with a client that sends their token."""

    client: TestClient[Litestar]
    organisation_id: uuid.UUID
    role: str = "member"
    user_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def headers(self) -> dict[str, str]:
        token = signed_token(sub=str(self.user_id), org=str(self.organisation_id), role=self.role)
        return {"Authorization": f"Bearer {token}"}

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        return self.client.get(url, params=params, headers=self.headers)

    def post(self, url: str, json: object = None) -> httpx.Response:
        return self.client.post(url, json=json, headers=self.headers)

    def patch(self, url: str, json: object = None) -> httpx.Response:
        return self.client.patch(url, json=json, headers=self.headers)

    def as_role(self, role: str) -> Advertiser:
        """Another user of the same organisation with ``role``."""
        return Advertiser(self.client, self.organisation_id, role)


def campaign_body(**fields: Any) -> dict[str, Any]:
    """A valid breeder campaign's body running on the test clock's day, with ``fields``."""
    body: dict[str, Any] = {
        "name": "Spring clutch",
        "boost": "breeder",
        "currency": "EUR",
        "daily_budget": 1000,
        "total_budget": 5000,
        "cpm": 200,
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
    }
    body.update(fields)
    return body


def ads_client(
    settings: Settings,
    listings: FakeListings,
    clock: Clock,
    *,
    serve_per_minute: int = 0,
    record_per_minute: int = 0,
) -> TestClient[Litestar]:
    """A test client of repti-community on ``settings``' database (migrated first)."""
    upgrade("community", settings.database_url("community"))
    app = create_app(
        settings,
        authenticator=Authenticator(StaticKeys()),
        ad_listings=listings,
        ad_clock=clock,
        ad_serve_per_minute=serve_per_minute,
        ad_record_per_minute=record_per_minute,
    )
    return TestClient(app, raise_server_exceptions=False)


def purchase_event(
    organisation_id: uuid.UUID, amount: int, currency: str = "EUR", payment_ref: str | None = None
) -> DomainEvent:
    """repti-core's ``billing.ad_credits_purchased`` for ``organisation_id``."""
    return new_event(
        "billing.ad_credits_purchased",
        producer="core",
        organisation_id=organisation_id,
        payload={
            "payment_ref": payment_ref or f"pi_{uuid.uuid4().hex}",
            "amount": amount,
            "currency": currency,
            "provider": "stripe",
        },
    )


def publish(client: TestClient[Litestar], event: DomainEvent) -> None:
    """Deliver ``event`` through the service's own bus (and its consumers)."""
    with client.portal() as portal:
        portal.call(kernel_of(client.app).events.bus.publish, event)


def outbox_events(client: TestClient[Litestar]) -> list[tuple[str, dict[str, Any]]]:
    """The events in repti-community's outbox, oldest first: (type, payload)."""
    url = kernel_of(client.app).resources.database_url

    async def read() -> list[tuple[str, dict[str, Any]]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    text(
                        "SELECT event_type, payload FROM outbox_message "
                        "ORDER BY occurred_at, created_at"
                    )
                )
                return [
                    (kind, json.loads(payload) if isinstance(payload, str) else payload)
                    for kind, payload in rows
                ]
        finally:
            await engine.dispose()

    return asyncio.run(read())
