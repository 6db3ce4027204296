"""Het odds from the whole pedigree: the public entry points of exact inference.

:func:`het_odds` gives every animal's exact posterior genotype distribution at one locus, given
the whole recorded pedigree and every record (see :mod:`.junction` for the method and its
literature). :func:`het_odds_many` does several loci at once, sharing the structure and
batching the numbers; :class:`CarrierModel` keeps a calibrated result so that a new clutch is
added without starting again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Literal

import numpy as np

from reptidex.engine.carriers.contradictions import describe, explaining_records
from reptidex.engine.carriers.errors import (
    ApproximationError,
    ContradictionError,
    TooComplexError,
)
from reptidex.engine.carriers.factors import RowInputs, extend_inputs, row_inputs
from reptidex.engine.carriers.gibbs import MAX_R_HAT, gibbs, mixes
from reptidex.engine.carriers.junction import (
    Calibration,
    Plan,
    calibrate,
    clique_potential,
    distribute,
    expand,
    grow_leaf_factors,
    loners_feasible,
    plan,
    posteriors,
)
from reptidex.engine.carriers.locus import Evidence, Observation
from reptidex.engine.carriers.montecarlo import monte_carlo
from reptidex.engine.carriers.results import CarrierAnalysis, Method
from reptidex.engine.pedigree import Pedigree

Sampler = Literal["gibbs", "likelihood_weighting"]
"""The approximations :func:`het_odds` may fall back to when asked."""

UNPROVEN_MIXING = (
    "the sampler is proven to reach every possible genotype assignment only for a locus of "
    "two alleles whose records each allow the heterozygote or a single genotype"
)

MAX_CLIQUE_STATES = 2**22
"""The default limit on the joint genotypes of one clique (about 4 million table entries)."""


def _batches(evidences: Sequence[Evidence]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for k, evidence in enumerate(evidences):
        groups.setdefault(len(evidence.locus.alleles), []).append(k)
    return groups


def _contradiction(plan_: Plan, pedigree: Pedigree, evidence: Evidence) -> ContradictionError:
    records = explaining_records(plan_, pedigree, evidence)
    return ContradictionError([describe(evidence, r) for r in records], evidence.locus.name)


class CarrierModel:
    """Calibrated exact inference of several loci on one pedigree, kept for updates.

    Parameters
    ----------
    pedigree : Pedigree
        The recorded pedigree.
    evidences : sequence of Evidence
        One per locus (loci with the same number of alleles are computed as one batch).
    max_clique_states : int
        The largest clique table allowed (joint genotypes).

    Attributes
    ----------
    analyses : tuple of CarrierAnalysis
        One per evidence, in the order given.
    plan : Plan
        The structure: elimination order, cliques and junction tree (``plan.largest_clique``).
    reused : bool
        True on a model made by :meth:`add_clutch` without building the structure again.

    Raises
    ------
    TooComplexError
        If the largest clique would hold more joint genotypes than allowed.
    ContradictionError
        If the records of a locus are impossible together, naming a small explaining set.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> from reptidex.engine.pedigree import Animal, Pedigree
    >>> from reptidex.engine.carriers import Evidence, carrier_locus
    >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
    >>> ped = Pedigree([Animal("S", sex="male"), Animal("D", sex="female"),
    ...                 Animal("K1", "S", "D"), Animal("K2", "S", "D")])
    >>> normal = clown.shows("Normal")
    >>> model = CarrierModel(ped, [Evidence.build(clown, {"S": normal, "D": normal,
    ...                                                   "K1": clown.shows("Clown")})])
    >>> model.analyses[0]["S"].proven
    True
    >>> bigger = ped.extend([Animal("K3", "S", "D")])
    >>> later = model.add_clutch(bigger, [{"K3": normal}])
    >>> later.analyses[0]["K3"].carrier, later.reused
    (Fraction(2, 3), True)
    """

    def __init__(
        self,
        pedigree: Pedigree,
        evidences: Sequence[Evidence],
        *,
        max_clique_states: int = MAX_CLIQUE_STATES,
    ) -> None:
        self.pedigree = pedigree
        self.evidences = tuple(evidences)
        self.max_clique_states = max_clique_states
        self.plan = plan(pedigree)
        self.reused = False
        self._check_size()
        self._inputs: dict[int, RowInputs] = {}
        self._calibrations: dict[int, Calibration] = {}
        self._groups = _batches(self.evidences)
        for alleles, members in self._groups.items():
            inputs = row_inputs(pedigree, [self.evidences[k] for k in members])
            self._inputs[alleles] = inputs
            self._calibrations[alleles] = calibrate(self.plan, pedigree, inputs)
        self._check_feasible()
        self.analyses = self._analyses()

    def _check_size(self) -> None:
        for evidence in self.evidences:
            states = self.plan.states(evidence.locus.size)
            if states > self.max_clique_states:
                raise TooComplexError(self.plan.largest_clique, states, self.max_clique_states)

    def _check_feasible(self) -> None:
        for alleles, members in self._groups.items():
            feasible = self._calibrations[alleles].feasible
            for row, k in enumerate(members):
                if not feasible[row]:
                    raise _contradiction(self.plan, self.pedigree, self.evidences[k])

    def _analyses(self) -> tuple[CarrierAnalysis, ...]:
        out: list[CarrierAnalysis | None] = [None] * len(self.evidences)
        for alleles, members in self._groups.items():
            post = self._calibrations[alleles].posterior
            for row, k in enumerate(members):
                out[k] = CarrierAnalysis(
                    self.evidences[k].locus,
                    self.pedigree.ids,
                    post[row],
                    Method.JUNCTION_TREE,
                    self.plan.largest_clique,
                )
        return tuple(a for a in out if a is not None)

    def add_clutch(
        self,
        pedigree: Pedigree,
        observations: Sequence[Mapping[str, Observation | Sequence[Observation]]],
    ) -> CarrierModel:
        """This model with a new clutch: ``pedigree`` is this model's pedigree extended with
        the hatchlings (:meth:`Pedigree.extend`), ``observations[k]`` the hatchlings' records
        at the ``k``-th locus.

        When every hatchling is new, has no offspring and its parents already have a family
        of leaves in the tree (a repeat pairing's clutch), the structure is reused: the new
        leaves multiply into their family's factor, the messages are collected again along the
        path from that family's clique to its root only, then distributed down that tree of the
        junction forest only (the other trees cannot change); ``reused`` is True on the result.
        Otherwise (a new pairing, a hatchling's parent itself new, the old animals' parents
        changed) the model is built again from scratch.
        """
        if len(observations) != len(self.evidences):
            raise ValueError("give the hatchlings' observations for every locus")
        n_old = len(self.pedigree)
        evidences = [e.with_observations(observations[k]) for k, e in enumerate(self.evidences)]
        new = range(n_old, len(pedigree))
        hatchlings = set(pedigree.ids[n_old:])
        for records in observations:
            for animal in records:
                if animal not in hatchlings:
                    raise ValueError(
                        f"{animal} is not a new animal: add_clutch takes the records of the clutch only"
                    )
        same_start = (
            pedigree.ids[:n_old] == self.pedigree.ids
            and np.array_equal(pedigree.sire[:n_old], self.pedigree.sire)
            and np.array_equal(pedigree.dam[:n_old], self.pedigree.dam)
        )
        families = {(int(pedigree.sire[i]), int(pedigree.dam[i])) for i in new}
        reusable = (
            same_start
            and len(new) > 0
            and all(f in self.plan.family_index for f in families)
            and not any(
                int(pedigree.sire[i]) >= n_old or int(pedigree.dam[i]) >= n_old for i in new
            )
        )
        if not reusable:
            return CarrierModel(pedigree, evidences, max_clique_states=self.max_clique_states)
        return self._extended(pedigree, evidences, list(new))

    def _extended(
        self, pedigree: Pedigree, evidences: list[Evidence], new: list[int]
    ) -> CarrierModel:
        old = self.plan
        family_of_new = np.array(
            [old.family_index[(int(pedigree.sire[i]), int(pedigree.dam[i]))] for i in new],
            dtype=np.int64,
        )
        n = len(pedigree)
        var_of = np.full(n, -1, dtype=np.int64)
        var_of[: len(old.var_of)] = old.var_of
        new_plan = replace(
            old,
            var_of=var_of,
            leaves=np.concatenate([old.leaves, np.array(new, dtype=np.int64)]),
            leaf_family=np.concatenate([old.leaf_family, family_of_new]),
        )
        model = CarrierModel.__new__(CarrierModel)
        model.pedigree = pedigree
        model.evidences = tuple(evidences)
        model.max_clique_states = self.max_clique_states
        model.plan = new_plan
        model.reused = True
        model._groups = self._groups
        model._inputs = {}
        model._calibrations = {}
        touched = sorted({int(old.family_clique[f]) for f in family_of_new.tolist()})
        new_ids = [pedigree.ids[i] for i in new]
        for alleles, members in self._groups.items():
            before = self._calibrations[alleles]
            grown = extend_inputs(
                self._inputs[alleles],
                [evidences[k] for k in members],
                [
                    {
                        a: evidences[k].observations[a]
                        for a in new_ids
                        if a in evidences[k].observations
                    }
                    for k in members
                ],
                new_ids,
            )
            if grown is None:
                return CarrierModel(pedigree, evidences, max_clique_states=self.max_clique_states)
            inputs = grown
            model._inputs[alleles] = inputs
            lam, family = grow_leaf_factors(
                before.leaf_factor, before.family_factor, inputs, new, family_of_new
            )
            pot = list(before.pot)
            for c in touched:  # the potentials holding a changed family, made again
                pot[c] = clique_potential(new_plan, pedigree, inputs, family, c)
            up = list(before.up)
            collected = list(before.collected)
            path: list[int] = []
            for c in touched:
                while c >= 0 and c not in path:
                    path.append(c)
                    c = old.parent[c]
            for v in sorted(path):  # children before parents: elimination order
                table = pot[v]
                for child in old.children[v]:
                    table = table * expand(up[child], old.cliques[child][1:], old.cliques[v])
                message = table.sum(axis=1)
                if message.dtype != object and message.ndim > 1:
                    top = message.reshape(message.shape[0], -1).max(axis=1)
                    message = message / np.where(top > 0, top, 1).reshape(
                        (-1,) + (1,) * (message.ndim - 1)
                    )
                up[v] = message
                collected[v] = table
            feasible = loners_feasible(new_plan, inputs)
            for v, p in enumerate(old.parent):
                if p < 0:
                    feasible &= np.asarray(up[v] != 0, dtype=bool).reshape(inputs.rows)
            # only the trees holding the clutch's family change
            roots = frozenset(old.root[c] for c in touched)
            belief = distribute(new_plan, up, collected, roots, before.belief)
            post = posteriors(new_plan, inputs, belief, lam, roots, before.posterior)
            model._calibrations[alleles] = Calibration(
                pot, up, collected, belief, lam, family, feasible, post
            )
        model._check_feasible()
        model.analyses = model._analyses()
        return model


def het_odds_many(
    pedigree: Pedigree,
    evidences: Sequence[Evidence],
    *,
    approximate: bool = False,
    max_clique_states: int = MAX_CLIQUE_STATES,
    sampler: Sampler = "gibbs",
    samples: int = 4000,
    chains: int = 4,
    seed: int = 0,
    min_effective_samples: int = 100,
) -> tuple[CarrierAnalysis, ...]:
    """:func:`het_odds` of several loci at once (one structure; loci with the same number
    of alleles computed as one batch along a leading array axis).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> from reptidex.engine.pedigree import Animal, Pedigree
    >>> from reptidex.engine.carriers import carrier_locus, evidence_from_morphs
    >>> bp = load_catalog("ball_python")
    >>> ped = Pedigree([Animal("S", sex="male"), Animal("D", sex="female"),
    ...                 Animal("K", "S", "D")])
    >>> morphs = {"S": "Pastel", "D": "Normal", "K": "Clown Piebald"}
    >>> loci = [carrier_locus(bp, gene) for gene in ("Clown", "Piebald")]
    >>> clown, pied = het_odds_many(ped, [evidence_from_morphs(ped, l, morphs) for l in loci])
    >>> clown["S"].proven, pied["D"].proven
    (True, True)
    """
    try:
        return CarrierModel(pedigree, evidences, max_clique_states=max_clique_states).analyses
    except TooComplexError:
        if not approximate:
            raise
    if sampler == "likelihood_weighting":
        return tuple(
            _weighted_estimate(pedigree, e, samples, seed, min_effective_samples) for e in evidences
        )
    if sampler != "gibbs":
        raise ValueError(f"unknown sampler {sampler!r}: 'gibbs' or 'likelihood_weighting'")
    by_size: dict[tuple[int, int], list[int]] = {}
    for k, evidence in enumerate(evidences):
        key = (evidence.locus.size, len(evidence.locus.alleles))
        by_size.setdefault(key, []).append(k)
    out: dict[int, CarrierAnalysis] = {}
    for members in by_size.values():
        batch = [evidences[k] for k in members]
        inputs = row_inputs(pedigree, batch, exact=False)
        locus = batch[0].locus
        het = locus.pairs.index((0, 1)) if len(locus.alleles) == 2 else None
        for evidence, proven in zip(batch, mixes(pedigree, inputs, het), strict=True):
            if not proven:
                raise ApproximationError(
                    evidence.locus.name,
                    0.0,
                    samples,
                    min_effective_samples,
                    reason=UNPROVEN_MIXING,
                )
        estimate = gibbs(
            pedigree,
            inputs,
            samples=samples,
            chains=chains,
            seed=seed,
        )
        for row, (k, evidence) in enumerate(zip(members, batch, strict=True)):
            least = float(estimate.effective_samples[row].min())
            r_hat = float(estimate.r_hat[row])
            if r_hat > MAX_R_HAT or least < min_effective_samples:
                raise ApproximationError(
                    evidence.locus.name, least, samples, min_effective_samples, r_hat
                )
            out[k] = CarrierAnalysis(
                evidence.locus,
                pedigree.ids,
                estimate.posterior[row],
                Method.GIBBS,
                0,
                estimate.standard_errors[row],
                least,
            )
    return tuple(out[k] for k in range(len(evidences)))


def _weighted_estimate(
    pedigree: Pedigree,
    evidence: Evidence,
    samples: int,
    seed: int,
    min_effective_samples: int,
) -> CarrierAnalysis:
    """One locus estimated by likelihood weighting, refused when its weights degenerate."""
    inputs = row_inputs(pedigree, [evidence], exact=False)
    post, errors, ok, effective = monte_carlo(pedigree, inputs, samples=samples, seed=seed)
    if not ok[0]:
        # exact inference is too large here, so impossibility cannot be proven either
        raise ValueError(
            f"no Monte Carlo draw at {evidence.locus.name} was consistent with the records: "
            "they may contradict each other (or more samples are needed)"
        )
    if effective[0] < min_effective_samples:
        raise ApproximationError(
            evidence.locus.name, float(effective[0]), samples, min_effective_samples
        )
    return CarrierAnalysis(
        evidence.locus,
        pedigree.ids,
        post[0],
        Method.MONTE_CARLO,
        0,
        errors[0],
        float(effective[0]),
    )


def het_odds(
    pedigree: Pedigree,
    evidence: Evidence,
    *,
    approximate: bool = False,
    max_clique_states: int = MAX_CLIQUE_STATES,
    sampler: Sampler = "gibbs",
    samples: int = 4000,
    chains: int = 4,
    seed: int = 0,
    min_effective_samples: int = 100,
) -> CarrierAnalysis:
    """Every animal's exact posterior genotype distribution at one locus, given the whole
    pedigree and every record.

    Parameters
    ----------
    pedigree : Pedigree
        The recorded pedigree (loops allowed: inbreeding, repeat and half-sibling pairings).
    evidence : Evidence
        The locus, the observations per animal, founders' entered priors and the population
        allele frequency (founders without a prior and the unknown parent of an animal with
        one recorded parent come from it, under Hardy–Weinberg).
    approximate : bool
        When exact inference is too large, estimate by sampling (``sampler``; each animal's
        ``standard_error`` set) instead of raising :class:`TooComplexError`.
    max_clique_states : int
        The largest clique table allowed for exact inference.
    sampler : {"gibbs", "likelihood_weighting"}
        The approximation (used only with ``approximate``): Gibbs sampling over ``chains``
        chains of ``samples`` sweeps each, hatchlings without offspring summed out
        (:mod:`~reptidex.engine.carriers.gibbs`), or likelihood weighting with ``samples``
        draws (:mod:`~reptidex.engine.carriers.montecarlo`), which degenerates when records
        are many.
    samples, chains, seed : int
        The sample size, the number of Gibbs chains and the seed (used only with
        ``approximate``).
    min_effective_samples : int
        The least effective sample size an estimate must reach for every animal to be
        returned (used only with ``approximate``).

    Returns
    -------
    CarrierAnalysis
        Per animal a :class:`CarrierOdds`: exact Fractions when every input is a Fraction,
        floats otherwise.

    Raises
    ------
    ContradictionError
        If the records cannot all be true, naming a small set that explains why.
    TooComplexError
        If exact inference is too large and ``approximate`` is False.
    ApproximationError
        If the estimate's effective sample size is below ``min_effective_samples`` for
        some animal, or Gibbs chains disagree (potential scale reduction above
        :data:`~reptidex.engine.carriers.gibbs.MAX_R_HAT`): no figure rather than one that
        cannot be trusted.
    ValueError
        If a prior is given for an animal with a recorded parent.

    Examples
    --------
    The issue's family: founders GS×GD have Sire and two daughters; Sire × Dam (an outside
    female) have a visual Clown grandson and two normal-looking siblings:

    >>> from reptidex.engine.genetics import load_catalog
    >>> from reptidex.engine.pedigree import Animal, Pedigree
    >>> from reptidex.engine.carriers import carrier_locus, evidence_from_morphs
    >>> clown = carrier_locus(load_catalog("ball_python"), "Clown")
    >>> ped = Pedigree([
    ...     Animal("GS", sex="male"), Animal("GD", sex="female"),
    ...     Animal("Sire", "GS", "GD", "male"), Animal("Aunt", "GS", "GD", "female"),
    ...     Animal("Dam", sex="female"),
    ...     Animal("Grandson", "Sire", "Dam", "male"),
    ...     Animal("Sib1", "Sire", "Dam"), Animal("Sib2", "Sire", "Dam"),
    ... ])
    >>> seen = {a: "Normal" for a in ped.ids} | {"Grandson": "Clown"}
    >>> result = het_odds(ped, evidence_from_morphs(ped, clown, seen))
    >>> result["Sire"].proven, result["Dam"].proven
    (True, True)
    >>> result["Sib1"].carrier
    Fraction(2, 3)
    >>> result["GS"].carrier, result["Aunt"].carrier
    (Fraction(41, 79), Fraction(40, 79))

    References
    ----------
    Elston & Stewart (1971); Lange & Elston (1975); Cannings, Thompson & Skolnick (1978);
    Lauritzen & Spiegelhalter (1988): see :mod:`reptidex.engine.carriers.junction`.
    """
    (result,) = het_odds_many(
        pedigree,
        [evidence],
        approximate=approximate,
        max_clique_states=max_clique_states,
        sampler=sampler,
        samples=samples,
        chains=chains,
        seed=seed,
        min_effective_samples=min_effective_samples,
    )
    return result


__all__ = ["MAX_CLIQUE_STATES", "CarrierModel", "Sampler", "het_odds", "het_odds_many"]
