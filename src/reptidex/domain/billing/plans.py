"""The plans an organisation subscribes to, with their prices and what each one entitles.

Plans are data, not code paths: a use case asks a plan's :class:`Entitlements` ("how many
animals may this organisation keep?") instead of comparing plan names.
"""

from __future__ import annotations

import msgspec

from reptidex.domain.errors import InvalidInput


class Entitlements(msgspec.Struct, frozen=True, kw_only=True):
    """What a plan allows. ``None`` as a limit means unlimited."""

    max_animals: int | None
    max_marketplace_listings: int | None
    certificate_printing: bool
    api_access: bool

    def grants(self) -> frozenset[str]:
        """The names of the yes/no entitlements this plan grants (feature flags read these).

        >>> PLANS["business"].entitlements.grants() == {"certificate_printing", "api_access"}
        True
        """
        granted = set()
        if self.certificate_printing:
            granted.add("certificate_printing")
        if self.api_access:
            granted.add("api_access")
        return frozenset(granted)


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """One plan: a code, a name for breeders, a monthly price in cents and its entitlements."""

    code: str
    name: str
    monthly_price_cents: int
    currency: str
    entitlements: Entitlements

    @property
    def is_paid(self) -> bool:
        """Whether subscribing to this plan goes through the payment gateway."""
        return self.monthly_price_cents > 0


FREE_PLAN = "free"

PLANS: dict[str, Plan] = {
    plan.code: plan
    for plan in (
        Plan(
            code="free",
            name="Free",
            monthly_price_cents=0,
            currency="usd",
            entitlements=Entitlements(
                max_animals=25,
                max_marketplace_listings=0,
                certificate_printing=False,
                api_access=False,
            ),
        ),
        Plan(
            code="keeper",
            name="Keeper",
            monthly_price_cents=900,
            currency="usd",
            entitlements=Entitlements(
                max_animals=150,
                max_marketplace_listings=10,
                certificate_printing=True,
                api_access=False,
            ),
        ),
        Plan(
            code="breeder",
            name="Breeder",
            monthly_price_cents=2900,
            currency="usd",
            entitlements=Entitlements(
                max_animals=1000,
                max_marketplace_listings=100,
                certificate_printing=True,
                api_access=True,
            ),
        ),
        Plan(
            code="business",
            name="Business",
            monthly_price_cents=7900,
            currency="usd",
            entitlements=Entitlements(
                max_animals=None,
                max_marketplace_listings=None,
                certificate_printing=True,
                api_access=True,
            ),
        ),
    )
}
"""Every plan by code, cheapest first."""

PAID_PLANS: tuple[str, ...] = tuple(code for code, plan in PLANS.items() if plan.is_paid)
"""The codes of the plans sold through the payment gateway."""


def plan_by_code(code: str) -> Plan:
    """The plan called ``code``.

    >>> plan_by_code("keeper").name
    'Keeper'

    Raises:
        InvalidInput: when no plan has that code.
    """
    try:
        return PLANS[code]
    except KeyError:
        raise InvalidInput(
            f"unknown plan {code!r}",
            field_errors={"plan": f"must be one of {', '.join(PLANS)}"},
        ) from None
