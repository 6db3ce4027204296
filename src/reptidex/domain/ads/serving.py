"""Serving: which campaigns fill the sponsored slots of a page, and recording what viewers saw
and clicked.

:func:`choose_sponsored` is what a page calls (``GET /ads/serve``, and ``GET /search`` with its
query's species, genes and country): campaigns running today, targeting the context, with
budget, pacing and credits left for one more impression, highest bid first, one slot each.
:func:`record_impression` charges a slot's impression (CPM: the bid per thousand is the cost
of one impression in millis) unless the viewer is the advertiser or saw the same slot within
the dedup window; :func:`record_click` counts a click under the same filters (clicks are not
charged).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from reptidex.domain.ads.campaigns import BoostKind, Campaign, cost_of_impression, to_millis
from reptidex.domain.ads.pacing import allowed_by
from reptidex.domain.ads.ports import AdServing, CandidateSource, Charge, Sighting
from reptidex.domain.ads.tokens import AdTicket, TicketSigner
from reptidex.domain.errors import InvalidInput

MAX_SLOTS = 5
"""The most sponsored slots one page asks for."""
CANDIDATES = 200
"""The most running campaigns one choice reads (highest bids first)."""
DEDUP_WINDOW = 1800
"""Seconds in which one viewer's impressions (or clicks) of one slot count once."""
IMPRESSION_TTL = 900
"""Seconds an impression token is accepted after serving."""
CLICK_TTL = 3600
"""Seconds a click token is accepted after serving."""


@dataclass(frozen=True, slots=True)
class AdContext:
    """Where sponsored slots are shown: a search's or a marketplace page's species, genes and
    country (each optional), and the viewer's organisation (its own campaigns are left out)."""

    species: str | None = None
    genes: frozenset[str] = frozenset()
    country: str | None = None
    viewer_organisation: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class SponsoredSlot:
    """One sponsored result: the campaign and what it promotes (a listing, or the
    organisation's breeder profile), with the tokens that record its impression and click."""

    slot: int
    campaign_id: uuid.UUID
    organisation_id: uuid.UUID
    boost: BoostKind
    listing_id: uuid.UUID | None
    impression_token: str
    click_token: str
    sponsored: bool = True


def _can_pay(campaign: Campaign, spent_today: int, credits: int, now: dt.datetime) -> bool:
    cost = cost_of_impression(campaign.terms.cpm)
    daily = to_millis(campaign.terms.daily_budget)
    return (
        campaign.spent + cost <= to_millis(campaign.terms.total_budget)
        and spent_today + cost <= allowed_by(daily, cost, now)
        and credits >= cost
    )


def _token(
    signer: TicketSigner,
    kind: Literal["impression", "click"],
    campaign: Campaign,
    slot: int,
    target: str,
    expires_at: int,
) -> str:
    return signer.sign(
        AdTicket(
            kind=kind,
            campaign_id=str(campaign.id),
            organisation_id=str(campaign.organisation_id),
            slot=slot,
            target=target,
            expires_at=expires_at,
        )
    )


async def choose_sponsored(
    serving: CandidateSource,
    signer: TicketSigner,
    context: AdContext,
    now: dt.datetime,
    slots: int = 2,
) -> list[SponsoredSlot]:
    """Up to ``slots`` (1 to :data:`MAX_SLOTS`) sponsored slots for ``context`` at ``now``,
    each with signed impression and click tokens."""
    if not 1 <= slots <= MAX_SLOTS:
        raise InvalidInput(f"Ask for 1 to {MAX_SLOTS} slots.", field_errors={"slots": "1-5"})
    chosen: list[SponsoredSlot] = []
    epoch = int(now.timestamp())
    for candidate in await serving.candidates(now.date(), CANDIDATES):
        campaign = candidate.campaign
        if campaign.organisation_id == context.viewer_organisation:
            continue
        if not campaign.terms.targeting.matches(context.species, context.genes, context.country):
            continue
        if not _can_pay(campaign, candidate.spent_today, candidate.credits, now):
            continue
        listing = (
            campaign.listing_ids[secrets.randbelow(len(campaign.listing_ids))]
            if campaign.listing_ids
            else None
        )
        target = str(listing or campaign.organisation_id)
        slot = len(chosen)

        chosen.append(
            SponsoredSlot(
                slot=slot,
                campaign_id=campaign.id,
                organisation_id=campaign.organisation_id,
                boost=campaign.boost,
                listing_id=listing,
                impression_token=_token(
                    signer, "impression", campaign, slot, target, epoch + IMPRESSION_TTL
                ),
                click_token=_token(signer, "click", campaign, slot, target, epoch + CLICK_TTL),
            )
        )
        if len(chosen) == slots:
            break
    return chosen


