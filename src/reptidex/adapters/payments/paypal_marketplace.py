"""The marketplace's payments through PayPal's REST API (Orders v2), with httpx.

An OAuth2 client-credentials token authorises each call (kept until shortly before it
expires). A payment is a PayPal order with intent ``CAPTURE`` for the seller (``payee``'s
merchant id) with the platform's fee in ``payment_instruction.platform_fees``; the buyer
approves it at PayPal and it is captured; a capture is refunded in part or whole. Amounts go
out as PayPal's decimal text, derived exactly from minor units. A webhook is verified by
PayPal's ``verify-webhook-signature`` call with its transmission headers.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec

from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.money_text import decimal_text, parse_decimal_text
from reptidex.domain.commerce.payment_model import ProviderName
from reptidex.domain.commerce.payment_ports import (
    InvalidNotice,
    NoticeKind,
    PaymentNotice,
    PaymentRequest,
    ProviderUnavailable,
    RefundReceipt,
    Settlement,
    StartedPayment,
)
from reptidex.domain.errors import InvalidInput

LIVE_API = "https://api-m.paypal.com"
TOLERANCE = dt.timedelta(minutes=5)
"""How far a webhook's transmission time may be from now."""

PAYPAL_PLACES: dict[str, int] = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2,
    "HKD": 2, "HUF": 0, "ILS": 2, "JPY": 0, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "PHP": 2,
    "PLN": 2, "SEK": 2, "SGD": 2, "THB": 2, "TWD": 0, "USD": 2,
}  # fmt: skip
"""The currencies PayPal takes and its decimals for each (whole forints, yen, dollars)."""

_SIGNATURE_HEADERS = {
    "auth_algo": "paypal-auth-algo",
    "cert_url": "paypal-cert-url",
    "transmission_id": "paypal-transmission-id",
    "transmission_sig": "paypal-transmission-sig",
    "transmission_time": "paypal-transmission-time",
}


@dataclass(frozen=True, slots=True)
class PayPalConfig:
    """The platform's REST app (client id and secret), the webhook's id, the API address."""

    client_id: str
    client_secret: str
    webhook_id: str
    api_base: str = LIVE_API
    timeout: float = 10.0


def amount_of(money: Money) -> dict[str, str]:
    """PayPal's ``amount`` object of ``money``; :class:`InvalidInput` for a currency PayPal
    does not take or an amount its decimals cannot hold."""
    places = PAYPAL_PLACES.get(money.currency.code)
    if places is None:
        raise InvalidInput(
            f"PayPal does not take {money.currency.code}.",
            field_errors={"provider": "stripe, or a listing in a currency PayPal takes"},
        )
    return {"currency_code": money.currency.code, "value": decimal_text(money, places)}


