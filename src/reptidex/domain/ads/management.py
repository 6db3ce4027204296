"""The advertiser's use cases: create, read, change (pause, resume, edit) and report on
campaigns; credits added by a paid purchase. Each owns its unit of work: the change, its event
and its audit record commit together."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from reptidex.domain.ads.campaigns import (
    BoostKind,
    Campaign,
    CampaignStatus,
    CampaignTerms,
    Targeting,
    check_boost,
    check_terms,
)
from reptidex.domain.ads.events import (
    CAMPAIGN_CREATED,
    CAMPAIGN_UPDATED,
    CREDITS_ADDED,
    PRODUCER,
    AdCreditsAdded,
    AdCreditsPurchased,
    CampaignChanged,
)
from reptidex.domain.ads.ports import AdUnitOfWork, CampaignDay, CreditBalance, ListingOwners
from reptidex.domain.audit import record_change
from reptidex.domain.commerce.money import Currency, Money
from reptidex.domain.errors import InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events import new_event

MAX_REPORT_DAYS = 366
"""The longest period of one report, in days."""


@dataclass(frozen=True, slots=True)
class Advertiser:
    """The caller as the advertising use cases see it: its organisation and rights."""

    organisation_id: uuid.UUID
    user_id: uuid.UUID | None
    may_write: bool
    credential: str | None = None
    """The caller's bearer token, passed on to repti-commerce to check listings."""


@dataclass(frozen=True, slots=True)
class CampaignChanges:
    """What a change sets (``None``: kept)."""

    name: str | None = None
    status: CampaignStatus | None = None
    daily_budget: int | None = None
    total_budget: int | None = None
    cpm: int | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    targeting: Targeting | None = None


def campaign_fields(campaign: Campaign) -> dict[str, Any]:
    """A campaign as its events and audit records show it."""
    terms = campaign.terms
    return {
        "name": terms.name,
        "boost": campaign.boost.value,
        "listing_ids": [str(i) for i in campaign.listing_ids],
        "status": campaign.status.value,
        "currency": campaign.currency,
        "daily_budget_amount": terms.daily_budget.amount,
        "total_budget_amount": terms.total_budget.amount,
        "cpm": terms.cpm,
        "starts_on": terms.starts_on.isoformat(),
        "ends_on": terms.ends_on.isoformat(),
        "species": list(terms.targeting.species),
        "genes": list(terms.targeting.genes),
        "countries": list(terms.targeting.countries),
    }


def _stage(
    uow: AdUnitOfWork, actor: Advertiser, campaign: Campaign, before: Campaign | None
) -> None:
    after_fields = campaign_fields(campaign)
    before_fields = None if before is None else campaign_fields(before)
    changed = (
        []
        if before_fields is None
        else [name for name in after_fields if after_fields[name] != before_fields[name]]
    )
    terms = campaign.terms
    uow.outbox.add(
        new_event(
            CAMPAIGN_UPDATED if before else CAMPAIGN_CREATED,
            producer=PRODUCER,
            payload=CampaignChanged(
                campaign_id=str(campaign.id),
                organisation_id=str(campaign.organisation_id),
                boost=campaign.boost.value,
                status=campaign.status.value,
                currency=campaign.currency,
                daily_budget_amount=terms.daily_budget.amount,
                total_budget_amount=terms.total_budget.amount,
                cpm=terms.cpm,
                starts_on=terms.starts_on.isoformat(),
                ends_on=terms.ends_on.isoformat(),
                changed=changed,
                before={n: before_fields[n] for n in changed} if before_fields else {},
                after={n: after_fields[n] for n in changed},
            ),
            organisation_id=campaign.organisation_id,
            actor_id=actor.user_id,
        )
    )
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="ad_campaign",
        resource_id=campaign.id,
        action="updated" if before else "created",
        actor_id=actor.user_id,
        organisation_id=campaign.organisation_id,
        before=before_fields,
        after=after_fields,
    )


def _writer(actor: Advertiser) -> None:
    if not actor.may_write:
        raise PermissionDenied("Managing campaigns needs a member of the organisation or above.")


