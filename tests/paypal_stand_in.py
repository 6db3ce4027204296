"""A local stand-in for PayPal's REST API, which no sandbox serves from here: OAuth2 tokens,
Orders v2 (create, capture) and capture refunds for the marketplace; catalog products, billing
plans and subscriptions (create, show, cancel) for billing; and webhook signature verification.

It checks what PayPal checks: the app's credentials for a token (HTTP Basic) and that token on
every other call; a JSON body (``Content-Type: application/json``) that fits the reference's
schema of the call (paypal_schemas.py: no missing, malformed or unknown field); the resources a
call names (a plan's product, a subscription's plan, which must be active) and the state a
call needs (only an active or suspended subscription is cancelled, only an approved order
captured). A ``PayPal-Request-Id`` replays its first answer. It answers in PayPal's shapes,
errors included (``name``, ``details[].issue``), and records every request.

What PayPal's side does between calls is done by the tests: :meth:`PayPalStandIn.approve`
(the buyer approves an order), :meth:`PayPalStandIn.approve_subscription` (the payer approves
a subscription: it is active and paid for a month), :meth:`PayPalStandIn.suspend`; and the
webhooks PayPal would send are built by :func:`signed_paypal_event`, signed for one webhook.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import paypal_schemas as schemas
from http_stand_in import ApiError, StandIn

PAYPAL_CLIENT = ("paypal-client-id", "paypal-client-secret")
PAYPAL_WEBHOOK_ID = "3KW05814BV1926519"
"""The marketplace's webhook (repti-commerce's ``/transactions/webhooks/paypal``)."""
BILLING_WEBHOOK_ID = "8PT597110X687430L"
"""Billing's webhook (repti-core's ``/billing/webhooks/paypal``)."""
WEBHOOK_IDS = frozenset({PAYPAL_WEBHOOK_ID, BILLING_WEBHOOK_ID})
PAYPAL_SIGNING_KEY = b"paypal-stand-in-signing-key"
PAYPAL_PLACES = {"EUR": 2, "USD": 2, "GBP": 2, "JPY": 0, "HUF": 0, "TWD": 0}


def paypal_error(status: int, name: str, issue: str, pointer: str | None = None) -> ApiError:
    """PayPal's error answer."""
    detail: dict[str, str] = {"issue": issue}
    if pointer is not None:
        detail.update(field=pointer, location="body")
    return ApiError(status, {"name": name, "details": [detail], "debug_id": "a1b2c3d4e5f60"})


def not_found(pointer: str | None = None) -> ApiError:
    return paypal_error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", pointer)


def unprocessable(issue: str, pointer: str | None = None) -> ApiError:
    return paypal_error(422, "UNPROCESSABLE_ENTITY", issue, pointer)


def paypal_signature(transmission_id: str, when: str, body: bytes, webhook_id: str) -> str:
    """The stand-in's signature of a delivery to ``webhook_id`` (PayPal signs the same fields,
    ``transmission_id|time|webhook_id|crc32(body)``, with its certificate's key)."""
    message = f"{transmission_id}|{when}|{webhook_id}|{zlib.crc32(body)}"
    return hmac.new(PAYPAL_SIGNING_KEY, message.encode(), hashlib.sha256).hexdigest()


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(prefix: str, length: int) -> str:
    return prefix + uuid.uuid4().hex[:length].upper()


@dataclass
class PayPalOrder:
    id: str
    currency: str
    value: str
    payee: str
    fee: str | None
    custom_id: str
    status: str = "CREATED"
    capture_id: str | None = None
    refunded_minor: int = 0
    amount_minor: int = 0
    refunds: list[str] = field(default_factory=list)


