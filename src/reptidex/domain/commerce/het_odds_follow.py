"""Listings show their animal's pedigree carrier odds: repti-animal's
``animal.het_odds.changed`` is kept per animal, and the seller's current listing of the animal
(neither sold nor expired) takes it into its snapshot, which its public document, its search
indexes and its ``listing.updated`` follow.

An event without genes (repti-animal keeps no odds of the animal any more: its family could
not be computed) takes the odds off the listing, which shows the seller's typed ones again.
An event computed no later than the odds already kept (redelivered, or overtaken by a newer
computation) changes nothing; an unreadable payload is logged and changes nothing, so that the
consumer neither fails nor retries it. The caller runs it once per event (an idempotent
consumer), in the transaction that marks the event handled.
"""

from __future__ import annotations

from dataclasses import replace

import structlog

from reptidex.domain.commerce.animal_follow import stage_change
from reptidex.domain.commerce.listing_model import Listing, ListingState
from reptidex.domain.commerce.pedigree_odds import (
    HET_ODDS_CHANGED,
    InvalidHetOdds,
    odds_plain,
    read_het_odds,
)
from reptidex.domain.commerce.ports import KeptHetOdds, Listings
from reptidex.domain.events import DomainEvent, Outbox

_log = structlog.get_logger("reptidex.commerce.het_odds")


async def follow_het_odds(
    listings: Listings, kept: KeptHetOdds, outbox: Outbox, event: DomainEvent
) -> Listing | None:
    """Keep the event's odds unless older ones are newer, and show them on the seller's
    current listing of the animal; the listing as changed, or ``None``."""
    if event.type != HET_ODDS_CHANGED:
        return None
    try:
        change = read_het_odds(event.payload, event.organisation_id, event.occurred_at)
    except InvalidHetOdds as error:
        _log.warning("het_odds_unreadable", event_id=str(event.id), reason=str(error))
        return None
    before = await kept.get(change.organisation_id, change.animal_id)
    if before is not None and before.computed_at >= change.odds.computed_at:
        return None
    await kept.keep(change)
    listing = await listings.current_for_animal(change.organisation_id, change.animal_id)
    if listing is None or listing.status is ListingState.SOLD:
        return None
    shown = listing.animal.pedigree_odds
    # no genes: the family could not be computed any more, the typed odds are shown again
    odds = change.odds if change.odds.genes else None
    if shown is None and odds is None:
        return None
    refreshed = await listings.update(
        replace(
            listing,
            animal=replace(listing.animal, pedigree_odds=odds),
            updated_at=event.occurred_at,
        )
    )
    changed = {"pedigree_odds": (odds_plain(shown), odds_plain(odds))}
    stage_change(outbox, "listing.updated", refreshed, changed, event)
    return refreshed
