"""The brute-force reference: every joint genotype assignment of the pedigree enumerated.

This is the definition the exact engine is tested against: the joint probability of an
assignment is the product of every animal's factor (:mod:`.factors`: founder prior or
Mendelian transmission, times the likelihood of its records, times its being alive), and
an animal's posterior sums that product over every assignment, divided by the sum over all
of them (the probability of the evidence). The work grows as ``size ** animals``, so it
refuses pedigrees beyond ``max_assignments``; it exists for tests, benchmarks and anyone
checking a figure by hand.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np

from reptidex.engine.carriers.errors import ContradictionError
from reptidex.engine.carriers.factors import Table, own_factor, row_inputs
from reptidex.engine.carriers.locus import Evidence, Probability
from reptidex.engine.carriers.results import CarrierAnalysis, Method
from reptidex.engine.pedigree import Pedigree

MAX_ASSIGNMENTS = 200_000
"""The default limit on the joint assignments the reference enumerates."""


def _joint(pedigree: Pedigree, evidence: Evidence, max_assignments: int) -> tuple[Table, bool]:
    size = evidence.locus.size
    n = len(pedigree)
    if size**n > max_assignments:
        raise ValueError(
            f"brute force would enumerate {size}^{n} = {size**n:,} assignments "
            f"(the limit is {max_assignments:,})"
        )
    inputs = row_inputs(pedigree, [evidence])
    factors = [own_factor(inputs, pedigree, i) for i in range(n)]
    exact = inputs.exact
    zero: Any = Fraction(0) if exact else 0.0
    joint = np.full((size,) * n, zero, dtype=object if exact else np.float64)
    for assignment in itertools.product(range(size), repeat=n):
        weight: Any = Fraction(1) if exact else 1.0
        for scope, table in factors:
            weight = weight * table[(0, *(assignment[a] for a in scope))]
            if not weight:
                break
        joint[assignment] = weight
    return joint, exact


def evidence_probability(
    pedigree: Pedigree, evidence: Evidence, *, max_assignments: int = MAX_ASSIGNMENTS
) -> Probability:
    """The probability of every record at the locus, by enumeration (0 when the records
    contradict Mendelian inheritance).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> from reptidex.engine.pedigree import Animal, Pedigree
    >>> from reptidex.engine.carriers import Evidence, carrier_locus
    >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
    >>> ped = Pedigree([Animal("S", sex="male"), Animal("D", sex="female"),
    ...                 Animal("K", "S", "D")])
    >>> evidence_probability(ped, Evidence.build(clown, {
    ...     "S": clown.genotype_is("Normal"), "K": clown.shows("Clown")}))
    Fraction(0, 1)
    """
    joint, exact = _joint(pedigree, evidence, max_assignments)
    total: Probability = joint.sum()
    return Fraction(total) if exact else float(total)


def brute_force_het_odds(
    pedigree: Pedigree, evidence: Evidence, *, max_assignments: int = MAX_ASSIGNMENTS
) -> CarrierAnalysis:
    """Every animal's posterior at the locus by enumerating every joint assignment: the
    reference :func:`~reptidex.engine.carriers.het_odds` is tested against.

    Raises
    ------
    ValueError
        If the pedigree has more than ``max_assignments`` joint assignments.
    ContradictionError
        If the records have probability 0 (naming every animal with a record; the exact
        engine names a small explaining set instead).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> from reptidex.engine.pedigree import Animal, Pedigree
    >>> from reptidex.engine.carriers import Evidence, carrier_locus
    >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
    >>> ped = Pedigree([Animal("S", sex="male"), Animal("D", sex="female"),
    ...                 Animal("K1", "S", "D"), Animal("K2", "S", "D")])
    >>> normal = clown.shows("Normal")
    >>> ref = brute_force_het_odds(ped, Evidence.build(
    ...     clown, {"S": normal, "D": normal, "K1": clown.shows("Clown"), "K2": normal}))
    >>> ref["K2"].carrier, ref.method.value
    (Fraction(2, 3), 'brute_force')
    """
    joint, _ = _joint(pedigree, evidence, max_assignments)
    n = len(pedigree)
    total = joint.sum()
    if total == 0:
        records = [
            (animal, observation.label)
            for animal, listed in evidence.observations.items()
            for observation in listed
        ]
        raise ContradictionError(records, evidence.locus.name)
    rows = []
    for i in range(n):
        axes = tuple(k for k in range(n) if k != i)
        rows.append(np.asarray(joint.sum(axis=axes) if axes else joint) / total)
    return CarrierAnalysis(evidence.locus, pedigree.ids, np.stack(rows), Method.BRUTE_FORCE, 0)