async def create_campaign(
    uow: AdUnitOfWork,
    actor: Advertiser,
    boost: BoostKind,
    listing_ids: tuple[uuid.UUID, ...],
    terms: CampaignTerms,
    listings: ListingOwners,
    now: dt.datetime,
) -> Campaign:
    """A new active campaign of the actor's organisation; its listings must be the
    organisation's own (:class:`InvalidInput` naming the first that is not)."""
    _writer(actor)
    terms = check_terms(terms, now.date())
    listing_ids = check_boost(boost, listing_ids)
    for listing_id in listing_ids:
        seller = await listings.seller_of(listing_id, credential=actor.credential)
        if seller != actor.organisation_id:
            raise InvalidInput(
                f"Listing {listing_id} is not one of your organisation's listings.",
                field_errors={"listing_ids": f"{listing_id} is not yours"},
            )
    campaign = Campaign(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        boost=boost,
        listing_ids=listing_ids,
        terms=terms,
        status=CampaignStatus.ACTIVE,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    await uow.campaigns.add(campaign)
    _stage(uow, actor, campaign, None)
    await uow.commit()
    return campaign


async def show_campaign(uow: AdUnitOfWork, actor: Advertiser, campaign_id: uuid.UUID) -> Campaign:
    """The actor's organisation's campaign; :class:`NotFound` for any other."""
    found = await uow.campaigns.get(actor.organisation_id, campaign_id)
    if found is None:
        raise NotFound(f"No campaign {campaign_id} of your organisation.")
    return found


async def list_campaigns(
    uow: AdUnitOfWork,
    actor: Advertiser,
    status: CampaignStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[Campaign], int]:
    """A page of the actor's organisation's campaigns, newest first, and the total."""
    return await uow.campaigns.page(actor.organisation_id, status, limit, offset)


def _changed_terms(terms: CampaignTerms, changes: CampaignChanges) -> CampaignTerms:
    currency = terms.daily_budget.currency
    return CampaignTerms(
        name=terms.name if changes.name is None else changes.name,
        daily_budget=terms.daily_budget
        if changes.daily_budget is None
        else Money(changes.daily_budget, currency),
        total_budget=terms.total_budget
        if changes.total_budget is None
        else Money(changes.total_budget, currency),
        cpm=terms.cpm if changes.cpm is None else changes.cpm,
        starts_on=terms.starts_on if changes.starts_on is None else changes.starts_on,
        ends_on=terms.ends_on if changes.ends_on is None else changes.ends_on,
        targeting=terms.targeting if changes.targeting is None else changes.targeting,
    )


async def change_campaign(
    uow: AdUnitOfWork,
    actor: Advertiser,
    campaign_id: uuid.UUID,
    changes: CampaignChanges,
    now: dt.datetime,
) -> Campaign:
    """Pause, resume or edit the actor's organisation's campaign. A total budget below what
    was spent already is refused; new dates may not end in the past."""
    _writer(actor)
    before = await show_campaign(uow, actor, campaign_id)
    new_dates = changes.starts_on is not None or changes.ends_on is not None
    terms = check_terms(_changed_terms(before.terms, changes), now.date() if new_dates else None)
    if terms.total_budget.amount * 1000 < before.spent:
        raise InvalidInput(
            "The total budget cannot go below what the campaign has spent.",
            field_errors={"total_budget": "at least the spend so far"},
        )
    campaign = dataclasses.replace(
        before,
        terms=terms,
        status=changes.status or before.status,
        updated_at=now,
        version=before.version + 1,
    )
    if campaign_fields(campaign) == campaign_fields(before):
        return before
    await uow.campaigns.save(campaign, before.version)
    _stage(uow, actor, campaign, before)
    await uow.commit()
    return campaign


async def credit_balances(uow: AdUnitOfWork, actor: Advertiser) -> list[CreditBalance]:
    """The actor's organisation's ad credits, by currency."""
    return await uow.credits.balances(actor.organisation_id)


async def campaign_report(
    uow: AdUnitOfWork,
    actor: Advertiser,
    campaign_id: uuid.UUID,
    since: dt.date,
    until: dt.date,
) -> tuple[Campaign, list[CampaignDay]]:
    """The campaign and each day from ``since`` to ``until`` (at most
    :data:`MAX_REPORT_DAYS`), days without activity as zeros."""
    if since > until or (until - since).days >= MAX_REPORT_DAYS:
        raise InvalidInput(
            f"A report covers 1 to {MAX_REPORT_DAYS} days, from `since` to `until`.",
            field_errors={"until": "on or after since, within a year"},
        )
    campaign = await show_campaign(uow, actor, campaign_id)
    stored = {d.day: d for d in await uow.campaigns.days(campaign.id, since, until)}
    days = []
    day = since
    while day <= until:
        days.append(stored.get(day, CampaignDay(day, 0, 0, 0)))
        day += dt.timedelta(days=1)
    return campaign, days


async def add_purchased_credits(
    uow: AdUnitOfWork, organisation_id: uuid.UUID, purchase: AdCreditsPurchased
) -> int | None:
    """Credit a paid purchase to the organisation's balance, once per payment (a payment seen
    before changes nothing: ``None``); the new balance in millis. A step of the consumer of
    ``billing.ad_credits_purchased``: its transaction commits the credit, the event, the audit
    record and the event's mark together."""
    if not 0 < purchase.amount <= 10**11:
        raise InvalidInput("A purchase of ad credits is a positive amount.")
    currency = Currency.of(purchase.currency).code
    balance = await uow.credits.add_purchase(
        organisation_id, purchase.payment_ref, purchase.amount, currency
    )
    if balance is None:
        return None
    uow.outbox.add(
        new_event(
            CREDITS_ADDED,
            producer=PRODUCER,
            payload=AdCreditsAdded(
                organisation_id=str(organisation_id),
                payment_ref=purchase.payment_ref,
                amount=purchase.amount,
                currency=currency,
                balance_millis=balance,
            ),
            organisation_id=organisation_id,
        )
    )
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="ad_credits",
        resource_id=f"{organisation_id}:{currency}",
        action="credited",
        actor_id=None,
        organisation_id=organisation_id,
        before={"balance_millis": balance - purchase.amount * 1000},
        after={"balance_millis": balance, "payment_ref": purchase.payment_ref},
    )
    return balance
