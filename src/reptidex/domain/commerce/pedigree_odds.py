"""An animal's carrier odds from its whole recorded pedigree, as repti-animal announces them
(``animal.het_odds.changed``) and as a listing shows them in place of the seller's typed
possible hets.

The payload names the animal, its organisation and species, and each recessive gene with the
exact probability that the animal carries it (``"2/3"``, or a decimal string) and whether a
test-breeding proved it. A listing shows, for each gene of the posterior:

- ``het Clown (proven)`` when proven, ``het Clown`` when certain, ``66% het Clown`` when
  possible (the exact fraction beside the percentage), nothing when ruled out;
- a gene the seller records as visual or as a certain het stays as the seller records it;
- the seller's possible hets of genes the posterior does not name stay as typed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from reptidex.domain.commerce.listing_model import AnimalSnapshot, PossibleHet, gene_key

HET_ODDS_CHANGED = "animal.het_odds.changed"
"""repti-animal's event carrying an animal's recomputed posterior carrier odds."""
PEDIGREE = "pedigree"
"""The source of a possible het the posterior gives."""


class InvalidHetOdds(ValueError):
    """An ``animal.het_odds.changed`` payload that cannot be read."""


def het_label(gene: str, probability: Fraction, *, proven: bool = False) -> str:
    """How a breeder reads a carrier probability: ``het Clown (proven)``, ``het Clown``,
    ``66% het Clown`` (whole percent rounded down, as breeders write 2/3 and as repti-animal
    shows it; never 0% nor 100% for odds strictly between), ``not het Clown``.

    >>> het_label("Clown", Fraction(2, 3)), het_label("Pied", Fraction(1, 200))
    ('66% het Clown', '1% het Pied')
    >>> het_label("Clown", Fraction(1), proven=True), het_label("Clown", Fraction(1))
    ('het Clown (proven)', 'het Clown')
    >>> het_label("Clown", Fraction(0))
    'not het Clown'
    """
    if proven:
        return f"het {gene} (proven)"
    if probability == 1:
        return f"het {gene}"
    if probability == 0:
        return f"not het {gene}"
    whole = int(probability * 100)
    return f"{min(99, max(1, whole))}% het {gene}"


@dataclass(frozen=True, slots=True)
class PedigreeHet:
    """One recessive gene of the posterior: the exact probability that the animal carries it."""

    locus: str
    gene: str
    probability: Fraction
    proven: bool = False

    @property
    def percent(self) -> float:
        """The probability in percent, to one decimal."""
        return round(float(self.probability * 100), 1)

    @property
    def certain(self) -> bool:
        """Whether the animal surely carries the gene (proven, or a probability of one)."""
        return self.proven or self.probability == 1

    @property
    def label(self) -> str:
        """How a breeder reads it (:func:`het_label`)."""
        return het_label(self.gene, self.probability, proven=self.proven)


@dataclass(frozen=True, slots=True)
class PedigreeOdds:
    """An animal's posterior carrier odds, as computed at ``computed_at`` (the event's time:
    an older computation never replaces a newer one)."""

    computed_at: dt.datetime
    genes: tuple[PedigreeHet, ...] = ()


@dataclass(frozen=True, slots=True)
class HetOddsChange:
    """What one ``animal.het_odds.changed`` says."""

    organisation_id: uuid.UUID
    animal_id: uuid.UUID
    species: str
    odds: PedigreeOdds


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidHetOdds(f"{name} must be a non-empty string, not {value!r}.")
    return value.strip()


def _uuid(value: object, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(_text(value, name))
    except ValueError:
        raise InvalidHetOdds(f"{name} is not an id: {value!r}.") from None


def _probability(value: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidHetOdds(f"carrier must be a fraction or a decimal, not {value!r}.")
    try:
        probability = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidHetOdds(f"carrier is not a probability: {value!r}.") from None
    if not 0 <= probability <= 1:
        raise InvalidHetOdds(f"carrier must lie between 0 and 1, not {value!r}.")
    return probability


def _gene(item: object) -> PedigreeHet:
    if not isinstance(item, Mapping):
        raise InvalidHetOdds(f"a gene must be an object, not {item!r}.")
    proven = item.get("proven", False)
    if not isinstance(proven, bool):
        raise InvalidHetOdds(f"proven must be true or false, not {proven!r}.")
    return PedigreeHet(
        locus=_text(item.get("locus"), "locus"),
        gene=_text(item.get("name"), "name"),
        probability=_probability(item.get("carrier")),
        proven=proven,
    )


def read_het_odds(
    payload: Mapping[str, Any], organisation_id: uuid.UUID | None, occurred_at: dt.datetime
) -> HetOddsChange:
    """The change an event's ``payload`` describes, computed at ``occurred_at`` for the
    event's organisation; :class:`InvalidHetOdds` when the payload cannot be read or names
    another organisation than the event.

    >>> at = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    >>> org = uuid.UUID(int=1)
    >>> change = read_het_odds(
    ...     {"animal_id": str(uuid.UUID(int=2)), "organisation_id": str(org),
    ...      "species": "ball_python",
    ...      "genes": [{"locus": "clown", "name": "Clown", "carrier": "2/3", "percent": 66.7,
    ...                 "proven": False}]}, org, at)
    >>> change.odds.genes[0].probability, change.odds.genes[0].label
    (Fraction(2, 3), '66% het Clown')
    """
    organisation = _uuid(payload.get("organisation_id"), "organisation_id")
    if organisation_id != organisation:
        raise InvalidHetOdds("The payload's organisation is not the event's.")
    genes = payload.get("genes")
    if not isinstance(genes, list):
        raise InvalidHetOdds(f"genes must be a list, not {genes!r}.")
    read = tuple(_gene(item) for item in genes)
    if len({gene_key(g.gene) for g in read}) != len(read):
        raise InvalidHetOdds("A gene is named twice.")
    return HetOddsChange(
        organisation_id=organisation,
        animal_id=_uuid(payload.get("animal_id"), "animal_id"),
        species=_text(payload.get("species"), "species"),
        odds=PedigreeOdds(occurred_at, read),
    )


def _posterior(snapshot: AnimalSnapshot) -> dict[str, PedigreeHet]:
    """The posterior's genes by key, but those the seller records as visual or certain."""
    if snapshot.pedigree_odds is None:
        return {}
    recorded = {gene_key(g) for g in (*snapshot.traits, *snapshot.hets)}
    return {
        gene_key(g.gene): g
        for g in snapshot.pedigree_odds.genes
        if gene_key(g.gene) not in recorded
    }


