"""Property tests of the het-odds engine against the brute-force reference (Hypothesis)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reptidex.engine.carriers import (
    CarrierLocus,
    CarrierModel,
    ContradictionError,
    Evidence,
    Observation,
    Prior,
    Probability,
    brute_force_het_odds,
    carrier_locus,
    evidence_probability,
    explain,
    het_odds,
    het_odds_many,
    plan_test_breeding,
)
from reptidex.engine.genetics import load_catalog
from reptidex.engine.pedigree import Animal, Pedigree, Sex
from reptidex.testing import pedigrees

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CLOWN = carrier_locus(load_catalog("ball_python"), "Clown")  # 3 genotypes
MOTLEY = carrier_locus(load_catalog("corn_snake"), "motley")  # Motley/Stripe looks Motley
LILLY = carrier_locus(load_catalog("crested_gecko"), "lilly_white")  # a lethal super form
FREQUENCIES = (Fraction(1, 20), Fraction(1, 4), Fraction(1, 3))


@st.composite
def observations(draw: st.DrawFn, locus: CarrierLocus) -> Observation:
    kind = draw(st.sampled_from(["looks", "looks", "genotype", "likelihood"]))
    if kind == "looks":
        return locus.shows(draw(st.sampled_from(sorted(set(locus.looks), key=sorted))))
    if kind == "genotype":
        return locus.genotype_is(draw(st.sampled_from(locus.keys)))
    values = draw(
        st.lists(
            st.fractions(min_value=0, max_value=1, max_denominator=7),
            min_size=locus.size,
            max_size=locus.size,
        )
    )
    assume(any(values))
    return locus.likelihood(dict(zip(locus.keys, values, strict=True)), "lab test")


@st.composite
def priors(draw: st.DrawFn, locus: CarrierLocus) -> Prior:
    weights = draw(st.lists(st.integers(0, 3), min_size=locus.size, max_size=locus.size))
    assume(sum(weights))
    total = sum(weights)
    return locus.prior({k: Fraction(w, total) for k, w in zip(locus.keys, weights, strict=True)})


@st.composite
def cases(
    draw: st.DrawFn,
    max_animals: int = 7,
    records: float = 0.6,
    loci: tuple[CarrierLocus, ...] = (CLOWN, CLOWN, LILLY, MOTLEY),
    min_animals: int = 1,
) -> tuple[Pedigree, Evidence]:
    locus = draw(st.sampled_from(loci))
    most = max_animals if locus.size == 3 else min(max_animals, 5)
    inbred = draw(st.sampled_from([None, True])) if most >= 5 else None
    ped = draw(pedigrees(min_animals, most, inbred=inbred))
    observed: dict[str, list[Observation]] = {}
    entered: dict[str, Prior] = {}
    for animal in ped.ids:
        if draw(st.floats(0, 1)) < records:
            observed[animal] = [draw(observations(locus))]
        if ped.parents(animal) == (None, None) and draw(st.booleans()) and draw(st.booleans()):
            entered[animal] = draw(priors(locus))
    evidence = Evidence.build(locus, observed, entered, draw(st.sampled_from(FREQUENCIES)))
    return ped, evidence


@FAST
@given(cases())
def test_the_exact_engine_equals_brute_force_exactly(case: tuple[Pedigree, Evidence]) -> None:
    ped, evidence = case
    if evidence_probability(ped, evidence) == 0:
        with pytest.raises(ContradictionError):
            het_odds(ped, evidence)
        return
    fast = het_odds(ped, evidence)
    slow = brute_force_het_odds(ped, evidence)
    for animal in ped.ids:
        assert fast[animal].genotypes == slow[animal].genotypes
        assert all(isinstance(p, Fraction) for p in fast[animal].genotypes.values())
        assert fast[animal].carrier == slow[animal].carrier
        assert fast[animal].proven == (slow[animal].carrier == 1)


@FAST
@given(cases())
def test_odds_lie_in_zero_one_and_sum_to_one(case: tuple[Pedigree, Evidence]) -> None:
    ped, evidence = case
    assume(evidence_probability(ped, evidence) != 0)
    result = het_odds(ped, evidence)
    for animal in ped.ids:
        odds = result[animal]
        assert sum(odds.genotypes.values()) == 1
        assert all(0 <= p <= 1 for p in odds.genotypes.values())
        assert 0 <= odds.carrier <= 1
        assert all(0 <= p <= odds.carrier for p in odds.carriers.values())


@FAST
@given(cases(), st.data())
def test_an_observation_consistent_with_a_genotype_never_lowers_it(
    case: tuple[Pedigree, Evidence], data: st.DataObject
) -> None:
    ped, evidence = case
    assume(evidence_probability(ped, evidence) != 0)
    before = het_odds(ped, evidence)
    animal = data.draw(st.sampled_from(ped.ids))
    locus = evidence.locus
    possible = [g for g, key in enumerate(locus.keys) if before[animal].genotypes[key] > 0]
    g = data.draw(st.sampled_from(possible))
    key = locus.keys[g]
    # a look the genotype shows, or a likelihood that is largest at the genotype
    added = data.draw(
        st.sampled_from(
            [
                locus.shows(locus.looks[g]),
                locus.genotype_is(key),
                locus.likelihood(
                    {k: Fraction(1) if k == key else Fraction(1, 3) for k in locus.keys}, "test"
                ),
            ]
        )
    )
    more = Evidence.build(
        locus,
        {**evidence.observations, animal: [*evidence.observations.get(animal, ()), added]},
        evidence.priors,
        evidence.allele_frequency,
    )
    after = het_odds(ped, more)
    assert after[animal].genotypes[key] >= before[animal].genotypes[key]


@FAST
@given(cases(records=0.9))
def test_contradictions_are_found_exactly_when_the_evidence_is_impossible(
    case: tuple[Pedigree, Evidence],
) -> None:
    ped, evidence = case
    impossible = evidence_probability(ped, evidence) == 0
    try:
        het_odds(ped, evidence)
    except ContradictionError as error:
        assert impossible
        # the named records are impossible together, and each one is needed
        named = _only(evidence, error.records)
        assert evidence_probability(ped, named) == 0
        for k in range(len(error.records)):
            fewer = _only(evidence, error.records[:k] + error.records[k + 1 :])
            assert evidence_probability(ped, fewer) != 0
    else:
        assert not impossible


def _only(evidence: Evidence, records: tuple[tuple[str, str], ...]) -> Evidence:
    """The evidence with only the named records (a prior left out is the population's)."""
    kept_obs: dict[str, list[Observation]] = {}
    kept_priors: dict[str, Prior] = {}
    remaining = list(records)
    for animal, prior in evidence.priors.items():
        if (animal, f"entered as {prior.label}") in remaining:
            remaining.remove((animal, f"entered as {prior.label}"))
            kept_priors[animal] = prior
    for animal, listed in evidence.observations.items():
        for observation in listed:
            if (animal, observation.label) in remaining:
                remaining.remove((animal, observation.label))
                kept_obs.setdefault(animal, []).append(observation)
    assert not remaining
    return Evidence.build(evidence.locus, kept_obs, kept_priors, evidence.allele_frequency)


@FAST
@given(cases())
def test_float_inputs_give_the_exact_figures_as_floats(case: tuple[Pedigree, Evidence]) -> None:
    ped, evidence = case
    assume(evidence_probability(ped, evidence) != 0)
    exact = het_odds(ped, evidence)
    frequency = evidence.allele_frequency
    assert isinstance(frequency, Fraction)
    floats = Evidence.build(
        evidence.locus, evidence.observations, evidence.priors, float(frequency)
    )
    approx = het_odds(ped, floats)
    for animal in ped.ids:
        assert isinstance(approx[animal].carrier, float)
        assert approx[animal].carrier == pytest.approx(float(exact[animal].carrier), abs=1e-9)
        assert approx[animal].proven == exact[animal].proven


@FAST
@given(cases(max_animals=6), st.integers(1, 3), st.data())
def test_adding_a_clutch_equals_computing_again(
    case: tuple[Pedigree, Evidence], hatchlings: int, data: st.DataObject
) -> None:
    ped, evidence = case
    assume(evidence_probability(ped, evidence) != 0)
    males = [a for a, s in zip(ped.ids, ped.sexes, strict=True) if s is Sex.MALE]
    females = [a for a, s in zip(ped.ids, ped.sexes, strict=True) if s is Sex.FEMALE]
    assume(males and females)
    sire, dam = data.draw(st.sampled_from(males)), data.draw(st.sampled_from(females))
    model = CarrierModel(ped, [evidence])
    kids = [f"new{k}" for k in range(hatchlings)]
    bigger = ped.extend([Animal(kid, sire, dam) for kid in kids])
    seen = {kid: data.draw(observations(evidence.locus)) for kid in kids}
    whole = Evidence.build(
        evidence.locus,
        {**evidence.observations, **seen},
        evidence.priors,
        evidence.allele_frequency,
    )
    try:
        again = het_odds(bigger, whole)
    except ContradictionError:
        with pytest.raises(ContradictionError):
            model.add_clutch(bigger, [seen])
        return
    updated = model.add_clutch(bigger, [seen])
    for animal in bigger.ids:
        assert updated.analyses[0][animal].genotypes == again[animal].genotypes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cases(max_animals=4, records=0.4, loci=(CLOWN,), min_animals=2), st.integers(1, 2), st.data()
)
def test_the_planner_agrees_with_brute_force_over_every_clutch(
    case: tuple[Pedigree, Evidence], eggs: int, data: st.DataObject
) -> None:
    ped, evidence = case
    assume(evidence_probability(ped, evidence) != 0)
    now = het_odds(ped, evidence)
    uncertain = [a for a in ped.ids if 0 < now[a].carrier < 1]
    assume(uncertain)
    animal = data.draw(st.sampled_from(uncertain))
    i = ped.index(animal)
    others = [a for k, a in enumerate(ped.ids) if ped.sexes[k] is not ped.sexes[i]]
    mate = data.draw(st.sampled_from(others))
    (plan,) = plan_test_breeding(ped, evidence, animal, eggs=eggs, candidates=[mate])
    # the reference: every look of every hatchling enumerated, each settled or not by brute force
    parents = (animal, mate) if ped.sexes[i] is Sex.MALE else (mate, animal)
    bigger = ped.extend([Animal(f"egg{k}", *parents) for k in range(eggs)])
    total = evidence_probability(ped, evidence)
    settles: Probability = Fraction(0)
    proves: Probability = Fraction(0)
    looks = sorted(set(CLOWN.looks), key=sorted)
    for outcome in itertools.product(looks, repeat=eggs):
        seen = {f"egg{k}": CLOWN.shows(look) for k, look in enumerate(outcome)}
        whole = Evidence.build(
            CLOWN, {**evidence.observations, **seen}, evidence.priors, evidence.allele_frequency
        )
        p = evidence_probability(bigger, whole)
        if p == 0:
            continue
        carrier = brute_force_het_odds(bigger, whole)[animal].carrier
        if carrier in (0, 1):
            settles += p / total
            proves += p / total if carrier == 1 else 0
    assert plan.settles == settles
    assert plan.proves == proves


