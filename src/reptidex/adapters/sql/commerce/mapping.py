"""Rows to domain values and back, for listings and orders."""

from __future__ import annotations

import datetime as dt
import uuid
from fractions import Fraction
from typing import Any

from sqlalchemy import Row

from reptidex.adapters.sql.commerce.models import ListingRow, OrderRow
from reptidex.domain.commerce.listing_model import (
    AnimalSnapshot,
    Listing,
    ListingState,
    PossibleHet,
    gene_key,
)
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.order_model import Order, OrderState
from reptidex.domain.commerce.pedigree_odds import (
    PedigreeHet,
    PedigreeOdds,
    odds_plain,
    shown_hets,
    shown_possible_hets,
)


def gene_index(names: tuple[str, ...] | list[str]) -> str:
    """Gene keys between bars (``|pastel|clown|``), ``""`` for none."""
    keys = sorted({gene_key(n) for n in names if gene_key(n)})
    return f"|{'|'.join(keys)}|" if keys else ""


def snapshot_json(snapshot: AnimalSnapshot) -> dict[str, Any]:
    """The snapshot as the ``animal`` column stores it (probabilities as exact fractions)."""
    return {
        "animal_id": str(snapshot.animal_id),
        "species": snapshot.species,
        "sex": snapshot.sex,
        "hatch_date": None if snapshot.hatch_date is None else snapshot.hatch_date.isoformat(),
        "morph": snapshot.morph,
        "phenotype": snapshot.phenotype,
        "traits": list(snapshot.traits),
        "hets": list(snapshot.hets),
        "possible_hets": [
            {"gene": h.gene, "probability": str(h.probability)} for h in snapshot.possible_hets
        ],
        "name": snapshot.name,
        "code": snapshot.code,
        "pedigree_odds": odds_json(snapshot.pedigree_odds),
    }


def odds_json(odds: PedigreeOdds | None) -> dict[str, Any] | None:
    """Pedigree odds as a snapshot keeps them: when computed, and each gene."""
    if odds is None:
        return None
    return {"computed_at": odds.computed_at.isoformat(), "genes": odds_plain(odds)}


def odds_genes(genes: list[dict[str, Any]]) -> tuple[PedigreeHet, ...]:
    """The genes :func:`~reptidex.domain.commerce.pedigree_odds.odds_plain` wrote."""
    return tuple(
        PedigreeHet(g["locus"], g["gene"], Fraction(g["probability"]), bool(g["proven"]))
        for g in genes
    )


def odds_of(data: dict[str, Any] | None) -> PedigreeOdds | None:
    """The pedigree odds :func:`odds_json` wrote."""
    if data is None:
        return None
    return PedigreeOdds(dt.datetime.fromisoformat(data["computed_at"]), odds_genes(data["genes"]))


def snapshot_of(data: dict[str, Any]) -> AnimalSnapshot:
    """The snapshot the ``animal`` column holds."""
    hatch = data.get("hatch_date")
    return AnimalSnapshot(
        animal_id=uuid.UUID(data["animal_id"]),
        species=data["species"],
        sex=data["sex"],
        hatch_date=None if hatch is None else dt.date.fromisoformat(hatch),
        morph=data["morph"],
        phenotype=data["phenotype"],
        traits=tuple(data.get("traits", ())),
        hets=tuple(data.get("hets", ())),
        possible_hets=tuple(
            PossibleHet(h["gene"], Fraction(h["probability"]))
            for h in data.get("possible_hets", ())
        ),
        name=data.get("name"),
        code=data.get("code"),
        pedigree_odds=odds_of(data.get("pedigree_odds")),
    )


def listing_of(row: ListingRow | Row[Any]) -> Listing:
    """The domain listing of a row (mapped, or as the query returned it)."""
    return Listing(
        id=row.id,
        organisation_id=row.organisation_id,
        animal=snapshot_of(row.animal),
        title=row.title,
        description=row.description,
        price=Money.of(row.price_amount, row.currency),
        status=ListingState(row.state),
        country=row.country,
        region=row.region,
        shipping_available=row.shipping_available,
        pickup_available=row.pickup_available,
        expires_at=row.expires_at,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        external_ref=row.external_ref,
    )


def listing_columns(listing: Listing) -> dict[str, Any]:
    """The columns of a listing (all but the id and the timestamps)."""
    snapshot = listing.animal
    return {
        "organisation_id": listing.organisation_id,
        "animal_id": snapshot.animal_id,
        "title": listing.title,
        "description": listing.description,
        "price_amount": listing.price.amount,
        "currency": listing.price.currency.code,
        "state": listing.status.value,
        "country": listing.country,
        "region": listing.region,
        "shipping_available": listing.shipping_available,
        "pickup_available": listing.pickup_available,
        "expires_at": listing.expires_at,
        "created_by": listing.created_by,
        "species": snapshot.species,
        "sex": snapshot.sex,
        "hatch_date": snapshot.hatch_date,
        "animal": snapshot_json(snapshot),
        "visual_index": gene_index(snapshot.traits),
        # searches find what the listing shows: the pedigree's odds over the typed ones
        "het_index": gene_index(shown_hets(snapshot)),
        "possible_het_index": gene_index([h.gene for h in shown_possible_hets(snapshot)]),
        "external_ref": listing.external_ref,
    }


def order_of(row: OrderRow) -> Order:
    """The domain order of a row."""
    return Order(
        id=row.id,
        listing_id=row.listing_id,
        seller_organisation_id=row.seller_organisation_id,
        buyer_organisation_id=row.buyer_organisation_id,
        buyer_user_id=row.buyer_user_id,
        price=Money.of(row.price_amount, row.currency),
        platform_fee=Money.of(row.platform_fee_amount, row.currency),
        status=OrderState(row.state),
        placed_at=row.placed_at,
        updated_at=row.updated_at,
        note=row.note,
        version=row.version,
    )


def order_columns(order: Order) -> dict[str, Any]:
    """The columns of an order (all but the id and the timestamps)."""
    return {
        "listing_id": order.listing_id,
        "seller_organisation_id": order.seller_organisation_id,
        "buyer_organisation_id": order.buyer_organisation_id,
        "buyer_user_id": order.buyer_user_id,
        "price_amount": order.price.amount,
        "currency": order.price.currency.code,
        "platform_fee_amount": order.platform_fee.amount,
        "state": order.status.value,
        "placed_at": order.placed_at,
        "note": order.note,
    }
