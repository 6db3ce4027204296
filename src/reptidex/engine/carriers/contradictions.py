"""Finding a small set of records that Mendelian inheritance cannot explain together.

When the evidence at a locus has probability 0, :func:`explaining_records` returns an
irreducible subset of the records (observations and entered priors): together they are
impossible, and without any one of them the rest are possible. It is found by repeated
bisection over the records, each probe a feasibility check on the same junction tree (zero
versus non-zero only, so floats decide it exactly): a record is necessary when the shortest
impossible prefix of the candidates ends with it (the deletion/bisection scheme of Junker's
QuickXplain, 2004, and of Marques-Silva et al., 2013, for minimal unsatisfiable subsets).
Each necessary record costs about log2(records) probes.
"""

from __future__ import annotations

from reptidex.engine.carriers.factors import row_inputs
from reptidex.engine.carriers.junction import Plan, feasible_rows
from reptidex.engine.carriers.locus import Evidence
from reptidex.engine.pedigree import Pedigree

Record = tuple[str, int]
"""A record of an animal: ``(animal, k)`` its ``k``-th observation, ``(animal, -1)`` its
entered prior."""


def all_records(pedigree: Pedigree, evidence: Evidence) -> list[Record]:
    """Every record of ``evidence``, in pedigree order (priors before observations)."""
    records: list[Record] = []
    for animal in pedigree.ids:
        if animal in evidence.priors:
            records.append((animal, -1))
        records.extend((animal, k) for k in range(len(evidence.observations.get(animal, ()))))
    return records


def describe(evidence: Evidence, record: Record) -> tuple[str, str]:
    """``(animal, what was recorded)`` for an error message."""
    animal, k = record
    if k < 0:
        return animal, f"entered as {evidence.priors[animal].label}"
    return animal, evidence.observations[animal][k].label


def explaining_records(plan: Plan, pedigree: Pedigree, evidence: Evidence) -> list[Record]:
    """An irreducible set of records that are impossible together (empty if the evidence is
    possible)."""
    records = all_records(pedigree, evidence)
    everything = frozenset(records)

    def possible(kept: list[Record]) -> bool:
        inputs = row_inputs(pedigree, [evidence], drop=[everything - frozenset(kept)])
        return bool(feasible_rows(plan, pedigree, inputs)[0])

    if possible(records):
        return []
    necessary: list[Record] = []
    candidates = records
    while possible(necessary):
        low, high = 1, len(candidates)  # necessary + candidates[:high] is impossible
        while low < high:
            middle = (low + high) // 2
            if possible(necessary + candidates[:middle]):
                low = middle + 1
            else:
                high = middle
        necessary.append(candidates[high - 1])
        candidates = candidates[: high - 1]
    order = {record: k for k, record in enumerate(records)}
    return sorted(necessary, key=order.__getitem__)
