"""Helpers of the repti-community tests: the app on a database, and the owning services'
events delivered as the bus delivers them."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from core_tokens import StaticKeys
from reptidex.domain.events import DomainEvent, new_event
from reptidex.services.community.app import create_app
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings


@contextmanager
def community_client(settings: Settings) -> Iterator[TestClient[Litestar]]:
    """A started test client of repti-community on ``settings``' (migrated) database."""
    app = create_app(settings, authenticator=Authenticator(StaticKeys()))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def publish(client: TestClient[Litestar], event: DomainEvent) -> None:
    """Deliver ``event`` through the running app's bus (and so its consumers)."""
    bus = kernel_of(client.app).events.bus
    client.blocking_portal.call(bus.publish, event)


def animal_event(
    animal_id: uuid.UUID,
    organisation_id: uuid.UUID,
    *,
    kind: str = "animal.updated",
    visibility: str = "public",
    name: str = "Sunny",
    occurred_at: dt.datetime | None = None,
    **fields: Any,
) -> DomainEvent:
    """``animal.created|updated`` of a Pastel het Clown ball python, as repti-animal stages it."""
    payload: dict[str, Any] = {
        "animal_id": str(animal_id),
        "code": "BP-26-0001",
        "name": name,
        "species": "ball_python",
        "sex": "female",
        "phenotype": "Pastel het Clown",
        "status": "available",
        "visibility": visibility,
        "morph": "Pastel het Clown",
        "traits": ["Pastel"],
        "hets": ["Clown"],
    } | fields
    return new_event(
        kind,
        producer="animal",
        payload=payload,
        organisation_id=organisation_id,
        occurred_at=occurred_at,
    )


def listing_event(
    listing_id: uuid.UUID,
    organisation_id: uuid.UUID,
    *,
    kind: str = "listing.created",
    state: str = "available",
    price: int = 19_999,
    **fields: Any,
) -> DomainEvent:
    """``listing.*`` of an open listing, as repti-commerce stages it."""
    payload: dict[str, Any] = {
        "listing_id": str(listing_id),
        "animal_id": str(uuid.uuid4()),
        "species": "ball_python",
        "state": state,
        "price_amount": price,
        "currency": "EUR",
        "title": "Banana Spider male",
        "description": "Proven breeder, feeds on frozen rats.",
        "country": "DE",
        "region": "Bavaria",
        "sex": "male",
        "morph": "Banana Spider",
        "traits": ["Banana", "Spider"],
        "hets": [],
    } | fields
    return new_event(kind, producer="commerce", payload=payload, organisation_id=organisation_id)


def search(client: TestClient[Litestar], **params: Any) -> dict[str, Any]:
    """``GET /search``'s body (asserting a 200)."""
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def until(check: Callable[[], bool], *, within: float = 1.0) -> float:
    """Seconds until ``check()`` holds (failing after ``within``)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < within, f"not within {within} s"
        time.sleep(0.01)
    return time.monotonic() - started
