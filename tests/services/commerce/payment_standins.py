"""A local stand-in for the HTTP API of Stripe's marketplace calls (Checkout Sessions with
Connect destination charges, refunds), which localstripe does not serve: it checks its
parameters as Stripe documents them, answers in Stripe's JSON shape, and records the requests.
PayPal's stand-in, shared with billing's tests, is tests/paypal_stand_in.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from http_stand_in import ApiError, StandIn

STRIPE_KEY = "sk_test_marketplace"
STRIPE_WEBHOOK_SECRET = "whsec_marketplace_test_secret"


# -- Stripe ----------------------------------------------------------------------------------


def _stripe_error(message: str, param: str | None = None, status: int = 400) -> ApiError:
    return ApiError(
        status, {"error": {"type": "invalid_request_error", "message": message, "param": param}}
    )


def _integer(form: dict[str, Any], key: str, *, minimum: int = 0) -> int:
    value = form.get(key)
    if value is None or not re.fullmatch(r"\d+", str(value)) or int(value) < minimum:
        raise _stripe_error(f"Invalid integer: {value}", key)
    return int(value)


class StripeStandIn(StandIn):
    """Checkout Sessions in payment mode with a destination charge, and refunds."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, tuple[int, dict[str, Any]]] = {}

    def decode(self, raw: str, headers: dict[str, str]) -> dict[str, Any]:
        return dict(parse_qsl(raw, keep_blank_values=True))

    def route(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if headers.get("authorization") != f"Bearer {STRIPE_KEY}":
            raise _stripe_error("Invalid API Key provided", status=401)
        key = headers.get("idempotency-key")
        if method == "POST" and key and key in self.keys:
            return self.keys[key]
        if method == "POST" and path == "/v1/checkout/sessions":
            answer = (200, self._create_session(body))
        elif method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(path.rsplit("/", 1)[1])
            if session is None:
                raise _stripe_error("No such checkout.session", "id", 404)
            answer = (200, session)
        elif method == "POST" and path == "/v1/refunds":
            answer = (200, self._refund(body))
        else:
            raise _stripe_error(f"Unrecognized request URL ({method}: {path})", status=404)
        if method == "POST" and key:
            self.keys[key] = answer
        return answer

    def _create_session(self, form: dict[str, Any]) -> dict[str, Any]:
        if form.get("mode") != "payment":
            raise _stripe_error("mode must be payment", "mode")
        for required in ("success_url", "cancel_url"):
            if not str(form.get(required, "")).startswith(("http://", "https://")):
                raise _stripe_error(f"Not a valid URL: {required}", required)
        item = "line_items[0][price_data]"
        currency = str(form.get(f"{item}[currency]", ""))
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise _stripe_error("Invalid currency", f"{item}[currency]")
        amount = _integer(form, f"{item}[unit_amount]", minimum=1)
        if _integer(form, "line_items[0][quantity]", minimum=1) != 1:
            raise _stripe_error("one item", "line_items[0][quantity]")
        destination = str(form.get("payment_intent_data[transfer_data][destination]", ""))
        if not destination.startswith("acct_"):
            raise _stripe_error("No such destination", "payment_intent_data[transfer_data]")
        if form.get("payment_intent_data[on_behalf_of]") != destination:
            raise _stripe_error("on_behalf_of must be the destination", "on_behalf_of")
        fee = 0
        if "payment_intent_data[application_fee_amount]" in form:
            fee = _integer(form, "payment_intent_data[application_fee_amount]", minimum=1)
        if fee > amount:
            raise _stripe_error("The application fee exceeds the amount", "application_fee")
        number = len(self.sessions) + 1
        session_id = f"cs_test_{number:04d}{uuid.uuid4().hex[:8]}"
        self.sessions[session_id] = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "amount_total": amount,
            "currency": currency,
            "client_reference_id": form.get("client_reference_id"),
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
            "payment_status": "unpaid",
            "status": "open",
            "payment_intent": None,
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "application_fee_amount": fee,
            "destination": destination,
        }
        return self.sessions[session_id]

    def complete(self, session_id: str) -> dict[str, Any]:
        """The buyer pays: the session is complete and paid, with its PaymentIntent."""
        with self.lock:
            session = self.sessions[session_id]
            intent_id = f"pi_test_{uuid.uuid4().hex[:16]}"
            self.intents[intent_id] = {
                "id": intent_id,
                "amount": session["amount_total"],
                "currency": session["currency"],
                "refunded": 0,
                "application_fee_amount": session["application_fee_amount"],
                "metadata": session["metadata"],
            }
            session.update(status="complete", payment_status="paid", payment_intent=intent_id)
            return dict(session)

    def _refund(self, form: dict[str, Any]) -> dict[str, Any]:
        intent = self.intents.get(str(form.get("payment_intent")))
        if intent is None:
            raise _stripe_error("No such payment_intent", "payment_intent", 404)
        if form.get("reverse_transfer") != "true":
            raise _stripe_error("a destination charge is refunded with reverse_transfer")
        left = intent["amount"] - intent["refunded"]
        amount = _integer(form, "amount", minimum=1) if "amount" in form else left
        if amount > left:
            raise _stripe_error(
                f"Refund amount ({amount}) is greater than unrefunded amount ({left})", "amount"
            )
        intent["refunded"] += amount
        return {
            "id": f"re_test_{uuid.uuid4().hex[:16]}",
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
        }


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe computes it: HMAC-SHA256 of ``t.payload``."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
    return f"t={stamp},v1={digest.hexdigest()}"


def signed_stripe_event(
    event_type: str,
    obj: dict[str, Any],
    *,
    event_id: str | None = None,
    account: str | None = None,
    timestamp: int | None = None,
    secret: str = STRIPE_WEBHOOK_SECRET,
) -> tuple[bytes, dict[str, str]]:
    """A Stripe event's body and headers, signed as Stripe signs them."""
    event: dict[str, Any] = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }
    if account:
        event["account"] = account
    body = json.dumps(event).encode()
    signature = stripe_signature(body, secret, timestamp)
    return body, {"Stripe-Signature": signature, "Content-Type": "application/json"}
