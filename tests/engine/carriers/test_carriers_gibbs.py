"""The Gibbs-sampling fallback for pedigrees too interbred for exact het odds: it agrees
with the exact engine within its stated error, mixes where likelihood weighting degenerates,
and refuses an estimate that has not converged."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from test_carriers_properties import cases

from reptidex.engine.carriers import (
    ApproximationError,
    CarrierAnalysis,
    Evidence,
    Method,
    carrier_locus,
    evidence_from_morphs,
    evidence_probability,
    het_odds,
)
from reptidex.engine.carriers.factors import row_inputs
from reptidex.engine.carriers.gibbs import MAX_R_HAT, _structure, gibbs, mixes
from reptidex.engine.carriers.gibbs import _r_hat as r_hat
from reptidex.engine.genetics import load_catalog
from reptidex.engine.pedigree import Animal, Pedigree, Sex

CLOWN = carrier_locus(load_catalog("ball_python"), "Clown")


def floats(evidence: Evidence) -> Evidence:
    """The same records with a float allele frequency (the sampler's inputs)."""
    frequency = evidence.allele_frequency
    assert isinstance(frequency, Fraction)
    return Evidence.build(evidence.locus, evidence.observations, evidence.priors, float(frequency))


def looped_family() -> Pedigree:
    """Three generations with loops: a son paired back to his mother and a half-sibling
    pairing, each with hatchlings."""
    return Pedigree(
        [
            Animal("Sire", sex=Sex.MALE),
            Animal("Dam", sex=Sex.FEMALE),
            Animal("Dam2", sex=Sex.FEMALE),
            Animal("Son", "Sire", "Dam", Sex.MALE),
            Animal("Daughter", "Sire", "Dam2", Sex.FEMALE),
            *(Animal(f"Back{i}", "Son", "Dam") for i in range(4)),
            *(Animal(f"Half{i}", "Son", "Daughter") for i in range(5)),
        ]
    )


def test_the_estimate_agrees_with_the_exact_odds_on_a_looped_family() -> None:
    ped = looped_family()
    morphs = {a: "Normal" for a in ped.ids} | {"Half0": "Clown", "Back2": "Clown"}
    evidence = floats(evidence_from_morphs(ped, CLOWN, morphs))
    exact = het_odds(ped, evidence)
    estimate = het_odds(ped, evidence, max_clique_states=2, approximate=True, seed=7)
    assert estimate.method is Method.GIBBS
    assert estimate.effective_samples is not None
    assert estimate.effective_samples >= 100
    for animal in ped.ids:
        odds = estimate[animal]
        assert odds.standard_error is not None
        assert (
            abs(float(odds.carrier) - float(exact[animal].carrier))
            <= 5 * odds.standard_error + 1e-9
        )
    # parents of a visual are proven in every draw, so exactly
    assert estimate["Son"].carrier == 1
    assert estimate["Dam"].carrier == 1
    assert estimate["Son"].standard_error == 0


def swap_family() -> Pedigree:
    """A pair with 30 hatchlings and a holdback son whose two visual young with a visual
    female prove him het: one of his parents carried, the records do not say which."""
    return Pedigree(
        [
            Animal("S", sex=Sex.MALE),
            Animal("D", sex=Sex.FEMALE),
            Animal("Son", "S", "D", Sex.MALE),
            Animal("Mate", sex=Sex.FEMALE),
            *(Animal(f"K{i}", "S", "D") for i in range(30)),
            Animal("V1", "Son", "Mate"),
            Animal("V2", "Son", "Mate"),
        ]
    )


def test_a_pair_moves_together_between_its_two_explanations() -> None:
    ped = swap_family()
    morphs = {a: "Normal" for a in ped.ids} | {"Mate": "Clown", "V1": "Clown", "V2": "Clown"}
    evidence = floats(evidence_from_morphs(ped, CLOWN, morphs))
    exact = het_odds(ped, evidence)
    assert 0.4 < float(exact["S"].carrier) < 0.6  # either parent, equally
    estimate = het_odds(ped, evidence, max_clique_states=2, approximate=True, seed=11)
    for animal in ("S", "D", "Son", "K0"):
        odds = estimate[animal]
        assert odds.standard_error is not None
        # both parents carrying has odds of about 1e-6: no draw need visit it
        assert (
            abs(float(odds.carrier) - float(exact[animal].carrier))
            <= 5 * odds.standard_error + 1e-4
        )
    assert estimate["S"].standard_error


def test_pairs_redrawn_at_once_share_no_animal_or_neighbour() -> None:
    ped = looped_family()
    structure = _structure(ped)
    graph: dict[int, set[int]] = {int(a): set() for a in structure.breeders}
    for child in range(len(ped)):
        s, d = int(ped.sire[child]), int(ped.dam[child])
        for a, b in ((child, s), (child, d), (s, d)):
            if a in graph and b in graph and min(a, b) >= 0:
                graph[a].add(b)
                graph[b].add(a)
    mated = {(int(s), int(d)) for s, d in zip(ped.sire, ped.dam, strict=True) if s >= 0 <= d}
    seen: set[tuple[int, int]] = set()
    for block in structure.mates:
        pairs = list(zip(block.sires.tolist(), block.dams.tolist(), strict=True))
        seen.update(pairs)
        for k, first in enumerate(pairs):
            near = set(first).union(*(graph[a] for a in first))
            for second in pairs[k + 1 :]:
                assert not near & set(second)
    assert seen == mated


def test_many_records_do_not_degenerate_it() -> None:
    # likelihood weighting gives fewer than 100 effective samples here (see the examples)
    ped = Pedigree(
        [
            Animal("S", sex=Sex.MALE),
            Animal("D", sex=Sex.FEMALE),
            *(Animal(f"K{i}", "S", "D") for i in range(40)),
        ]
    )
    looks = {f"K{i}": CLOWN.shows("Normal") for i in range(40)}
    evidence = Evidence.build(CLOWN, looks, {}, 0.3)
    exact = het_odds(ped, evidence)
    estimate = het_odds(ped, evidence, max_clique_states=2, approximate=True, samples=2000)
    for animal in ("S", "D", "K0"):
        odds = estimate[animal]
        assert odds.standard_error is not None
        assert (
            abs(float(odds.carrier) - float(exact[animal].carrier))
            <= 5 * odds.standard_error + 1e-9
        )


def test_an_estimate_short_of_its_effective_samples_is_refused() -> None:
    ped = looped_family()
    morphs = {a: "Normal" for a in ped.ids} | {"Half0": "Clown"}
    evidence = floats(evidence_from_morphs(ped, CLOWN, morphs))
    with pytest.raises(ApproximationError) as caught:
        het_odds(
            ped,
            evidence,
            max_clique_states=2,
            approximate=True,
            samples=40,
            min_effective_samples=10**6,
        )
    assert caught.value.r_hat is not None
    assert caught.value.samples == 40
    assert "Gibbs estimate at Clown has not converged after 40 sweeps" in str(caught.value)


def test_chains_that_disagree_have_a_large_scale_reduction() -> None:
    # two chains each stuck on a different value: infinitely far apart
    stuck = r_hat(np.array([[0.0], [1.0]]), np.array([[0.0], [0.0]]), 100)
    assert stuck[0] == np.inf
    # chains that all drew one value agree
    assert r_hat(np.array([[1.0], [1.0]]), np.array([[0.0], [0.0]]), 100)[0] == 1
    # two chains at 0.2 and 0.8 with little spread within: far above the limit
    apart = r_hat(np.array([[0.2], [0.8]]), np.array([[0.01], [0.01]]), 100)
    assert apart[0] > MAX_R_HAT
    # equal chain means: the pooled variance equals the within variance, shrunk by (n-1)/n
    same = r_hat(np.array([[0.5], [0.5]]), np.array([[0.25], [0.25]]), 100)
    assert same[0] == pytest.approx(np.sqrt(99 / 100))


def test_records_that_cannot_start_a_chain_are_refused() -> None:
    ped = Pedigree([Animal("S", sex=Sex.MALE), Animal("D", sex=Sex.FEMALE), Animal("K", "S", "D")])
    observed = {
        "S": CLOWN.genotype_is(("+", "+")),
        "K": CLOWN.shows("Clown"),
    }
    evidence = Evidence.build(CLOWN, observed, {}, 0.1)
    inputs = row_inputs(ped, [evidence], exact=False)
    with pytest.raises(ValueError, match="no state consistent with the records"):
        gibbs(ped, inputs, samples=40, chains=2, seed=0)


def test_a_locus_the_sampler_may_not_mix_on_is_refused() -> None:
    # three alleles: no genotype passes on all of them, so mixing is not proven
    motley = carrier_locus(load_catalog("corn_snake"), "motley")
    ped = looped_family()
    with pytest.raises(ApproximationError) as caught:
        het_odds(ped, Evidence.build(motley, {}, {}, 0.1), max_clique_states=2, approximate=True)
    assert caught.value.reason is not None
    assert "two alleles" in str(caught.value)
    # a lab result that rules out only the heterozygote: a parent and its young could then
    # need to change together
    odd = CLOWN.likelihood({("+", "+"): 1, ("+", "clown"): 0, ("clown", "clown"): 1}, "lab")
    evidence = Evidence.build(CLOWN, {"Son": odd}, {}, 0.1)
    assert not mixes(ped, row_inputs(ped, [evidence], exact=False), 1).any()
    with pytest.raises(ApproximationError, match="proven to reach every possible"):
        het_odds(ped, evidence, max_clique_states=2, approximate=True)
    # looks, proven hets and a single lab-tested genotype all keep it proven
    morphs = {"Son": "Normal", "Dam": "het Clown", "Half0": "Clown"}
    plain = floats(evidence_from_morphs(ped, CLOWN, morphs))
    tested = Evidence.build(
        CLOWN, {**plain.observations, "Sire": (CLOWN.genotype_is(("+", "+")),)}, {}, 0.1
    )
    assert mixes(ped, row_inputs(ped, [plain, tested], exact=False), 1).all()


def test_too_few_chains_or_samples_are_refused() -> None:
    ped = looped_family()
    inputs = row_inputs(ped, [Evidence.build(CLOWN, {}, {}, 0.1)], exact=False)
    with pytest.raises(ValueError, match="at least 2 chains"):
        gibbs(ped, inputs, samples=100, chains=1, seed=0)
    with pytest.raises(ValueError, match="at least 20 samples"):
        gibbs(ped, inputs, samples=19, chains=2, seed=0)


def estimate_or_refusal(ped: Pedigree, evidence: Evidence) -> CarrierAnalysis | ApproximationError:
    """The Gibbs estimate where exact inference is refused, or why it was not given."""
    try:
        return het_odds(ped, evidence, max_clique_states=1, approximate=True, samples=1000, seed=3)
    except ApproximationError as refused:
        return refused


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(max_animals=6))
def test_an_accepted_estimate_lies_within_its_error_of_the_exact_odds(
    case: tuple[Pedigree, Evidence],
) -> None:
    ped, evidence = case
    assume(evidence_probability(ped, evidence) != 0)
    evidence = floats(evidence)
    exact = het_odds(ped, evidence)
    estimate = estimate_or_refusal(ped, evidence)
    if isinstance(estimate, ApproximationError):
        if estimate.reason is None:
            assert estimate.r_hat is not None
            assert estimate.r_hat > MAX_R_HAT or estimate.effective_samples < 100
        else:
            assert (
                len(evidence.locus.alleles) > 2
                or not mixes(ped, row_inputs(ped, [evidence], exact=False), 1).all()
            )
        return
    assume(estimate.method is Method.GIBBS)  # a lone animal has no clique to refuse
    for animal in ped.ids:
        odds = estimate[animal]
        assert odds.standard_error is not None
        total = sum(odds.genotypes.values())
        assert total == pytest.approx(1)
        assert (
            abs(float(odds.carrier) - float(exact[animal].carrier))
            <= 5 * odds.standard_error + 0.02
        )