@dataclass
class PayPalSubscription:
    id: str
    plan_id: str
    custom_id: str | None
    email: str | None
    created: str
    status: str = "APPROVAL_PENDING"
    next_billing_time: str | None = None
    last_payment: dict[str, Any] | None = None
    cycles_completed: int = 0

    def resource(self, base: str) -> dict[str, Any]:
        """The subscription as PayPal shows it (and sends it in its webhooks)."""
        shown: dict[str, Any] = {
            "id": self.id,
            "plan_id": self.plan_id,
            "status": self.status,
            "status_update_time": self.created,
            "start_time": self.created,
            "quantity": "1",
            "plan_overridden": False,
            "create_time": self.created,
            "links": [
                {
                    "href": f"{base}/v1/billing/subscriptions/{self.id}",
                    "rel": "self",
                    "method": "GET",
                }
            ],
        }
        if self.custom_id is not None:
            shown["custom_id"] = self.custom_id
        if self.email is not None:
            shown["subscriber"] = {"email_address": self.email}
        if self.status != "APPROVAL_PENDING":
            billing: dict[str, Any] = {
                "outstanding_balance": {"currency_code": "USD", "value": "0.00"},
                "cycle_executions": [
                    {
                        "tenure_type": "REGULAR",
                        "sequence": 1,
                        "cycles_completed": self.cycles_completed,
                        "cycles_remaining": 0,
                        "total_cycles": 0,
                    }
                ],
                "failed_payments_count": 0,
            }
            if self.last_payment is not None:
                billing["last_payment"] = self.last_payment
            if self.status in ("ACTIVE", "SUSPENDED") and self.next_billing_time:
                billing["next_billing_time"] = self.next_billing_time
            shown["billing_info"] = billing
        return shown


