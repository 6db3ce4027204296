"""Web push through the app against a local push service that holds the browser's keys: a
subscription made as a browser makes it, each push signed with VAPID and encrypted so that
only the subscription's private key reads it, a subscription the push service dropped
forgotten; subscriptions only to push services, owned by their user; on SQLite and
PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from notification_testkit import client_factory, community_database, service_token, user_token
from push_stand_in import PushService

__all__ = ["client_factory", "community_database"]

SUBSCRIPTIONS = "/notifications/push/subscriptions"


@pytest.fixture
def push_service() -> Iterator[PushService]:
    with PushService() as service:
        yield service


def _subscribe(client: Any, user: uuid.UUID, service: PushService) -> tuple[str, str]:
    endpoint, keys = service.subscribe()
    answer = client.post(
        SUBSCRIPTIONS,
        json={"endpoint": endpoint, "expirationTime": None, "keys": keys},
        headers=user_token(user),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"]), endpoint.rsplit("/", 1)[1]


def _wait(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_pushes_are_signed_and_readable_only_by_the_browser(
    client_factory: Any, push_service: PushService
) -> None:
    client = client_factory(real_channels=True, push_services=[push_service.origin])
    ann = uuid.uuid4()
    key = client.get("/notifications/push/key").json()["public_key"]
    first, first_token = _subscribe(client, ann, push_service)
    _, second_token = _subscribe(client, ann, push_service)
    listed = client.get(SUBSCRIPTIONS, headers=user_token(ann)).json()["items"]
    assert [item["push_service"] for item in listed] == [push_service.origin] * 2
    choice = {"choices": [{"kind": "thread.reply", "channel": "push", "enabled": True}]}
    assert (
        client.put("/notifications/preferences", json=choice, headers=user_token(ann)).status_code
        == 200
    )

    body = {"user_ids": [str(ann)], "kind": "thread.reply", "link": "/community/threads/t1"}
    sent = client.post("/notifications/send", json=body, headers=service_token())
    assert sent.status_code == 201, sent.text
    _wait(lambda: len(push_service.pushes) == 2)
    assert push_service.refusals == []
    assert {p.token for p in push_service.pushes} == {first_token, second_token}
    push = push_service.pushes[0]
    assert push.payload["title"] == "New reply"
    assert push.payload["link"] == "/community/threads/t1"
    assert push.payload["id"] == sent.json()["items"][0]["notification_id"]
    assert push.vapid_key == key

    # the push service dropped the second browser: forgotten, the first still gets pushes
    push_service.gone.add(second_token)
    again = client.post("/notifications/send", json=body, headers=service_token())
    assert again.status_code == 201
    _wait(lambda: len(push_service.pushes) == 3)
    _wait(lambda: len(client.get(SUBSCRIPTIONS, headers=user_token(ann)).json()["items"]) == 1)
    assert client.get(SUBSCRIPTIONS, headers=user_token(ann)).json()["items"][0]["id"] == first

    # another user cannot remove it; its owner can
    assert (
        client.delete(f"{SUBSCRIPTIONS}/{first}", headers=user_token(uuid.uuid4())).status_code
        == 404
    )
    assert client.delete(f"{SUBSCRIPTIONS}/{first}", headers=user_token(ann)).status_code == 204
    log = client.post("/notifications/send", json=body, headers=service_token()).json()
    entries = client.get(
        f"/notifications/{log['items'][0]['notification_id']}/log", headers=user_token(ann)
    ).json()["entries"]
    assert [e["channel"] for e in entries] == ["in_app"]  # no subscription left: not queued


def test_only_push_services_and_well_formed_keys_are_accepted(
    client_factory: Any, push_service: PushService
) -> None:
    client = client_factory(real_channels=True, push_services=[push_service.origin])
    ann = uuid.uuid4()
    endpoint, keys = push_service.subscribe()
    cases = [
        {"endpoint": "http://169.254.169.254/latest/meta-data", "keys": keys},
        {"endpoint": "https://fcm.googleapis.com.evil.example/x", "keys": keys},
        {"endpoint": endpoint, "keys": {**keys, "p256dh": "AAAA"}},
        {"endpoint": endpoint, "keys": {**keys, "auth": keys["p256dh"]}},
        {"endpoint": endpoint, "keys": {**keys, "auth": "!!"}},
    ]
    for case in cases:
        answer = client.post(SUBSCRIPTIONS, json=case, headers=user_token(ann))
        assert answer.status_code == 422, (case, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.post(SUBSCRIPTIONS, json={"endpoint": endpoint, "keys": keys}).status_code == 401
    assert client.get(SUBSCRIPTIONS, headers=user_token(ann)).json()["items"] == []
