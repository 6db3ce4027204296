"""A campaign: what it boosts, its budgets, bid, dates and targeting, and the rules they keep.

Amounts are integer minor units of one currency (:class:`~reptidex.domain.commerce.money.Money`).
Spend is kept in *thousandths* of a minor unit ("millis"): a campaign bids a price per thousand
impressions (CPM) in minor units, which is exactly the cost of one impression in millis, so every
charge is an integer and no rounding ever lets spend pass a budget.

>>> cost_of_impression(250)   # 2.50 EUR per thousand impressions
250
>>> to_millis(Money.of(1000, "EUR"))  # 10.00 EUR
1000000
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import InvalidInput

MAX_DAILY_BUDGET = 10**9
"""The largest daily budget in minor units (ten million of a two-decimal currency)."""
MAX_TOTAL_BUDGET = 10**11
"""The largest total budget in minor units: in millis it stays far inside a 64-bit column."""
MAX_CPM = 100_000
"""The largest bid per thousand impressions in minor units."""
MAX_DAYS = 366
"""The longest campaign, in days."""
MAX_TARGETS = 20
"""The most values of each targeting list, and the most listings one campaign boosts."""
MAX_NAME = 120
"""The longest campaign name."""

_KEY = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")
_COUNTRY = re.compile(r"[A-Z]{2}")


class BoostKind(StrEnum):
    """What a campaign promotes."""

    LISTINGS = "listings"
    """Some of the organisation's marketplace listings."""
    BREEDER = "breeder"
    """The organisation's breeder profile."""


class CampaignStatus(StrEnum):
    """Whether the advertiser lets the campaign run (its dates and budgets decide the rest)."""

    ACTIVE = "active"
    PAUSED = "paused"


def to_millis(money: Money) -> int:
    """``money`` in thousandths of a minor unit."""
    return money.amount * 1000


def cost_of_impression(cpm: int) -> int:
    """The cost of one impression in millis at a bid of ``cpm`` minor units per thousand."""
    return cpm


@dataclass(frozen=True, slots=True)
class Targeting:
    """Who sees a campaign: each non-empty list must meet the context (species and country:
    one of them; genes: at least one in common); an empty list admits everyone."""

    species: tuple[str, ...] = ()
    genes: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()

    def matches(self, species: str | None, genes: frozenset[str], country: str | None) -> bool:
        """Whether a context with ``species``, ``genes`` and ``country`` is targeted.

        >>> t = Targeting(species=("ball_python",), genes=("clown", "pastel"))
        >>> t.matches("ball_python", frozenset({"pastel"}), None)
        True
        >>> t.matches("ball_python", frozenset(), "DE"), t.matches(None, frozenset({"clown"}), None)
        (False, False)
        """
        if self.species and species not in self.species:
            return False
        if self.genes and not genes.intersection(self.genes):
            return False
        return not self.countries or country in self.countries


@dataclass(frozen=True, slots=True)
class CampaignTerms:
    """What an advertiser sets: name, budgets, bid, dates and targeting."""

    name: str
    daily_budget: Money
    total_budget: Money
    cpm: int
    starts_on: dt.date
    ends_on: dt.date
    targeting: Targeting = Targeting()


@dataclass(frozen=True, slots=True)
class Campaign:
    """A campaign of an organisation. ``spent`` is the total spend in millis."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    boost: BoostKind
    listing_ids: tuple[uuid.UUID, ...]
    terms: CampaignTerms
    status: CampaignStatus
    spent: int = 0
    created_by: uuid.UUID | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    version: int = 1

    @property
    def currency(self) -> str:
        """The campaign's currency code."""
        return self.terms.daily_budget.currency.code

    def runs_on(self, day: dt.date) -> bool:
        """Whether ``day`` is inside the campaign's dates and it is not paused."""
        return self.status is CampaignStatus.ACTIVE and (
            self.terms.starts_on <= day <= self.terms.ends_on
        )


def _field_error(name: str, message: str, detail: str) -> InvalidInput:
    return InvalidInput(detail, field_errors={name: message})


