"""Billing use cases: plans, an organisation's subscription, checkout, portal, cancellation, webhooks.

With no payment gateway configured, billing is switched off: every organisation is on the Free
plan, and the actions that would take money say so with :class:`BillingNotConfigured`.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from reptidex.domain.billing.events import (
    AdCreditsPurchased,
    CheckoutStarted,
    InvoiceSettled,
    SubscriptionChanged,
)
from reptidex.domain.billing.model import BillingProvider, Subscription, SubscriptionStatus
from reptidex.domain.billing.plans import PAID_PLANS, PLANS, Plan, plan_by_code
from reptidex.domain.billing.ports import (
    BillingUnitOfWork,
    CheckoutSession,
    CreditSeller,
    CustomerGateway,
    NoticeKind,
    PaymentGateway,
    WebhookNotice,
)
from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import Conflict, FeatureUnavailable, InvalidInput
from reptidex.domain.events import new_event

PRODUCER = "core"

PROVIDER_NAMES = {BillingProvider.STRIPE: "Stripe", BillingProvider.PAYPAL: "PayPal"}

MAX_AD_CREDITS = 10**8
"""The largest purchase of ad credits, in minor units (a million of a two-decimal currency)."""


class BillingNotConfigured(FeatureUnavailable):
    """Billing is switched off on this installation (no payment provider's keys)."""

    def __init__(self) -> None:
        super().__init__(
            "Billing is not configured on this installation: every organisation is on the "
            "Free plan and no payment can be taken. An operator enables billing by setting "
            "the Stripe keys and price ids, or the PayPal app, webhook and plan ids "
            "(see docs/billing.md)."
        )


class ProviderNotConfigured(FeatureUnavailable):
    """Billing is on, but not through ``provider``: its keys are not set."""

    def __init__(self, provider: BillingProvider) -> None:
        super().__init__(
            f"{PROVIDER_NAMES[provider]} is not configured on this installation: no payment "
            f"goes through it (see docs/billing.md)."
        )


class WebhookOutcome(enum.StrEnum):
    """What handling one webhook delivery did."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class BillingOverview:
    """An organisation's billing as its owner sees it, and the plan whose entitlements apply."""

    billing_enabled: bool
    subscription: Subscription
    plan: Plan


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _changed(
    subscription: Subscription, gateway_event_id: str | None, now: dt.datetime
) -> SubscriptionChanged:
    return SubscriptionChanged(
        plan=subscription.plan,
        effective_plan=subscription.effective_plan_at(now).code,
        status=subscription.status.value,
        subscription_ref=subscription.subscription_ref,
        cancel_at_period_end=subscription.cancel_at_period_end,
        current_period_end=subscription.current_period_end,
        gateway_event_id=gateway_event_id,
        provider=None if subscription.provider is None else subscription.provider.value,
    )


def _concerns(current: Subscription, notice: WebhookNotice, provider: BillingProvider) -> bool:
    """Whether ``notice`` is about the organisation's current subscription: a late event of an
    earlier one (through another provider, or with another reference) changes nothing, while
    an activation starts the new one."""
    if notice.kind is NoticeKind.CHECKOUT_COMPLETED:
        return True
    if current.provider is not None and current.provider is not provider:
        return False
    return not (
        notice.subscription_ref
        and current.subscription_ref
        and notice.subscription_ref != current.subscription_ref
    )


class Billing:
    """The billing application service of repti-core.

    ``gateways`` are the payment providers configured (none when billing is switched off);
    the organisation chooses one of them at checkout. ``unit_of_work`` opens one transaction;
    ``clock`` tells the time entitlements are judged at.
    """

    def __init__(
        self,
        gateways: Iterable[PaymentGateway],
        unit_of_work: Callable[[], BillingUnitOfWork],
        *,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self._gateways: Mapping[BillingProvider, PaymentGateway] = {
            gateway.provider: gateway for gateway in gateways
        }
        self._unit_of_work = unit_of_work
        self._clock = clock

    @property
    def enabled(self) -> bool:
        """Whether payments can be taken on this installation."""
        return bool(self._gateways)

    @property
    def providers(self) -> list[BillingProvider]:
        """The providers an organisation may choose at checkout."""
        return [provider for provider in BillingProvider if provider in self._gateways]

    def _gateway(self, provider: BillingProvider) -> PaymentGateway:
        if not self._gateways:
            raise BillingNotConfigured()
        found = self._gateways.get(provider)
        if found is None:
            raise ProviderNotConfigured(provider)
        return found

    def _offered(self, provider: BillingProvider) -> PaymentGateway:
        if not self._gateways:
            raise BillingNotConfigured()
        found = self._gateways.get(provider)
        if found is None:
            offered = ", ".join(choice.value for choice in self.providers)
            raise InvalidInput(
                f"{PROVIDER_NAMES[provider]} is not offered on this installation",
                field_errors={"provider": f"must be one of {offered}"},
            )
        return found

    @staticmethod
    def plans() -> list[Plan]:
        """Every plan, cheapest first."""
        return list(PLANS.values())

    async def overview(self, organisation_id: uuid.UUID) -> BillingOverview:
        """The subscription of ``organisation_id`` (Free when it has none or billing is off)."""
        if not self.enabled:
            free = Subscription.free(organisation_id)
            return BillingOverview(False, free, PLANS[free.plan])
        async with self._unit_of_work() as uow:
            found = await uow.subscriptions.get(organisation_id)
        subscription = found or Subscription.free(organisation_id)
        return BillingOverview(True, subscription, subscription.effective_plan_at(self._clock()))

    async def entitled_plan(self, organisation_id: uuid.UUID) -> Plan:
        """The plan whose entitlements ``organisation_id`` has now."""
        return (await self.overview(organisation_id)).plan

    async def start_checkout(
        self,
        *,
        organisation_id: uuid.UUID,
        actor_id: uuid.UUID | None,
        email: str,
        plan: str,
        success_url: str,
        cancel_url: str,
        provider: BillingProvider = BillingProvider.STRIPE,
    ) -> CheckoutSession:
        """Send the organisation to ``provider``'s page to subscribe to ``plan``.

        Raises:
            BillingNotConfigured: when billing is off.
            InvalidInput: when ``plan`` is unknown or free, or ``provider`` is not offered.
            Conflict: when the organisation already pays for a plan.
        """
        gateway = self._offered(provider)
        chosen = plan_by_code(plan)
        if not chosen.is_paid:
            raise InvalidInput(
                "the Free plan needs no checkout",
                field_errors={"plan": f"must be one of {', '.join(PAID_PLANS)}"},
            )
        async with self._unit_of_work() as uow:
            current = await uow.subscriptions.get(organisation_id) or Subscription.free(
                organisation_id
            )
            if current.subscription_ref and current.status.grants_plan:
                raise Conflict(self._already_paying(current))
            customer_ref = None
            if isinstance(gateway, CustomerGateway):
                customer_ref = current.customer_ref
                if customer_ref is None:
                    # Kept at once, so a failed checkout below never leaves an unknown customer.
                    customer_ref = await gateway.create_customer(organisation_id, email)
                    await uow.subscriptions.save(current.evolve(customer_ref=customer_ref))
                    await uow.commit()
        session = await gateway.start_checkout(
            customer_ref=customer_ref,
            organisation_id=organisation_id,
            plan=chosen.code,
            email=email,
            success_url=success_url,
            cancel_url=cancel_url,
        )
        async with self._unit_of_work() as uow:
            uow.outbox.add(
                new_event(
                    "billing.checkout_started",
                    producer=PRODUCER,
                    organisation_id=organisation_id,
                    actor_id=actor_id,
                    payload=CheckoutStarted(
                        plan=chosen.code,
                        customer_ref=customer_ref,
                        checkout_ref=session.reference,
                        provider=gateway.provider.value,
                    ),
                )
            )
            await uow.commit()
        return session

    async def buy_ad_credits(
        self,
        *,
        organisation_id: uuid.UUID,
        email: str,
        amount: int,
        currency: str,
        success_url: str,
        cancel_url: str,
        provider: BillingProvider = BillingProvider.STRIPE,
    ) -> CheckoutSession:
        """Send the organisation to ``provider``'s page to pay ``amount`` minor units of
        ``currency`` for ad credits once; the paid webhook stages ``billing.ad_credits_purchased``.

        Raises:
            BillingNotConfigured: when billing is off.
            InvalidInput: for an amount out of 1 to :data:`MAX_AD_CREDITS`, an unsupported
                currency, or a provider that is not offered or sells no ad credits.
        """
        gateway = self._offered(provider)
        if not isinstance(gateway, CreditSeller):
            raise InvalidInput(
                f"Ad credits are not sold through {PROVIDER_NAMES[provider]} yet.",
                field_errors={"provider": "stripe"},
            )
        money = Money.of(amount, currency)
        if not 0 < money.amount <= MAX_AD_CREDITS:
            raise InvalidInput(
                "A purchase of ad credits is 1 to 100000000 minor units.",
                field_errors={"amount": f"1 to {MAX_AD_CREDITS}"},
            )
        customer_ref = None
        if isinstance(gateway, CustomerGateway):
            async with self._unit_of_work() as uow:
                current = await uow.subscriptions.get(organisation_id) or Subscription.free(
                    organisation_id
                )
                customer_ref = current.customer_ref
                if customer_ref is None:
                    customer_ref = await gateway.create_customer(organisation_id, email)
                    await uow.subscriptions.save(current.evolve(customer_ref=customer_ref))
                    await uow.commit()
        return await gateway.start_payment(
            customer_ref=customer_ref,
            organisation_id=organisation_id,
            amount=money.amount,
            currency=money.currency.code,
            success_url=success_url,
            cancel_url=cancel_url,
        )

    def _already_paying(self, current: Subscription) -> str:
        plan = current.effective_plan_at(self._clock()).name
        if current.provider is BillingProvider.PAYPAL:
            return (
                f"the organisation already subscribes to {plan} through PayPal; cancel that "
                "subscription (its plan stays until the paid period ends), then choose another"
            )
        return f"the organisation already subscribes to {plan}; change plan in the billing portal"

    async def open_portal(self, *, organisation_id: uuid.UUID, return_url: str) -> str:
        """The URL of the gateway's self-service portal for the organisation.

        Raises:
            BillingNotConfigured: when billing is off.
            Conflict: when the organisation has never been a customer, or pays through PayPal
                (its payer manages that subscription in their PayPal account).
            FeatureUnavailable: when no configured gateway has a portal.
        """
        if not self.enabled:
            raise BillingNotConfigured()
        async with self._unit_of_work() as uow:
            current = await uow.subscriptions.get(organisation_id)
        if current is not None and current.provider is BillingProvider.PAYPAL:
            raise Conflict(
                "the organisation pays through PayPal, which has no billing portal: its payer "
                "manages the subscription in their PayPal account, and it is cancelled here"
            )
        if current is None or current.customer_ref is None:
            raise Conflict("the organisation has no billing account yet; start a checkout first")
        accounts = [g for g in self._gateways.values() if isinstance(g, CustomerGateway)]
        if not accounts:
            raise FeatureUnavailable("no payment provider of this installation has a portal")
        return await accounts[0].open_portal(
            customer_ref=current.customer_ref, return_url=return_url
        )

    async def cancel(
        self, *, organisation_id: uuid.UUID, actor_id: uuid.UUID | None
    ) -> Subscription:
        """Cancel the organisation's subscription at the end of the paid period.

        Raises:
            BillingNotConfigured: when billing is off.
            ProviderNotConfigured: when the subscription's provider is no longer configured.
            Conflict: when there is no paid subscription to cancel.
        """
        if not self.enabled:
            raise BillingNotConfigured()
        async with self._unit_of_work() as uow:
            current = await uow.subscriptions.get(organisation_id)
            if (
                current is None
                or current.subscription_ref is None
                or current.provider is None
                or not current.status.grants_plan
            ):
                raise Conflict("the organisation has no paid subscription to cancel")
            gateway = self._gateway(current.provider)
            answer = await gateway.cancel_at_period_end(current.subscription_ref)
            updated = current.evolve(
                cancel_at_period_end=answer.cancel_at_period_end,
                current_period_end=answer.current_period_end or current.current_period_end,
            )
            await uow.subscriptions.save(updated)
            uow.outbox.add(
                new_event(
                    "billing.cancellation_scheduled",
                    producer=PRODUCER,
                    organisation_id=organisation_id,
                    actor_id=actor_id,
                    payload=_changed(updated, None, self._clock()),
                )
            )
            await uow.commit()
        return updated

    async def receive_webhook(
        self, provider: BillingProvider, payload: bytes, headers: Mapping[str, str]
    ) -> WebhookOutcome:
        """Verify and apply one delivery of ``provider``'s webhook, at most once per event id.

        Raises:
            BillingNotConfigured: when billing is off.
            ProviderNotConfigured: when ``provider`` is not configured.
            InvalidWebhook: when the delivery does not verify.
        """
        gateway = self._gateway(provider)
        notice = await gateway.read_webhook(payload, headers)
        async with self._unit_of_work() as uow:
            if await uow.webhooks.seen(notice.event_id):
                return WebhookOutcome.DUPLICATE
            outcome = await self._apply(uow, notice, gateway.provider)
            await uow.webhooks.record(notice.event_id, notice.event_type)
            try:
                await uow.commit()
            except Conflict:
                # The provider retried while the first delivery was being handled; that one won.
                if await self._seen_after_race(notice.event_id):
                    return WebhookOutcome.DUPLICATE
                raise
        return outcome

    async def _seen_after_race(self, event_id: str) -> bool:
        async with self._unit_of_work() as uow:
            return await uow.webhooks.seen(event_id)

    async def _apply(
        self, uow: BillingUnitOfWork, notice: WebhookNotice, provider: BillingProvider
    ) -> WebhookOutcome:
        if notice.kind is NoticeKind.OTHER:
            return WebhookOutcome.IGNORED
        if notice.kind is NoticeKind.AD_CREDITS_PAID:
            return self._credits_paid(uow, notice, provider)
        current = await self._subscription_of(uow, notice)
        if current is None or not _concerns(current, notice, provider):
            return WebhookOutcome.IGNORED
        if notice.kind in (NoticeKind.INVOICE_PAID, NoticeKind.INVOICE_PAYMENT_FAILED):
            return await self._settle_invoice(uow, current, notice)
        event_type = "billing.subscription_updated"
        if notice.kind is NoticeKind.CHECKOUT_COMPLETED:
            updated = current.evolve(
                plan=notice.plan or current.plan,
                status=notice.status or SubscriptionStatus.ACTIVE,
                provider=provider,
                customer_ref=notice.customer_ref or current.customer_ref,
                subscription_ref=notice.subscription_ref or current.subscription_ref,
                current_period_end=notice.current_period_end or current.current_period_end,
                cancel_at_period_end=False,
            )
            event_type = "billing.subscription_activated"
        elif notice.kind is NoticeKind.SUBSCRIPTION_DELETED:
            # A scheduled end keeps cancel_at_period_end: the plan stays until the period ends.
            updated = current.evolve(
                status=SubscriptionStatus.CANCELED,
                current_period_end=notice.current_period_end or current.current_period_end,
            )
            event_type = "billing.subscription_canceled"
        else:
            updated = current.evolve(
                plan=notice.plan or current.plan,
                status=notice.status or current.status,
                provider=provider if notice.subscription_ref else current.provider,
                customer_ref=notice.customer_ref or current.customer_ref,
                subscription_ref=notice.subscription_ref or current.subscription_ref,
                current_period_end=notice.current_period_end or current.current_period_end,
                cancel_at_period_end=current.cancel_at_period_end
                if notice.cancel_at_period_end is None
                else notice.cancel_at_period_end,
            )
        await uow.subscriptions.save(updated)
        uow.outbox.add(
            new_event(
                event_type,
                producer=PRODUCER,
                organisation_id=updated.organisation_id,
                payload=_changed(updated, notice.event_id, self._clock()),
            )
        )
        return WebhookOutcome.APPLIED

    @staticmethod
    def _credits_paid(
        uow: BillingUnitOfWork, notice: WebhookNotice, provider: BillingProvider
    ) -> WebhookOutcome:
        if (
            notice.organisation_id is None
            or notice.payment_ref is None
            or notice.amount_cents is None
            or notice.amount_cents <= 0
            or notice.currency is None
        ):
            return WebhookOutcome.IGNORED
        uow.outbox.add(
            new_event(
                "billing.ad_credits_purchased",
                producer=PRODUCER,
                organisation_id=notice.organisation_id,
                payload=AdCreditsPurchased(
                    payment_ref=notice.payment_ref,
                    amount=notice.amount_cents,
                    currency=notice.currency.upper(),
                    provider=provider.value,
                ),
            )
        )
        return WebhookOutcome.APPLIED

    async def _settle_invoice(
        self, uow: BillingUnitOfWork, current: Subscription, notice: WebhookNotice
    ) -> WebhookOutcome:
        paid = notice.kind is NoticeKind.INVOICE_PAID
        if paid and current.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
            await uow.subscriptions.save(current.evolve(status=SubscriptionStatus.ACTIVE))
        elif not paid and current.status is SubscriptionStatus.ACTIVE:
            await uow.subscriptions.save(current.evolve(status=SubscriptionStatus.PAST_DUE))
        uow.outbox.add(
            new_event(
                "billing.invoice_paid" if paid else "billing.payment_failed",
                producer=PRODUCER,
                organisation_id=current.organisation_id,
                payload=InvoiceSettled(
                    subscription_ref=notice.subscription_ref or current.subscription_ref,
                    amount_cents=notice.amount_cents,
                    currency=notice.currency,
                    gateway_event_id=notice.event_id,
                ),
            )
        )
        return WebhookOutcome.APPLIED

    @staticmethod
    async def _subscription_of(
        uow: BillingUnitOfWork, notice: WebhookNotice
    ) -> Subscription | None:
        if notice.organisation_id is not None:
            found = await uow.subscriptions.get(notice.organisation_id)
            return found or Subscription.free(notice.organisation_id)
        if notice.subscription_ref is not None:
            found = await uow.subscriptions.find_by_reference(
                subscription_ref=notice.subscription_ref
            )
            if found is not None:
                return found
        if notice.customer_ref is not None:
            return await uow.subscriptions.find_by_reference(customer_ref=notice.customer_ref)
        return None
