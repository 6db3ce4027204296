"""The advertising use cases' ports: what they need of storage and of the marketplace."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from reptidex.domain.ads.campaigns import Campaign, CampaignStatus
from reptidex.domain.events import Outbox


@dataclass(frozen=True, slots=True)
class CreditBalance:
    """An organisation's ad credits in one currency, in millis."""

    currency: str
    balance: int


@dataclass(frozen=True, slots=True)
class CampaignDay:
    """One day of a campaign: impressions charged, clicks counted, spend in millis."""

    day: dt.date
    impressions: int
    clicks: int
    spent: int


class Campaigns(Protocol):
    """An organisation's campaigns (the caller's organisation only)."""

    async def add(self, campaign: Campaign) -> None:
        """Store a new campaign."""
        ...

    async def get(self, organisation_id: uuid.UUID, campaign_id: uuid.UUID) -> Campaign | None:
        """The organisation's campaign, or ``None``."""
        ...

    async def page(
        self, organisation_id: uuid.UUID, status: CampaignStatus | None, limit: int, offset: int
    ) -> tuple[list[Campaign], int]:
        """A page of the organisation's campaigns, newest first, and how many there are."""
        ...

    async def save(self, campaign: Campaign, expected_version: int) -> None:
        """Write a changed campaign; :class:`~reptidex.domain.errors.Conflict` when another
        change came first (its version moved)."""
        ...

    async def days(
        self, campaign_id: uuid.UUID, since: dt.date, until: dt.date
    ) -> list[CampaignDay]:
        """The campaign's days from ``since`` to ``until`` that had any activity, in order."""
        ...


class Credits(Protocol):
    """Organisations' ad credits."""

    async def balances(self, organisation_id: uuid.UUID) -> list[CreditBalance]:
        """The organisation's balances, by currency."""
        ...

    async def add_purchase(
        self, organisation_id: uuid.UUID, payment_ref: str, amount: int, currency: str
    ) -> int | None:
        """Record a purchase and credit its amount (minor units) to the balance; the new
        balance in millis, or ``None`` when the payment was credited before."""
        ...


class AdUnitOfWork(Protocol):
    """Campaigns, credits and the outbox in one transaction."""

    @property
    def campaigns(self) -> Campaigns:
        """The campaigns."""
        ...

    @property
    def credits(self) -> Credits:
        """The credits."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox of this transaction."""
        ...

    async def commit(self) -> None:
        """Commit the changes and the staged events together."""
        ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """A campaign that may be served now, with what it spent today and the credits left."""

    campaign: Campaign
    spent_today: int
    credits: int


class Refusal(StrEnum):
    """Why an impression was not charged."""

    BUDGET = "budget"
    PACING = "pacing"
    CREDITS = "credits"
    NOT_RUNNING = "not_running"


@dataclass(frozen=True, slots=True)
class Charge:
    """One impression's charge: its cost and the limits it must stay within, in millis."""

    campaign_id: uuid.UUID
    organisation_id: uuid.UUID
    currency: str
    day: dt.date
    cost: int
    total_budget: int
    allowed_today: int


@dataclass(frozen=True, slots=True)
class Sighting:
    """One viewer's impression or click of a campaign's slot within a dedup window."""

    campaign_id: uuid.UUID
    organisation_id: uuid.UUID
    kind: str
    slot: int
    viewer: str
    window: int


class CandidateSource(Protocol):
    """Where serving finds the campaigns a page may show."""

    async def candidates(self, day: dt.date, limit: int) -> list[Candidate]:
        """Up to ``limit`` campaigns running on ``day`` with budget left, highest bid first."""
        ...


class AdServing(CandidateSource, Protocol):
    """What serving and recording read and write across every advertiser's campaigns, in
    one transaction."""

    async def campaign(self, campaign_id: uuid.UUID) -> Campaign | None:
        """A campaign of any organisation, or ``None``."""
        ...

    async def first_sighting(self, sighting: Sighting) -> bool:
        """Note ``sighting``; ``False`` when the same one was noted before."""
        ...

    async def charge(self, charge: Charge) -> Refusal | None:
        """Add one impression and its cost to the campaign's spend, its day and the
        organisation's credits, each only within its limit; the limit that refused it (and
        nothing changed), or ``None``."""
        ...

    async def count_click(
        self, campaign_id: uuid.UUID, organisation_id: uuid.UUID, day: dt.date
    ) -> None:
        """Add a click to the campaign's day."""
        ...

    async def forget_sightings(self, before_window: int, limit: int) -> int:
        """Delete up to ``limit`` sightings of windows before ``before_window``; how many."""
        ...

    async def commit(self) -> None:
        """Commit."""
        ...


class ListingOwners(Protocol):
    """Which organisation sells a marketplace listing (repti-commerce)."""

    async def seller_of(self, listing_id: uuid.UUID, *, credential: str | None) -> uuid.UUID | None:
        """The selling organisation of a listing the caller may see, or ``None``."""
        ...
