"""The marketplace's payments through Stripe Connect (``stripe.StripeClient``).

A payment is a Checkout Session in payment mode whose PaymentIntent is a destination charge:
``transfer_data[destination]`` and ``on_behalf_of`` name the seller's connected account and
``application_fee_amount`` keeps the platform's fee. Refunds reverse the transfer and refund
the fee in proportion. Webhooks are verified with the endpoint's signing secret over the raw
body (``Stripe-Signature``, five minutes' tolerance).

Sellers without an account are onboarded through Connect: an account with the controller
properties of an Express account (Stripe's Express Dashboard, Stripe collecting its
requirements, the platform paying Stripe's fees and liable for negative balances), card
payments and transfers requested, and account links to its onboarding.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stripe

from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.payment_model import ProviderName
from reptidex.domain.commerce.payment_ports import (
    AccountRequest,
    ConnectedAccount,
    InvalidNotice,
    NoticeKind,
    OnboardingLink,
    PaymentNotice,
    PaymentRequest,
    ProviderUnavailable,
    RefundReceipt,
    Settlement,
    StartedPayment,
    UnknownAccount,
)
from reptidex.domain.errors import Conflict, InvalidInput

TOLERANCE_SECONDS = 300
"""How old a signed webhook may be (Stripe's own default)."""
EXPRESS_CONTROLLER: dict[str, Any] = {
    "stripe_dashboard": {"type": "express"},
    "requirement_collection": "stripe",
    "fees": {"payer": "application"},
    "losses": {"payments": "application"},
}
"""An Express account in controller properties (Stripe deprecates ``type=express``)."""


@dataclass(frozen=True, slots=True)
class StripeMarketplaceConfig:
    """The platform's Stripe secret key, the marketplace webhook's signing secret and,
    optionally, another API address."""

    secret_key: str
    webhook_secret: str
    api_base: str | None = None
    timeout: float = 10.0


def _text(value: Any) -> str | None:
    """An id, whether Stripe sent the id or the expanded object."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _connected(body: Mapping[str, Any]) -> ConnectedAccount:
    return ConnectedAccount(
        account=str(body["id"]),
        charges_enabled=body.get("charges_enabled") is True,
        payouts_enabled=body.get("payouts_enabled") is True,
        details_submitted=body.get("details_submitted") is True,
    )


def _not_shown(exc: stripe.StripeError) -> bool:
    """Stripe's answer about an account that does not exist or is not the platform's."""
    refused = isinstance(exc, stripe.PermissionError | stripe.InvalidRequestError)
    return refused and exc.http_status in (403, 404)


def _money(amount: Any, currency: Any) -> Money | None:
    if isinstance(amount, int) and not isinstance(amount, bool) and isinstance(currency, str):
        try:
            return Money.of(amount, currency)
        except InvalidInput:
            return None
    return None


class StripeMarketplace:
    """:class:`~reptidex.domain.commerce.payment_ports.PaymentProvider` backed by Stripe."""

    name = ProviderName.STRIPE

    def __init__(self, config: StripeMarketplaceConfig) -> None:
        self._config = config
        self._client = stripe.StripeClient(
            config.secret_key,
            base_addresses={"api": config.api_base} if config.api_base else None,
            http_client=stripe.HTTPXClient(timeout=config.timeout),
            max_network_retries=2,
        )

    async def create_payment(self, request: PaymentRequest) -> StartedPayment:
        """A Checkout Session for the order, paid to the seller's connected account."""
        metadata = {"payment_id": str(request.payment_id), "order_id": str(request.order_id)}
        intent: dict[str, Any] = {
            "transfer_data": {"destination": request.payee},
            "on_behalf_of": request.payee,
            "metadata": metadata,
        }
        if request.platform_fee.amount:
            intent["application_fee_amount"] = request.platform_fee.amount
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": str(request.payment_id),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.amount.currency.code.lower(),
                        "unit_amount": request.amount.amount,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "payment_intent_data": intent,
            "metadata": metadata,
            "success_url": request.return_url,
            "cancel_url": request.cancel_url,
        }
        try:
            session = await self._client.v1.checkout.sessions.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": f"checkout-{request.payment_id}"},
            )
        except stripe.StripeError as exc:
            raise ProviderUnavailable(f"Stripe refused to open a checkout: {exc}") from exc
        return StartedPayment(reference=str(session.id), approval_url=str(session.url))

    async def capture(self, reference: str, *, idempotency_key: str) -> Settlement:
        """The Checkout Session's outcome: its PaymentIntent captures on completion, so the
        money is taken once the session is ``paid``."""
        try:
            session = await self._client.v1.checkout.sessions.retrieve_async(reference)
        except stripe.StripeError as exc:
            raise ProviderUnavailable(f"Stripe did not show the checkout: {exc}") from exc
        body = session.to_dict()
        return Settlement(
            succeeded=body.get("payment_status") == "paid",
            charge_reference=_text(body.get("payment_intent")),
        )

    async def refund(
        self, charge_reference: str, amount: Money, *, idempotency_key: str
    ) -> RefundReceipt:
        """Refund part or all of the PaymentIntent, taking the money back from the connected
        account (``reverse_transfer``) and the fee in proportion (``refund_application_fee``)."""
        try:
            refund = await self._client.v1.refunds.create_async(
                {
                    "payment_intent": charge_reference,
                    "amount": amount.amount,
                    "reverse_transfer": True,
                    "refund_application_fee": True,
                },
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise ProviderUnavailable(f"Stripe refused the refund: {exc}") from exc
        body = refund.to_dict()
        money = _money(body.get("amount"), str(body.get("currency", "")).upper()) or amount
        return RefundReceipt(reference=str(body["id"]), amount=money)

    async def create_account(
        self, request: AccountRequest, *, idempotency_key: str
    ) -> ConnectedAccount:
        """A connected account (Express) for the seller, with card payments and transfers
        requested and the organisation in its metadata."""
        params: dict[str, Any] = {
            "controller": EXPRESS_CONTROLLER,
            "country": request.country,
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
            "metadata": {"organisation_id": str(request.organisation_id)},
        }
        if request.email:
            params["email"] = request.email
        try:
            account = await self._client.v1.accounts.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        except stripe.IdempotencyError as exc:
            raise Conflict(
                "A Stripe account for your organisation is being opened with other details: "
                "ask again with the same country and email."
            ) from exc
        except stripe.InvalidRequestError as exc:
            if exc.param in ("country", "email"):
                message = exc.user_message or "refused"
                raise InvalidInput(
                    f"Stripe refused the {exc.param}: {message}",
                    field_errors={exc.param: message},
                ) from exc
            raise ProviderUnavailable(f"Stripe refused to open an account: {exc}") from exc
        except stripe.StripeError as exc:
            raise ProviderUnavailable(f"Stripe refused to open an account: {exc}") from exc
        return _connected(account.to_dict())

    async def account_link(
        self, account: str, *, refresh_url: str, return_url: str
    ) -> OnboardingLink:
        """An Account Link of type ``account_onboarding``."""
        try:
            link = await self._client.v1.account_links.create_async(
                {
                    "account": account,
                    "refresh_url": refresh_url,
                    "return_url": return_url,
                    "type": "account_onboarding",
                }
            )
        except stripe.StripeError as exc:
            if _not_shown(exc):
                raise UnknownAccount(f"Stripe does not onboard {account} for you.") from exc
            raise ProviderUnavailable(f"Stripe refused an onboarding link: {exc}") from exc
        expires_at = dt.datetime.fromtimestamp(link.expires_at, dt.UTC)
        return OnboardingLink(url=str(link.url), expires_at=expires_at)

    async def retrieve_account(self, account: str) -> ConnectedAccount:
        """The account as Stripe shows it to the platform."""
        try:
            found = await self._client.v1.accounts.retrieve_async(account)
        except stripe.StripeError as exc:
            if _not_shown(exc):
                raise UnknownAccount(f"Stripe does not show {account} to the platform.") from exc
            raise ProviderUnavailable(f"Stripe did not show the account: {exc}") from exc
        return _connected(found.to_dict())

    async def read_notice(self, payload: bytes, headers: Mapping[str, str]) -> PaymentNotice:
        """Verify ``Stripe-Signature`` over the raw body and translate the event."""
        signature = headers.get("stripe-signature")
        if not signature:
            raise InvalidNotice("the Stripe-Signature header is missing")
        try:
            event = stripe.Webhook.construct_event(
                payload, signature, self._config.webhook_secret, tolerance=TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidNotice("the Stripe-Signature does not verify (or is stale)") from exc
        except ValueError as exc:
            raise InvalidNotice("the body is not a Stripe event") from exc
        return translate(event.to_dict())


def translate(event: Mapping[str, Any]) -> PaymentNotice:
    """A verified Stripe event (as a plain mapping) in the marketplace's terms."""
    event_id, event_type = event.get("id"), str(event.get("type", ""))
    if not isinstance(event_id, str) or not event_id:
        raise InvalidNotice("the Stripe event has no id")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    obj = obj if isinstance(obj, Mapping) else {}
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    assert isinstance(metadata, Mapping)
    base: dict[str, Any] = {
        "provider": ProviderName.STRIPE,
        "event_id": event_id,
        "event_type": event_type,
        "payment_id": _uuid(metadata.get("payment_id")),
    }
    currency = str(obj.get("currency") or "").upper()
    if event_type == "checkout.session.completed" and obj.get("payment_status") == "paid":
        return PaymentNotice(
            **base,
            kind=NoticeKind.SUCCEEDED,
            reference=_text(obj.get("id")),
            charge_reference=_text(obj.get("payment_intent")),
        )
    if event_type == "payment_intent.succeeded":
        return PaymentNotice(
            **base, kind=NoticeKind.SUCCEEDED, charge_reference=_text(obj.get("id"))
        )
    if event_type == "charge.refunded":
        total = obj.get("amount_refunded")
        return PaymentNotice(
            **base,
            kind=NoticeKind.REFUNDED,
            charge_reference=_text(obj.get("payment_intent")) or _text(obj.get("id")),
            refunded_total=total if isinstance(total, int) else None,
        )
    if event_type == "payout.paid" and currency:
        return PaymentNotice(
            **base,
            kind=NoticeKind.PAYOUT_PAID,
            payee=_text(event.get("account")),
            payout=_money(obj.get("amount"), currency),
        )
    if event_type == "account.updated" and obj.get("object") == "account":
        return PaymentNotice(**base, kind=NoticeKind.ACCOUNT_UPDATED, payee=_text(obj.get("id")))
    return PaymentNotice(**base, kind=NoticeKind.OTHER)
