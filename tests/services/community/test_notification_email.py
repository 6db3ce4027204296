"""Email end to end against a real SMTP server (aiosmtpd on a local port): the verified
address from repti-core's event, the template in the recipient's language, RFC 8058
one-click unsubscribe headers whose link turns the kind off without a login, and a forged
or tampered link refused; on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from notification_testkit import client_factory, community_database, service_token, user_token

from platform_process import free_port
from reptidex.domain.events import new_event
from reptidex.services.kernel.app import kernel_of

__all__ = ["client_factory", "community_database"]


class Mailbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} mails arrived"
        return self.messages


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def _verified(client: Any, user: uuid.UUID, address: str) -> None:
    event = new_event(
        "user.email_verified", producer="core", payload={"user_id": str(user), "email": address}
    )
    bus = kernel_of(client.app).events.bus
    with client.portal() as portal:
        portal.call(bus.publish, event)


def _send(client: Any, user: uuid.UUID, order: str) -> str:
    answer = client.post(
        "/notifications/send",
        json={"user_ids": [str(user)], "kind": "order.shipped", "parameters": {"order_id": order}},
        headers=service_token(),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["items"][0]["notification_id"])


def test_a_mail_in_the_users_language_unsubscribes_in_one_click(
    client_factory: Any, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    client = client_factory(
        real_channels=True, settings={"REPTIDEX_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    )
    ann = uuid.uuid4()
    _verified(client, ann, "ann@example.org")
    settings = client.put(
        "/notifications/settings", json={"language": "de"}, headers=user_token(ann)
    )
    assert settings.status_code == 200, settings.text
    assert settings.json()["email"] == "ann@example.org"
    first = _send(client, ann, "O-1")

    [mail] = box.wait_for(1)
    assert mail["To"] == "ann@example.org"
    assert mail["Subject"] == "Bestellung unterwegs"
    assert "Bestellung O-1 wurde übergeben oder versandt." in mail.get_content()
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = mail["List-Unsubscribe"].strip("<>")
    assert link in mail.get_content()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        log = client.get(f"/notifications/{first}/log", headers=user_token(ann)).json()
        if log["entries"][-1]["status"] == "sent":
            break
        time.sleep(0.05)
    assert [(e["status"], e["channel"]) for e in log["entries"]] == [
        ("sent", "in_app"),
        ("queued", "email"),
        ("sent", "email"),
    ]

    target = urlsplit(link)
    path = f"{target.path}?{target.query}"
    page = client.get(path)
    assert page.status_code == 200
    assert '<form method="post"' in page.text  # a GET changes nothing
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    refused = client.post(tampered, data={"List-Unsubscribe": "One-Click"})
    assert refused.status_code == 422, refused.text
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200, done.text
    assert done.json() == {"kind": "order.shipped", "channel": "email"}

    choices = client.get("/notifications/preferences", headers=user_token(ann)).json()["choices"]
    assert {"kind": "order.shipped", "channel": "email", "enabled": False} in choices
    assert {"kind": "order.paid", "channel": "email", "enabled": True} in choices
    second = _send(client, ann, "O-2")
    log = client.get(f"/notifications/{second}/log", headers=user_token(ann)).json()
    assert [(e["status"], e["channel"]) for e in log["entries"]] == [("sent", "in_app")]
    assert len(box.messages) == 1


def test_settings_and_preferences_are_checked_and_owned(client_factory: Any) -> None:
    client = client_factory()
    ann = uuid.uuid4()
    for body in (
        {"time_zone": "Mars/Olympus"},
        {"phone": "0151 123"},
        {"quiet_start": "22:00"},
        {"quiet_start": "25:00", "quiet_end": "07:00"},
        {"language": "deutsch"},
    ):
        answer = client.put("/notifications/settings", json=body, headers=user_token(ann))
        assert answer.status_code == 422, (body, answer.text)
    good = {
        "language": "de",
        "time_zone": "Europe/Berlin",
        "phone": "+4915112345678",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
    }
    stored = client.put("/notifications/settings", json=good, headers=user_token(ann)).json()
    assert stored == {**good, "email": None}
    other = client.get("/notifications/settings", headers=user_token(uuid.uuid4())).json()
    assert other["time_zone"] == "UTC"
    assert client.get("/notifications/settings").status_code == 401
    refused = client.put(
        "/notifications/preferences",
        json={"choices": [{"kind": "nope", "channel": "email", "enabled": False}]},
        headers=user_token(ann),
    )
    assert refused.status_code == 422
    chosen = client.put(
        "/notifications/preferences",
        json={"choices": [{"kind": "order.paid", "channel": "sms", "enabled": True}]},
        headers=user_token(ann),
    )
    assert {"kind": "order.paid", "channel": "sms", "enabled": True} in chosen.json()["choices"]
