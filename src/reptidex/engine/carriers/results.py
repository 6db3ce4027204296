"""What the carrier engine returns: per animal, the posterior genotype distribution at a locus
and the odds of carrying, with the method that produced them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING

from reptidex.engine import _html, _optional
from reptidex.engine.carriers.factors import Table
from reptidex.engine.carriers.locus import CarrierLocus, GenotypeKey, Probability

if TYPE_CHECKING:  # pandas is an optional extra: only its name is needed to check the types
    import pandas as pd


class Method(StrEnum):
    """How a result was computed."""

    JUNCTION_TREE = "junction_tree"
    """Exact: variable elimination and message passing on a junction tree."""
    BRUTE_FORCE = "brute_force"
    """Exact: every joint genotype assignment enumerated (the reference)."""
    MONTE_CARLO = "monte_carlo"
    """Approximate: likelihood-weighted sampling, with a standard error per animal."""
    GIBBS = "gibbs"
    """Approximate: Gibbs sampling over several chains, with a standard error per animal."""


@dataclass(frozen=True)
class CarrierOdds:
    """One animal's posterior at one locus.

    ``genotypes`` maps each genotype (two allele ids, ``"+"`` the wild type) to its posterior
    probability; ``carrier`` is the probability of at least one mutant allele, ``carriers``
    the same per mutant allele id; ``proven`` is True when ``carrier`` is exactly 1 (every
    non-carrier genotype ruled out). ``standard_error`` (of ``carrier``) is set by the
    sampling approximations only.
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
    (the least over the animals) are set by the sampling approximations only.
    """

    locus: CarrierLocus
    ids: tuple[str, ...]
    posterior: Table
    method: Method
    largest_clique: int = 0
    standard_errors: Table | None = None
    effective_samples: float | None = None
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __repr__(self) -> str:
        """The locus, how many animals and the method, not the arrays.

        >>> from reptidex.engine.genetics import load_catalog
        >>> from reptidex.engine.pedigree import Animal, Pedigree
        >>> from reptidex.engine.carriers import carrier_locus, evidence_from_morphs, het_odds
        >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
        >>> ped = Pedigree([Animal("Zeus"), Animal("Hera"), Animal("K1", "Zeus", "Hera")])
        >>> het_odds(ped, evidence_from_morphs(ped, clown, {"K1": "Clown"}))
        <CarrierAnalysis ball_python:clown (Clown) of 3 animals, junction_tree>
        """
        where = f"{self.locus.catalog.id}:{self.locus.id} ({self.locus.name})"
        return f"<CarrierAnalysis {where} of {len(self)} animals, {self.method}>"

    def _repr_html_(self) -> str:
        """A notebook's table of the first animals: each genotype's posterior and the odds
        of carrying, exact where the analysis is."""
        headers = ["id", *self.locus.names, "carrier"]
        rows = [
            [animal, *self.posterior[i].tolist(), 1 - self.posterior[i, 0]]
            for i, animal in enumerate(self.ids[: _html.ROWS])
        ]
        return _html.table(repr(self), headers, rows, len(self))

    def to_frame(self) -> pd.DataFrame:
        """The posteriors as a pandas DataFrame (the ``reptidex[pandas]`` extra): one row per
        animal (index ``id``, pedigree order), one column per genotype of the locus named as
        breeders write it, then ``carrier`` (and ``standard_error`` from Monte Carlo). Exact
        analyses hold :class:`~fractions.Fraction` values, approximate ones floats.

        Raises
        ------
        ImportError
            If pandas is not installed (``pip install 'reptidex[pandas]'``).

        Examples
        --------
        >>> from reptidex.engine.genetics import load_catalog
        >>> from reptidex.engine.pedigree import Animal, Pedigree
        >>> from reptidex.engine.carriers import carrier_locus, evidence_from_morphs, het_odds
        >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
        >>> ped = Pedigree([Animal("Zeus"), Animal("Hera"), Animal("K1", "Zeus", "Hera"),
        ...                 Animal("K2", "Zeus", "Hera")])
        >>> morphs = {"Zeus": "Normal", "Hera": "Normal", "K1": "Clown", "K2": "Normal"}
        >>> odds = het_odds(ped, evidence_from_morphs(ped, clown, morphs))
        >>> frame = odds.to_frame()
        >>> list(frame.columns), str(frame.loc["K2", "carrier"])
        (['Normal', 'het Clown', 'Clown', 'carrier'], '2/3')
        """
        pd = _optional.pandas()
        frame = pd.DataFrame(
            self.posterior.copy(),
            index=pd.Index(self.ids, name="id", dtype=object),
            columns=list(self.locus.names),
        )
        frame["carrier"] = 1 - self.posterior[:, 0]
        if self.standard_errors is not None:
            frame["standard_error"] = self.standard_errors.astype(float)
        return frame

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
