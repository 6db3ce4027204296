"""Test-breeding: which mate settles an uncertain animal's status fastest.

"Settles" is defined precisely: the breeder pairs the animal with a mate, records the look at
this locus of each of the ``eggs`` hatchlings of one clutch (hatchlings are alive, so a
lethal genotype never hatches) and nothing else; the clutch *settles* the animal when, given
every record so far and that clutch, the animal's posterior probability of carrying is
exactly 0 or exactly 1. The probability that it settles is taken under the current joint
posterior of the animal's and the mate's genotypes (the two may be related: the joint, not
the product of their odds, is used).

Given the pair's genotypes ``(x, y)`` the hatchlings' looks are independent with
probabilities ``p_l(x, y)``, so the posterior after a clutch is positive exactly on the
pairs that could show every look seen; whether it settles depends only on the set ``A`` of
looks seen, whose probability is ``sum over B in A of (-1)^{|A|-|B|} (sum_{l in B} p_l)^eggs``
(inclusion–exclusion). Everything is exact with Fraction inputs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from reptidex.engine.carriers.factors import row_inputs
from reptidex.engine.carriers.inference import _contradiction
from reptidex.engine.carriers.junction import calibrate, plan
from reptidex.engine.carriers.locus import Evidence, Probability
from reptidex.engine.pedigree import Pedigree, Sex


@dataclass(frozen=True)
class TestMating:
    """A candidate mate and the probability that one clutch of ``eggs`` settles the animal:
    ``settles = proves + rules_out`` (proves: certain carrier afterwards; rules out: certain
    non-carrier)."""

    __test__ = False  # not a pytest test class, despite its name

    mate: str
    eggs: int
    settles: Probability
    proves: Probability
    rules_out: Probability


def plan_test_breeding(
    pedigree: Pedigree,
    evidence: Evidence,
    animal: str,
    *,
    eggs: int,
    candidates: Sequence[str] | None = None,
    allele: str | None = None,
) -> tuple[TestMating, ...]:
    """Candidate mates ranked by the probability that one clutch of ``eggs`` hatchlings
    settles whether ``animal`` carries ``allele`` (any mutant allele of the locus when None).

    Parameters
    ----------
    pedigree, evidence : Pedigree, Evidence
        As for :func:`~reptidex.engine.carriers.het_odds`.
    animal : str
        The animal whose status is uncertain.
    eggs : int
        Hatchlings in the clutch.
    candidates : sequence of str, optional
        The possible mates; by default every animal of the other recorded sex (every other
        animal when the animal's sex is unknown).
    allele : str, optional
        The allele (id or name) whose carrying is to be settled.

    Returns
    -------
    tuple of TestMating
        Best first (ties by mate id).

    Raises
    ------
    ValueError
        If the animal's status is already certain, or ``eggs`` is negative.

    Examples
    --------
    A 66% het Clown male and four hatchlings: a visual Clown female proves him with
    (2/3)(1 - (1/2)^4) = 5/8, a proven het female with (2/3)(1 - (3/4)^4) = 175/384; no
    clutch rules him out (normal-looking hatchlings are possible either way):

    >>> from reptidex.engine.genetics import load_catalog
    >>> from reptidex.engine.pedigree import Animal, Pedigree
    >>> from reptidex.engine.carriers import carrier_locus, evidence_from_morphs
    >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
    >>> ped = Pedigree([Animal("Ares", sex="male"), Animal("Vis", sex="female"),
    ...                 Animal("Het", sex="female")])
    >>> ev = evidence_from_morphs(ped, clown,
    ...     {"Ares": "66% het Clown", "Vis": "Clown", "Het": "het Clown"})
    >>> [(m.mate, str(m.settles)) for m in plan_test_breeding(ped, ev, "Ares", eggs=4)]
    [('Vis', '5/8'), ('Het', '175/384')]
    """
    if eggs < 0:
        raise ValueError("the number of eggs cannot be negative")
    locus = evidence.locus
    i = pedigree.index(animal)
    target = [locus.carries(g, allele) for g in range(locus.size)]
    if candidates is None:
        sex = pedigree.sexes[i]
        wanted = {Sex.MALE: Sex.FEMALE, Sex.FEMALE: Sex.MALE}.get(sex)
        candidates = [
            other
            for k, other in enumerate(pedigree.ids)
            if k != i and (wanted is None or pedigree.sexes[k] in (wanted, Sex.UNKNOWN))
        ]
    structure = plan(pedigree)
    size = locus.size
    # one row per genotype of the animal: the evidence with the animal's genotype fixed
    inputs = row_inputs(pedigree, [evidence], drop=[frozenset()] * (size + 1))
    for g in range(size):
        mask = np.zeros(size, dtype=bool)
        mask[g] = True
        inputs.psi[g + 1, i, ~mask] = Fraction(0) if inputs.exact else 0.0
    result = calibrate(structure, pedigree, inputs)
    if not result.feasible[0]:
        raise _contradiction(structure, pedigree, evidence)
    post = result.posterior
    own = post[0, i]
    carrying = sum((own[g] for g in range(size) if target[g]), Fraction(0) if inputs.exact else 0.0)
    if carrying in (0, 1):
        raise ValueError(f"{animal}'s status is already certain (carrier probability {carrying})")
    alive = [not lethal for lethal in locus.lethal]
    kernel = inputs.kernel[0]
    looks = sorted(set(locus.looks), key=sorted)
    look_of = [looks.index(look) for look in locus.looks]
    zero: Any = Fraction(0) if inputs.exact else 0.0
    ranked = []
    for mate in candidates:
        m = pedigree.index(mate)
        if m == i:
            continue
        joint: dict[tuple[int, int], Any] = {}
        for x in range(size):
            if not result.feasible[x + 1] or own[x] == 0:
                continue
            for y in range(size):
                p = own[x] * post[x + 1, m, y]
                if p:
                    joint[(x, y)] = p
        shows: dict[tuple[int, int], list[Any]] = {}
        for x, y in joint:
            p_look = [zero] * len(looks)
            for c in range(size):
                if alive[c]:
                    p_look[look_of[c]] += kernel[x, y, c]
            total = sum(p_look, zero)
            shows[(x, y)] = [q / total if total else zero for q in p_look]
        proves = rules_out = zero
        for count in range(len(looks) + 1):
            for seen in itertools.combinations(range(len(looks)), count):
                if (eggs == 0 and seen) or (eggs > 0 and not seen):
                    continue
                able = [pair for pair in joint if all(shows[pair][look] for look in seen)]
                status = {target[x] for x, _ in able}
                if len(status) != 1:
                    continue
                mass = sum((joint[pair] * _exactly(shows[pair], seen, eggs) for pair in able), zero)
                if status == {True}:
                    proves += mass
                else:
                    rules_out += mass
        ranked.append(TestMating(mate, eggs, proves + rules_out, proves, rules_out))
    ranked.sort(key=lambda t: (-t.settles, t.mate))
    return tuple(ranked)


def _exactly(shows: list[Any], seen: tuple[int, ...], eggs: int) -> Any:
    """The probability that ``eggs`` hatchlings show exactly the looks ``seen``."""
    total: Any = 0
    for count in range(len(seen) + 1):
        for subset in itertools.combinations(seen, count):
            mass = sum((shows[look] for look in subset), 0)
            total += (-1) ** (len(seen) - count) * mass**eggs
    return total
