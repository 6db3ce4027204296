"""HTTP side of billing: plans, the organisation's subscription, checkout (through Stripe or
PayPal), portal, cancellation, and the providers' webhooks. Thin: each handler translates HTTP
to one :class:`Billing` call."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, TypeAlias

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from reptidex.domain.billing import Billing, BillingOverview, BillingProvider, Entitlements, Plan
from reptidex.domain.billing.use_cases import MAX_AD_CREDITS
from reptidex.domain.identity.model import Role
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_role

HttpUrl = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s]+$", max_length=2048)]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
PlanCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{1,40}$")]

BillingDep: TypeAlias = Injected[Billing]


class PlansResponse(msgspec.Struct, frozen=True):
    """Every plan, whether payments can be taken on this installation, and through which
    providers an organisation may pay."""

    billing_enabled: bool
    plans: list[Plan]
    providers: list[BillingProvider]


class SubscriptionResponse(msgspec.Struct, frozen=True):
    """The organisation's subscription and the entitlements in force."""

    billing_enabled: bool
    organisation_id: uuid.UUID
    plan: str
    effective_plan: str
    status: str
    provider: BillingProvider | None
    cancel_at_period_end: bool
    current_period_end: dt.datetime | None
    entitlements: Entitlements

    @classmethod
    def of(cls, overview: BillingOverview) -> SubscriptionResponse:
        """The response for ``overview``."""
        subscription = overview.subscription
        return cls(
            billing_enabled=overview.billing_enabled,
            organisation_id=subscription.organisation_id,
            plan=subscription.plan,
            effective_plan=overview.plan.code,
            status=subscription.status.value,
            provider=subscription.provider,
            cancel_at_period_end=subscription.cancel_at_period_end,
            current_period_end=subscription.current_period_end,
            entitlements=overview.plan.entitlements,
        )


class CheckoutRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Start paying for ``plan`` through ``provider`` (one of ``GET /billing/plans``'s
    ``providers``); the provider sends the payer back to one of the two URLs."""

    plan: PlanCode
    email: Email
    success_url: HttpUrl
    cancel_url: HttpUrl
    provider: BillingProvider = BillingProvider.STRIPE


class CheckoutResponse(msgspec.Struct, frozen=True):
    """Where to send the payer: Stripe Checkout, or PayPal's approval page (``checkout_id`` is
    then the PayPal subscription's id)."""

    checkout_id: str
    url: str
    provider: BillingProvider


class AdCreditsCheckoutRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Pay ``amount`` minor units of ``currency`` once for ad credits through ``provider``
    (Stripe); the provider sends the payer back to one of the two URLs."""

    amount: Annotated[int, msgspec.Meta(ge=1, le=MAX_AD_CREDITS)]
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z]{3}$")]
    email: Email
    success_url: HttpUrl
    cancel_url: HttpUrl
    provider: BillingProvider = BillingProvider.STRIPE


class PortalRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Open the billing portal; it links back to ``return_url``."""

    return_url: HttpUrl


class PortalResponse(msgspec.Struct, frozen=True):
    """Where to send the customer."""

    url: str


class WebhookResponse(msgspec.Struct, frozen=True):
    """What handling the delivery did: applied, duplicate or ignored."""

    received: bool
    outcome: str


class BillingPlansController(Controller):
    """Public billing endpoints: the plans and the providers' webhooks."""

    path = "/billing"
    tags = ("billing",)

    @get("/plans", summary="Plans with prices and entitlements")
    async def plans(self, billing: BillingDep) -> PlansResponse:
        """Every plan, cheapest first; ``billing_enabled`` is false when no provider is set up."""
        return PlansResponse(
            billing_enabled=billing.enabled, plans=billing.plans(), providers=billing.providers
        )

    @post(
        "/webhooks/stripe",
        summary="Stripe webhook",
        status_code=HTTP_200_OK,
        description="Verified with the Stripe-Signature header over the raw body; "
        "idempotent by Stripe event id.",
    )
    async def stripe_webhook(
        self, request: Request[Any, Any, Any], billing: BillingDep
    ) -> WebhookResponse:
        """Apply one Stripe event to the subscription it concerns."""
        return await _webhook(request, billing, BillingProvider.STRIPE)

    @post(
        "/webhooks/paypal",
        summary="PayPal webhook",
        status_code=HTTP_200_OK,
        description="`BILLING.SUBSCRIPTION.ACTIVATED`, `.UPDATED`, `.SUSPENDED`, `.CANCELLED`, "
        "`.EXPIRED`, `.PAYMENT.FAILED` and `PAYMENT.SALE.COMPLETED`, verified by PayPal's "
        "verify-webhook-signature call with the PAYPAL-* transmission headers; idempotent by "
        "event id.",
    )
    async def paypal_webhook(
        self, request: Request[Any, Any, Any], billing: BillingDep
    ) -> WebhookResponse:
        """Apply one PayPal event to the subscription it concerns."""
        return await _webhook(request, billing, BillingProvider.PAYPAL)


