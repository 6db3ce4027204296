"""Request and response bodies of advertising: campaigns, credits, reports, sponsored slots
and the recording of impressions and clicks. Amounts are integer minor units of the
campaign's currency; spend and credits are also given exactly, in millis (thousandths of a
minor unit)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from reptidex.domain.ads.campaigns import (
    MAX_CPM,
    MAX_DAILY_BUDGET,
    MAX_NAME,
    MAX_TARGETS,
    MAX_TOTAL_BUDGET,
    Campaign,
)
from reptidex.domain.ads.ports import CampaignDay, CreditBalance
from reptidex.domain.ads.serving import Outcome, SponsoredSlot
from reptidex.domain.ads.tokens import MAX_TOKEN
from reptidex.services.kernel.plausible_dates import PlausibleDate

BoostName = Literal["listings", "breeder"]
StatusName = Literal["active", "paused"]
OutcomeName = Literal[
    "counted", "duplicate", "self", "expired", "budget", "pacing", "credits", "not_running"
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME, examples=["Spring clutch"])]
CurrencyCode = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Za-z]{3}$", description="ISO 4217", examples=["EUR"])
]
DailyBudget = Annotated[
    int,
    msgspec.Meta(ge=1, le=MAX_DAILY_BUDGET, description="Minor units a day at most (pacing)."),
]
TotalBudget = Annotated[
    int,
    msgspec.Meta(ge=1, le=MAX_TOTAL_BUDGET, description="Minor units over the campaign at most."),
]
Cpm = Annotated[
    int,
    msgspec.Meta(ge=1, le=MAX_CPM, description="The bid: minor units per thousand impressions."),
]
Key = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")]
Country = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2")]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TOKEN)]


class TargetingBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who sees the campaign; an empty list admits everyone."""

    species: Annotated[list[Key], msgspec.Meta(max_length=MAX_TARGETS)] = []
    genes: Annotated[list[Key], msgspec.Meta(max_length=MAX_TARGETS)] = []
    countries: Annotated[list[Country], msgspec.Meta(max_length=MAX_TARGETS)] = []


class CampaignCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new campaign: what it boosts, its budgets and bid, dates (UTC days, both included)
    and targeting."""

    name: Name
    boost: BoostName
    currency: CurrencyCode
    daily_budget: DailyBudget
    total_budget: TotalBudget
    cpm: Cpm
    starts_on: PlausibleDate
    ends_on: PlausibleDate
    listing_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=MAX_TARGETS)] = []
    targeting: TargetingBody | None = None
    """Who sees it (absent: everyone)."""


class CampaignPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What to change (absent fields stay): ``status`` pauses or resumes."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    status: StatusName | msgspec.UnsetType = msgspec.UNSET
    daily_budget: DailyBudget | msgspec.UnsetType = msgspec.UNSET
    total_budget: TotalBudget | msgspec.UnsetType = msgspec.UNSET
    cpm: Cpm | msgspec.UnsetType = msgspec.UNSET
    starts_on: PlausibleDate | msgspec.UnsetType = msgspec.UNSET
    ends_on: PlausibleDate | msgspec.UnsetType = msgspec.UNSET
    targeting: TargetingBody | msgspec.UnsetType = msgspec.UNSET


class CampaignView(msgspec.Struct, frozen=True):
    """A campaign and what it has spent."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    boost: BoostName
    listing_ids: list[uuid.UUID]
    status: StatusName
    currency: str
    daily_budget: int
    total_budget: int
    cpm: int
    spent: int
    """Minor units, rounded down."""
    spent_millis: int
    starts_on: dt.date
    ends_on: dt.date
    targeting: TargetingBody
    version: int
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def campaign_view(campaign: Campaign) -> CampaignView:
    """The response body of a campaign."""
    terms = campaign.terms
    return CampaignView(
        id=campaign.id,
        organisation_id=campaign.organisation_id,
        name=terms.name,
        boost=campaign.boost.value,
        listing_ids=list(campaign.listing_ids),
        status=campaign.status.value,
        currency=campaign.currency,
        daily_budget=terms.daily_budget.amount,
        total_budget=terms.total_budget.amount,
        cpm=terms.cpm,
        spent=campaign.spent // 1000,
        spent_millis=campaign.spent,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        targeting=TargetingBody(
            list(terms.targeting.species),
            list(terms.targeting.genes),
            list(terms.targeting.countries),
        ),
        version=campaign.version,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


class CampaignPage(msgspec.Struct, frozen=True):
    """A page of campaigns, newest first."""

    items: list[CampaignView]
    total: int
    limit: int
    offset: int


class BalanceView(msgspec.Struct, frozen=True):
    """Ad credits in one currency."""

    currency: str
    balance: int
    """Minor units, rounded down."""
    balance_millis: int


def balance_view(balance: CreditBalance) -> BalanceView:
    """The response body of a balance."""
    return BalanceView(balance.currency, balance.balance // 1000, balance.balance)


class CreditsView(msgspec.Struct, frozen=True):
    """An organisation's ad credits, by currency."""

    balances: list[BalanceView]


class ReportDay(msgspec.Struct, frozen=True):
    """One UTC day of a campaign."""

    day: dt.date
    impressions: int
    clicks: int
    spent: int
    spent_millis: int
    ctr: float
    """Clicks per impression (0 without impressions), to four places."""


def ctr(clicks: int, impressions: int) -> float:
    """Clicks per impression, rounded to four places (0 without impressions).

    >>> ctr(3, 200), ctr(1, 0)
    (0.015, 0.0)
    """
    return round(clicks / impressions, 4) if impressions else 0.0


def report_day(day: CampaignDay) -> ReportDay:
    """The response row of a day."""
    return ReportDay(
        day.day,
        day.impressions,
        day.clicks,
        day.spent // 1000,
        day.spent,
        ctr(day.clicks, day.impressions),
    )


class ReportView(msgspec.Struct, frozen=True):
    """A campaign's days and their totals."""

    campaign_id: uuid.UUID
    currency: str
    since: dt.date
    until: dt.date
    days: list[ReportDay]
    impressions: int
    clicks: int
    spent: int
    spent_millis: int
    ctr: float


class SlotView(msgspec.Struct, frozen=True):
    """A sponsored result: show it marked as sponsored, post its impression token when it is
    shown and its click token when it is followed."""

    slot: int
    sponsored: bool
    campaign_id: uuid.UUID
    organisation_id: uuid.UUID
    boost: BoostName
    listing_id: uuid.UUID | None
    impression_token: str
    click_token: str


def slot_view(slot: SponsoredSlot) -> SlotView:
    """The response body of a slot."""
    return SlotView(
        slot=slot.slot,
        sponsored=slot.sponsored,
        campaign_id=slot.campaign_id,
        organisation_id=slot.organisation_id,
        boost=slot.boost.value,
        listing_id=slot.listing_id,
        impression_token=slot.impression_token,
        click_token=slot.click_token,
    )


class ServeView(msgspec.Struct, frozen=True):
    """The sponsored slots of a page, best first (possibly none)."""

    slots: list[SlotView]


class TokenBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A token handed out with a sponsored slot."""

    token: Token


class RecordView(msgspec.Struct, frozen=True):
    """What became of the impression or click: ``counted`` (an impression also charged), or
    why not (``duplicate``, ``self``, ``expired``, ``budget``, ``pacing``, ``credits``,
    ``not_running``)."""

    outcome: OutcomeName


def record_view(outcome: Outcome) -> RecordView:
    """The response body of a recording."""
    return RecordView(outcome.value)