class Outcome(StrEnum):
    """What became of a recorded impression or click."""

    COUNTED = "counted"
    """Counted (an impression: and charged)."""
    DUPLICATE = "duplicate"
    SELF = "self"
    """The advertiser's own organisation: never counted nor charged."""
    EXPIRED = "expired"
    BUDGET = "budget"
    PACING = "pacing"
    CREDITS = "credits"
    NOT_RUNNING = "not_running"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who sent an impression or a click: their organisation (none without a token) and a
    stable key of the person (their user id, else their address), kept only hashed."""

    organisation_id: uuid.UUID | None
    key: str

    @classmethod
    def user(cls, organisation_id: uuid.UUID | None, user_id: uuid.UUID) -> Viewer:
        """A signed-in user (keyed by their id: what a GDPR request finds them by)."""
        return cls(organisation_id, f"user:{user_id}")

    def hashed(self) -> str:
        """The key as stored for duplicate filtering (SHA-256, hex)."""
        return hashlib.sha256(self.key.encode()).hexdigest()


def _read(signer: TicketSigner, token: str, kind: str) -> tuple[AdTicket, uuid.UUID, uuid.UUID]:
    ticket = signer.read(token)
    if ticket.kind != kind:
        raise InvalidInput(
            f"This is not a {kind} token.", field_errors={"token": f"a {kind} token"}
        )
    return ticket, uuid.UUID(ticket.campaign_id), uuid.UUID(ticket.organisation_id)


async def _first(
    serving: AdServing,
    ticket: AdTicket,
    campaign_id: uuid.UUID,
    owner: uuid.UUID,
    viewer: Viewer,
    now: dt.datetime,
) -> bool:
    return await serving.first_sighting(
        Sighting(
            campaign_id=campaign_id,
            organisation_id=owner,
            kind=ticket.kind,
            slot=ticket.slot,
            viewer=viewer.hashed(),
            window=int(now.timestamp()) // DEDUP_WINDOW,
        )
    )


async def record_impression(
    serving: AdServing, signer: TicketSigner, token: str, viewer: Viewer, now: dt.datetime
) -> Outcome:
    """Count and charge the impression ``token`` vouches for, unless filtered; the charge
    stays within the total budget, the day's paced budget and the credits, or nothing is
    written."""
    ticket, campaign_id, owner = _read(signer, token, "impression")
    if ticket.expires_at < int(now.timestamp()):
        return Outcome.EXPIRED
    if viewer.organisation_id == owner:
        return Outcome.SELF
    if not await _first(serving, ticket, campaign_id, owner, viewer, now):
        return Outcome.DUPLICATE
    campaign = await serving.campaign(campaign_id)
    if campaign is None or not campaign.runs_on(now.date()):
        return Outcome.NOT_RUNNING
    cost = cost_of_impression(campaign.terms.cpm)
    refusal = await serving.charge(
        Charge(
            campaign_id=campaign.id,
            organisation_id=campaign.organisation_id,
            currency=campaign.currency,
            day=now.date(),
            cost=cost,
            total_budget=to_millis(campaign.terms.total_budget),
            allowed_today=allowed_by(to_millis(campaign.terms.daily_budget), cost, now),
        )
    )
    if refusal is not None:
        return Outcome(refusal.value)
    await serving.commit()
    return Outcome.COUNTED


async def record_click(
    serving: AdServing, signer: TicketSigner, token: str, viewer: Viewer, now: dt.datetime
) -> Outcome:
    """Count the click ``token`` vouches for, unless filtered (clicks cost nothing: CPM)."""
    ticket, campaign_id, owner = _read(signer, token, "click")
    if ticket.expires_at < int(now.timestamp()):
        return Outcome.EXPIRED
    if viewer.organisation_id == owner:
        return Outcome.SELF
    if not await _first(serving, ticket, campaign_id, owner, viewer, now):
        return Outcome.DUPLICATE
    await serving.count_click(campaign_id, owner, now.date())
    await serving.commit()
    return Outcome.COUNTED


async def forget_old_sightings(serving: AdServing, now: dt.datetime, limit: int) -> int:
    """Delete up to ``limit`` sightings older than the dedup window before ``now``'s (they
    can no longer make anything a duplicate); how many."""
    deleted = await serving.forget_sightings(int(now.timestamp()) // DEDUP_WINDOW - 1, limit)
    await serving.commit()
    return deleted
