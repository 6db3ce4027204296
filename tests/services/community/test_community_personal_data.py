"""repti-community's one answer to repti-ops' GDPR requests (``/internal/personal-data``), on
SQLite and on PostgreSQL as the non-owner role: the export holds the user's forum,
notification and advertising data by area; the erasure removes what is theirs alone and
pseudonymises the campaigns their organisation keeps, idempotently."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from community_testkit import publish
from litestar import Litestar
from litestar.testing import TestClient
from notification_testkit import (
    Recording,
    community_app,
    community_settings,
    service_token,
    user_token,
)

from core_tokens import mint_service_token, signed_token
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.events import new_event
from reptidex.domain.notifications.model import Channel
from reptidex.services.kernel.settings import Settings
from rls_mutation import non_owner_database

OPS = {"Authorization": f"Bearer {mint_service_token('ops')}"}
NOON = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
PUSH = "https://push.example"


@pytest.fixture(params=["sqlite", "postgres as the role"])
def client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings], tmp_path: Path
) -> Iterator[TestClient[Litestar]]:
    """repti-community on SQLite, then on PostgreSQL connected as the non-owner role."""
    app_options: dict[str, Any] = {"push_services": [PUSH], "ad_clock": lambda: NOON}
    senders = {Channel.EMAIL: Recording()}
    if request.param == "sqlite":
        settings = make_settings()
        upgrade("community", settings.database_url("community"))
        with TestClient(community_app(settings, senders, **app_options)) as test_client:
            yield test_client
        return
    server = request.getfixturevalue("postgres_server")
    with non_owner_database(server, "community") as (_, role_url):
        settings = community_settings(role_url, tmp_path)
        with TestClient(community_app(settings, senders, **app_options)) as test_client:
            yield test_client


def _port(client: TestClient[Litestar], step: str, body: dict[str, str]) -> dict[str, Any]:
    response = client.post(f"/internal/personal-data/{step}", json=body, headers=OPS)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _member(user: uuid.UUID, organisation: uuid.UUID) -> dict[str, str]:
    token = signed_token(sub=str(user), org=str(organisation), role="member")
    return {"Authorization": f"Bearer {token}"}


def _campaign(client: TestClient[Litestar], headers: dict[str, str]) -> str:
    body = {"name": "Spring clutch", "boost": "breeder", "currency": "EUR", "daily_budget": 1000,
            "total_budget": 5000, "cpm": 200, "starts_on": "2026-12-01", "ends_on": "2026-12-31"}  # fmt: skip
    made = client.post("/ads/campaigns", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _notifications_of(client: TestClient[Litestar], user: uuid.UUID, home: uuid.UUID) -> None:
    """The user's settings, choices, a read notification, a push subscription, a saved
    listing and a membership, made as the platform and the user make them."""
    verified = {"user_id": str(user), "email": "bob@example.org"}
    publish(client, new_event("user.email_verified", producer="core", payload=verified))
    joined = {"organisation_id": str(home), "user_id": str(user), "role": "member"}
    publish(client, new_event("user.joined_organisation", producer="core", payload=joined))
    mine = user_token(user)
    settings = {"language": "de", "time_zone": "Europe/Berlin"}
    assert client.put("/notifications/settings", json=settings, headers=mine).status_code == 200
    choice = {"choices": [{"kind": "thread.reply", "channel": "email", "enabled": False}]}
    assert client.put("/notifications/preferences", json=choice, headers=mine).status_code == 200
    body = {"user_ids": [str(user)], "kind": "order.paid",
            "parameters": {"order_id": "1", "price": "€9"}}  # fmt: skip
    sent = client.post("/notifications/send", json=body, headers=service_token())
    assert sent.status_code == 201, sent.text
    notification = sent.json()["items"][0]["notification_id"]
    assert client.post(f"/notifications/{notification}/read", headers=mine).status_code == 200
    subscription = {"endpoint": f"{PUSH}/{user}", "keys": {"p256dh": "BA" + "A" * 85,
                                                           "auth": "A" * 22}}  # fmt: skip
    pushed = client.post("/notifications/push/subscriptions", json=subscription, headers=mine)
    assert pushed.status_code == 201, pushed.text
    saved = client.put(f"/community/saved-listings/{uuid.uuid4()}", headers=mine)
    assert saved.status_code == 200, saved.text


def _advertising_of(client: TestClient[Litestar], user: uuid.UUID, home: uuid.UUID) -> str:
    """A campaign the user created for their organisation, and their impression of another
    organisation's campaign; the campaign's id."""
    other = uuid.uuid4()
    credits = {"payment_ref": f"pi_{uuid.uuid4().hex}", "amount": 1000, "currency": "EUR",
               "provider": "stripe"}  # fmt: skip
    publish(client, new_event("billing.ad_credits_purchased", producer="core",
                              organisation_id=other, payload=credits))  # fmt: skip
    _campaign(client, _member(uuid.uuid4(), other))
    created = _campaign(client, _member(user, home))
    served = client.get("/ads/serve", params={"slots": 1}, headers=_member(user, home))
    assert served.status_code == 200, served.text
    [slot] = served.json()["slots"]
    token = {"token": slot["impression_token"]}
    seen = client.post("/ads/impressions", json=token, headers=_member(user, home))
    assert seen.json()["outcome"] == "counted", seen.text
    return created


def test_export_and_erasure_cover_every_area(client: TestClient[Litestar]) -> None:
    user, home = uuid.uuid4(), uuid.uuid4()
    _notifications_of(client, user, home)
    campaign = _advertising_of(client, user, home)
    subject = {"user_id": str(user)}

    exported = _port(client, "export", subject)["data"]
    assert set(exported) == {"forums", "notifications", "advertising"}
    notifications = exported["notifications"]
    assert notifications["settings"]["email"] == "bob@example.org"
    assert notifications["settings"]["time_zone"] == "Europe/Berlin"
    assert notifications["preferences"] == [
        {"kind": "thread.reply", "channel": "email", "enabled": False}
    ]
    [notification] = notifications["notifications"]
    assert notification["kind"] == "order.paid"
    assert notification["read_at"] is not None
    assert [d["channel"] for d in notifications["deliveries"]] == ["email"]
    assert notifications["delivery_log"]
    assert notifications["push_subscriptions"][0]["endpoint"] == f"{PUSH}/{user}"
    assert len(notifications["saved_listings"]) == 1
    assert notifications["memberships"] == [{"organisation_id": str(home), "role": "member"}]
    advertising = exported["advertising"]
    assert [c["id"] for c in advertising["campaigns_created"]] == [campaign]
    assert [s["kind"] for s in advertising["sightings"]] == ["impression"]
    assert exported["forums"]["posts"] == []

    pseudonym = str(uuid.uuid4())
    erased = _port(client, "erase", {**subject, "pseudonym": pseudonym})["erased"]
    assert erased["advertising.campaigns_pseudonymised"] == 1
    assert erased["advertising.sightings_removed"] == 1
    for kind in ("notifications", "settings", "preferences", "push_subscriptions",
                 "saved_listings", "memberships", "deliveries"):  # fmt: skip
        assert erased[f"notifications.{kind}_removed"] == 1, kind
    assert erased["notifications.delivery_log_removed"] >= 1
    assert erased["forums.threads_pseudonymised"] == 0

    again = _port(client, "erase", {**subject, "pseudonym": pseudonym})["erased"]
    assert set(again.values()) == {0}
    after = _port(client, "export", subject)["data"]
    assert after["notifications"] == {
        "settings": None, "preferences": [], "notifications": [], "deliveries": [],
        "delivery_log": [], "push_subscriptions": [], "saved_listings": [], "memberships": [],
    }  # fmt: skip
    assert after["advertising"] == {"campaigns_created": [], "sightings": []}
    # the organisation keeps its campaign, created by the pseudonym now
    kept = _port(client, "export", {"user_id": pseudonym})["data"]["advertising"]
    assert [c["id"] for c in kept["campaigns_created"]] == [campaign]
    listed = client.get("/ads/campaigns", headers=_member(uuid.uuid4(), home)).json()
    assert [c["id"] for c in listed["items"]] == [campaign]
