"""Issue 15's acceptance, as new users try it: `reptidex up` as a real process, HTTP only,
mail through a real local SMTP server (aiosmtpd) and ad credits bought through repti-core's
signed Stripe webhook.

A breeder makes a Pastel het Clown public and lists it; another user searches "pastle het
clown" and finds it with facets, saves the listing and follows a thread; the price drops and
the follower gets an in-app notification (seen live over Server-Sent Events) and an email; a
hostile post is sanitised, and a report and a moderator hide it (from the thread and from
search); a campaign boosts the listing in search, and its impressions stop when its budget
is spent.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from test_commerce_acceptance import ok
from test_search_acceptance import eventually

from platform_process import clean_environment, free_port, free_port_block, running_platform

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
WEBHOOK_SECRET = "whsec_acceptance_0123456789abcdef"


class Mailbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str, containing: str, within: float = 20.0) -> EmailMessage:
        """The first mail to ``address`` whose text contains ``containing``."""

        def first() -> EmailMessage | None:
            with self._lock:
                for message in self.messages:
                    if message["To"] == address and containing in message.get_content():
                        return message
            return None

        found = eventually(first, within)
        assert isinstance(found, EmailMessage), f"no mail to {address} with {containing!r}"
        return found


@dataclass
class Platform:
    """The running platform: its port block, environment and mailbox."""

    base: int
    environ: dict[str, str]
    mailbox: Mailbox
    clients: dict[int, httpx.Client] = field(default_factory=dict)

    def service(self, offset: int) -> httpx.Client:
        """A client of the service at ``base + offset`` (0 core, 1 animal, 2 commerce, 4
        community)."""
        if offset not in self.clients:
            self.clients[offset] = httpx.Client(
                base_url=f"http://127.0.0.1:{self.base + offset}", timeout=20
            )
        return self.clients[offset]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    tmp_path = tmp_path_factory.mktemp("community-acceptance")
    mailbox, smtp_port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    environ = clean_environment(
        tmp_path / "data",
        {
            "REPTIDEX_LOG_LEVEL": "WARNING",
            "REPTIDEX_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            "REPTIDEX_STRIPE_SECRET_KEY": "sk_test_acceptance",
            "REPTIDEX_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "REPTIDEX_STRIPE_PRICE_KEEPER": "price_keeper",
            "REPTIDEX_STRIPE_PRICE_BREEDER": "price_breeder",
            "REPTIDEX_STRIPE_PRICE_BUSINESS": "price_business",
        },
    )
    base = free_port_block()
    try:
        with running_platform(base, environ, tmp_path / "platform.log"):
            yield Platform(base, environ, mailbox)
    finally:
        controller.stop()


@dataclass
class Person:
    """A verified user: their address, id, organisation (if they made one) and headers."""

    email: str
    user_id: str
    organisation_id: str | None
    headers: dict[str, str]


def _login(core: httpx.Client, address: str) -> dict[str, Any]:
    answer: dict[str, Any] = ok(
        core.post("/auth/login", json={"email": address, "password": PASSWORD})
    )
    return answer


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def person(platform: Platform, name: str, *, organisation: bool = True) -> Person:
    """Register, verify (the token from the verification mail) and sign in; with an
    organisation of their own when ``organisation``."""
    core = platform.service(0)
    address = f"{name}-{uuid.uuid4().hex[:6]}@example.org"
    assert (
        core.post("/auth/register", json={"email": address, "password": PASSWORD}).status_code
        == 202
    )
    mail = platform.mailbox.to(address, "Token: ")
    match = re.search(r"^Token: (\S+)", mail.get_content(), re.MULTILINE)
    assert match, mail.get_content()
    ok(core.post("/auth/verify-email", json={"token": match.group(1)}))
    token = _login(core, address)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    organisation_id = None
    if organisation:
        made = ok(core.post("/orgs/", json={"name": f"{name}'s reptiles"}, headers=headers), 201)
        organisation_id = made["id"]
        switched = ok(
            core.post(
                "/auth/switch-organisation",
                json={"organisation_id": organisation_id},
                headers=headers,
            )
        )
        headers = {"Authorization": f"Bearer {switched['access_token']}"}
    user_id = _claims(headers["Authorization"].split()[1])["sub"]
    return Person(address, user_id, organisation_id, headers)


def moderator(platform: Platform) -> Person:
    """A user made a platform administrator by `reptidex admin grant`, signed in again."""
    admin = person(platform, "moderator", organisation=False)
    granted = subprocess.run(
        [sys.executable, "-m", "reptidex", "admin", "grant", admin.email],
        env=platform.environ, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert granted.returncode == 0, granted.stderr
    token = _login(platform.service(0), admin.email)["access_token"]
    assert _claims(token).get("platform_admin") is True
    return Person(admin.email, admin.user_id, None, {"Authorization": f"Bearer {token}"})


class Stream:
    """``GET /notifications/stream`` read on a thread of its own: the events it delivers."""

    def __init__(self, platform: Platform, headers: dict[str, str]) -> None:
        self.events: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._url = f"http://127.0.0.1:{platform.base + 4}/notifications/stream"
        self._headers = headers
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self.connected.wait(20), "the stream did not connect"

    def _read(self) -> None:
        try:
            self._follow()
        except httpx.HTTPError:
            if not self._stop.is_set():
                raise

    def _follow(self) -> None:
        with (
            httpx.Client(timeout=httpx.Timeout(20, read=30)) as client,
            client.stream("GET", self._url, headers=self._headers) as response,
        ):
            assert response.status_code == 200
            kind, data = None, ""
            for line in response.iter_lines():
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("event:"):
                    kind = line.partition(":")[2].strip()
                elif line.startswith("data:"):
                    data += line.partition(":")[2].strip()
                elif not line and kind == "notification":
                    self.events.append(json.loads(data))
                    kind, data = None, ""
                if self._stop.is_set():
                    return

    def close(self) -> None:
        self._stop.set()


def stripe_paid(core: httpx.Client, organisation_id: str, amount: int) -> None:
    """Stripe's signed ``checkout.session.completed`` of an ad credit purchase, to core."""
    event = {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": f"cs_{uuid.uuid4().hex[:20]}",
                "object": "checkout.session",
                "mode": "payment",
                "client_reference_id": organisation_id,
                "customer": "cus_acceptance",
                "payment_intent": f"pi_{uuid.uuid4().hex[:20]}",
                "payment_status": "paid",
                "amount_total": amount,
                "currency": "eur",
                "metadata": {"organisation_id": organisation_id, "purpose": "ad_credits"},
            }
        },
    }
    body = json.dumps(event).encode()
    stamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    answer = core.post(
        "/billing/webhooks/stripe",
        content=body,
        headers={
            "Stripe-Signature": f"t={stamp},v1={digest.hexdigest()}",
            "Content-Type": "application/json",
        },
    )
    assert answer.status_code == 200, answer.text


