"""Billing use cases: plans, an organisation's subscription, checkout, portal, cancellation, webhooks.

With no payment gateway configured, billing is switched off: every organisation is on the Free
plan, and the actions that would take money say so with :class:`BillingNotConfigured`.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from reptidex.domain.billing.events import CheckoutStarted, InvoiceSettled, SubscriptionChanged
from reptidex.domain.billing.model import Subscription, SubscriptionStatus
from reptidex.domain.billing.plans import PAID_PLANS, PLANS, Plan, plan_by_code
from reptidex.domain.billing.ports import (
    BillingUnitOfWork,
    CheckoutSession,
    NoticeKind,
    PaymentGateway,
    WebhookNotice,
)
from reptidex.domain.errors import Conflict, FeatureUnavailable, InvalidInput
from reptidex.domain.events import new_event

PRODUCER = "core"


class BillingNotConfigured(FeatureUnavailable):
    """Billing is switched off on this installation (no payment gateway keys)."""

    def __init__(self) -> None:
        super().__init__(
            "Billing is not configured on this installation: every organisation is on the "
            "Free plan and no payment can be taken. An operator enables billing by setting "
            "the Stripe keys and price ids (see docs/billing.md)."
        )


class WebhookOutcome(enum.StrEnum):
    """What handling one webhook delivery did."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class BillingOverview:
    """An organisation's billing as its owner sees it."""

    billing_enabled: bool
    subscription: Subscription

    @property
    def plan(self) -> Plan:
        """The plan whose entitlements apply now."""
        return self.subscription.effective_plan


def _changed(subscription: Subscription, gateway_event_id: str | None) -> SubscriptionChanged:
    return SubscriptionChanged(
        plan=subscription.plan,
        effective_plan=subscription.effective_plan.code,
        status=subscription.status.value,
        subscription_ref=subscription.subscription_ref,
        cancel_at_period_end=subscription.cancel_at_period_end,
        current_period_end=subscription.current_period_end,
        gateway_event_id=gateway_event_id,
    )


class Billing:
    """The billing application service of repti-core.

    ``gateway`` is ``None`` when billing is switched off; ``unit_of_work`` opens one transaction.
    """

    def __init__(
        self,
        gateway: PaymentGateway | None,
        unit_of_work: Callable[[], BillingUnitOfWork],
    ) -> None:
        self._gateway = gateway
        self._unit_of_work = unit_of_work

    @property
    def enabled(self) -> bool:
        """Whether payments can be taken on this installation."""
        return self._gateway is not None

    def _require_gateway(self) -> PaymentGateway:
        if self._gateway is None:
            raise BillingNotConfigured()
        return self._gateway

    @staticmethod
    def plans() -> list[Plan]:
        """Every plan, cheapest first."""
        return list(PLANS.values())

    async def overview(self, organisation_id: uuid.UUID) -> BillingOverview:
        """The subscription of ``organisation_id`` (Free when it has none or billing is off)."""
        if not self.enabled:
            return BillingOverview(False, Subscription.free(organisation_id))
        async with self._unit_of_work() as uow:
            found = await uow.subscriptions.get(organisation_id)
        return BillingOverview(True, found or Subscription.free(organisation_id))

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
    ) -> CheckoutSession:
        """Send the organisation to the gateway's checkout to subscribe to ``plan``.

        Raises:
            BillingNotConfigured: when billing is off.
            InvalidInput: when ``plan`` is unknown or free.
            Conflict: when the organisation already pays for a plan (it changes plan in the portal).
        """
        gateway = self._require_gateway()
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
                raise Conflict(
                    f"the organisation already subscribes to {current.effective_plan.name}; "
                    "change plan in the billing portal"
                )
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
                        plan=chosen.code, customer_ref=customer_ref, checkout_ref=session.reference
                    ),
                )
            )
            await uow.commit()
        return session

    async def open_portal(self, *, organisation_id: uuid.UUID, return_url: str) -> str:
        """The URL of the gateway's self-service portal for the organisation.

        Raises:
            BillingNotConfigured: when billing is off.
            Conflict: when the organisation has never been a customer.
        """
        gateway = self._require_gateway()
        async with self._unit_of_work() as uow:
            current = await uow.subscriptions.get(organisation_id)
        if current is None or current.customer_ref is None:
            raise Conflict("the organisation has no billing account yet; start a checkout first")
        return await gateway.open_portal(customer_ref=current.customer_ref, return_url=return_url)

    async def cancel(
        self, *, organisation_id: uuid.UUID, actor_id: uuid.UUID | None
    ) -> Subscription:
        """Cancel the organisation's subscription at the end of the paid period.

        Raises:
            BillingNotConfigured: when billing is off.
            Conflict: when there is no paid subscription to cancel.
        """
        gateway = self._require_gateway()
        async with self._unit_of_work() as uow:
            current = await uow.subscriptions.get(organisation_id)
            if (
                current is None
                or current.subscription_ref is None
                or not current.status.grants_plan
            ):
                raise Conflict("the organisation has no paid subscription to cancel")
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
                    payload=_changed(updated, None),
                )
            )
            await uow.commit()
        return updated

    async def receive_webhook(self, payload: bytes, signature: str | None) -> WebhookOutcome:
        """Verify and apply one gateway webhook, at most once per gateway event id.

        Raises:
            BillingNotConfigured: when billing is off.
            InvalidWebhook: when the signature does not verify.
        """
        notice = self._require_gateway().read_webhook(payload, signature)
        async with self._unit_of_work() as uow:
            if await uow.webhooks.seen(notice.event_id):
                return WebhookOutcome.DUPLICATE
            outcome = await self._apply(uow, notice)
            await uow.webhooks.record(notice.event_id, notice.event_type)
            try:
                await uow.commit()
            except Conflict:
                # Stripe retried while the first delivery was being handled; that one won.
                if await self._seen_after_race(notice.event_id):
                    return WebhookOutcome.DUPLICATE
                raise
        return outcome

    async def _seen_after_race(self, event_id: str) -> bool:
        async with self._unit_of_work() as uow:
            return await uow.webhooks.seen(event_id)

    async def _apply(self, uow: BillingUnitOfWork, notice: WebhookNotice) -> WebhookOutcome:
        if notice.kind is NoticeKind.OTHER:
            return WebhookOutcome.IGNORED
        current = await self._subscription_of(uow, notice)
        if current is None:
            return WebhookOutcome.IGNORED
        if notice.kind in (NoticeKind.INVOICE_PAID, NoticeKind.INVOICE_PAYMENT_FAILED):
            return await self._settle_invoice(uow, current, notice)
        event_type = "billing.subscription_updated"
        if notice.kind is NoticeKind.CHECKOUT_COMPLETED:
            updated = current.evolve(
                plan=notice.plan or current.plan,
                status=notice.status or SubscriptionStatus.ACTIVE,
                customer_ref=notice.customer_ref or current.customer_ref,
                subscription_ref=notice.subscription_ref or current.subscription_ref,
                cancel_at_period_end=False,
            )
            event_type = "billing.subscription_activated"
        elif notice.kind is NoticeKind.SUBSCRIPTION_DELETED:
            updated = current.evolve(
                status=SubscriptionStatus.CANCELED,
                cancel_at_period_end=False,
                current_period_end=notice.current_period_end or current.current_period_end,
            )
            event_type = "billing.subscription_canceled"
        else:
            updated = current.evolve(
                plan=notice.plan or current.plan,
                status=notice.status or current.status,
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
                payload=_changed(updated, notice.event_id),
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
