"""``/transactions``: paying orders through Stripe or PayPal, capturing and refunding those
payments, the providers' webhooks, the sellers' payout accounts (and their onboarding at
Stripe) and an organisation's ledger."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from reptidex.domain.commerce.onboarding import refresh_payout_status, start_onboarding
from reptidex.domain.commerce.payment_model import ProviderName
from reptidex.domain.commerce.transactions import (
    apply_notice,
    capture_payment,
    organisation_ledger,
    refund_payment,
    set_payout_account,
    show_payment,
    start_payment,
)
from reptidex.services.commerce.access import READ, SECURITY, WRITE, CallerMember
from reptidex.services.commerce.payment_access import ADMIN, PaymentUnitsDependency, Providers
from reptidex.services.commerce.schemas import LedgerView, ledger_view
from reptidex.services.commerce.transaction_schemas import (
    NoticeOutcome,
    OnboardingCreate,
    OnboardingView,
    PayoutAccountBody,
    PayoutAccountView,
    PayoutStatusView,
    ProviderLabel,
    ProvidersView,
    RefundCreate,
    TransactionCreate,
    TransactionView,
    onboarding_view,
    payout_account_view,
    payout_status_view,
    transaction_view,
)

_NOT_CONFIGURED = ResponseSpec(None, description="The provider is not configured or refused")
_WEBHOOK_RESPONSES = {
    400: ResponseSpec(None, description="The signature does not verify or is stale"),
    503: _NOT_CONFIGURED,
}


class TransactionController(Controller):
    """Payments of orders through providers, for the seller's account less the platform's
    fee."""

    path = "/transactions"
    tags = ("transactions",)
    security = SECURITY

    @post(
        "/",
        guards=WRITE,
        status_code=201,
        summary="Pay an order (buyer)",
        description="The buyer of a `pending` order chooses `stripe` or `paypal`: the "
        "provider collects the price for the seller's payout account, less the platform's "
        "fee; send the buyer to `approval_url`. A repeat while that payment is open returns "
        "it (200). 403 for the seller, 404 for anyone else, 409 when the order is not "
        "pending, is paid, or the seller has no account with the provider, 422 for a "
        "currency the provider does not take, 503 when the provider is not configured. "
        "Emits `transaction.started`.",
        responses={
            200: ResponseSpec(TransactionView, description="The open payment"),
            503: _NOT_CONFIGURED,
        },
    )
    async def start(
        self,
        member: CallerMember,
        payment_units: PaymentUnitsDependency,
        providers: Providers,
        data: JSONBody[TransactionCreate],
    ) -> Response[TransactionView]:
        """Start a payment."""
        payment, created = await start_payment(
            payment_units.open,
            providers,
            member,
            data.order_id,
            ProviderName(data.provider),
            return_url=data.return_url,
            cancel_url=data.cancel_url,
        )
        return Response(transaction_view(payment), status_code=201 if created else 200)

    @get(
        "/{payment_id:uuid}",
        guards=READ,
        summary="Show a payment",
        description="A payment of an order the caller's organisation is party to; 404 for "
        "anyone else.",
    )
    async def show(
        self,
        member: CallerMember,
        payment_units: PaymentUnitsDependency,
        payment_id: FromPath[uuid.UUID],
    ) -> TransactionView:
        """One payment."""
        async with payment_units.open(member.organisation_id) as uow:
            return transaction_view(await show_payment(uow, member, payment_id))

    @post(
        "/{payment_id:uuid}/capture",
        guards=WRITE,
        status_code=200,
        summary="Capture an approved payment",
        description="After the buyer approved it at the provider, take the money: the "
        "payment succeeds and the order is `paid` (payment and fee posted to the ledger). "
        "The payment as it stands while the provider has not taken the money. A webhook "
        "does the same; whichever comes first wins. Emits `transaction.succeeded` and "
        "`order.paid`.",
        responses={503: _NOT_CONFIGURED},
    )
    async def capture(
        self,
        member: CallerMember,
        payment_units: PaymentUnitsDependency,
        providers: Providers,
        payment_id: FromPath[uuid.UUID],
    ) -> TransactionView:
        """Capture."""
        payment = await capture_payment(payment_units.open, providers, member, payment_id)
        return transaction_view(payment)

    @post(
        "/{payment_id:uuid}/refunds",
        guards=WRITE,
        status_code=200,
        summary="Refund a payment (seller)",
        description="The seller refunds `amount` minor units (all that is left without it) "
        "through the provider: the refund and its share of the platform's fee are posted; "
        "once all is refunded a paid or handed-over order is `refunded` and its listing "
        "available again. 403 for the buyer, 409 when no money was taken, 422 for more "
        "than is left. Emits `transaction.refunded` (and `order.refunded`).",
        responses={503: _NOT_CONFIGURED},
    )
    async def refund(
        self,
        member: CallerMember,
        payment_units: PaymentUnitsDependency,
        providers: Providers,
        payment_id: FromPath[uuid.UUID],
        data: JSONBody[RefundCreate | None] = None,
    ) -> TransactionView:
        """Refund."""
        amount = None if data is None else data.amount
        payment = await refund_payment(payment_units.open, providers, member, payment_id, amount)
        return transaction_view(payment)

    @get(
        "/ledger",
        guards=READ,
        summary="Your organisation's ledger",
        description="Every posting of the caller's organisation as seller or buyer (payments, "
        "fees, refunds, payouts) and their sum per currency (always zero).",
    )
    async def ledger(
        self, member: CallerMember, payment_units: PaymentUnitsDependency
    ) -> LedgerView:
        """The organisation's ledger."""
        async with payment_units.open(member.organisation_id) as uow:
            return ledger_view(await organisation_ledger(uow, member))

    @get(
        "/payout-accounts",
        guards=READ,
        summary="Your payout accounts",
        description="The accounts the providers pay the organisation's sales into.",
    )
    async def payout_accounts(
        self, member: CallerMember, payment_units: PaymentUnitsDependency
    ) -> list[PayoutAccountView]:
        """The organisation's payout accounts."""
        async with payment_units.open(member.organisation_id) as uow:
            accounts = await uow.payout_accounts.of_organisation(member.organisation_id)
        return [payout_account_view(account) for account in accounts]

    @put(
        "/payout-accounts/{provider:str}",
        guards=ADMIN,
        summary="Name a payout account (admin)",
        description="The organisation's Stripe connected account (`acct_…`) or PayPal "
        "merchant id, which buyers' payments go to. 409 when another organisation named "
        "it, 422 for an id of another shape. Emits `transaction.payout_account_set`.",
    )
    async def put_payout_account(
        self,
        member: CallerMember,
        payment_units: PaymentUnitsDependency,
        provider: FromPath[ProviderLabel],
        data: JSONBody[PayoutAccountBody],
    ) -> PayoutAccountView:
        """Set a payout account."""
        async with payment_units.open(member.organisation_id) as uow:
            account = await set_payout_account(uow, member, ProviderName(provider), data.account)
        return payout_account_view(account)

    @post(
        "/payout-accounts/stripe/onboarding",
        guards=ADMIN,
        status_code=201,
        summary="Onboard at Stripe (admin)",
        description="For a seller without a Stripe account: the first call opens a Stripe "
        "connected account (Express; `country` needed, `email` optional) kept as the "
        "organisation's Stripe payout account, `pending` until Stripe takes charges for it; "
        "every call answers a new link to Stripe's onboarding of that account (`url`, valid "
        "until `expires_at`). Stripe sends the seller back to `return_url`, or to "
        "`refresh_url` when the link has expired (ask for a new one there): https addresses, "
        "or http to localhost. 409 when the organisation's Stripe account takes payments "
        "already, 422 for a bad address, country or email. Emits "
        "`transaction.payout_account_set` when it opens the account.",
        responses={503: _NOT_CONFIGURED},
    )
    async def onboard_stripe(
        self,
        member: CallerMember,
        payment_units: PaymentUnitsDependency,
        providers: Providers,
        data: JSONBody[OnboardingCreate],
    ) -> OnboardingView:
        """Open or continue the onboarding."""
        onboarding = await start_onboarding(
            payment_units.open,
            providers,
            member,
            refresh_url=data.refresh_url,
            return_url=data.return_url,
            country=data.country,
            email=data.email,
        )
        return onboarding_view(onboarding)

    @get(
        "/payout-accounts/stripe/status",
        guards=READ,
        summary="Your Stripe account's status",
        description="The organisation's Stripe payout account as Stripe shows it now "
        "(`charges_enabled`, `payouts_enabled`, `details_submitted`); its stored `status` "
        "follows (`enabled` once Stripe takes charges for it). 404 without a Stripe account, "
        "409 when Stripe does not show it to the platform. Emits "
        "`transaction.payout_account_status_changed` when the status changes.",
        responses={503: _NOT_CONFIGURED},
    )
    async def stripe_status(
        self, member: CallerMember, payment_units: PaymentUnitsDependency, providers: Providers
    ) -> PayoutStatusView:
        """Read the account at Stripe."""
        account, shown = await refresh_payout_status(payment_units.open, providers, member)
        return payout_status_view(account, shown)