def shown_hets(snapshot: AnimalSnapshot) -> tuple[str, ...]:
    """The genes the animal surely carries unseen: the seller's, then the posterior's
    certain ones."""
    certain = tuple(g.gene for g in _posterior(snapshot).values() if g.certain)
    return (*snapshot.hets, *certain)


def shown_possible_hets(snapshot: AnimalSnapshot) -> tuple[PossibleHet, ...]:
    """The genes the animal may carry: the seller's possible hets of genes the posterior does
    not name, then the posterior's possible ones (``source`` ``pedigree``)."""
    posterior = _posterior(snapshot)
    typed = tuple(h for h in snapshot.possible_hets if gene_key(h.gene) not in posterior)
    possible = tuple(
        PossibleHet(g.gene, g.probability, PEDIGREE)
        for g in posterior.values()
        if not g.certain and g.probability > 0
    )
    return (*typed, *possible)


def odds_plain(odds: PedigreeOdds | None) -> list[dict[str, Any]] | None:
    """The genes of ``odds`` as plain values (an audit record's, an event's)."""
    if odds is None:
        return None
    return [
        {"locus": g.locus, "gene": g.gene, "probability": str(g.probability), "proven": g.proven}
        for g in odds.genes
    ]


def with_kept_odds(snapshot: AnimalSnapshot, odds: PedigreeOdds | None) -> AnimalSnapshot:
    """``snapshot`` carrying the odds kept for its animal (unchanged without any genes)."""
    return snapshot if odds is None or not odds.genes else replace(snapshot, pedigree_odds=odds)