def _money(value: Any) -> Money | None:
    if not isinstance(value, Mapping):
        return None
    try:
        return parse_decimal_text(str(value.get("value")), str(value.get("currency_code")))
    except InvalidInput:
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _first(value: Any) -> Mapping[str, Any]:
    return _mapping(value[0]) if isinstance(value, list) and value else {}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class PayPalMarketplace:
    """:class:`~reptidex.domain.commerce.payment_ports.PaymentProvider` backed by PayPal."""

    name = ProviderName.PAYPAL

    def __init__(self, config: PayPalConfig, client: httpx.AsyncClient | None = None) -> None:
        self._config = config
        self._http = client or httpx.AsyncClient(timeout=config.timeout)
        self._token: tuple[str, float] | None = None

    async def _access_token(self) -> str:
        if self._token is not None and self._token[1] > time.monotonic():
            return self._token[0]
        try:
            answer = await self._http.post(
                f"{self._config.api_base}/v1/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(self._config.client_id, self._config.client_secret),
            )
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"PayPal did not answer: {exc}") from exc
        body = self._body(answer, "give a token")
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not isinstance(lifetime, int):
            raise ProviderUnavailable("PayPal gave no access token.")
        self._token = (token, time.monotonic() + max(lifetime - 60, 0))
        return token

    @staticmethod
    def _body(answer: httpx.Response, what: str) -> Mapping[str, Any]:
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.status_code >= 400 or not isinstance(body, Mapping):
            name = _mapping(body).get("name") or answer.status_code
            raise ProviderUnavailable(f"PayPal refused to {what}: {name}")
        return body

    async def _call(
        self, path: str, payload: Mapping[str, Any] | None, request_id: str | None, what: str
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {await self._access_token()}"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id
        try:
            return await self._http.post(
                f"{self._config.api_base}{path}", json=payload or {}, headers=headers
            )
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"PayPal did not answer to {what}: {exc}") from exc

    async def create_payment(self, request: PaymentRequest) -> StartedPayment:
        """A PayPal order for the seller's merchant id, with the platform's fee."""
        unit: dict[str, Any] = {
            "reference_id": str(request.order_id),
            "custom_id": str(request.payment_id),
            "description": request.description,
            "amount": amount_of(request.amount),
            "payee": {"merchant_id": request.payee},
        }
        if request.platform_fee.amount:
            unit["payment_instruction"] = {
                "disbursement_mode": "INSTANT",
                "platform_fees": [{"amount": amount_of(request.platform_fee)}],
            }
        payload = {
            "intent": "CAPTURE",
            "purchase_units": [unit],
            "payment_source": {
                "paypal": {
                    "experience_context": {
                        "return_url": request.return_url,
                        "cancel_url": request.cancel_url,
                        "user_action": "PAY_NOW",
                    }
                }
            },
        }
        answer = await self._call(
            "/v2/checkout/orders", payload, f"order-{request.payment_id}", "create an order"
        )
        body = self._body(answer, "create an order")
        links = body.get("links") if isinstance(body.get("links"), list) else []
        assert isinstance(links, list)
        approve = next(
            (
                link.get("href")
                for link in links
                if isinstance(link, Mapping) and link.get("rel") in ("payer-action", "approve")
            ),
            None,
        )
        if not isinstance(body.get("id"), str) or not isinstance(approve, str):
            raise ProviderUnavailable("PayPal's order has no id or approval link.")
        return StartedPayment(reference=str(body["id"]), approval_url=approve)

    async def capture(self, reference: str, *, idempotency_key: str) -> Settlement:
        """Capture the approved order; not taken yet while the buyer has not approved it."""
        answer = await self._call(
            f"/v2/checkout/orders/{reference}/capture", None, idempotency_key, "capture"
        )
        if answer.status_code == 422:
            issue = _first(_mapping(answer.json()).get("details")).get("issue")
            if issue == "ORDER_NOT_APPROVED":
                return Settlement(succeeded=False, charge_reference=None)
        body = self._body(answer, "capture")
        unit = _first(body.get("purchase_units"))
        capture = _first(_mapping(unit.get("payments")).get("captures"))
        completed = body.get("status") == "COMPLETED" and capture.get("status") == "COMPLETED"
        charge = capture.get("id")
        return Settlement(completed, charge if isinstance(charge, str) else None)

    async def refund(
        self, charge_reference: str, amount: Money, *, idempotency_key: str
    ) -> RefundReceipt:
        """Refund ``amount`` of the capture."""
        answer = await self._call(
            f"/v2/payments/captures/{charge_reference}/refund",
            {"amount": amount_of(amount)},
            idempotency_key,
            "refund",
        )
        body = self._body(answer, "refund")
        refunded = _money(body.get("amount")) or amount
        return RefundReceipt(reference=str(body.get("id")), amount=refunded)

    async def read_notice(self, payload: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        """Ask PayPal to verify the webhook's signature, then translate the event."""
        found = {field: headers.get(header) for field, header in _SIGNATURE_HEADERS.items()}
        missing = [header for field, header in _SIGNATURE_HEADERS.items() if not found[field]]
        if missing:
            raise InvalidNotice(f"the webhook lacks {', '.join(missing)}")
        try:
            sent = dt.datetime.fromisoformat(str(found["transmission_time"]))
            event = msgspec.json.decode(payload)
        except (ValueError, msgspec.DecodeError) as exc:
            raise InvalidNotice("the webhook is not a PayPal event") from exc
        if sent.tzinfo is None or abs(dt.datetime.now(dt.UTC) - sent) > TOLERANCE:
            raise InvalidNotice("the webhook's transmission time is stale")
        if not isinstance(event, dict):
            raise InvalidNotice("the webhook is not a PayPal event")
        answer = await self._call(
            "/v1/notifications/verify-webhook-signature",
            {**found, "webhook_id": self._config.webhook_id, "webhook_event": event},
            None,
            "verify a webhook",
        )
        if self._body(answer, "verify a webhook").get("verification_status") != "SUCCESS":
            raise InvalidNotice("PayPal did not verify the webhook's signature")
        return translate(event)


def translate(event: Mapping[str, Any]) -> PaymentNotice:
    """A verified PayPal event in the marketplace's terms."""
    event_id, event_type = event.get("id"), str(event.get("event_type", ""))
    if not isinstance(event_id, str) or not event_id:
        raise InvalidNotice("the PayPal event has no id")
    resource = _mapping(event.get("resource"))
    base: dict[str, Any] = {
        "provider": ProviderName.PAYPAL,
        "event_id": event_id,
        "event_type": event_type,
    }
    if event_type == "CHECKOUT.ORDER.APPROVED":
        unit = _first(resource.get("purchase_units"))
        return PaymentNotice(
            **base,
            kind=NoticeKind.APPROVED,
            reference=resource.get("id") if isinstance(resource.get("id"), str) else None,
            payment_id=_uuid(unit.get("custom_id")),
        )
    if event_type == "PAYMENT.CAPTURE.COMPLETED":
        related = _mapping(_mapping(resource.get("supplementary_data")).get("related_ids"))
        order = related.get("order_id")
        return PaymentNotice(
            **base,
            kind=NoticeKind.SUCCEEDED,
            reference=order if isinstance(order, str) else None,
            charge_reference=resource.get("id") if isinstance(resource.get("id"), str) else None,
            payment_id=_uuid(resource.get("custom_id")),
        )
    if event_type == "PAYMENT.CAPTURE.REFUNDED":
        links = resource.get("links") if isinstance(resource.get("links"), list) else []
        assert isinstance(links, list)
        up = next((str(link["href"]) for link in links if _mapping(link).get("rel") == "up"), "")
        breakdown = _mapping(resource.get("seller_payable_breakdown"))
        total = _money(breakdown.get("total_refunded_amount"))
        return PaymentNotice(
            **base,
            kind=NoticeKind.REFUNDED,
            charge_reference=up.rstrip("/").rsplit("/", 1)[-1] or None,
            payment_id=_uuid(resource.get("custom_id")),
            refunded_total=None if total is None else total.amount,
            refund=_money(resource.get("amount")),
        )
    return PaymentNotice(**base, kind=NoticeKind.OTHER)
