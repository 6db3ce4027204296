"""Listings follow their animal: repti-animal's ``animal.*`` events withdraw or refresh the
seller's current listing of the animal (the one neither sold nor expired).

- ``animal.deleted``, ``animal.transferred`` (elsewhere than through the listing's own sale,
  which has sold it already), and ``animal.updated`` to a status that cannot be listed
  (sold, deceased, on loan) or to ``private``: the listing is withdrawn, a draft or available
  listing becomes ``hidden``. A listing an order holds stays with its order (the parties
  cancel or complete it).
- Any other ``animal.updated``: the listing's snapshot of the animal (name, code, species,
  sex, hatch date, morph, phenotype, traits, hets, possible hets) becomes the event's.

Each change stages ``listing.state_changed`` or ``listing.updated``. The caller runs it once
per event (an idempotent consumer), in the transaction that marks the event handled.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from reptidex.domain.commerce.audit import audit
from reptidex.domain.commerce.events import PRODUCER, ListingChanged
from reptidex.domain.commerce.listing_model import (
    AnimalSnapshot,
    Listing,
    ListingState,
    PossibleHet,
)
from reptidex.domain.commerce.listings import searchable_fields
from reptidex.domain.commerce.ports import Listings
from reptidex.domain.events import DomainEvent, Outbox, new_event

FOLLOWED_EVENTS = ("animal.updated", "animal.deleted", "animal.transferred")
"""The events of repti-animal that listings follow."""
UNLISTABLE_STATUSES = frozenset({"sold", "deceased", "on_loan"})
"""Statuses of an animal that withdraw its listing (the ones it cannot be listed in)."""
WITHDRAWN_FROM = frozenset({ListingState.DRAFT, ListingState.AVAILABLE})
"""The states a withdrawal moves to ``hidden``."""
SNAPSHOT_FIELDS = (
    "name", "code", "species", "sex", "hatch_date", "morph", "phenotype", "traits", "hets",
    "possible_hets",
)  # fmt: skip


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _withdraws(event_type: str, payload: Mapping[str, Any], seller: uuid.UUID) -> bool:
    if event_type == "animal.deleted":
        return True
    if event_type == "animal.transferred":
        return _uuid(payload.get("to_organisation_id")) != seller
    return payload.get("status") in UNLISTABLE_STATUSES or payload.get("visibility") == "private"


def snapshot_of(current: AnimalSnapshot, payload: Mapping[str, Any]) -> AnimalSnapshot:
    """The listing's snapshot as an ``animal.updated`` event describes the animal (fields the
    event lacks keep their value)."""
    hatch = payload.get("hatch_date", "missing")
    morph = payload.get("morph")
    genotype: dict[str, Any] = {}
    if morph is not None:  # the event carries the genotype
        genotype = {
            "morph": str(morph),
            "traits": tuple(str(t) for t in payload.get("traits") or ()),
            "hets": tuple(str(h) for h in payload.get("hets") or ()),
            "possible_hets": tuple(
                PossibleHet(str(gene), Fraction(str(p)))
                for gene, p in payload.get("possible_hets") or ()
            ),
        }
    return replace(
        current,
        name=payload.get("name"),
        code=str(payload.get("code") or current.code or "") or None,
        species=str(payload.get("species") or current.species),
        sex=str(payload.get("sex") or current.sex),
        phenotype=str(payload.get("phenotype") or current.phenotype),
        hatch_date=current.hatch_date
        if hatch == "missing"
        else (None if hatch is None else dt.date.fromisoformat(str(hatch))),
        **genotype,
    )


def _plain(snapshot: AnimalSnapshot, field: str) -> object:
    value = getattr(snapshot, field)
    if field == "possible_hets":
        return [[h.gene, str(h.probability)] for h in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


def stage_change(
    outbox: Outbox,
    kind: str,
    listing: Listing,
    changed: Mapping[str, tuple[object, object]],
    event: DomainEvent,
) -> None:
    """Stage ``kind`` (``listing.updated`` or ``listing.state_changed``) of ``listing`` and its
    audit record, for the ``changed`` fields (before and after) that ``event`` changed."""
    outbox.add(
        new_event(
            kind,
            producer=PRODUCER,
            payload=ListingChanged(
                listing_id=str(listing.id),
                animal_id=str(listing.animal.animal_id),
                species=listing.animal.species,
                state=listing.status.value,
                price_amount=listing.price.amount,
                currency=listing.price.currency.code,
                changed=list(changed),
                before={k: v[0] for k, v in changed.items()},
                after={k: v[1] for k, v in changed.items()},
                **searchable_fields(listing),
            ),
            organisation_id=listing.organisation_id,
            occurred_at=event.occurred_at,
        )
    )
    audit(
        outbox,
        "listing",
        listing.id,
        kind.removeprefix("listing."),
        organisation_id=listing.organisation_id,
        before={k: v[0] for k, v in changed.items()},
        after={k: v[1] for k, v in changed.items()},
    )


async def follow_animal(listings: Listings, outbox: Outbox, event: DomainEvent) -> Listing | None:
    """Withdraw or refresh the seller's current listing of the event's animal; the listing as
    changed, or ``None`` when nothing changed."""
    seller, animal_id = event.organisation_id, _uuid(event.payload.get("animal_id"))
    if event.type not in FOLLOWED_EVENTS or seller is None or animal_id is None:
        return None
    listing = await listings.current_for_animal(seller, animal_id)
    if listing is None:
        return None
    if _withdraws(event.type, event.payload, seller):
        if listing.status not in WITHDRAWN_FROM:
            return None
        moved = await listings.update(listing.moved_to(ListingState.HIDDEN, event.occurred_at))
        state = {"state": (listing.status.value, moved.status.value)}
        stage_change(outbox, "listing.state_changed", moved, state, event)
        return moved
    if event.type != "animal.updated" or listing.status is ListingState.SOLD:
        return None
    snapshot = snapshot_of(listing.animal, event.payload)
    changed = {
        f: (_plain(listing.animal, f), _plain(snapshot, f))
        for f in SNAPSHOT_FIELDS
        if getattr(listing.animal, f) != getattr(snapshot, f)
    }
    if not changed:
        return None
    refreshed = await listings.update(
        replace(listing, animal=snapshot, updated_at=event.occurred_at)
    )
    stage_change(outbox, "listing.updated", refreshed, changed, event)
    return refreshed