async def _webhook(
    request: Request[Any, Any, Any], billing: Billing, provider: BillingProvider
) -> WebhookResponse:
    payload = await request.body()
    headers = {key.lower(): value for key, value in request.headers.items()}
    outcome = await billing.receive_webhook(provider, payload, headers)
    return WebhookResponse(received=True, outcome=outcome.value)


class BillingAccountController(Controller):
    """The organisation's billing: read by members, changed by its owner or admins."""

    path = "/billing"
    tags = ("billing",)
    security = BEARER

    @get(
        "/subscriptions",
        summary="The organisation's subscription",
        guards=[requires_role(Role.VIEWER)],
    )
    async def subscription(
        self, billing: BillingDep, principal: CurrentPrincipal
    ) -> SubscriptionResponse:
        """The active organisation's subscription (Free when billing is off)."""
        overview = await billing.overview(principal.require_organisation())
        return SubscriptionResponse.of(overview)

    @post(
        "/checkout",
        summary="Start paying for a plan through Stripe or PayPal",
        status_code=HTTP_200_OK,
        guards=[requires_role(Role.ADMIN)],
    )
    async def checkout(
        self, data: JSONBody[CheckoutRequest], billing: BillingDep, principal: CurrentPrincipal
    ) -> CheckoutResponse:
        """Create a Stripe Checkout Session or a PayPal subscription awaiting approval; the
        client redirects the payer to ``url``."""
        session = await billing.start_checkout(
            organisation_id=principal.require_organisation(),
            actor_id=principal.user_id,
            email=data.email,
            plan=data.plan,
            success_url=data.success_url,
            cancel_url=data.cancel_url,
            provider=data.provider,
        )
        return CheckoutResponse(
            checkout_id=session.reference, url=session.url, provider=data.provider
        )

    @post(
        "/ad-credits/checkout",
        summary="Buy ad credits through Stripe",
        status_code=HTTP_200_OK,
        guards=[requires_role(Role.ADMIN)],
        description="A one-off Stripe Checkout (payment mode) of `amount` minor units of "
        "`currency` (1 to 100,000,000). When Stripe reports it paid (`checkout.session."
        "completed`, `payment_status: paid`), core stages `billing.ad_credits_purchased` and "
        "repti-community credits the organisation's ad credits. 422 for PayPal, which sells "
        "no ad credits yet.",
    )
    async def ad_credits_checkout(
        self,
        data: JSONBody[AdCreditsCheckoutRequest],
        billing: BillingDep,
        principal: CurrentPrincipal,
    ) -> CheckoutResponse:
        """Create the Checkout Session; the client redirects the payer to ``url``."""
        session = await billing.buy_ad_credits(
            organisation_id=principal.require_organisation(),
            email=data.email,
            amount=data.amount,
            currency=data.currency,
            success_url=data.success_url,
            cancel_url=data.cancel_url,
            provider=data.provider,
        )
        return CheckoutResponse(
            checkout_id=session.reference, url=session.url, provider=data.provider
        )

    @post(
        "/portal",
        summary="Open the Stripe customer portal",
        status_code=HTTP_200_OK,
        guards=[requires_role(Role.ADMIN)],
    )
    async def portal(
        self, data: JSONBody[PortalRequest], billing: BillingDep, principal: CurrentPrincipal
    ) -> PortalResponse:
        """Create a portal session for changing plan, card or invoices."""
        url = await billing.open_portal(
            organisation_id=principal.require_organisation(), return_url=data.return_url
        )
        return PortalResponse(url=url)

    @post(
        "/cancel",
        summary="Cancel at the end of the paid period",
        status_code=HTTP_200_OK,
        guards=[requires_role(Role.ADMIN)],
    )
    async def cancel(
        self, billing: BillingDep, principal: CurrentPrincipal
    ) -> SubscriptionResponse:
        """Schedule the end of the subscription; the plan stays until the period ends."""
        organisation_id = principal.require_organisation()
        await billing.cancel(organisation_id=organisation_id, actor_id=principal.user_id)
        return SubscriptionResponse.of(await billing.overview(organisation_id))
