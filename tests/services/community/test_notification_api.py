"""``/notifications`` through HTTP on SQLite and PostgreSQL: who may send to whom, the
in-app channel (paged, unread counts, marking read one and all, the delivery log),
deduplication by event id, the events and audit records, and refused input."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from notification_testkit import (
    client_factory,
    community_database,
    outbox_events,
    service_token,
    user_token,
)

__all__ = ["client_factory", "community_database"]  # fixtures used by name

SEND = "/notifications/send"


def _announce(users: list[uuid.UUID], **extra: Any) -> dict[str, Any]:
    return {
        "user_ids": [str(u) for u in users],
        "kind": "announcement",
        "parameters": {"title": "Expo", "body": "The expo opens Saturday."},
        **extra,
    }


def test_a_service_notifies_users_who_read_them_in_app(client_factory: Any) -> None:
    client = client_factory()
    ann, bob = uuid.uuid4(), uuid.uuid4()
    sent = client.post(SEND, json=_announce([ann, bob]), headers=service_token())
    assert sent.status_code == 201, sent.text
    items = sent.json()["items"]
    assert [i["user_id"] for i in items] == [str(ann), str(bob)]
    assert all(i["created"] for i in items)
    for index in range(3):
        answer = client.post(
            SEND,
            json={
                "user_ids": [str(ann)],
                "kind": "order.shipped",
                "parameters": {"order_id": f"O-{index}"},
                "link": "/orders/O-1",
            },
            headers=service_token(),
        )
        assert answer.status_code == 201, answer.text

    page = client.get("/notifications?limit=2", headers=user_token(ann)).json()
    assert (page["total"], page["unread"], len(page["items"])) == (4, 4, 2)
    assert page["items"][0]["title"] == "Order on its way"
    assert page["items"][0]["body"] == "Order O-2 was handed over or shipped."
    second = client.get("/notifications?limit=2&offset=2", headers=user_token(ann)).json()
    assert second["items"][-1]["title"] == "Expo"
    newest = page["items"][0]["id"]

    read = client.post(f"/notifications/{newest}/read", headers=user_token(ann))
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert client.get("/notifications/unread-count", headers=user_token(ann)).json() == {
        "unread": 3
    }
    unread = client.get("/notifications?unread=true", headers=user_token(ann)).json()
    assert newest not in [n["id"] for n in unread["items"]]
    assert unread["total"] == 3
    assert client.post("/notifications/read-all", headers=user_token(ann)).json() == {"marked": 3}
    assert client.post("/notifications/read-all", headers=user_token(ann)).json() == {"marked": 0}
    assert client.get("/notifications/unread-count", headers=user_token(bob)).json() == {
        "unread": 1
    }

    log = client.get(f"/notifications/{newest}/log", headers=user_token(ann)).json()
    assert [(e["status"], e["channel"]) for e in log["entries"]] == [
        ("sent", "in_app"),
        ("read", None),
    ]


def test_the_same_event_notifies_each_user_once(client_factory: Any) -> None:
    client = client_factory()
    ann = uuid.uuid4()
    event = str(uuid.uuid4())
    first = client.post(SEND, json=_announce([ann, ann], event_id=event), headers=service_token())
    again = client.post(SEND, json=_announce([ann], event_id=event), headers=service_token())
    assert first.status_code == again.status_code == 201
    assert len(first.json()["items"]) == 1
    assert again.json()["items"][0]["created"] is False
    assert (
        again.json()["items"][0]["notification_id"] == first.json()["items"][0]["notification_id"]
    )
    assert client.get("/notifications", headers=user_token(ann)).json()["total"] == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("platform admin", 201), ("self", 201), ("user", 403), ("anonymous", 401)],
)
def test_who_may_send_to_whom(client_factory: Any, who: str, status: int) -> None:
    client = client_factory()
    caller, other = uuid.uuid4(), uuid.uuid4()
    headers = {
        "platform admin": user_token(caller, platform_admin=True),
        "self": user_token(caller),
        "user": user_token(caller),
        "anonymous": {},
    }[who]
    target = caller if who == "self" else other
    answer = client.post(SEND, json=_announce([target]), headers=headers)
    assert answer.status_code == status, answer.text
    if status != 201:
        assert answer.headers["content-type"].startswith("application/problem+json")
    total = client.get("/notifications", headers=user_token(target)).json()["total"]
    assert total == (1 if status == 201 else 0)


def test_a_user_reaches_only_their_own_notifications(client_factory: Any) -> None:
    client = client_factory()
    ann, eve = uuid.uuid4(), uuid.uuid4()
    item = client.post(SEND, json=_announce([ann]), headers=service_token()).json()["items"][0]
    mine = item["notification_id"]
    assert client.post(f"/notifications/{mine}/read", headers=user_token(eve)).status_code == 404
    assert client.get(f"/notifications/{mine}/log", headers=user_token(eve)).status_code == 404
    assert client.get("/notifications", headers=user_token(eve)).json()["total"] == 0
    assert client.get("/notifications", headers=service_token()).status_code == 403
    assert client.get("/notifications").status_code == 401
    assert client.get("/notifications/unread-count", headers=user_token(ann)).json() == {
        "unread": 1
    }


def test_refused_input_writes_nothing(client_factory: Any) -> None:
    client = client_factory()
    ann = uuid.uuid4()
    cases = [
        ({"user_ids": [str(ann)], "kind": "no.such.kind"}, 422),
        ({"user_ids": [str(ann)], "kind": "order.paid", "parameters": {"order_id": "1"}}, 422),
        ({"user_ids": [], "kind": "announcement"}, 422),
        ({"user_ids": ["not-a-uuid"], "kind": "announcement"}, 422),
        (_announce([ann], link="javascript:alert(1)"), 422),
        (_announce([ann], unknown_field=1), 422),
        (_announce([uuid.uuid4() for _ in range(501)]), 422),
    ]
    for body, status in cases:
        answer = client.post(SEND, json=body, headers=service_token())
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert client.get("/notifications", headers=user_token(ann)).json()["total"] == 0
    assert client.get("/notifications/not-a-uuid/log", headers=user_token(ann)).status_code in (
        400,
        404,
    )


async def test_changes_are_announced_and_audited(
    client_factory: Any, community_database: str
) -> None:
    client = client_factory()
    ann = uuid.uuid4()
    item = client.post(SEND, json=_announce([ann]), headers=service_token()).json()["items"][0]
    client.post(f"/notifications/{item['notification_id']}/read", headers=user_token(ann))
    events = await outbox_events(community_database, "notification.")
    assert [t for t, _ in events] == ["notification.created", "notification.read"]
    assert events[0][1]["user_id"] == str(ann)
    audits = await outbox_events(community_database, "audit.")
    actions = [(p["resource_kind"], p["action"]) for _, p in audits]
    assert actions == [("notification", "created"), ("notification", "read")]
    assert audits[1][1]["actor_id"] == str(ann)


def test_the_kinds_are_listed(client_factory: Any) -> None:
    kinds = client_factory().get("/notifications/kinds").json()
    assert kinds["kinds"]["order.paid"] == ["order_id", "price"]
    assert kinds["languages"] == ["en", "de"]


def test_open_rates_are_on_the_metrics_page(client_factory: Any) -> None:
    client = client_factory(metrics_interval=0.05)
    ann, bob = uuid.uuid4(), uuid.uuid4()
    items = client.post(SEND, json=_announce([ann, bob]), headers=service_token()).json()["items"]
    client.post(f"/notifications/{items[0]['notification_id']}/read", headers=user_token(ann))
    expected = 'reptidex_notification_open_rate{kind="announcement",service="community"} 0.5'
    deadline = time.monotonic() + 10
    while expected not in (page := client.get("/metrics").text):
        assert time.monotonic() < deadline, page[-2000:]
        time.sleep(0.05)
    assert 'reptidex_notifications_stored{kind="announcement",service="community"} 2.0' in page
    assert "reptidex_notification_deliveries_sent_total" in page
