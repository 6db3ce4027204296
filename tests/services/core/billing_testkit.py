"""Fakes and helpers of the billing tests: an in-memory unit of work, fake gateways, Stripe
signatures made from a test secret, and localstripe run locally (the Checkout and portal stand-in
is stripe_stand_in.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
from memory_outbox import MemoryOutbox

from platform_process import free_port
from reptidex.domain.billing import (
    BillingProvider,
    CancellationScheduled,
    CheckoutSession,
    InvalidWebhook,
    NoticeKind,
    Subscription,
    SubscriptionStatus,
    WebhookNotice,
)
from reptidex.domain.events import DomainEvent

SECRET_KEY = "sk_test_reptidex"
WEBHOOK_SECRET = "whsec_test_reptidex_0123456789abcdef"
PRICES = {
    "keeper": "price_keeper_test",
    "breeder": "price_breeder_test",
    "business": "price_business_test",
}


# -- in-memory unit of work -----------------------------------------------------------------


class MemorySubscriptions:
    def __init__(self, rows: dict[uuid.UUID, Subscription]) -> None:
        self.rows = rows

    async def get(self, organisation_id: uuid.UUID) -> Subscription | None:
        return self.rows.get(organisation_id)

    async def find_by_reference(
        self, *, customer_ref: str | None = None, subscription_ref: str | None = None
    ) -> Subscription | None:
        for row in self.rows.values():
            if subscription_ref is not None and row.subscription_ref == subscription_ref:
                return row
            if subscription_ref is None and customer_ref and row.customer_ref == customer_ref:
                return row
        return None

    async def save(self, subscription: Subscription) -> None:
        self.rows[subscription.organisation_id] = subscription


class MemoryWebhooks:
    def __init__(self, seen: dict[str, str]) -> None:
        self.seen_ids = seen

    async def seen(self, event_id: str) -> bool:
        return event_id in self.seen_ids

    async def record(self, event_id: str, event_type: str) -> None:
        self.seen_ids[event_id] = event_type


@dataclass
class MemoryBillingStore:
    """The committed state the fake units of work share."""

    subscriptions: dict[uuid.UUID, Subscription] = field(default_factory=dict)
    webhooks: dict[str, str] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)

    def unit_of_work(self) -> MemoryBillingUnitOfWork:
        return MemoryBillingUnitOfWork(self)

    def event_types(self) -> list[str]:
        return [event.type for event in self.events]


class MemoryBillingUnitOfWork:
    def __init__(self, store: MemoryBillingStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        self.subscriptions = MemorySubscriptions(dict(self._store.subscriptions))
        self.webhooks = MemoryWebhooks(dict(self._store.webhooks))
        self.outbox = MemoryOutbox()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self._store.subscriptions = dict(self.subscriptions.rows)
        self._store.webhooks = dict(self.webhooks.seen_ids)
        self._store.events.extend(self.outbox.staged)
        self.outbox.staged = []


# -- fake gateways --------------------------------------------------------------------------

GOOD = {"signature": "good"}
"""The headers of a fake webhook delivery that verifies."""


class FakeProvider:
    """A gateway double without customers (as PayPal): records checkouts and cancellations;
    its webhooks are JSON notices whose ``signature`` header is "good"."""

    def __init__(self, provider: BillingProvider = BillingProvider.PAYPAL) -> None:
        self.provider = provider
        self.checkouts: list[dict[str, Any]] = []
        self.cancelled: list[str] = []
        self.paid_until: dt.datetime | None = None

    async def start_checkout(self, **request: Any) -> CheckoutSession:
        self.checkouts.append(request)
        number = len(self.checkouts)
        return CheckoutSession(f"cs_{number}", f"https://pay.example/cs_{number}")

    async def cancel_at_period_end(self, subscription_ref: str) -> CancellationScheduled:
        self.cancelled.append(subscription_ref)
        return CancellationScheduled(subscription_ref, True, self.paid_until)

    async def read_webhook(self, payload: bytes, headers: Mapping[str, str]) -> WebhookNotice:
        if headers.get("signature") != "good":
            raise InvalidWebhook("bad signature")
        body = json.loads(payload)
        org = body.get("organisation_id")
        end = body.get("current_period_end")
        return WebhookNotice(
            event_id=body["id"],
            event_type=body.get("type", "x"),
            kind=NoticeKind(body["kind"]),
            organisation_id=uuid.UUID(org) if org else None,
            customer_ref=body.get("customer_ref"),
            subscription_ref=body.get("subscription_ref"),
            plan=body.get("plan"),
            status=SubscriptionStatus(body["status"]) if body.get("status") else None,
            current_period_end=dt.datetime.fromisoformat(end) if end else None,
            cancel_at_period_end=body.get("cancel_at_period_end"),
            amount_cents=body.get("amount_cents"),
        )


class FakeGateway(FakeProvider):
    """A gateway double with customers and a portal (as Stripe)."""

    def __init__(self, provider: BillingProvider = BillingProvider.STRIPE) -> None:
        super().__init__(provider)
        self.customers: list[tuple[uuid.UUID, str]] = []

    async def create_customer(self, organisation_id: uuid.UUID, email: str) -> str:
        self.customers.append((organisation_id, email))
        return f"cus_{len(self.customers)}"

    async def open_portal(self, *, customer_ref: str, return_url: str) -> str:
        return f"https://portal.example/{customer_ref}"


def notice(**body: Any) -> bytes:
    """A fake gateway webhook body."""
    body.setdefault("id", f"evt_{uuid.uuid4().hex}")
    return json.dumps(body, default=str).encode()


# -- real Stripe signatures -----------------------------------------------------------------


def stripe_signature(
    payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> str:
    """A ``Stripe-Signature`` header as Stripe computes it: HMAC-SHA256 of ``t.payload``."""
    stamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{stamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def stripe_event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> bytes:
    """The JSON body of a Stripe event of ``event_type`` about ``obj``."""
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {"object": obj},
    }
    return json.dumps(event).encode()


def stripe_subscription(
    subscription_ref: str,
    customer_ref: str,
    *,
    plan: str = "keeper",
    status: str = "active",
    organisation_id: uuid.UUID | None = None,
    cancel_at_period_end: bool = False,
    period_end: int = 1_900_000_000,
) -> dict[str, Any]:
    """A Stripe subscription object as current API versions shape it (period on the items)."""
    return {
        "id": subscription_ref,
        "object": "subscription",
        "customer": customer_ref,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "cancel_at": None,
        "metadata": {"organisation_id": str(organisation_id)} if organisation_id else {},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_1",
                    "object": "subscription_item",
                    "current_period_end": period_end,
                    "price": {"id": PRICES[plan], "object": "price"},
                }
            ],
        },
    }


# -- localstripe ---------------------------------------------------------------------------


@contextmanager
def running_localstripe() -> Iterator[str]:
    """Start ``localstripe`` on a free port; yield its base URL; stop it afterwards."""
    port = free_port()
    executable = Path(sys.executable).with_name("localstripe")
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "localstripe"]
    process = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/v1/customers", auth=("sk_test_probe", ""), timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
