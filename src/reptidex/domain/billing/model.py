"""An organisation's subscription as ReptiDex keeps it, mirrored from the payment gateway."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, replace

from reptidex.domain.billing.plans import FREE_PLAN, PLANS, Plan


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
    """One organisation's subscription: its plan, state and the gateway's references."""

    organisation_id: uuid.UUID
    plan: str = FREE_PLAN
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    customer_ref: str | None = None
    subscription_ref: str | None = None
    current_period_end: dt.datetime | None = None
    cancel_at_period_end: bool = False

    @classmethod
    def free(cls, organisation_id: uuid.UUID) -> Subscription:
        """The subscription of an organisation that never paid."""
        return cls(organisation_id=organisation_id)

    @property
    def effective_plan(self) -> Plan:
        """The plan whose entitlements apply now (Free unless the subscription is in good standing)."""
        if self.status.grants_plan and self.plan in PLANS:
            return PLANS[self.plan]
        return PLANS[FREE_PLAN]

    def evolve(self, **changes: object) -> Subscription:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)  # type: ignore[arg-type]
