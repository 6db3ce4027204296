"""A marketplace listing: an animal of the seller's collection offered at a price, with the
animal's public data as it was when listed, and the states a listing moves through.

States and the moves between them (anything else is a :class:`~reptidex.domain.errors.Conflict`):

- ``draft`` → ``available`` (published) or ``hidden``;
- ``available`` → ``on_hold`` (reserved by an order or by the seller), ``sold``, ``hidden``,
  ``expired``;
- ``on_hold`` → ``available`` (released) or ``sold``;
- ``hidden`` → ``available``, ``draft`` or ``expired``;
- ``expired`` → ``available`` (listed again) or ``hidden``;
- ``sold`` is final.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import TYPE_CHECKING

from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import Conflict

if TYPE_CHECKING:
    from reptidex.domain.commerce.pedigree_odds import PedigreeOdds


class ListingState(enum.StrEnum):
    """Where a listing stands."""

    DRAFT = "draft"
    AVAILABLE = "available"
    ON_HOLD = "on_hold"
    SOLD = "sold"
    HIDDEN = "hidden"
    EXPIRED = "expired"


S = ListingState
TRANSITIONS: dict[ListingState, frozenset[ListingState]] = {
    S.DRAFT: frozenset({S.AVAILABLE, S.HIDDEN}),
    S.AVAILABLE: frozenset({S.ON_HOLD, S.SOLD, S.HIDDEN, S.EXPIRED}),
    S.ON_HOLD: frozenset({S.AVAILABLE, S.SOLD}),
    S.HIDDEN: frozenset({S.AVAILABLE, S.DRAFT, S.EXPIRED}),
    S.EXPIRED: frozenset({S.AVAILABLE, S.HIDDEN}),
    S.SOLD: frozenset(),
}
"""The states each state may move to."""

PUBLIC_STATES = frozenset({S.AVAILABLE, S.ON_HOLD, S.SOLD})
"""States in which anyone may see a listing (the others are the seller's alone)."""
EDITABLE_STATES = frozenset({S.DRAFT, S.AVAILABLE, S.HIDDEN, S.EXPIRED})
"""States in which the seller may change what a listing offers (not while an order holds it,
nor once sold)."""
REMOVABLE_STATES = EDITABLE_STATES
"""States in which a listing may be deleted (on hold or sold it is part of an order's record)."""


@dataclass(frozen=True, slots=True)
class PossibleHet:
    """A gene the animal may carry, with its exact probability and where the probability
    comes from: the seller's record, or the animal's whole pedigree."""

    gene: str
    probability: Fraction
    source: str = "seller"


@dataclass(frozen=True, slots=True)
class AnimalSnapshot:
    """The animal's public data as repti-animal gave it when it was listed."""

    animal_id: uuid.UUID
    species: str
    sex: str
    hatch_date: dt.date | None
    morph: str
    phenotype: str
    traits: tuple[str, ...] = ()
    """Visual traits (genes it shows)."""
    hets: tuple[str, ...] = ()
    """Genes it certainly carries without showing them."""
    possible_hets: tuple[PossibleHet, ...] = ()
    name: str | None = None
    code: str | None = None
    pedigree_odds: PedigreeOdds | None = None
    """The carrier odds repti-animal computed from the animal's whole pedigree, if any
    (:mod:`~reptidex.domain.commerce.pedigree_odds`): shown in place of typed possible hets."""


def gene_key(name: str) -> str:
    """A gene's name as searches compare it: lower case, without spaces, dashes or underscores.

    >>> gene_key("Yellow Belly"), gene_key("yellow_belly")
    ('yellowbelly', 'yellowbelly')
    """
    return "".join(ch for ch in name.lower() if ch.isalnum())


@dataclass(frozen=True, slots=True)
class Listing:
    """An offer of one animal by an organisation (the seller)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    animal: AnimalSnapshot
    title: str
    description: str
    price: Money
    status: ListingState
    country: str
    region: str | None = None
    shipping_available: bool = False
    pickup_available: bool = True
    expires_at: dt.datetime | None = None
    created_by: uuid.UUID | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    version: int = 1
    """Counts the stored changes; a change stored from a stale copy is a conflict."""
    external_ref: str | None = None
    """Where an import took it from (a partner marketplace's listing id): one listing per
    reference and seller."""

    def moved_to(self, state: ListingState, at: dt.datetime) -> Listing:
        """This listing in ``state``; :class:`Conflict` unless the move is allowed."""
        if state not in TRANSITIONS[self.status]:
            raise Conflict(f"A listing that is {self.status.value} cannot become {state.value}.")
        return replace(self, status=state, updated_at=at)

    def require_editable(self) -> None:
        """:class:`Conflict` unless what the listing offers may be changed now."""
        if self.status not in EDITABLE_STATES:
            raise Conflict(
                f"A listing that is {self.status.value} cannot be changed; "
                "cancel its order first, or list the animal again."
            )

    def is_public(self) -> bool:
        """Whether anyone may see it."""
        return self.status in PUBLIC_STATES

    def is_open(self, now: dt.datetime) -> bool:
        """Whether it may be ordered now: available and not past its end."""
        return self.status is S.AVAILABLE and (self.expires_at is None or self.expires_at > now)
