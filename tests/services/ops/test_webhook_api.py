"""``/integrations/webhooks`` end to end against a local receiver: an organisation's owners and
admins subscribe a URL (the signing secret shown once), the receiver gets the signed events
the organisation's changes publish, the delivery log shows each attempt, a delivery can be
sent again, the secret rotated and the webhook deleted; every change audited and published.
Others are refused (member 403, another organisation 404, no token 401), and so are URLs that
point into the platform's own network."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from ops_testkit import bearer, mint_token, ops_client
from webhook_receiver import Receiver, receiving

from reptidex.domain.events import DomainEvent, new_event
from reptidex.domain.integrations.signing import DELIVERY_HEADER
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings

ALPHA, BETA = uuid.uuid4(), uuid.uuid4()
ANN = uuid.uuid4()
OWNER = bearer(mint_token(ALPHA, "owner", user_id=ANN))
ADMIN = bearer(mint_token(ALPHA, "admin"))
BETA_ADMIN = bearer(mint_token(BETA, "admin"))
HOOKS = "/integrations/webhooks"


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def hook_url(receiver: Receiver) -> Iterator[str]:
    with receiving(receiver) as url:
        yield url


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    """repti-ops allowing local destinations (the receiver is on this machine)."""
    with ops_client(make_settings(webhook_allow_local="true")) as test_client:
        yield test_client


@pytest.fixture
def strict(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    """repti-ops as deployed: only public https destinations."""
    with ops_client(make_settings()) as test_client:
        yield test_client


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return dict(answer.json())


def create(client: TestClient[Litestar], url: str, kinds: list[str], **extra: Any) -> Any:
    return client.post(HOOKS, json={"url": url, "event_kinds": kinds, **extra}, headers=ADMIN)


def publish(client: TestClient[Litestar], *events: DomainEvent) -> None:
    bus = kernel_of(client.app).events.bus
    with client.portal() as portal:
        for event in events:
            portal.call(bus.publish, event)


def deliveries(client: TestClient[Litestar], webhook_id: str, **params: Any) -> dict[str, Any]:
    answer = client.get(f"{HOOKS}/{webhook_id}/deliveries", headers=ADMIN, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def settled(client: TestClient[Litestar], webhook_id: str, count: int) -> list[dict[str, Any]]:
    """The log once ``count`` deliveries have had an attempt."""
    deadline = time.monotonic() + 10
    while True:
        items = deliveries(client, webhook_id)["items"]
        if len(items) >= count and all(item["attempts"] for item in items):
            return list(items)
        assert time.monotonic() < deadline, items
        time.sleep(0.05)


def updated(organisation_id: uuid.UUID = ALPHA) -> DomainEvent:
    return new_event(
        "animal.updated",
        producer="animal",
        organisation_id=organisation_id,
        payload={"animal_id": "a1", "code": "BP-26-0001", "changed": ["morph"]},
    )


def test_the_receiver_gets_the_signed_event_and_the_log_shows_it(
    client: TestClient[Litestar], receiver: Receiver, hook_url: str
) -> None:
    made = create(client, hook_url, ["animal.updated", "order.*"], description="CRM sync")
    assert made.status_code == 201, made.text
    webhook, secret = made.json()["webhook"], made.json()["secret"]
    assert secret.startswith("whsec_")
    assert webhook["event_kinds"] == ["animal.updated", "order.*"]
    assert (webhook["description"], webhook["secret_version"]) == ("CRM sync", 1)
    assert webhook["previous_secret_valid_until"] is None

    event = updated()
    publish(client, event, updated(BETA), new_event("animal.created", producer="animal",
                                                    organisation_id=ALPHA))  # fmt: skip
    (got,) = receiver.wait_for(1)
    assert got.signed_with(secret)
    body = msgspec.json.decode(got.body)
    assert (body["id"], body["type"]) == (str(event.id), "animal.updated")
    assert body["data"]["code"] == "BP-26-0001"

    (logged,) = settled(client, webhook["id"], 1)
    assert logged["id"] == got.headers[DELIVERY_HEADER.lower()]
    assert (logged["event_id"], logged["event_type"]) == (str(event.id), "animal.updated")
    assert (logged["status"], logged["attempts"], logged["last_status_code"]) == (
        "delivered",
        1,
        200,
    )
    assert isinstance(logged["last_response_ms"], int)
    assert logged["last_error"] is None
    assert logged["next_attempt_at"] is None
    time.sleep(0.2)
    assert len(receiver.received) == 1  # beta's event and an unsubscribed kind: nothing


def test_a_delivery_is_sent_again_on_request(
    client: TestClient[Litestar], receiver: Receiver, hook_url: str
) -> None:
    webhook = create(client, hook_url, ["animal.*"]).json()["webhook"]
    publish(client, updated())
    (first,) = settled(client, webhook["id"], 1)
    url = f"{HOOKS}/{webhook['id']}/deliveries/{first['id']}/redeliver"
    again = client.post(url, headers=ADMIN)
    assert again.status_code == 202, again.text
    assert again.json()["redelivery_of"] == first["id"]
    assert again.json()["event_id"] == first["event_id"]
    original, resent = receiver.wait_for(2)
    assert resent.body == original.body  # the same event, as a new delivery
    assert resent.headers[DELIVERY_HEADER.lower()] == again.json()["id"]
    log = settled(client, webhook["id"], 2)
    assert [item["id"] for item in log] == [again.json()["id"], first["id"]]  # newest first

    page = deliveries(client, webhook["id"], limit=1, offset=1, status="delivered")
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 1)
    assert [item["id"] for item in page["items"]] == [first["id"]]
    assert deliveries(client, webhook["id"], status="failed")["total"] == 0

    missing = f"{HOOKS}/{webhook['id']}/deliveries/{uuid.uuid4()}/redeliver"
    _problem(client.post(missing, headers=ADMIN), 404)
    _problem(client.post(url, headers=BETA_ADMIN), 404)


def test_a_delivery_still_being_attempted_is_not_redelivered(
    client: TestClient[Litestar], receiver: Receiver, hook_url: str
) -> None:
    receiver.answers = [500]
    webhook = create(client, hook_url, ["animal.*"]).json()["webhook"]
    publish(client, updated())
    (failing,) = settled(client, webhook["id"], 1)
    assert (failing["status"], failing["last_status_code"]) == ("pending", 500)
    assert failing["next_attempt_at"] is not None
    url = f"{HOOKS}/{webhook['id']}/deliveries/{failing['id']}/redeliver"
    _problem(client.post(url, headers=ADMIN), 409)


def test_the_secret_is_shown_once_and_rotates(client: TestClient[Litestar], hook_url: str) -> None:
    made = create(client, hook_url, ["listing.*"]).json()
    webhook_id, secret = made["webhook"]["id"], made["secret"]
    listed = client.get(HOOKS, headers=ADMIN)
    shown = client.get(f"{HOOKS}/{webhook_id}", headers=OWNER)
    for answer in (listed, shown):
        assert answer.status_code == 200, answer.text
        assert secret not in answer.text
        assert "secret" not in msgspec.json.decode(answer.content).get("items", [{}])[0]
    assert [w["id"] for w in listed.json()["items"]] == [webhook_id]
    assert shown.json()["deliveries_url"] == f"{HOOKS}/{webhook_id}/deliveries"

    rotated = client.post(f"{HOOKS}/{webhook_id}/rotate-secret", headers=OWNER)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] not in (secret, None)
    assert rotated.json()["webhook"]["secret_version"] == 2
    assert rotated.json()["webhook"]["previous_secret_valid_until"] is not None
    assert rotated.json()["secret"] not in client.get(f"{HOOKS}/{webhook_id}", headers=ADMIN).text


def test_a_deleted_webhook_is_gone_with_its_log(
    client: TestClient[Litestar], hook_url: str
) -> None:
    webhook = create(client, hook_url, ["animal.*"]).json()["webhook"]
    publish(client, updated())
    settled(client, webhook["id"], 1)
    _problem(client.delete(f"{HOOKS}/{webhook['id']}", headers=BETA_ADMIN), 404)
    assert client.delete(f"{HOOKS}/{webhook['id']}", headers=ADMIN).status_code == 204
    _problem(client.get(f"{HOOKS}/{webhook['id']}", headers=ADMIN), 404)
    _problem(client.get(f"{HOOKS}/{webhook['id']}/deliveries", headers=ADMIN), 404)
    _problem(client.delete(f"{HOOKS}/{webhook['id']}", headers=ADMIN), 404)
    assert client.get(HOOKS, headers=ADMIN).json() == {"items": []}


def test_every_change_is_audited_and_published(client: TestClient[Litestar], hook_url: str) -> None:
    published: list[DomainEvent] = []

    async def collect(event: DomainEvent) -> None:
        published.append(event)

    kernel_of(client.app).events.subscribe("integration.*", collect)
    made = create(client, f"{hook_url}?token=abc", ["animal.*"]).json()
    webhook_id = made["webhook"]["id"]
    publish(client, updated())
    (delivery,) = settled(client, webhook_id, 1)
    client.post(f"{HOOKS}/{webhook_id}/deliveries/{delivery['id']}/redeliver", headers=ADMIN)
    client.post(f"{HOOKS}/{webhook_id}/rotate-secret", headers=ADMIN)
    client.delete(f"{HOOKS}/{webhook_id}", headers=OWNER)

    deadline = time.monotonic() + 10
    while True:
        trail = client.get("/audit/logs", headers=OWNER, params={"resource_kind": "webhook"}).json()
        if trail["total"] >= 4:
            break
        assert time.monotonic() < deadline, trail
        time.sleep(0.05)
    records = {r["action"]: r for r in trail["items"]}
    assert set(records) == {"created", "redelivery_requested", "secret_rotated", "deleted"}
    origin = hook_url.rsplit("/", 1)[0]
    created = records["created"]
    assert (created["service"], created["resource_id"]) == ("ops", webhook_id)
    assert created["organisation_id"] == str(ALPHA)
    assert created["after"] == {"origin": origin, "event_kinds": ["animal.*"]}
    assert created["withheld"] == ["secret"]
    assert made["secret"] not in str(trail)
    assert "token=abc" not in str(trail)
    assert records["secret_rotated"]["before"] == records["secret_rotated"]["after"] == {}
    assert records["secret_rotated"]["withheld"] == ["secret"]
    assert records["redelivery_requested"]["after"]["redelivery_of"] == delivery["id"]
    assert records["deleted"]["before"] == {"origin": origin, "event_kinds": ["animal.*"]}
    assert records["deleted"]["actor_id"] == str(ANN)

    deadline = time.monotonic() + 10
    while len(published) < 4:
        assert time.monotonic() < deadline, published
        time.sleep(0.05)
    assert [e.type for e in published] == [
        "integration.webhook_created",
        "integration.webhook_redelivery_requested",
        "integration.webhook_secret_rotated",
        "integration.webhook_deleted",
    ]
    assert {e.organisation_id for e in published} == {ALPHA}
    assert published[0].payload == {
        "webhook_id": webhook_id,
        "origin": origin,
        "event_kinds": ["animal.*"],
    }


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (bearer(mint_token(ALPHA, "member")), 403),
        (bearer(mint_token(ALPHA, "viewer")), 403),
        (bearer(mint_token(None, None)), 403),
        (bearer(mint_token(platform_admin=True)), 403),
        (bearer(mint_token(service="core")), 403),
    ],
)
def test_only_owners_and_admins_of_an_organisation_manage_its_webhooks(
    client: TestClient[Litestar], hook_url: str, headers: dict[str, str], status: int
) -> None:
    webhook_id = create(client, hook_url, ["animal.*"]).json()["webhook"]["id"]
    one = f"{HOOKS}/{webhook_id}"
    for method, url in (
        ("GET", HOOKS),
        ("POST", HOOKS),
        ("GET", f"{HOOKS}/event-kinds"),
        ("GET", one),
        ("DELETE", one),
        ("POST", f"{one}/rotate-secret"),
        ("GET", f"{one}/deliveries"),
        ("POST", f"{one}/deliveries/{uuid.uuid4()}/redeliver"),
    ):
        body = {"url": hook_url, "event_kinds": ["animal.*"]} if url == HOOKS else None
        answer = client.request(method, url, headers=headers, json=body)
        _problem(answer, status)
    assert client.get(one, headers=ADMIN).status_code == 200  # untouched


def test_another_organisations_webhook_does_not_exist_for_it(
    client: TestClient[Litestar], hook_url: str
) -> None:
    webhook_id = create(client, hook_url, ["animal.*"]).json()["webhook"]["id"]
    one = f"{HOOKS}/{webhook_id}"
    for method, url in (
        ("GET", one),
        ("DELETE", one),
        ("POST", f"{one}/rotate-secret"),
        ("GET", f"{one}/deliveries"),
    ):
        _problem(client.request(method, url, headers=BETA_ADMIN), 404)
    assert client.get(HOOKS, headers=BETA_ADMIN).json() == {"items": []}
    assert client.get(one, headers=ADMIN).json()["secret_version"] == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/in", "only https"),
        ("https://127.0.0.1/hook", "127.0.0.1, a loopback address"),
        ("https://[::1]/hook", "::1, a loopback address"),
        ("https://localhost/hook", "a loopback address"),  # a name that resolves to loopback
        ("https://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("https://10.1.2.3/hook", "a private address"),
        ("https://192.168.0.10/hook", "a private address"),
        ("https://user:pw@hooks.example.com/", "credentials"),
        ("https://no-such-host.invalid/hook", "does not resolve"),
    ],
)
def test_urls_into_the_platforms_own_network_are_refused(
    strict: TestClient[Litestar], url: str, reason: str
) -> None:
    answer = create(strict, url, ["animal.*"])
    problem = _problem(answer, 422)
    assert reason in problem["detail"], problem
    assert strict.get(HOOKS, headers=ADMIN).json() == {"items": []}


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.1/hook", "http://169.254.169.254/latest/", "http://0.0.0.0:8080/"],
)
def test_the_development_setting_admits_loopback_only(
    client: TestClient[Litestar], url: str
) -> None:
    _problem(create(client, url, ["animal.*"]), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://h.example/", "event_kinds": ["audit.recorded"]},
        {"url": "https://h.example/", "event_kinds": ["*"]},
        {"url": "https://h.example/", "event_kinds": []},
        {"url": "https://h.example/", "event_kinds": ["animal.*"], "description": "x" * 201},
        {"url": "", "event_kinds": ["animal.*"]},
        {"url": "https://h.example/", "event_kinds": ["animal.*"], "secret": "mine"},
        {"event_kinds": ["animal.*"]},
    ],
)
def test_a_bad_subscription_is_a_problem(
    client: TestClient[Litestar], body: dict[str, Any]
) -> None:
    answer = client.post(HOOKS, json=body, headers=ADMIN)
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_an_organisation_has_at_most_twenty_webhooks(
    client: TestClient[Litestar], hook_url: str
) -> None:
    for _ in range(20):
        assert create(client, hook_url, ["animal.*"]).status_code == 201
    _problem(create(client, hook_url, ["animal.*"]), 409)
    assert create(client, hook_url, ["animal.*"]).status_code == 409
    other = client.post(
        HOOKS, json={"url": hook_url, "event_kinds": ["animal.*"]}, headers=BETA_ADMIN
    )
    assert other.status_code == 201


def test_the_event_kinds_are_listed(client: TestClient[Litestar]) -> None:
    kinds = client.get(f"{HOOKS}/event-kinds", headers=ADMIN).json()
    assert "animal.updated" in kinds["event_kinds"]
    assert kinds["families"] == ["animal.*", "listing.*", "order.*"]
