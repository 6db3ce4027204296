"""The marketplace's payments through PayPal's REST API (Orders v2), on the calls, token and
webhook verification of :mod:`~reptidex.adapters.payments.paypal_api`.

A payment is a PayPal order with intent ``CAPTURE`` for the seller (``payee``'s merchant id)
with the platform's fee in ``payment_instruction.platform_fees``; the buyer approves it at
PayPal and it is captured; a capture is refunded in part or whole. Amounts go out as PayPal's
decimal text, derived exactly from minor units.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from reptidex.adapters.payments.paypal_api import (
    PAYPAL_PLACES,
    PayPalApi,
    PayPalConfig,
    as_mapping,
    first_of,
    issue_of,
    link,
)
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

__all__ = ["PayPalConfig", "PayPalMarketplace", "amount_of", "translate"]


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


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class PayPalMarketplace:
    """:class:`~reptidex.domain.commerce.payment_ports.PaymentProvider` backed by PayPal."""

    name = ProviderName.PAYPAL

    def __init__(self, config: PayPalConfig, client: httpx.AsyncClient | None = None) -> None:
        self._api = PayPalApi(
            config, unavailable=ProviderUnavailable, invalid_webhook=InvalidNotice, client=client
        )

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
        answer = await self._api.call(
            "POST",
            "/v2/checkout/orders",
            payload,
            what="create an order",
            request_id=f"order-{request.payment_id}",
        )
        body = self._api.body(answer, "create an order")
        approve = link(body, "payer-action", "approve")
        if not isinstance(body.get("id"), str) or approve is None:
            raise ProviderUnavailable("PayPal's order has no id or approval link.")
        return StartedPayment(reference=str(body["id"]), approval_url=approve)

    async def capture(self, reference: str, *, idempotency_key: str) -> Settlement:
        """Capture the approved order; not taken yet while the buyer has not approved it."""
        answer = await self._api.call(
            "POST",
            f"/v2/checkout/orders/{reference}/capture",
            None,
            what="capture",
            request_id=idempotency_key,
        )
        if answer.status_code == 422 and issue_of(answer) == "ORDER_NOT_APPROVED":
            return Settlement(succeeded=False, charge_reference=None)
        body = self._api.body(answer, "capture")
        unit = first_of(body.get("purchase_units"))
        capture = first_of(as_mapping(unit.get("payments")).get("captures"))
        completed = body.get("status") == "COMPLETED" and capture.get("status") == "COMPLETED"
        charge = capture.get("id")
        return Settlement(completed, charge if isinstance(charge, str) else None)

    async def refund(
        self, charge_reference: str, amount: Money, *, idempotency_key: str
    ) -> RefundReceipt:
        """Refund ``amount`` of the capture."""
        answer = await self._api.call(
            "POST",
            f"/v2/payments/captures/{charge_reference}/refund",
            {"amount": amount_of(amount)},
            what="refund",
            request_id=idempotency_key,
        )
        body = self._api.body(answer, "refund")
        refunded = _money(body.get("amount")) or amount
        return RefundReceipt(reference=str(body.get("id")), amount=refunded)

    async def read_notice(self, payload: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        """Ask PayPal to verify the webhook's signature, then translate the event."""
        return translate(await self._api.verified_event(payload, headers))


def translate(event: Mapping[str, Any]) -> PaymentNotice:
    """A verified PayPal event in the marketplace's terms."""
    event_id, event_type = event.get("id"), str(event.get("event_type", ""))
    if not isinstance(event_id, str) or not event_id:
        raise InvalidNotice("the PayPal event has no id")
    resource = as_mapping(event.get("resource"))
    base: dict[str, Any] = {
        "provider": ProviderName.PAYPAL,
        "event_id": event_id,
        "event_type": event_type,
    }
    if event_type == "CHECKOUT.ORDER.APPROVED":
        unit = first_of(resource.get("purchase_units"))
        return PaymentNotice(
            **base,
            kind=NoticeKind.APPROVED,
            reference=resource.get("id") if isinstance(resource.get("id"), str) else None,
            payment_id=_uuid(unit.get("custom_id")),
        )
    if event_type == "PAYMENT.CAPTURE.COMPLETED":
        related = as_mapping(as_mapping(resource.get("supplementary_data")).get("related_ids"))
        order = related.get("order_id")
        return PaymentNotice(
            **base,
            kind=NoticeKind.SUCCEEDED,
            reference=order if isinstance(order, str) else None,
            charge_reference=resource.get("id") if isinstance(resource.get("id"), str) else None,
            payment_id=_uuid(resource.get("custom_id")),
        )
    if event_type == "PAYMENT.CAPTURE.REFUNDED":
        up = link(resource, "up") or ""
        breakdown = as_mapping(resource.get("seller_payable_breakdown"))
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