class PublicTransactionController(Controller):
    """What is open to anyone under ``/transactions``: the providers a buyer may choose, shown
    before sign-in, and the providers' webhooks, verified by the provider's signature, never a
    bearer token. Apart from :class:`TransactionController` because Litestar adds up the
    ``security`` of every layer: a handler's ``security=[]`` cannot take away its controller's
    bearer token in the OpenAPI document."""

    path = "/transactions"
    tags = ("transactions",)

    @get(
        "/providers",
        summary="The payment providers",
        description="The providers a buyer may choose at checkout; empty when none is "
        "configured (sales are then recorded offline by the seller).",
    )
    async def providers(self, providers: Providers) -> ProvidersView:
        """The configured providers."""
        return ProvidersView([name.value for name in providers.names()])

    @post(
        "/webhooks/stripe",
        status_code=200,
        summary="Stripe webhook",
        description="`checkout.session.completed`, `payment_intent.succeeded`, "
        "`charge.refunded` and (Connect) `payout.paid` and `account.updated` (the account "
        "is read from Stripe for its status), verified with the Stripe-Signature header "
        "over the raw body (five minutes' tolerance); idempotent by event id.",
        responses=_WEBHOOK_RESPONSES,
    )
    async def stripe_webhook(
        self,
        request: Request[Any, Any, Any],
        payment_units: PaymentUnitsDependency,
        providers: Providers,
    ) -> NoticeOutcome:
        """Apply one Stripe event."""
        return await _notice(request, payment_units, providers, ProviderName.STRIPE)

    @post(
        "/webhooks/paypal",
        status_code=200,
        summary="PayPal webhook",
        description="`CHECKOUT.ORDER.APPROVED` (the order is captured), "
        "`PAYMENT.CAPTURE.COMPLETED` and `PAYMENT.CAPTURE.REFUNDED`, verified by PayPal's "
        "verify-webhook-signature call with the PAYPAL-* transmission headers; idempotent by "
        "event id.",
        responses=_WEBHOOK_RESPONSES,
    )
    async def paypal_webhook(
        self,
        request: Request[Any, Any, Any],
        payment_units: PaymentUnitsDependency,
        providers: Providers,
    ) -> NoticeOutcome:
        """Apply one PayPal event."""
        return await _notice(request, payment_units, providers, ProviderName.PAYPAL)


async def _notice(
    request: Request[Any, Any, Any],
    payment_units: PaymentUnitsDependency,
    providers: Providers,
    name: ProviderName,
) -> NoticeOutcome:
    provider = providers.get(name)
    payload = await request.body()
    headers = {key.lower(): value for key, value in request.headers.items()}
    notice = await provider.read_notice(payload, headers)
    outcome = await apply_notice(payment_units.open, providers, notice)
    return NoticeOutcome(received=True, outcome=outcome)
