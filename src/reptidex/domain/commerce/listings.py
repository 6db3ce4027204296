"""Use cases of the marketplace's listings: list an animal, change, publish, hide or delete a
listing, show one, search the open ones, and a seller's own.

A listing is made in two steps: :func:`listed_animal` reads the animal from the seller's
collection (outside any transaction: it is a call to repti-animal), then
:func:`create_listing` stores the listing with that snapshot. Each writing use case stages its
events in the unit of work's outbox and commits once, at its end. The parts of
:func:`create_listing` (:func:`new_listing` checks and builds, :func:`require_unlisted`,
:func:`add_listing` stores and stages) serve the CSV import of many listings as well
(:mod:`~reptidex.domain.commerce.listing_csv`).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import msgspec

from reptidex.domain.commerce.audit import audit, listing_fields
from reptidex.domain.commerce.events import PRODUCER, ListingChanged, ListingDeleted
from reptidex.domain.commerce.listing_model import (
    REMOVABLE_STATES,
    AnimalSnapshot,
    Listing,
    ListingState,
)
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.order_model import Order
from reptidex.domain.commerce.pedigree_odds import shown_hets, with_kept_odds
from reptidex.domain.commerce.ports import (
    AnimalCatalogue,
    CatalogueAnimal,
    CommerceUnitOfWork,
    ListingQuery,
)
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.domain.events import new_event

UNSELLABLE_STATUSES = frozenset({"sold", "deceased", "on_loan"})
"""Animal statuses (repti-animal's) that cannot be listed."""
MAX_PAGE = 100
"""The most listings one page holds."""


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""A field of :class:`ListingChanges` left as it is."""


@dataclass(frozen=True, slots=True)
class ListingDraft:
    """A new listing as the seller enters it."""

    animal_id: uuid.UUID
    title: str
    price: Money
    country: str
    description: str = ""
    region: str | None = None
    shipping_available: bool = False
    pickup_available: bool = True
    expires_at: dt.datetime | None = None
    publish: bool = False
    """Make it available at once (else a draft)."""
    external_ref: str | None = None
    """Where an import takes it from (a partner marketplace's listing id)."""


@dataclass(frozen=True, slots=True)
class ListingChanges:
    """The fields a change sets; every other field stays (:data:`KEEP`)."""

    title: str | _Keep = KEEP
    description: str | _Keep = KEEP
    price: Money | _Keep = KEEP
    country: str | _Keep = KEEP
    region: str | _Keep | None = KEEP
    shipping_available: bool | _Keep = KEEP
    pickup_available: bool | _Keep = KEEP
    expires_at: dt.datetime | _Keep | None = KEEP
    state: ListingState | _Keep = KEEP

    def given(self) -> dict[str, Any]:
        """The fields this change sets, by name."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not KEEP
        }


_ATTRIBUTES = {"state": "status"}
"""The listing's attribute behind an event's field name."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _audit(value: object) -> object:
    if isinstance(value, Money):
        return {"amount": value.amount, "currency": value.currency.code}
    return msgspec.to_builtins(value)


def searchable_fields(listing: Listing) -> dict[str, Any]:
    """What :class:`ListingChanged` carries for a search index."""
    animal = listing.animal
    return {
        "title": listing.title,
        "description": listing.description,
        "country": listing.country,
        "region": listing.region,
        "sex": animal.sex,
        "morph": animal.morph,
        "traits": list(animal.traits),
        "hets": list(shown_hets(animal)),
    }


def stage_listing_event(
    uow: CommerceUnitOfWork,
    actor: Member,
    kind: str,
    listing: Listing,
    before: Listing | None = None,
    changed: tuple[str, ...] = (),
) -> None:
    """Stage ``kind`` (``listing.*``) for ``listing``, with the ``changed`` fields' values
    ``before`` and after."""
    payload = ListingChanged(
        listing_id=str(listing.id),
        animal_id=str(listing.animal.animal_id),
        species=listing.animal.species,
        state=listing.status.value,
        price_amount=listing.price.amount,
        currency=listing.price.currency.code,
        changed=list(changed),
        before={n: _audit(getattr(before, _ATTRIBUTES.get(n, n))) for n in changed}
        if before
        else {},
        after={n: _audit(getattr(listing, _ATTRIBUTES.get(n, n))) for n in changed}
        if before
        else {},
        **searchable_fields(listing),
    )
    uow.outbox.add(
        new_event(
            kind,
            producer=PRODUCER,
            payload=payload,
            organisation_id=listing.organisation_id,
            actor_id=actor.user_id,
        )
    )
    audit(
        uow.outbox,
        "listing",
        listing.id,
        kind.removeprefix("listing."),
        organisation_id=listing.organisation_id,
        actor_id=actor.user_id,
        before=payload.before if before else None,
        after=payload.after if before else listing_fields(listing),
    )


def check_expiry(expires_at: dt.datetime | None, now: dt.datetime) -> None:
    """:class:`InvalidInput` unless a listing's end (if any) has a time zone and is after
    ``now``."""
    if expires_at is None:
        return
    if expires_at.utcoffset() is None:
        raise InvalidInput(
            "expires_at needs a time zone.", field_errors={"expires_at": "with a time zone"}
        )
    if expires_at <= now:
        raise InvalidInput(
            "A listing cannot end in the past.", field_errors={"expires_at": "in the future"}
        )


def check_price(price: Money) -> None:
    """:class:`InvalidInput` unless a listing's price is above zero."""
    if price.amount <= 0:
        raise InvalidInput("A price is more than zero.", field_errors={"price": "above zero"})


def listable(actor: Member, animal_id: uuid.UUID, found: CatalogueAnimal) -> AnimalSnapshot:
    """The snapshot of the catalogue's answer for ``animal_id`` if the actor may list it:
    :class:`NotFound` when it is not in the actor's organisation, :class:`Conflict` when its
    status (sold, deceased, on loan) does not let it be sold."""
    if found.organisation_id != actor.organisation_id:
        raise NotFound(f"No animal {animal_id} in your collection.")
    if found.status in UNSELLABLE_STATUSES:
        raise Conflict(f"An animal that is {found.status} cannot be listed.")
    return found.snapshot


async def listed_animal(
    catalogue: AnimalCatalogue, actor: Member, animal_id: uuid.UUID, *, credential: str | None
) -> AnimalSnapshot:
    """The snapshot of an animal of the actor's collection that may be listed
    (:func:`listable`)."""
    actor.require_writer()
    found = await catalogue.animal(animal_id, credential=credential)
    return listable(actor, animal_id, found)


def new_listing(
    actor: Member, animal: AnimalSnapshot, draft: ListingDraft, now: dt.datetime
) -> Listing:
    """The listing ``draft`` makes of ``animal`` at ``now``, checked (price above zero, end in
    the future) but not stored."""
    actor.require_writer()
    check_price(draft.price)
    check_expiry(draft.expires_at, now)
    return Listing(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        animal=animal,
        title=draft.title,
        description=draft.description,
        price=draft.price,
        status=ListingState.AVAILABLE if draft.publish else ListingState.DRAFT,
        country=draft.country.upper(),
        region=draft.region,
        shipping_available=draft.shipping_available,
        pickup_available=draft.pickup_available,
        expires_at=draft.expires_at,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
        external_ref=draft.external_ref,
    )


async def require_unlisted(uow: CommerceUnitOfWork, actor: Member, animal_id: uuid.UUID) -> None:
    """:class:`Conflict` when the actor's organisation already has a listing of the animal that
    is neither sold nor expired."""
    current = await uow.listings.current_for_animal(actor.organisation_id, animal_id)
    if current is not None:
        raise Conflict(f"The animal is already listed ({current.id}, {current.status.value}).")


async def add_listing(uow: CommerceUnitOfWork, actor: Member, listing: Listing) -> Listing:
    """Store a listing of :func:`new_listing` and stage ``listing.created`` with its audit
    record; the use case around it commits. The animal's kept pedigree carrier odds, if any,
    come into the listing's snapshot."""
    odds = await uow.het_odds.get(listing.organisation_id, listing.animal.animal_id)
    listing = replace(listing, animal=with_kept_odds(listing.animal, odds))
    stored = await uow.listings.add(listing)
    stage_listing_event(uow, actor, "listing.created", stored)
    return stored


async def create_listing(
    uow: CommerceUnitOfWork,
    actor: Member,
    animal: AnimalSnapshot,
    draft: ListingDraft,
    *,
    now: dt.datetime | None = None,
) -> Listing:
    """List ``animal`` (from :func:`listed_animal`); :class:`Conflict` when the animal already
    has a listing that is neither sold nor expired. Emits ``listing.created``."""
    listing = new_listing(actor, animal, draft, now or _now())
    await require_unlisted(uow, actor, animal.animal_id)
    stored = await add_listing(uow, actor, listing)
    await uow.commit()
    return stored


async def _own_listing(uow: CommerceUnitOfWork, actor: Member, listing_id: uuid.UUID) -> Listing:
    listing = await uow.listings.get(listing_id)
    if listing is None or listing.organisation_id != actor.organisation_id:
        raise NotFound(f"No listing {listing_id} of yours.")
    return listing


async def _require_no_active_order(uow: CommerceUnitOfWork, listing: Listing) -> None:
    order: Order | None = await uow.orders.active_for_listing(listing.id)
    if order is not None:
        raise Conflict(
            f"Order {order.id} holds the listing ({order.status.value}): cancel or refund it."
        )


async def change_listing(
    uow: CommerceUnitOfWork,
    actor: Member,
    listing_id: uuid.UUID,
    changes: ListingChanges,
    *,
    now: dt.datetime | None = None,
) -> Listing:
    """Change the seller's listing: its terms (while draft, available, hidden or expired) and
    its state (the moves :data:`~reptidex.domain.commerce.listing_model.TRANSITIONS` allows;
    a listing an order holds is released or sold only through the order). Emits
    ``listing.updated`` for new terms and ``listing.state_changed`` for a new state."""
    actor.require_writer()
    now = now or _now()
    before = await _own_listing(uow, actor, listing_id)
    given = changes.given()
    state = given.pop("state", None)
    terms = {name: value for name, value in given.items() if getattr(before, name) != value}
    listing = before
    if terms:
        listing.require_editable()
        if "price" in terms:
            check_price(terms["price"])
        if terms.get("expires_at") is not None:
            check_expiry(terms["expires_at"], now)
        if "country" in terms:
            terms["country"] = terms["country"].upper()
        listing = replace(listing, **terms, updated_at=now)
    if state is not None and state is not listing.status:
        if listing.status is ListingState.ON_HOLD:
            await _require_no_active_order(uow, listing)
        if state is ListingState.AVAILABLE and listing.expires_at and listing.expires_at <= now:
            raise Conflict("The listing's end has passed: set a new expires_at to list it again.")
        listing = listing.moved_to(state, now)
    if listing is before:
        return before
    stored = await uow.listings.update(listing)
    if terms:
        stage_listing_event(uow, actor, "listing.updated", stored, before, tuple(sorted(terms)))
    if stored.status is not before.status:
        stage_listing_event(uow, actor, "listing.state_changed", stored, before, ("state",))
    await uow.commit()
    return stored


async def delete_listing(uow: CommerceUnitOfWork, actor: Member, listing_id: uuid.UUID) -> None:
    """Delete the seller's listing; :class:`Conflict` when an order holds it or it is sold
    (hide it instead). Emits ``listing.deleted``."""
    actor.require_writer()
    listing = await _own_listing(uow, actor, listing_id)
    if listing.status not in REMOVABLE_STATES:
        raise Conflict(f"A listing that is {listing.status.value} is part of an order's record.")
    await uow.listings.remove(listing)
    uow.outbox.add(
        new_event(
            "listing.deleted",
            producer=PRODUCER,
            payload=ListingDeleted(str(listing.id), str(listing.animal.animal_id)),
            organisation_id=listing.organisation_id,
            actor_id=actor.user_id,
        )
    )
    audit(
        uow.outbox,
        "listing",
        listing.id,
        "deleted",
        organisation_id=listing.organisation_id,
        actor_id=actor.user_id,
        before=listing_fields(listing),
    )
    await uow.commit()


async def show_listing(
    uow: CommerceUnitOfWork, viewer: uuid.UUID | None, listing_id: uuid.UUID
) -> Listing:
    """A listing anyone may see (available, on hold, sold), or one of ``viewer``'s own."""
    listing = await uow.listings.get(listing_id)
    if listing is None or not (listing.is_public() or listing.organisation_id == viewer):
        raise NotFound(f"No listing {listing_id}.")
    return listing


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(
            f"limit is 1 to {MAX_PAGE}, offset at least 0.",
            field_errors={"limit": f"1 to {MAX_PAGE}"},
        )


async def search_listing_documents(
    uow: CommerceUnitOfWork, query: ListingQuery, *, counted: bool = True
) -> tuple[list[bytes], int | None]:
    """One page of the open listings matching ``query`` as their public documents, and the
    total (``None`` unless ``counted``: the caller counts it)."""
    _check_query(query)
    return await uow.listings.search_documents(query, counted=counted)


def _check_query(query: ListingQuery) -> None:
    """A search's page and price bounds, or :class:`InvalidInput`."""
    _check_page(query.limit, query.offset)
    if (
        query.min_price is not None
        and query.max_price is not None
        and query.min_price > query.max_price
    ):
        raise InvalidInput(
            "min_price is above max_price.", field_errors={"min_price": "at most max_price"}
        )


async def imported_listings(
    uow: CommerceUnitOfWork, actor: Member, refs: Sequence[str]
) -> list[Listing]:
    """The actor's organisation's listings imported under any of ``refs`` (at most
    :data:`MAX_PAGE` references at once)."""
    if len(refs) > MAX_PAGE:
        raise InvalidInput(
            f"At most {MAX_PAGE} external references at once.",
            field_errors={"external_ref": f"at most {MAX_PAGE}"},
        )
    return await uow.listings.by_external_refs(actor.organisation_id, refs)


async def seller_listings(
    uow: CommerceUnitOfWork,
    actor: Member,
    state: ListingState | None,
    limit: int,
    offset: int,
) -> tuple[list[Listing], int]:
    """One page of the actor's organisation's listings, in any state."""
    _check_page(limit, offset)
    return await uow.listings.of_seller(actor.organisation_id, state, limit, offset)
