"""Documents from the owning services' events: public animals (``animal.*``, repti-animal),
open marketplace listings (``listing.*``) and sellers' profiles (``seller.profile_updated``,
repti-commerce).

Only public things are kept: an animal is indexed while its visibility is ``public`` and taken
out by any other visibility, a deletion or a transfer (the new owner's next update tells
whether it is public there); a listing while it is ``available``.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from typing import Any

from reptidex.domain.community.search.documents import (
    ANIMAL,
    BREEDER,
    LISTING,
    IndexChange,
    Removal,
    SearchDocument,
)
from reptidex.engine.genetics import available_species, load_catalog

ANIMAL_EVENTS = ("animal.created", "animal.updated", "animal.deleted", "animal.transferred")
LISTING_EVENTS = ("listing.created", "listing.updated", "listing.state_changed", "listing.deleted")
SELLER_EVENTS = ("seller.profile_updated",)
INDEXED_EVENTS: tuple[str, ...] = (*ANIMAL_EVENTS, *LISTING_EVENTS, *SELLER_EVENTS)
"""The events the index follows."""

ANIMAL_LINK = "/public/animals/{id}"
LISTING_LINK = "/marketplace/listings/{id}"
BREEDER_LINK = "/marketplace/sellers/{id}"
"""Where a reader sees each kind (repti-animal's and repti-commerce's public endpoints)."""


@functools.cache
def species_name(species: str) -> str:
    """The common name of a catalog's species (its id when there is no catalog)."""
    if species in available_species():
        return load_catalog(species).name
    return species.replace("_", " ")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def animal_document(
    payload: Mapping[str, Any], organisation_id: uuid.UUID | None, at: dt.datetime
) -> SearchDocument:
    """The document of a public animal from its summary (``AnimalChanged``)."""
    name = _text(payload.get("name")) or _text(payload.get("code"))
    morph = _text(payload.get("morph")) or _text(payload.get("phenotype"))
    traits, hets = _strings(payload.get("traits")), _strings(payload.get("hets"))
    species = _text(payload.get("species"))
    body = [
        _text(payload.get("phenotype")),
        species_name(species),
        _text(payload.get("sex")),
        *(f"het {h}" for h in hets),
    ]
    return SearchDocument(
        kind=ANIMAL,
        source_id=_text(payload.get("animal_id")),
        title=f"{name} ({morph})" if morph and morph != name else name,
        body=". ".join(b for b in body if b),
        link=ANIMAL_LINK.format(id=payload.get("animal_id")),
        changed_at=at,
        organisation_id=organisation_id,
        species=species or None,
        genes=tuple(dict.fromkeys((*traits, *hets))),
    )


def listing_document(
    payload: Mapping[str, Any], organisation_id: uuid.UUID | None, at: dt.datetime
) -> SearchDocument:
    """The document of an open listing (``ListingChanged``)."""
    traits, hets = _strings(payload.get("traits")), _strings(payload.get("hets"))
    species = _text(payload.get("species"))
    body = [
        _text(payload.get("morph")),
        _text(payload.get("description")),
        species_name(species),
        _text(payload.get("sex")),
        *(f"het {h}" for h in hets),
        _text(payload.get("region")),
    ]
    country = _text(payload.get("country")).upper() or None
    return SearchDocument(
        kind=LISTING,
        source_id=_text(payload.get("listing_id")),
        title=_text(payload.get("title")) or _text(payload.get("morph")) or species_name(species),
        body=". ".join(b for b in body if b),
        link=LISTING_LINK.format(id=payload.get("listing_id")),
        changed_at=at,
        organisation_id=organisation_id,
        species=species or None,
        genes=tuple(dict.fromkeys((*traits, *hets))),
        price_amount=int(payload.get("price_amount") or 0),
        currency=_text(payload.get("currency")) or None,
        country=country,
    )


def breeder_document(payload: Mapping[str, Any], at: dt.datetime) -> SearchDocument:
    """The document of a seller's public profile (``SellerProfileUpdated``)."""
    organisation = _text(payload.get("organisation_id"))
    body = [_text(payload.get("about")), _text(payload.get("region"))]
    return SearchDocument(
        kind=BREEDER,
        source_id=organisation,
        title=_text(payload.get("display_name")) or organisation,
        body=". ".join(b for b in body if b),
        link=BREEDER_LINK.format(id=organisation),
        changed_at=at,
        organisation_id=_uuid(organisation),
        country=_text(payload.get("country")).upper() or None,
    )


def change_of(
    event_type: str,
    payload: Mapping[str, Any],
    organisation_id: uuid.UUID | None,
    occurred_at: dt.datetime,
) -> IndexChange | None:
    """What one event of :data:`INDEXED_EVENTS` does to the index (``None``: nothing).
    Raises ``ValueError`` for a payload it cannot read (a price that is not a number)."""
    if event_type in ("animal.created", "animal.updated"):
        if payload.get("visibility") == "public":
            return animal_document(payload, organisation_id, occurred_at)
        return _removal(ANIMAL, payload.get("animal_id"), occurred_at)
    if event_type in ("animal.deleted", "animal.transferred"):
        return _removal(ANIMAL, payload.get("animal_id"), occurred_at)
    if event_type in ("listing.created", "listing.updated", "listing.state_changed"):
        if payload.get("state") == "available":
            return listing_document(payload, organisation_id, occurred_at)
        return _removal(LISTING, payload.get("listing_id"), occurred_at)
    if event_type == "listing.deleted":
        return _removal(LISTING, payload.get("listing_id"), occurred_at)
    if event_type == "seller.profile_updated":
        return breeder_document(payload, occurred_at)
    return None


def _removal(kind: str, source_id: Any, at: dt.datetime) -> Removal | None:
    text = _text(source_id)
    return Removal(kind, text, at) if text else None
