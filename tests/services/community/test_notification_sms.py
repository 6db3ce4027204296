"""SMS through the Twilio adapter against a local stand-in of Twilio's API, through the app:
a user who turned SMS on for a kind gets the text at the phone of their settings, a 503 is
retried, a number Twilio refuses is given up with Twilio's error in the log, and SMS stays
off for a kind the user did not turn it on for; on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from notification_testkit import client_factory, community_database, service_token, user_token
from twilio_stand_in import FROM, SID, TOKEN, TwilioStandIn

from reptidex.domain.notifications.model import DeliveryPolicy

__all__ = ["client_factory", "community_database"]


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    with TwilioStandIn() as stand_in:
        yield stand_in


def _reachable(client: Any, user: uuid.UUID, phone: str) -> None:
    settings = client.put(
        "/notifications/settings", json={"phone": phone}, headers=user_token(user)
    )
    assert settings.status_code == 200, settings.text
    choice = {"choices": [{"kind": "order.paid", "channel": "sms", "enabled": True}]}
    assert (
        client.put("/notifications/preferences", json=choice, headers=user_token(user)).status_code
        == 200
    )


def _paid(client: Any, user: uuid.UUID, kind: str = "order.paid") -> str:
    parameters = {"order_id": "O-5", "price": "90.00 EUR"}
    body = {
        "user_ids": [str(user)],
        "kind": kind,
        "parameters": parameters if kind == "order.paid" else {"order_id": "O-5"},
    }
    answer = client.post("/notifications/send", json=body, headers=service_token())
    assert answer.status_code == 201, answer.text
    return str(answer.json()["items"][0]["notification_id"])


def _settled(client: Any, user: uuid.UUID, notification: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        entries = client.get(f"/notifications/{notification}/log", headers=user_token(user)).json()[
            "entries"
        ]
        last = entries[-1]
        if last["channel"] == "sms" and (
            last["status"] == "sent" or last["detail"].endswith("given up")
        ):
            return list(entries)
        assert time.monotonic() < deadline, entries
        time.sleep(0.05)


def test_texts_go_out_through_twilio_and_refusals_are_logged(
    client_factory: Any, twilio: TwilioStandIn
) -> None:
    client = client_factory(
        real_channels=True,
        settings={
            "REPTIDEX_TWILIO_ACCOUNT_SID": SID,
            "REPTIDEX_TWILIO_AUTH_TOKEN": TOKEN,
            "REPTIDEX_TWILIO_FROM_NUMBER": FROM,
            "REPTIDEX_TWILIO_API_BASE": twilio.base,
        },
        notification_policy=DeliveryPolicy(first=0.1, longest=0.2, attempts=3),
    )
    ann, bob = uuid.uuid4(), uuid.uuid4()
    _reachable(client, ann, "+4915112345678")
    _reachable(client, bob, "+9991234567")

    twilio.away = 1
    sent = _settled(client, ann, _paid(client, ann))
    assert [(e["status"], e["channel"]) for e in sent] == [
        ("sent", "in_app"),
        ("queued", "sms"),
        ("failed", "sms"),
        ("sent", "sms"),
    ]
    assert "Twilio answered 503" in sent[2]["detail"]
    assert twilio.messages == [
        {
            "to": "+4915112345678",
            "body": "Order paid: Order O-5 was paid: 90.00 EUR. Get the animal ready to ship.",
        }
    ]
    assert TOKEN not in str(sent)

    refused = _settled(client, bob, _paid(client, bob))
    assert refused[-1]["status"] == "failed"
    assert "21211" in refused[-1]["detail"]
    assert [e["status"] for e in refused].count("failed") == 3

    quiet = _paid(client, ann, "order.shipped")  # SMS is off for this kind
    entries = client.get(f"/notifications/{quiet}/log", headers=user_token(ann)).json()["entries"]
    assert [e["channel"] for e in entries] == ["in_app"]
    assert len(twilio.messages) == 1
