"""An organisation's subscription as ReptiDex keeps it, mirrored from the payment gateway."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, replace

from reptidex.domain.billing.plans import FREE_PLAN, PLANS, Plan


class BillingProvider(enum.StrEnum):
    """Who takes an organisation's payments for its plan (the organisation chooses at checkout)."""

    STRIPE = "stripe"
    PAYPAL = "paypal"


class SubscriptionStatus(enum.StrEnum):
    """The state of a subscription (the gateway's vocabulary, reduced to what we act on)."""

    INCOMPLETE = "incomplete"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    UNPAID = "unpaid"
    CANCELED = "canceled"

    @property
    def grants_plan(self) -> bool:
        """Whether an organisation in this state gets its paid plan's entitlements.

        A failed payment keeps the plan during the gateway's retry window (``past_due``).
        """
        return self in (
            SubscriptionStatus.TRIALING,
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.PAST_DUE,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """One organisation's subscription: its plan, state and the gateway's references.

    ``provider`` is the gateway of ``subscription_ref``; ``customer_ref`` is the organisation's
    customer at the gateway that keeps customers (Stripe), kept whichever provider it pays with.
    """

    organisation_id: uuid.UUID
    plan: str = FREE_PLAN
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    provider: BillingProvider | None = None
    customer_ref: str | None = None
    subscription_ref: str | None = None
    current_period_end: dt.datetime | None = None
    cancel_at_period_end: bool = False

    @classmethod
    def free(cls, organisation_id: uuid.UUID) -> Subscription:
        """The subscription of an organisation that never paid."""
        return cls(organisation_id=organisation_id)

    def grants_plan_at(self, now: dt.datetime) -> bool:
        """Whether the subscribed plan's entitlements apply at ``now``.

        They apply while the subscription is in good standing. Once its end is scheduled
        (``cancel_at_period_end`` with a known period end) they apply until the period that was
        paid for ends, even when the gateway has already ended the subscription (PayPal ends it
        when asked; Stripe at the end of the period):

        >>> import datetime as dt, uuid
        >>> end = dt.datetime(2027, 1, 31, tzinfo=dt.UTC)
        >>> ended = Subscription(organisation_id=uuid.UUID(int=1), plan="keeper",
        ...     status=SubscriptionStatus.CANCELED, cancel_at_period_end=True,
        ...     current_period_end=end)
        >>> ended.grants_plan_at(end - dt.timedelta(days=1)), ended.grants_plan_at(end)
        (True, False)
        """
        if self.cancel_at_period_end and self.current_period_end is not None:
            ending = self.status.grants_plan or self.status is SubscriptionStatus.CANCELED
            return ending and now < self.current_period_end
        return self.status.grants_plan

    def effective_plan_at(self, now: dt.datetime) -> Plan:
        """The plan whose entitlements apply at ``now`` (Free unless :meth:`grants_plan_at`)."""
        if self.plan in PLANS and self.grants_plan_at(now):
            return PLANS[self.plan]
        return PLANS[FREE_PLAN]

    def evolve(self, **changes: object) -> Subscription:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)  # type: ignore[arg-type]
