"""A local stand-in for the HTTP API of Stripe's marketplace calls (Checkout Sessions with
Connect destination charges, refunds, Connect accounts and account links), which localstripe
does not serve: it checks its parameters as Stripe documents them, answers in Stripe's JSON
shape, and records the requests. PayPal's stand-in, shared with billing's tests, is
tests/paypal_stand_in.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from http_stand_in import ApiError, StandIn

STRIPE_KEY = "sk_test_marketplace"
STRIPE_WEBHOOK_SECRET = "whsec_marketplace_test_secret"
STRIPE_COUNTRIES = frozenset(
    {
        "AE", "AT", "AU", "BE", "BG", "CA", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
        "GB", "GI", "GR", "HK", "HR", "HU", "IE", "IT", "JP", "LI", "LT", "LU", "LV", "MT", "MX",
        "MY", "NL", "NO", "NZ", "PL", "PT", "RO", "SE", "SG", "SI", "SK", "TH", "US",
    }
)  # fmt: skip
"""Countries the stand-in opens connected accounts in (Stripe's markets, abridged)."""
EXPRESS = {
    "controller[stripe_dashboard][type]": "express",
    "controller[requirement_collection]": "stripe",
    "controller[fees][payer]": "application",
    "controller[losses][payments]": "application",
}
"""The controller properties of an Express account, as form fields."""
ACCOUNT_LINK_SECONDS = 300


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


def _only(form: dict[str, Any], allowed: re.Pattern[str]) -> None:
    """Stripe refuses a parameter it does not know."""
    for key in form:
        if not allowed.fullmatch(key):
            raise _stripe_error(f"Received unknown parameter: {key}", key)


def _url(form: dict[str, Any], key: str) -> str:
    value = str(form.get(key) or "")
    if not value:
        raise _stripe_error(f"Missing required param: {key}.", key)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise _stripe_error(f"Not a valid URL: {key}", key)
    return value


ACCOUNT_PARAMS = re.compile(
    r"type|country|email|controller\[(stripe_dashboard\]\[type|requirement_collection|"
    r"fees\]\[payer|losses\]\[payments)\]|capabilities\[[a-z_]+\]\[requested\]|"
    r"metadata\[[^\]]*\]"
)
ACCOUNT_LINK_PARAMS = re.compile(
    r"account|refresh_url|return_url|type|collection_options\[(fields|future_requirements)\]"
)


class StripeStandIn(StandIn):
    """Checkout Sessions in payment mode with a destination charge, refunds, and Connect:
    Express accounts (created with ``type=express`` or its controller properties), account
    links to their onboarding, and reading them. Unknown or missing parameters are refused
    as Stripe refuses them; an idempotency key sent again with other parameters too."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        self.links: list[dict[str, Any]] = []
        self.keys: dict[str, tuple[str, dict[str, Any], tuple[int, dict[str, Any]]]] = {}

    def decode(self, raw: str, headers: dict[str, str]) -> dict[str, Any]:
        return dict(parse_qsl(raw, keep_blank_values=True))

    def route(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if headers.get("authorization") != f"Bearer {STRIPE_KEY}":
            raise _stripe_error("Invalid API Key provided", status=401)
        key = headers.get("idempotency-key")
        if method == "POST" and key and key in self.keys:
            first_path, first_body, first_answer = self.keys[key]
            if (first_path, first_body) != (path, body):
                raise ApiError(
                    400,
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with "
                            "the same parameters they were first used with.",
                        }
                    },
                )
            return first_answer
        account = re.fullmatch(r"/v1/accounts/(acct_[A-Za-z0-9]+)", path)
        if method == "POST" and path == "/v1/accounts":
            answer = (200, self._create_account(body))
        elif method == "GET" and account is not None:
            answer = (200, self._account(account.group(1)))
        elif method == "POST" and path == "/v1/account_links":
            answer = (200, self._account_link(body))
        elif method == "POST" and path == "/v1/checkout/sessions":
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
            self.keys[key] = (path, body, answer)
        return answer

    def _create_account(self, form: dict[str, Any]) -> dict[str, Any]:
        _only(form, ACCOUNT_PARAMS)
        controller = {k: v for k, v in form.items() if k.startswith("controller[")}
        if "type" in form and controller:
            raise _stripe_error("You cannot specify both type and controller.", "type")
        if form.get("type", "express") != "express" or (controller and controller != EXPRESS):
            raise _stripe_error("The stand-in opens Express accounts only.", "controller")
        if "type" not in form and not controller:
            raise _stripe_error("Missing required param: type.", "type")
        country = str(form.get("country", ""))
        if country not in STRIPE_COUNTRIES:
            raise _stripe_error(f"Country '{country}' is unknown or not supported.", "country")
        email = form.get("email")
        if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(email)):
            raise _stripe_error("Invalid email address: " + str(email), "email")
        requested: dict[str, str] = {}
        for key, value in form.items():
            if found := re.fullmatch(r"capabilities\[([a-z_]+)\]\[requested\]", key):
                if found.group(1) not in ("card_payments", "transfers"):
                    raise _stripe_error(f"Invalid capability: {found.group(1)}", key)
                if value not in ("true", "false"):
                    raise _stripe_error(f"Invalid boolean: {value}", key)
                requested[found.group(1)] = value
        if requested.get("card_payments") == "true" and requested.get("transfers") != "true":
            raise _stripe_error(
                "card_payments needs transfers on an Express account.", "capabilities"
            )
        metadata = {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")}
        for name, value in metadata.items():
            if not name or len(name) > 40 or len(str(value)) > 500:
                raise _stripe_error("Invalid metadata", f"metadata[{name}]")
        account_id = f"acct_1{uuid.uuid4().hex[:15].upper()}"
        self.accounts[account_id] = {
            "id": account_id,
            "object": "account",
            "type": "express",
            "country": country,
            "email": email,
            "created": int(time.time()),
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "capabilities": {name: "inactive" for name, on in requested.items() if on == "true"},
            "controller": {
                "type": "application",
                "is_controller": True,
                "stripe_dashboard": {"type": "express"},
                "requirement_collection": "stripe",
                "fees": {"payer": "application_express"},
                "losses": {"payments": "application"},
            },
            "metadata": metadata,
            "requirements": {"currently_due": ["external_account", "tos_acceptance.date"]},
        }
        return self.accounts[account_id]

    def _account(self, account_id: str) -> dict[str, Any]:
        account = self.accounts.get(account_id)
        if account is None:
            raise ApiError(
                403,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "account_invalid",
                        "message": f"The provided key does not have access to account "
                        f"'{account_id}' (or that account does not exist).",
                    }
                },
            )
        return account

    def _account_link(self, form: dict[str, Any]) -> dict[str, Any]:
        _only(form, ACCOUNT_LINK_PARAMS)
        account_id = str(form.get("account") or "")
        if not account_id:
            raise _stripe_error("Missing required param: account.", "account")
        if account_id not in self.accounts:
            raise _stripe_error(f"No such account: '{account_id}'", "account", 404)
        kind = form.get("type")
        if kind is None:
            raise _stripe_error("Missing required param: type.", "type")
        if kind != "account_onboarding":
            raise _stripe_error(
                "Accounts with the Express Dashboard are onboarded, not updated, by links.",
                "type",
            )
        refresh_url, return_url = _url(form, "refresh_url"), _url(form, "return_url")
        created = int(time.time())
        token = uuid.uuid4().hex
        link = {
            "object": "account_link",
            "created": created,
            "expires_at": created + ACCOUNT_LINK_SECONDS,
            "url": f"https://connect.stripe.test/setup/e/{account_id}/{token}",
        }
        self.links.append(
            {**link, "account": account_id, "refresh_url": refresh_url, "return_url": return_url}
        )
        return link

    def finish_onboarding(self, account_id: str, *, charges: bool = True) -> dict[str, Any]:
        """The seller completes Stripe's onboarding: the account takes charges (unless
        ``charges`` is false) and payouts. The account as an event would carry it."""
        with self.lock:
            account = self.accounts[account_id]
            account.update(
                details_submitted=True,
                charges_enabled=charges,
                payouts_enabled=charges,
                capabilities={
                    name: "active" if charges else "inactive" for name in account["capabilities"]
                },
                requirements={"currently_due": []},
            )
            return dict(account)

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