@FAST
@given(cases(), cases(), st.data())
def test_loci_computed_together_equal_each_alone(
    first: tuple[Pedigree, Evidence], second: tuple[Pedigree, Evidence], data: st.DataObject
) -> None:
    ped, evidence = first
    other = Evidence.build(
        evidence.locus,
        {
            a: o
            for a, o in second[1].observations.items()
            if a in ped and evidence.locus is second[1].locus
        },
        {},
        second[1].allele_frequency,
    )
    batch = [evidence, other, Evidence.build(MOTLEY, {}, {}, Fraction(1, 7))]
    try:
        together = het_odds_many(ped, batch)
    except ContradictionError:
        assert any(evidence_probability(ped, e) == 0 for e in batch[:2])
        return
    for result, alone in zip(together, batch, strict=True):
        single = het_odds(ped, alone)
        for animal in ped.ids:
            assert result[animal].genotypes == single[animal].genotypes


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(max_animals=6, records=0.7), st.data())
def test_each_reason_is_the_odds_without_its_records(
    case: tuple[Pedigree, Evidence], data: st.DataObject
) -> None:
    ped, evidence = case
    assume(evidence_probability(ped, evidence) != 0)
    animal = data.draw(st.sampled_from(ped.ids))
    carrier = brute_force_het_odds(ped, evidence)[animal].carrier
    for reason in explain(ped, evidence, animal):
        assert reason.carrier == carrier
        assert reason.effect == reason.carrier - reason.without != 0
        # leave out the animals' records of this group: the reference gives ``without``
        left = Evidence.build(
            evidence.locus,
            {
                a: [o for o in listed if not (a in reason.animals and o.label in reason.records)]
                for a, listed in evidence.observations.items()
            },
            {
                a: p
                for a, p in evidence.priors.items()
                if not (a in reason.animals and p.label in reason.records)
            },
            evidence.allele_frequency,
        )
        assert brute_force_het_odds(ped, left)[animal].carrier == reason.without
