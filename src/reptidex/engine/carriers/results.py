"""What the carrier engine returns: per animal, the posterior genotype distribution at a locus
and the odds of carrying, with the method that produced them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from reptidex.engine.carriers.factors import Table
from reptidex.engine.carriers.locus import CarrierLocus, GenotypeKey, Probability


class Method(StrEnum):
    """How a result was computed."""

    JUNCTION_TREE = "junction_tree"
    """Exact: variable elimination and message passing on a junction tree."""
    BRUTE_FORCE = "brute_force"
    """Exact: every joint genotype assignment enumerated (the reference)."""
    MONTE_CARLO = "monte_carlo"
    """Approximate: likelihood-weighted sampling, with a standard error per animal."""


@dataclass(frozen=True)
class CarrierOdds:
    """One animal's posterior at one locus.

    ``genotypes`` maps each genotype (two allele ids, ``"+"`` the wild type) to its posterior
    probability; ``carrier`` is the probability of at least one mutant allele, ``carriers``
    the same per mutant allele id; ``proven`` is True when ``carrier`` is exactly 1 (every
    non-carrier genotype ruled out). ``standard_error`` (of ``carrier``) is set by the Monte
    Carlo approximation only.
    """

    animal: str
    genotypes: Mapping[GenotypeKey, Probability]
    carrier: Probability
    carriers: Mapping[str, Probability]
    proven: bool
    method: Method
    standard_error: float | None = None

    def probability(self, genotype: GenotypeKey) -> Probability:
        """The posterior probability of one genotype."""
        return self.genotypes[genotype]


@dataclass(frozen=True)
class CarrierAnalysis:
    """Every animal's posterior at one locus.

    ``posterior`` holds the numbers, one row per animal in the order of ``ids`` (the
    pedigree's) and one column per genotype of the locus; ``analysis["Hera"]`` reads one
    animal as a :class:`CarrierOdds` (made when asked, so that a large collection costs no
    Python objects it does not use), ``odds`` all of them. ``largest_clique`` is the number of
    animals in the largest clique the exact method needed (0 for other methods);
    ``standard_errors`` (of each animal's probability of carrying) and ``effective_samples``
    are set by the Monte Carlo approximation only.
    """

    locus: CarrierLocus
    ids: tuple[str, ...]
    posterior: Table
    method: Method
    largest_clique: int = 0
    standard_errors: Table | None = None
    effective_samples: float | None = None
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def _position(self, animal: str) -> int:
        if not self._index:  # made on the first look-up, not for every result
            self._index.update({a: i for i, a in enumerate(self.ids)})
        return self._index[animal]

    def __getitem__(self, animal: str) -> CarrierOdds:
        i = self._position(animal)
        error = None if self.standard_errors is None else float(self.standard_errors[i])
        return build_odds(self.locus, animal, self.posterior[i], self.method, error)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, animal: object) -> bool:
        if not isinstance(animal, str):
            return False
        try:
            self._position(animal)
        except KeyError:
            return False
        return True

    @property
    def odds(self) -> dict[str, CarrierOdds]:
        """Every animal's :class:`CarrierOdds`, in pedigree order."""
        return {animal: self[animal] for animal in self.ids}

    def carrier(self, animal: str) -> Probability:
        """The probability that ``animal`` carries a mutant allele of the locus."""
        return self[animal].carrier

    def carrier_probabilities(self) -> dict[str, Probability]:
        """Every animal's probability of carrying a mutant allele, without building a
        :class:`CarrierOdds` per animal."""
        exact = self.posterior.dtype == object
        values = (1 - self.posterior[:, 0]).tolist()
        return {
            animal: (Fraction(v) if exact else float(v))
            for animal, v in zip(self.ids, values, strict=True)
        }


def build_odds(
    locus: CarrierLocus,
    animal: str,
    posterior: Table,
    method: Method,
    standard_error: float | None = None,
) -> CarrierOdds:
    """A :class:`CarrierOdds` from a normalised posterior vector over the locus genotypes."""
    exact = posterior.dtype == object
    values: list[Probability] = [Fraction(v) if exact else float(v) for v in posterior.tolist()]
    zero: Probability = Fraction(0) if exact else 0.0
    keys = locus.keys
    non_carrier = values[0]
    # from the non-carriers' mass, so that a proven carrier reads exactly 1 with floats too
    carrier = 1 - non_carrier
    carriers = {
        allele: 1 - sum((v for g, v in enumerate(values) if not locus.carries(g, allele)), zero)
        for allele in locus.alleles[1:]
    }
    return CarrierOdds(
        animal,
        dict(zip(keys, values, strict=True)),
        carrier,
        carriers,
        non_carrier == 0,
        method,
        standard_error,
    )
