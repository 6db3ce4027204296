"""The public JSON of a listing as the marketplace's search returns it, rendered once per
write and kept beside the row (:mod:`~reptidex.adapters.sql.commerce.listing_documents`).

A kept document is used only while its tag is this renderer's: the tag digests the schema of
:class:`~reptidex.services.commerce.schemas.ListingView` and the rendering of a fixed sample
listing, so a release that changes either renders every listing again when it is read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from fractions import Fraction

import msgspec

from reptidex.domain.commerce.listing_model import (
    AnimalSnapshot,
    Listing,
    ListingState,
    PossibleHet,
)
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.pedigree_odds import PedigreeHet, PedigreeOdds
from reptidex.domain.commerce.ports import ListingRenderer
from reptidex.services.commerce.schemas import ListingView, listing_view

_ENCODER = msgspec.json.Encoder()

SAMPLE = Listing(
    id=uuid.UUID(int=1),
    organisation_id=uuid.UUID(int=2),
    animal=AnimalSnapshot(
        animal_id=uuid.UUID(int=3),
        species="ball_python",
        sex="female",
        hatch_date=dt.date(2024, 6, 1),
        morph="Pastel het Clown 66% het Pied",
        phenotype="Pastel",
        traits=("Pastel",),
        hets=("Clown",),
        possible_hets=(PossibleHet("Pied", Fraction(2, 3)), PossibleHet("Ghost", Fraction(1, 2))),
        name="Hera",
        code="BP-1",
        pedigree_odds=PedigreeOdds(
            dt.datetime(2029, 1, 1, tzinfo=dt.UTC),
            (
                PedigreeHet("pied", "Pied", Fraction(3, 4)),
                PedigreeHet("lavender", "Lavender", Fraction(1), proven=True),
            ),
        ),
    ),
    title="Pastel het Clown",
    description="A sample.",
    price=Money.of(12_345, "USD"),
    status=ListingState.AVAILABLE,
    country="US",
    region="Ohio",
    shipping_available=True,
    expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    created_at=dt.datetime(2029, 1, 1, tzinfo=dt.UTC),
    updated_at=dt.datetime(2029, 1, 2, tzinfo=dt.UTC),
    external_ref="sample",
)
"""A listing with every field set, rendered into the tag."""


def listing_document(listing: Listing) -> bytes:
    """The bytes of ``listing``'s :class:`ListingView`."""
    return _ENCODER.encode(listing_view(listing))


def renderer_tag() -> str:
    """This release's tag: a digest of the view's schema and of the sample's document."""
    digest = hashlib.sha256(_ENCODER.encode(msgspec.json.schema(ListingView)))
    digest.update(listing_document(SAMPLE))
    return digest.hexdigest()[:32]


def listing_documents() -> ListingRenderer:
    """The renderer the adapter keeps documents with."""
    return ListingRenderer(listing_document, renderer_tag())
