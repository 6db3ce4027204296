"""What a partner's row must say to become a listing: checked alone (title, price, currency,
species, quantity, status), then against the animal it names in the collection."""

from __future__ import annotations

import functools

from reptidex.domain.commerce.money import Currency
from reptidex.domain.commerce.money_text import parse_decimal_text
from reptidex.domain.errors import InvalidInput
from reptidex.domain.integrations.labs.model import LabAnimal
from reptidex.domain.integrations.marketplaces.layout import folded
from reptidex.domain.integrations.marketplaces.model import ListingOffer, PartnerRow
from reptidex.engine.genetics.catalog import available_species, load_catalog

MAX_TITLE = 200
MAX_REFERENCE = 200
MAX_DESCRIPTION = 5_000
PUBLISHED = frozenset({"", "available", "active", "forsale", "published", "live"})
DRAFTS = frozenset({"draft", "hidden", "inactive", "unpublished", "paused"})
SEXES = {
    "male": "male", "m": "male", "10": "male",
    "female": "female", "f": "female", "01": "female",
    "unknown": "unknown", "unsexed": "unknown", "u": "unknown", "001": "unknown",
}  # fmt: skip
"""Sexes as marketplaces write them (``1.0`` and ``0.1`` are the keepers' notation)."""
TRUE = frozenset({"true", "yes", "y", "1"})
FALSE = frozenset({"", "false", "no", "n", "0"})


@functools.cache
def _species() -> dict[str, str]:
    known: dict[str, str] = {}
    for species in available_species():
        catalog = load_catalog(species)
        for name in (species, catalog.name, catalog.scientific_name):
            if name:
                known[folded(name)] = species
    return known


def species_named(text: str) -> str | None:
    """The species id a cell names (its id, common or scientific name), or ``None``.

    >>> species_named("Ball Python"), species_named("python regius"), species_named("dragon")
    ('ball_python', 'ball_python', None)
    """
    return _species().get(folded(text))


def check_row(row: PartnerRow, currency: str | None, country: str | None) -> ListingOffer | str:
    """The offer a row makes, or why it cannot be used. ``currency`` and ``country`` stand
    for empty cells.

    >>> from reptidex.domain.integrations.marketplaces.layout import read_export
    >>> (row,) = read_export("id,animal,title,species,price,currency\\r\\n7,BP-1,Pastel,"
    ...                      "ball python,1.999,EUR\\r\\n")
    >>> check_row(row, None, "DE")
    "bad price '1.999': not an amount of EUR"
    """
    problem = _required(row)
    if problem:
        return problem
    code = row.currency or currency or ""
    try:
        code = Currency.of(code).code
    except InvalidInput:
        return f"unknown currency {code!r}" if code else "no currency"
    try:
        money = parse_decimal_text(row.price.replace(" ", ""), code)
    except InvalidInput:
        return f"bad price {row.price!r}: not an amount of {code}"
    if money.amount <= 0:
        return f"bad price {row.price!r}: not above zero"
    species = species_named(row.species)
    if species is None:
        return f"unknown species {row.species!r}" if row.species else "no species"
    if row.quantity not in ("", "1"):
        return f"quantity {row.quantity!r}: a listing offers one animal"
    status = folded(row.status)
    if status not in PUBLISHED | DRAFTS:
        return f"status {row.status!r}: only available or draft listings are imported"
    country_code = (row.country or country or "").upper()
    if len(country_code) != 2 or not country_code.isalpha():
        return f"bad country {country_code!r}" if country_code else "no country"
    sex = SEXES.get(folded(row.sex)) if row.sex else None
    if row.sex and sex is None:
        return f"unknown sex {row.sex!r}"
    shipping = folded(row.shipping)
    if shipping not in TRUE | FALSE:
        return f"shipping {row.shipping!r} is not yes or no"
    return ListingOffer(
        external_ref=row.listing_id,
        animal=row.animal,
        title=row.title,
        species=species,
        sex=sex,
        amount=money.amount,
        currency=code,
        description=row.description,
        country=country_code,
        shipping=shipping in TRUE,
        publish=status in PUBLISHED,
    )


def _required(row: PartnerRow) -> str:
    if not row.listing_id:
        return "no listing id"
    if len(row.listing_id) > MAX_REFERENCE:
        return f"listing id longer than {MAX_REFERENCE} characters"
    if not row.animal:
        return "no animal id"
    if not row.title:
        return "no title"
    if len(row.title) > MAX_TITLE:
        return f"title longer than {MAX_TITLE} characters"
    if len(row.description) > MAX_DESCRIPTION:
        return f"description longer than {MAX_DESCRIPTION} characters"
    if not row.price:
        return "no price"
    return ""


def against_animal(offer: ListingOffer, animal: LabAnimal | None) -> str:
    """Why the row cannot list ``animal`` (the one it names), or ``""``."""
    if animal is None:
        return f"no animal {offer.animal!r} in the organisation's collection"
    if animal.species != offer.species:
        return f"the animal is a {animal.species}, not a {offer.species}"
    if offer.sex is not None and animal.sex != offer.sex:
        return f"the animal is {animal.sex}, not {offer.sex}"
    return ""
