"""Het odds as repti-animal keeps them: every animal's posterior at each locus its family
makes matter, computed in the background from the whole recorded family
(:mod:`reptidex.domain.animals.het_odds_upkeep`) and read by the animal pages, the pairing
planner and the ``animal.het_odds.changed`` event.

An animal whose family could not be computed (too large, too interbred, records that
contradict each other) keeps no odds, and its :class:`StoredHetOdds` says why.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from reptidex.domain.animals.het_odds import GenotypeOdds, OddsReason
from reptidex.engine.carriers import Probability

HetOddsStatus = Literal["pending", "computed", "too_large", "too_complex", "contradiction"]
"""How the last computation of an animal's family went: ``computed`` (its odds are kept),
``pending`` (asked, never computed yet), else why none are kept."""


def probability_text(p: Probability) -> str:
    """A probability as text: an exact fraction (``"2/3"``) or a decimal number.

    >>> probability_text(Fraction(2, 3)), probability_text(0.25)
    ('2/3', '0.25')
    """
    return str(p) if isinstance(p, Fraction) else repr(float(p))


@dataclass(frozen=True, slots=True)
class StoredGeneOdds:
    """An animal's kept posterior at one locus (a recessive gene or an allelic complex)."""

    locus: str
    """The catalog's locus id (``clown``)."""
    name: str
    """The locus's name (``Clown``)."""
    carrier: Probability
    """The probability of carrying at least one mutant allele: a Fraction when ``exact``."""
    proven: bool
    """True when ``carrier`` is 1."""
    genotypes: tuple[GenotypeOdds, ...]
    reasons: tuple[OddsReason, ...]
    """The relatives' records that moved the odds, largest effect first."""
    method: str
    exact: bool
    family_size: int
    computed_at: dt.datetime

    @property
    def carrier_text(self) -> str:
        """``carrier`` as text (``"2/3"``, or a decimal number when not exact)."""
        return probability_text(self.carrier)

    @property
    def percent(self) -> float:
        """``carrier`` in percent, rounded to one decimal (``66.7``)."""
        return round(float(self.carrier) * 100, 1)

    @property
    def summary(self) -> str:
        """As a breeder says it: ``proven het Clown``, ``66% het Clown`` (whole percent,
        rounded down so that an unproven animal never reads 100%).

        >>> from fractions import Fraction
        >>> odds = StoredGeneOdds("clown", "Clown", Fraction(2, 3), False, (), (), "x", True,
        ...     3, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        >>> odds.summary
        '66% het Clown'
        """
        if self.proven:
            return f"proven het {self.name}"
        return f"{int(float(self.carrier) * 100)}% het {self.name}"


@dataclass(frozen=True, slots=True)
class StoredHetOdds:
    """What is kept of one animal's het odds: the last computation's outcome and genes."""

    organisation_id: uuid.UUID
    animal_id: uuid.UUID
    status: HetOddsStatus
    note: str | None
    """Why no odds are kept (a status other than ``computed``), or the computation's notes."""
    family_size: int
    exact: bool
    computed_at: dt.datetime
    genes: tuple[StoredGeneOdds, ...] = ()
    requested_at: dt.datetime | None = None
    """When a relative's change asked for a new computation not made yet (``None``: the
    odds are up to date with every change recorded)."""

    @property
    def fresh(self) -> bool:
        """Whether no change waits to be computed."""
        return self.requested_at is None