class PayPalStandIn(StandIn):
    """PayPal's REST API for the calls ReptiDex makes (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: set[str] = set()
        self.orders: dict[str, PayPalOrder] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.plans: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, PayPalSubscription] = {}
        self.request_ids: dict[str, tuple[int, dict[str, Any] | None]] = {}

    def decode(self, raw: str, headers: dict[str, str]) -> dict[str, Any]:
        if not raw:
            return {}
        kind = headers.get("content-type", "")
        if kind.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(raw))
        if not kind.startswith("application/json"):
            raise paypal_error(415, "UNSUPPORTED_MEDIA_TYPE", "UNSUPPORTED_MEDIA_TYPE")
        try:
            decoded = json.loads(raw)
        except ValueError:
            raise paypal_error(400, "INVALID_REQUEST", "MALFORMED_REQUEST_JSON") from None
        if not isinstance(decoded, dict):
            raise schemas.refusal("", "INVALID_PARAMETER_SYNTAX", "An object is expected.")
        return decoded

    # -- routing ---------------------------------------------------------------------------

    def route(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any] | None]:
        if path == "/v1/oauth2/token" and method == "POST":
            return self._token(body, headers)
        if headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            raise ApiError(401, {"name": "AUTHENTICATION_FAILURE", "debug_id": "a1b2c3d4e5f60"})
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise paypal_error(415, "UNSUPPORTED_MEDIA_TYPE", "UNSUPPORTED_MEDIA_TYPE")
        request_id = headers.get("paypal-request-id")
        if method == "POST" and request_id and request_id in self.request_ids:
            return self.request_ids[request_id]
        answer = self._dispatch(method, path, body)
        if method == "POST" and request_id:
            self.request_ids[request_id] = answer
        return answer

    def _dispatch(
        self, method: str, path: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None]:
        if method == "POST":
            if path == "/v2/checkout/orders":
                return self._create_order(body)
            if (found := re.fullmatch(r"/v2/checkout/orders/([^/]+)/capture", path)) is not None:
                return self._capture(found.group(1), body)
            if (found := re.fullmatch(r"/v2/payments/captures/([^/]+)/refund", path)) is not None:
                return self._refund(found.group(1), body)
            if path == "/v1/notifications/verify-webhook-signature":
                return self._verify(body)
            if path == "/v1/catalogs/products":
                return self._create_product(body)
            if path == "/v1/billing/plans":
                return self._create_plan(body)
            if path == "/v1/billing/subscriptions":
                return self._create_subscription(body)
            found = re.fullmatch(r"/v1/billing/subscriptions/([^/]+)/cancel", path)
            if found is not None:
                return self._cancel_subscription(found.group(1), body)
        if method == "GET":
            found = re.fullmatch(r"/v1/billing/subscriptions/([^/?]+)", path)
            if found is not None:
                return 200, self._subscription(found.group(1)).resource(self.base)
        raise not_found()

    def _token(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(":".join(PAYPAL_CLIENT).encode()).decode()
        if headers.get("authorization") != f"Basic {expected}":
            raise ApiError(401, {"error": "invalid_client"})
        if body.get("grant_type") != "client_credentials":
            raise ApiError(400, {"error": "unsupported_grant_type"})
        token = f"A21AA{uuid.uuid4().hex}"
        self.tokens.add(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 32400}

    # -- orders ----------------------------------------------------------------------------

    def _amount(self, amount: dict[str, Any], pointer: str) -> tuple[str, str, int]:
        currency, value = amount["currency_code"], amount["value"]
        places = PAYPAL_PLACES.get(currency)
        if places is None:
            raise unprocessable("CURRENCY_NOT_SUPPORTED", f"{pointer}/currency_code")
        pattern = r"\d{1,10}" if places == 0 else rf"\d{{1,10}}(\.\d{{1,{places}}})?"
        if not re.fullmatch(pattern, value):
            raise unprocessable("DECIMAL_PRECISION", f"{pointer}/value")
        whole, _, fraction = value.partition(".")
        return currency, value, int(whole) * 10**places + int(fraction.ljust(places, "0") or 0)

    def _create_order(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        schemas.check(schemas.ORDER, body)
        unit = body["purchase_units"][0]
        currency, value, minor = self._amount(unit["amount"], "/purchase_units/0/amount")
        payee = unit.get("payee", {}).get("merchant_id")
        if payee is None:
            raise unprocessable("PAYEE_ACCOUNT_INVALID", "/purchase_units/0/payee")
        fee = None
        fees = unit.get("payment_instruction", {}).get("platform_fees")
        if fees:
            pointer = "/purchase_units/0/payment_instruction/platform_fees/0/amount"
            fee_currency, fee, fee_minor = self._amount(fees[0]["amount"], pointer)
            if fee_currency != currency or fee_minor > minor:
                raise unprocessable("PLATFORM_FEE_EXCEEDED", pointer)
        order_id = _id("", 17)
        self.orders[order_id] = PayPalOrder(
            order_id, currency, value, payee, fee, unit.get("custom_id", ""), amount_minor=minor
        )
        links = [
            {"href": f"{self.base}/v2/checkout/orders/{order_id}", "rel": "self"},
            {
                "href": f"https://www.paypal.test/checkoutnow?token={order_id}",
                "rel": "payer-action",
            },
        ]
        return 200, {"id": order_id, "status": "PAYER_ACTION_REQUIRED", "links": links}

    def approve(self, order_id: str) -> None:
        """The buyer approves the order at PayPal."""
        with self.lock:
            self.orders[order_id].status = "APPROVED"

    def _capture(self, order_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        schemas.check(schemas.CAPTURE, body)
        order = self.orders.get(order_id)
        if order is None:
            raise not_found()
        if order.status == "COMPLETED":
            raise unprocessable("ORDER_ALREADY_CAPTURED")
        if order.status != "APPROVED":
            raise unprocessable("ORDER_NOT_APPROVED")
        order.status, order.capture_id = "COMPLETED", _id("CAP", 14)
        capture = {
            "id": order.capture_id,
            "status": "COMPLETED",
            "amount": {"currency_code": order.currency, "value": order.value},
            "custom_id": order.custom_id,
        }
        units = [{"reference_id": "default", "payments": {"captures": [capture]}}]
        return 201, {"id": order.id, "status": "COMPLETED", "purchase_units": units}

    def _refund(self, capture_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        schemas.check(schemas.REFUND, body)
        order = next((o for o in self.orders.values() if o.capture_id == capture_id), None)
        if order is None:
            raise not_found()
        left = order.amount_minor - order.refunded_minor
        whole = {"currency_code": order.currency, "value": order.value}  # no amount: the rest
        currency, value, minor = self._amount(body.get("amount", whole), "/amount")
        if "amount" not in body:
            minor = left
        if currency != order.currency:
            raise unprocessable("REFUND_CURRENCY_MISMATCH", "/amount/currency_code")
        if minor > left:
            raise unprocessable("REFUND_AMOUNT_EXCEEDED", "/amount/value")
        order.refunded_minor += minor
        refund_id = _id("REF", 14)
        order.refunds.append(refund_id)
        return 201, {
            "id": refund_id,
            "status": "COMPLETED",
            "amount": {"currency_code": currency, "value": value},
        }

    # -- catalog products, billing plans, subscriptions ------------------------------------

    def _create_product(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        schemas.check(schemas.PRODUCT, body)
        product_id = body.get("id") or _id("PROD-", 17)
        if product_id in self.products:
            raise unprocessable("DUPLICATE_RESOURCE_IDENTIFIER", "/id")
        now = _stamp(dt.datetime.now(dt.UTC))
        link = f"{self.base}/v1/catalogs/products/{product_id}"
        self.products[product_id] = {
            **body,
            "id": product_id,
            "create_time": now,
            "update_time": now,
            "links": [{"href": link, "rel": "self", "method": "GET"}],
        }
        return 201, self.products[product_id]

    def _create_plan(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        schemas.check(schemas.PLAN, body)
        if body["product_id"] not in self.products:
            raise not_found("/product_id")
        cycles = body["billing_cycles"]
        if [cycle["sequence"] for cycle in cycles] != list(range(1, len(cycles) + 1)):
            raise unprocessable("INVALID_BILLING_CYCLE_SEQUENCE", "/billing_cycles")
        regular = [cycle for cycle in cycles if cycle["tenure_type"] == "REGULAR"]
        if not regular:
            raise unprocessable("MISSING_REGULAR_BILLING_CYCLE", "/billing_cycles")
        if len(regular) > 1:
            raise unprocessable("MULTIPLE_REGULAR_BILLING_CYCLES_NOT_SUPPORTED", "/billing_cycles")
        for index, cycle in enumerate(cycles):
            price = cycle.get("pricing_scheme", {}).get("fixed_price")
            if price is not None:
                self._amount(price, f"/billing_cycles/{index}/pricing_scheme/fixed_price")
        plan_id = _id("P-", 24)
        now = _stamp(dt.datetime.now(dt.UTC))
        self.plans[plan_id] = {
            **body,
            "id": plan_id,
            "status": body.get("status", "ACTIVE"),
            "create_time": now,
            "update_time": now,
            "links": [
                {"href": f"{self.base}/v1/billing/plans/{plan_id}", "rel": "self", "method": "GET"}
            ],
        }
        return 201, self.plans[plan_id]

    def add_plan(self, status: str = "ACTIVE") -> str:
        """A billing plan PayPal already has (made in its dashboard); its id."""
        with self.lock:
            product_id = _id("PROD-", 17)
            self.products[product_id] = {"id": product_id, "name": "Plans", "type": "SERVICE"}
            plan_id = _id("P-", 24)
            self.plans[plan_id] = {"id": plan_id, "product_id": product_id, "status": status}
            return plan_id

    def _create_subscription(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        schemas.check(schemas.SUBSCRIPTION, body)
        plan = self.plans.get(body["plan_id"])
        if plan is None:
            raise not_found("/plan_id")
        if plan["status"] != "ACTIVE":
            raise unprocessable("PLAN_STATUS_INVALID", "/plan_id")
        subscription = PayPalSubscription(
            id=_id("I-", 12),
            plan_id=body["plan_id"],
            custom_id=body.get("custom_id"),
            email=body.get("subscriber", {}).get("email_address"),
            created=_stamp(dt.datetime.now(dt.UTC)),
        )
        self.subscriptions[subscription.id] = subscription
        shown = subscription.resource(self.base)
        token = _id("BA-", 17)
        shown["links"] = [
            {
                "href": f"https://www.paypal.test/webapps/billing/subscriptions?ba_token={token}",
                "rel": "approve",
                "method": "GET",
            },
            {
                "href": f"{self.base}/v1/billing/subscriptions/{subscription.id}",
                "rel": "edit",
                "method": "PATCH",
            },
            *shown["links"],
        ]
        return 201, shown

    def _subscription(self, subscription_id: str) -> PayPalSubscription:
        found = self.subscriptions.get(subscription_id)
        if found is None:
            raise not_found()
        return found

    def approve_subscription(
        self, subscription_id: str, *, paid: str = "9.00", at: dt.datetime | None = None
    ) -> dict[str, Any]:
        """The payer approves at PayPal: the subscription is active, its first month paid;
        its resource as PayPal's ``BILLING.SUBSCRIPTION.ACTIVATED`` webhook carries it."""
        with self.lock:
            subscription = self._subscription(subscription_id)
            now = at or dt.datetime.now(dt.UTC)
            subscription.status = "ACTIVE"
            subscription.cycles_completed = 1
            subscription.next_billing_time = _stamp(now + dt.timedelta(days=30))
            subscription.last_payment = {
                "amount": {"currency_code": "USD", "value": paid},
                "time": _stamp(now),
            }
            return subscription.resource(self.base)

    def suspend(self, subscription_id: str) -> dict[str, Any]:
        """PayPal suspends the subscription (its payments failed); its resource."""
        with self.lock:
            subscription = self._subscription(subscription_id)
            subscription.status = "SUSPENDED"
            return subscription.resource(self.base)

    def resource(self, subscription_id: str) -> dict[str, Any]:
        """The subscription as PayPal's webhooks carry it."""
        with self.lock:
            return self._subscription(subscription_id).resource(self.base)

    def _cancel_subscription(self, subscription_id: str, body: dict[str, Any]) -> tuple[int, None]:
        subscription = self._subscription(subscription_id)
        schemas.check(schemas.CANCEL, body)
        if subscription.status not in ("ACTIVE", "SUSPENDED"):
            raise unprocessable("SUBSCRIPTION_STATUS_INVALID")
        subscription.status = "CANCELLED"
        return 204, None

    # -- webhooks --------------------------------------------------------------------------

    def _verify(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        schemas.check(schemas.VERIFY_WEBHOOK_SIGNATURE, body)
        if body["webhook_id"] not in WEBHOOK_IDS:
            raise not_found("/webhook_id")
        event = json.dumps(body["webhook_event"], separators=(",", ":")).encode()
        expected = paypal_signature(
            body["transmission_id"], body["transmission_time"], event, body["webhook_id"]
        )
        good = hmac.compare_digest(expected, str(body["transmission_sig"]))
        return 200, {"verification_status": "SUCCESS" if good else "FAILURE"}


def signed_paypal_event(
    event_type: str,
    resource: dict[str, Any],
    *,
    event_id: str | None = None,
    sent: float | None = None,
    forge: bool = False,
    webhook_id: str = PAYPAL_WEBHOOK_ID,
    resource_type: str = "capture",
) -> tuple[bytes, dict[str, str]]:
    """A PayPal webhook's body and transmission headers, signed for the stand-in as a delivery
    to ``webhook_id``."""
    event = {
        "id": event_id or f"WH-{uuid.uuid4().hex[:20].upper()}",
        "event_version": "1.0",
        "create_time": "2026-12-07T10:00:00Z",
        "resource_type": resource_type,
        "event_type": event_type,
        "resource": resource,
    }
    body = json.dumps(event, separators=(",", ":")).encode()
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sent or time.time()))
    transmission_id = str(uuid.uuid4())
    signature = paypal_signature(transmission_id, when, body, webhook_id)
    headers = {
        "Content-Type": "application/json",
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        "PAYPAL-CERT-URL": "https://api.paypal.test/v1/notifications/certs/CERT-1",
        "PAYPAL-TRANSMISSION-ID": transmission_id,
        "PAYPAL-TRANSMISSION-SIG": ("0" if forge else "") + signature[: 64 - forge],
        "PAYPAL-TRANSMISSION-TIME": when,
    }
    return body, headers