def _keys(name: str, values: tuple[str, ...], pattern: re.Pattern[str], what: str) -> None:
    if len(values) > MAX_TARGETS:
        raise _field_error(name, f"at most {MAX_TARGETS}", f"Target at most {MAX_TARGETS} {name}.")
    if len(set(values)) != len(values):
        raise _field_error(name, "no value twice", f"A value of {name} is given twice.")
    for value in values:
        if not pattern.fullmatch(value):
            raise _field_error(name, what, f"{value!r} is not {what}.")


def check_targeting(targeting: Targeting) -> Targeting:
    """``targeting`` if its lists are bounded, unique and well formed; :class:`InvalidInput`
    otherwise."""
    key = "a catalog key such as ball_python (lower case, digits, _)"
    _keys("species", targeting.species, _KEY, key)
    _keys("genes", targeting.genes, _KEY, key)
    _keys("countries", targeting.countries, _COUNTRY, "an ISO 3166 alpha-2 code such as DE")
    return targeting


def check_terms(terms: CampaignTerms, today: dt.date | None = None) -> CampaignTerms:
    """``terms`` if they keep the rules; :class:`InvalidInput` naming the field otherwise.

    One currency; ``0 < daily <= total``, both bounded; a bid that one day's budget can pay at
    least once; ``starts_on <= ends_on`` within :data:`MAX_DAYS`; an end not before ``today``
    (when given: a new campaign, or new dates).
    """
    name = terms.name.strip()
    if not name or len(terms.name) > MAX_NAME:
        raise _field_error("name", f"1 to {MAX_NAME} characters", "A campaign needs a name.")
    daily, total = terms.daily_budget, terms.total_budget
    if daily.currency != total.currency:
        raise _field_error("total_budget", "the daily budget's currency", "Use one currency.")
    if not 0 < daily.amount <= MAX_DAILY_BUDGET:
        raise _field_error(
            "daily_budget",
            f"1 to {MAX_DAILY_BUDGET} minor units",
            "The daily budget is out of range.",
        )
    if not daily.amount <= total.amount <= MAX_TOTAL_BUDGET:
        raise _field_error(
            "total_budget",
            f"at least the daily budget, at most {MAX_TOTAL_BUDGET} minor units",
            "The total budget must cover at least one day's budget.",
        )
    if not 0 < terms.cpm <= MAX_CPM or cost_of_impression(terms.cpm) > to_millis(daily):
        raise _field_error(
            "cpm",
            f"1 to {MAX_CPM} minor units, within a thousand times the daily budget",
            "The bid per thousand impressions is out of range.",
        )
    if terms.starts_on > terms.ends_on:
        raise _field_error(
            "ends_on", "on or after starts_on", "The campaign ends before it starts."
        )
    if (terms.ends_on - terms.starts_on).days >= MAX_DAYS:
        raise _field_error("ends_on", f"within {MAX_DAYS} days", "The campaign runs too long.")
    if today is not None and terms.ends_on < today:
        raise _field_error("ends_on", "today or later", "The campaign would end in the past.")
    check_targeting(terms.targeting)
    return CampaignTerms(
        name, daily, total, terms.cpm, terms.starts_on, terms.ends_on, terms.targeting
    )


def check_boost(boost: BoostKind, listing_ids: tuple[uuid.UUID, ...]) -> tuple[uuid.UUID, ...]:
    """The listings a campaign boosts: 1 to :data:`MAX_TARGETS` distinct ones for listings,
    none for a breeder profile."""
    if boost is BoostKind.BREEDER:
        if listing_ids:
            raise _field_error(
                "listing_ids",
                "none for a breeder campaign",
                "A breeder campaign boosts no listing.",
            )
        return ()
    if not 0 < len(listing_ids) <= MAX_TARGETS or len(set(listing_ids)) != len(listing_ids):
        raise _field_error(
            "listing_ids",
            f"1 to {MAX_TARGETS} distinct listings",
            "A listings campaign names the listings it boosts.",
        )
    return listing_ids