def test_a_breeder_is_found_followed_told_moderated_and_boosted(platform: Platform) -> None:
    animal, commerce, community = (platform.service(i) for i in (1, 2, 4))
    breeder = person(platform, "breeder")
    buyer = person(platform, "buyer")
    troll = person(platform, "troll", organisation=False)
    admin = moderator(platform)

    # -- a breeder makes an animal public and lists it ----------------------------------------
    sunny = ok(
        animal.post(
            "/animals",
            json={"species": "ball_python", "sex": "female", "morph": "Pastel het Clown",
                  "name": "Sunny", "visibility": "public"},
            headers=breeder.headers,
        ),
        201,
    )  # fmt: skip
    listing = ok(
        commerce.post(
            "/marketplace/listings",
            json={"animal_id": sunny["id"], "title": "Pastel het Clown female",
                  "price": {"amount": 35000, "currency": "EUR"}, "country": "de",
                  "publish": True},
            headers=breeder.headers,
        ),
        201,
    )  # fmt: skip

    # -- another user searches "pastle het clown" and finds it with facets --------------------
    def found() -> dict[str, Any] | None:
        body: dict[str, Any] = ok(community.get("/search", params={"q": "pastle het clown"}))
        kinds = {(i["kind"], i["id"]) for i in body["items"]}
        wanted = {("animal", sunny["id"]), ("listing", listing["id"])}
        return body if wanted <= kinds else None

    page = eventually(found)
    assert page, "the animal and its listing were not found"
    assert {"value": "DE", "count": 1} in page["facets"]["country"]
    assert {"value": "ball_python", "count": 2} in page["facets"]["species"]
    assert page["sponsored"] == []  # no campaign yet

    # -- ... saves the listing and follows a thread ------------------------------------------
    ok(
        community.post(
            "/community/forums",
            json={"slug": "ball-pythons", "name": "Ball pythons", "public": True, "position": 1},
            headers=admin.headers,
        ),
        201,
    )
    started = ok(
        community.post(
            "/community/forums/ball-pythons/threads",
            json={"title": "Pastel het Clown pairings", "body": "What did **yours** produce?"},
            headers=breeder.headers,
        ),
        201,
    )
    thread_id = started["thread"]["id"]
    ok(community.put(f"/community/forums/threads/{thread_id}/follow", headers=buyer.headers))
    ok(community.put(f"/community/saved-listings/{listing['id']}", headers=buyer.headers))
    threads = ok(community.get("/search", params={"q": "pastle pairings", "kind": "thread"}))
    assert [i["id"] for i in threads["items"]] == [thread_id]

    # -- the price drops: an in-app notification live over SSE, and an email ------------------
    stream = Stream(platform, buyer.headers)
    try:
        ok(
            commerce.patch(
                f"/marketplace/listings/{listing['id']}",
                json={"price": {"amount": 29000, "currency": "EUR"}},
                headers=breeder.headers,
            )
        )
        live = eventually(
            lambda: [e for e in stream.events if e.get("kind") == "listing.price_dropped"], 20
        )
        assert live, f"no price drop on the stream: {stream.events}"
    finally:
        stream.close()
    assert "290.00 EUR" in json.dumps(live[0])
    mail = platform.mailbox.to(buyer.email, "290.00 EUR")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unread = ok(community.get("/notifications/unread-count", headers=buyer.headers))
    assert unread["unread"] >= 1

    # -- a hostile post is sanitised, and a report hides it ------------------------------------
    hostile = ok(
        community.post(
            f"/community/forums/threads/{thread_id}/posts",
            json={"body": "Cheap clowns <script>alert(document.cookie)</script> "
                          "[here](javascript:alert(1)) <img src=x onerror=alert(1)>"},
            headers=troll.headers,
        ),
        201,
    )  # fmt: skip
    read = ok(community.get(f"/community/forums/threads/{thread_id}"))
    [shown] = [p for p in read["posts"] if p["id"] == hostile["id"]]
    assert "<script" not in shown["html"]
    assert "<img" not in shown["html"]
    assert 'href="javascript' not in shown["html"]
    cheap = ok(community.get("/search", params={"q": "cheap clowns", "kind": "post"}))
    assert [i["id"] for i in cheap["items"]] == [hostile["id"]]
    ok(
        community.post(
            f"/community/forums/posts/{hostile['id']}/reports",
            json={"reason": "Scam and script injection"},
            headers=buyer.headers,
        ),
        201,
    )
    queue = ok(community.get("/community/forums/moderation/reports", headers=admin.headers))
    assert hostile["id"] in json.dumps(queue)
    ok(
        community.post(
            f"/community/forums/posts/{hostile['id']}/hide",
            json={"reason": "Reported: scam"},
            headers=admin.headers,
        )
    )
    read = ok(community.get(f"/community/forums/threads/{thread_id}"))
    assert all(p["id"] != hostile["id"] for p in read["posts"])
    cheap = ok(community.get("/search", params={"q": "cheap clowns", "kind": "post"}))
    assert cheap["items"] == []

    # -- a campaign boosts the listing; its impressions stop when the budget is spent ---------
    stripe_paid(platform.service(0), str(breeder.organisation_id), 2500)
    credits = eventually(
        lambda: ok(community.get("/ads/credits", headers=breeder.headers)).get("balances"), 20
    )
    assert credits, "the ad credits did not arrive"
    today = dt.datetime.now(dt.UTC).date()
    ok(
        community.post(
            "/ads/campaigns",
            json={"name": "Sunny", "boost": "listings", "listing_ids": [listing["id"]],
                  "currency": "EUR", "daily_budget": 1, "total_budget": 1, "cpm": 1000,
                  "starts_on": today.isoformat(),
                  "ends_on": (today + dt.timedelta(days=1)).isoformat(),
                  "targeting": {"species": ["ball_python"], "genes": ["clown"]}},
            headers=breeder.headers,
        ),
        201,
    )  # fmt: skip
    boosted = ok(community.get("/search", params={"q": "pastle het clown"}, headers=buyer.headers))
    [slot] = boosted["sponsored"]
    assert slot["sponsored"] is True
    assert slot["listing_id"] == listing["id"]
    assert all(i.get("sponsored") is None for i in boosted["items"])
    own = ok(community.get("/search", params={"q": "pastle het clown"}, headers=breeder.headers))
    assert own["sponsored"] == []  # the advertiser does not see (nor pay for) its own
    seen = community.post(
        "/ads/impressions", json={"token": slot["impression_token"]}, headers=buyer.headers
    )
    assert ok(seen) == {"outcome": "counted"}  # one impression spends the whole budget
    again = community.post("/ads/impressions", json={"token": slot["impression_token"]})
    assert ok(again) == {"outcome": "budget"}
    after = ok(community.get("/search", params={"q": "pastle het clown"}))
    assert after["sponsored"] == []
    campaigns = ok(community.get("/ads/campaigns", headers=breeder.headers))
    [campaign] = campaigns["items"]
    assert campaign["spent"] == 1
    assert not Path(platform.environ["REPTIDEX_DATA_DIR"], "mail-outbox").exists()
