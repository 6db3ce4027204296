"""The probability model of one locus over a pedigree, as numeric tables.

Every animal ``i`` contributes one factor: its founder prior (a breeder-entered one, or
Hardy–Weinberg from the population's allele frequencies), or its Mendelian transmission
``P(g_i | g_sire, g_dam)`` (an unknown parent passes on an allele drawn from the population),
times the likelihood of what was recorded about it (:class:`~.locus.Observation`), times its
being alive (a lethal genotype does not hatch). The joint distribution of all genotypes is the
product of these factors (Elston & Stewart 1971); :mod:`.inference` and :mod:`.reference`
compute its marginals.

Tables carry a leading axis of *rows*: several loci of the same size, or several versions of
one locus's evidence, share the structure and are computed at once. With every input a
:class:`~fractions.Fraction` the tables hold Fractions (numpy object arrays) and every result
is exact; otherwise they are float64.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from reptidex.engine.carriers.locus import (
    CarrierLocus,
    Evidence,
    Observation,
    Prior,
    Probability,
)
from reptidex.engine.pedigree import Pedigree

Table = npt.NDArray[Any]
"""A numeric table: float64, or object holding Fractions in exact mode."""


def is_exact(values: Sequence[Probability]) -> bool:
    """True when every value is exact (a Fraction or an int)."""
    return all(isinstance(v, Fraction | int) and not isinstance(v, bool) for v in values)


def transmission(locus: CarrierLocus, exact: bool) -> Table:
    """``T[x, y, c]``: the probability that gametes carrying alleles ``x`` and ``y`` make
    genotype ``c`` (1 or 0), shape (alleles, alleles, genotypes)."""
    count = len(locus.alleles)
    table = np.zeros((count, count, locus.size), dtype=object if exact else np.float64)
    for c, (a, b) in enumerate(locus.pairs):
        table[a, b, c] = table[b, a, c] = Fraction(1) if exact else 1.0
    return table


def gametes(locus: CarrierLocus, exact: bool) -> Table:
    """``gamete[g, x]``: the probability that a parent of genotype ``g`` passes on allele
    ``x`` (Mendel's first law), shape (genotypes, alleles)."""
    half: Probability = Fraction(1, 2) if exact else 0.5
    table = np.zeros((locus.size, len(locus.alleles)), dtype=object if exact else np.float64)
    for g, (a, b) in enumerate(locus.pairs):
        table[g, a] += half
        table[g, b] += half
    return table


@dataclass(frozen=True)
class RowInputs:
    """The numeric inputs of several rows of one locus size, over every animal.

    ``psi[r, i, g]``: the likelihood of everything recorded about animal ``i`` (its
    observations, and being alive) if its genotype is ``g``; ``prior[r, i, g]``: the founder
    prior of ``i`` (Hardy–Weinberg unless a breeder entered one); ``kernel[r, s, d, c]``:
    ``P(child c | sire s, dam d)`` where index ``size`` stands for an unknown parent (an
    allele drawn from the population).
    """

    exact: bool
    psi: Table
    prior: Table
    kernel: Table
    entered: tuple[frozenset[int], ...]

    @property
    def rows(self) -> int:
        """How many rows."""
        return int(self.psi.shape[0])

    @property
    def size(self) -> int:
        """The number of genotypes."""
        return int(self.psi.shape[2])


def animal_index(pedigree: Pedigree, animal: str) -> int:
    """The position of ``animal``, with an error naming the locus data that refers to it."""
    try:
        return pedigree.index(animal)
    except KeyError:
        raise KeyError(f"{animal!r} has records at this locus but is not in the pedigree") from None


def row_inputs(
    pedigree: Pedigree,
    evidences: Sequence[Evidence],
    *,
    drop: Sequence[frozenset[tuple[str, int]]] | None = None,
    exact: bool | None = None,
) -> RowInputs:
    """The tables of ``evidences`` (loci of one size) on ``pedigree``.

    ``drop[r]`` names records left out of row ``r``: ``(animal, k)`` leaves out the animal's
    ``k``-th observation, ``(animal, -1)`` its entered prior (the population's is used).
    """
    if not evidences:
        raise ValueError("no evidence given")
    size = evidences[0].locus.size
    alleles = len(evidences[0].locus.alleles)
    if any(e.locus.size != size or len(e.locus.alleles) != alleles for e in evidences):
        raise ValueError("the loci of one batch must have the same alleles count")
    frequencies = [e.locus.allele_frequencies(e.allele_frequency) for e in evidences]
    if exact is None:
        values: list[Probability] = [f for fs in frequencies for f in fs]
        for evidence in evidences:
            for listed in evidence.observations.values():
                for observation in listed:
                    values.extend(observation.likelihood)
            for entered_prior in evidence.priors.values():
                values.extend(entered_prior.distribution)
        exact = is_exact(values)
    dtype: Any = object if exact else np.float64
    one: Probability = Fraction(1) if exact else 1.0
    n = len(pedigree)
    rows = len(evidences) if drop is None else len(drop)
    source = [evidences[0]] * rows if drop is not None and len(evidences) == 1 else evidences
    if len(source) != rows:
        raise ValueError("give one evidence, or one per dropped set")
    psi = np.full((rows, n, size), one, dtype=dtype)
    prior = np.empty((rows, n, size), dtype=dtype)
    kernel = np.empty((rows, size + 1, size + 1, size), dtype=dtype)
    founders = (pedigree.sire < 0) & (pedigree.dam < 0)
    alive = np.array([not lethal for lethal in source[0].locus.lethal])
    passes = gametes(source[0].locus, exact)
    making = transmission(source[0].locus, exact)
    entered: list[frozenset[int]] = []
    for r, evidence in enumerate(source):
        dropped = drop[r] if drop is not None else frozenset()
        freq = np.array(
            [
                Fraction(f) if exact else float(f)
                for f in evidence.locus.allele_frequencies(evidence.allele_frequency)
            ],
            dtype=dtype,
        )
        hw = evidence.locus.hardy_weinberg(evidence.allele_frequency).distribution
        prior[r] = np.array([_number(p, exact) for p in hw], dtype=dtype)
        given: set[int] = set()
        for animal, entry in evidence.priors.items():
            i = animal_index(pedigree, animal)
            if not founders[i]:
                raise ValueError(
                    f"{animal} has a recorded parent: its odds come from the pedigree, so a "
                    "prior entered for it is not used (give priors for founders only)"
                )
            if (animal, -1) in dropped:
                continue
            prior[r, i] = _vector(entry, exact)
            given.add(i)
        entered.append(frozenset(given))
        vectors: dict[int, Table] = {}  # records shared by many animals made into numbers once
        for animal, listed in evidence.observations.items():
            i = animal_index(pedigree, animal)
            for k, observation in enumerate(listed):
                if (animal, k) not in dropped:
                    vector = vectors.get(id(observation))
                    if vector is None:
                        vector = vectors[id(observation)] = _vector(observation, exact)
                    psi[r, i] = psi[r, i] * vector
        psi[r][:, ~alive] = Fraction(0) if exact else 0.0
        # a parent of genotype g passes passes[g]; an unknown one passes the population's
        sending = np.concatenate([passes, freq[None, :]], axis=0)
        kernel[r] = np.einsum("sx,dy,xyc->sdc", sending, sending, making)
    return RowInputs(exact, psi, prior, kernel, tuple(entered))


def extend_inputs(
    before: RowInputs,
    evidences: Sequence[Evidence],
    added: Sequence[Mapping[str, Sequence[Observation]]],
    new_ids: Sequence[str],
) -> RowInputs | None:
    """``before`` with rows for new animals (``new_ids``, each with a recorded parent) whose
    records are ``added[r]`` for row ``r``; None when the new records are not as exact as the
    old ones (the caller computes again)."""
    values = [
        v for records in added for listed in records.values() for o in listed for v in o.likelihood
    ]
    if before.exact and not is_exact(values):
        return None
    exact = before.exact
    dtype: Any = object if exact else np.float64
    rows, _, size = before.psi.shape
    position = {animal: k for k, animal in enumerate(new_ids)}
    psi = np.full((rows, len(new_ids), size), Fraction(1) if exact else 1.0, dtype=dtype)
    for r, records in enumerate(added):
        for animal, listed in records.items():
            for observation in listed:
                k = position[animal]
                psi[r, k] = psi[r, k] * _vector(observation, exact)
    alive = np.array([not lethal for lethal in evidences[0].locus.lethal])
    psi[:, :, ~alive] = Fraction(0) if exact else 0.0
    prior = np.repeat(before.kernel[:, size, size, None, :], len(new_ids), axis=1)
    return RowInputs(
        exact,
        np.concatenate([before.psi, psi], axis=1),
        np.concatenate([before.prior, prior], axis=1),
        before.kernel,
        before.entered,
    )


def _number(value: Probability, exact: bool) -> Probability:
    return Fraction(value) if exact else float(value)


def _vector(record: Observation | Prior, exact: bool) -> Table:
    values = record.likelihood if isinstance(record, Observation) else record.distribution
    return np.array([_number(v, exact) for v in values], dtype=object if exact else np.float64)


def own_factor(inputs: RowInputs, pedigree: Pedigree, i: int) -> tuple[tuple[int, ...], Table]:
    """The factor animal ``i`` brings: ``(scope, table)`` with ``scope`` the animals the
    table's axes (after the row axis) stand for, in ascending order, ``i`` among them."""
    size = inputs.size
    s, d = int(pedigree.sire[i]), int(pedigree.dam[i])
    psi = inputs.psi[:, i, :]
    if s < 0 and d < 0:
        return (i,), inputs.prior[:, i, :] * psi
    if s >= 0 and d >= 0:
        table = inputs.kernel[:, :size, :size, :] * psi[:, None, None, :]
        return _sorted_scope((s, d, i), table)
    parent = s if s >= 0 else d
    table = (
        inputs.kernel[:, :size, size, :] if s >= 0 else inputs.kernel[:, size, :size, :]
    ) * psi[:, None, :]
    return _sorted_scope((parent, i), table)


def _sorted_scope(scope: tuple[int, ...], table: Table) -> tuple[tuple[int, ...], Table]:
    order = sorted(range(len(scope)), key=lambda k: scope[k])
    return tuple(scope[k] for k in order), np.transpose(table, (0, *(k + 1 for k in order)))
