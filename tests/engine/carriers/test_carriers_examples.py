"""Worked examples of the het-odds engine: the issue's acceptance family, contradictions,
explanations, the planner, the approximation and the records read from morph names."""

from __future__ import annotations

from fractions import Fraction

import pytest

from reptidex.engine.carriers import (
    ApproximationError,
    CarrierModel,
    ContradictionError,
    Evidence,
    Method,
    Sampler,
    SexLinkedLocusError,
    TooComplexError,
    brute_force_het_odds,
    carrier_locus,
    evidence_from_morph,
    evidence_from_morphs,
    evidence_probability,
    explain,
    het_odds,
    het_odds_many,
    plan_test_breeding,
)
from reptidex.engine.carriers.junction import min_fill_order, plan
from reptidex.engine.genetics import load_catalog
from reptidex.engine.pedigree import Animal, Pedigree, Sex

BP = load_catalog("ball_python")
CLOWN = carrier_locus(BP, "Clown")


def acceptance_family() -> Pedigree:
    """Three generations: GS x GD have Sire and two daughters (Aunt1, Aunt2); Sire x Dam
    (bought in) have the visual Clown grandson and two normal-looking siblings."""
    return Pedigree(
        [
            Animal("GS", sex=Sex.MALE),
            Animal("GD", sex=Sex.FEMALE),
            Animal("Sire", "GS", "GD", Sex.MALE),
            Animal("Aunt1", "GS", "GD", Sex.FEMALE),
            Animal("Aunt2", "GS", "GD", Sex.FEMALE),
            Animal("Dam", sex=Sex.FEMALE),
            Animal("Grandson", "Sire", "Dam", Sex.MALE),
            Animal("Sib1", "Sire", "Dam", Sex.FEMALE),
            Animal("Sib2", "Sire", "Dam", Sex.MALE),
        ]
    )


def test_the_acceptance_family() -> None:
    ped = acceptance_family()
    before = {a: "Normal" for a in ped.ids if a != "Grandson"}
    after = {**before, "Grandson": "Clown"}
    old = het_odds(ped, evidence_from_morphs(ped, CLOWN, before))
    evidence = evidence_from_morphs(ped, CLOWN, after)
    new = het_odds(ped, evidence)
    reference = brute_force_het_odds(ped, evidence)
    assert new["Sire"].proven
    assert new["Dam"].proven
    assert new["Grandson"].proven
    assert new["Sire"].carrier == new["Dam"].carrier == 1
    assert new["Sib1"].carrier == new["Sib2"].carrier == Fraction(2, 3)
    assert new["Sib1"].genotypes == {
        ("+", "+"): Fraction(1, 3),
        ("+", "clown"): Fraction(2, 3),
        ("clown", "clown"): Fraction(0),
    }
    for animal in ("GS", "GD", "Aunt1", "Aunt2"):
        assert new[animal].carrier == reference[animal].carrier
        assert new[animal].carrier > old[animal].carrier
        assert not new[animal].proven
    # one of the grandparents passed the Clown to Sire: together they carry at least one
    assert new["GS"].carrier == new["GD"].carrier == Fraction(161, 313)
    # an aunt is het when a grandparent passed it to her too
    assert new["Aunt1"].carrier == new["Aunt2"].carrier == Fraction(158, 313)
    assert old["Aunt1"].carrier == Fraction(7354, 83915)
    assert new["Aunt1"].carrier == reference["Aunt1"].carrier
    # and each animal page says why
    reasons = explain(ped, evidence, "Sire")
    assert reasons[0].text == "proven by 1 visual Clown offspring with Dam"
    assert reasons[0].animals == ("Grandson",)
    assert explain(ped, evidence, "GS")[0].animals == ("Grandson",)


def test_a_contradiction_names_the_visual_offspring_and_the_parent_that_cannot_carry() -> None:
    ped = Pedigree(
        [
            Animal("Zeus", sex=Sex.MALE),
            Animal("Hera", sex=Sex.FEMALE),
            Animal("Other", sex=Sex.FEMALE),
            Animal("K1", "Zeus", "Hera"),
            Animal("K2", "Zeus", "Hera"),
            Animal("K3", "Zeus", "Other"),
        ]
    )
    records = {
        "Zeus": CLOWN.genotype_is("Normal", "lab-tested: no Clown"),
        "Hera": CLOWN.shows("Normal"),
        "Other": CLOWN.shows("Clown"),
        "K1": CLOWN.shows("Clown"),
        "K2": CLOWN.shows("Normal"),
        "K3": CLOWN.shows("Normal"),
    }
    evidence = Evidence.build(CLOWN, records)
    assert evidence_probability(ped, evidence) == 0
    with pytest.raises(ContradictionError) as caught:
        het_odds(ped, evidence)
    assert caught.value.animals == ("Zeus", "K1")
    assert caught.value.records == (("Zeus", "lab-tested: no Clown"), ("K1", "visual Clown"))
    assert "Zeus: lab-tested: no Clown; K1: visual Clown" in str(caught.value)


def test_a_contradiction_through_an_entered_prior_names_the_prior() -> None:
    ped = Pedigree([Animal("S", sex=Sex.MALE), Animal("D", sex=Sex.FEMALE), Animal("K", "S", "D")])
    evidence = Evidence.build(
        CLOWN,
        {"K": CLOWN.shows("Clown"), "D": CLOWN.shows("Normal")},
        {"S": CLOWN.prior({"Normal": Fraction(1)}, "Normal (entered)")},
    )
    with pytest.raises(ContradictionError) as caught:
        het_odds(ped, evidence)
    assert caught.value.records == (("S", "entered as Normal (entered)"), ("K", "visual Clown"))


def test_a_prior_on_an_animal_with_a_recorded_parent_is_refused() -> None:
    ped = Pedigree([Animal("S", sex=Sex.MALE), Animal("K", "S", None)])
    evidence = Evidence.build(CLOWN, {}, {"K": CLOWN.prior({"het Clown": Fraction(1)})})
    with pytest.raises(ValueError, match="K has a recorded parent"):
        het_odds(ped, evidence)


def test_an_unknown_parent_passes_an_allele_from_the_population() -> None:
    # one recorded parent, a visual Clown: the unknown dam passed a Clown with certainty
    ped = Pedigree([Animal("S", sex=Sex.MALE), Animal("K", "S", None)])
    evidence = Evidence.build(CLOWN, {"K": CLOWN.shows("Clown")}, {}, Fraction(1, 10))
    result = het_odds(ped, evidence)
    assert result["S"].proven
    # S carries; given that, het 18/100 : visual 1/100, the gamete weights 1/2 and 1
    assert result["S"].genotypes[("+", "clown")] == Fraction(9, 10)
    assert result == result  # a frozen value
    assert result["S"].genotypes == brute_force_het_odds(ped, evidence)["S"].genotypes


def test_a_lethal_genotype_never_hatches() -> None:
    gecko = load_catalog("crested_gecko")
    lilly = carrier_locus(gecko, "lilly_white")
    ped = Pedigree([Animal("S", sex=Sex.MALE), Animal("D", sex=Sex.FEMALE), Animal("K", "S", "D")])
    evidence = Evidence.build(
        lilly, {"S": lilly.shows("Lilly White"), "D": lilly.shows("Lilly White")}
    )
    result = het_odds(ped, evidence)
    # of the three hatching genotypes 1:2 (the super form dies in the egg)
    assert result["K"].genotypes[("lilly_white", "lilly_white")] == 0
    assert result["K"].genotypes[("+", "lilly_white")] == Fraction(2, 3)
    with pytest.raises(ContradictionError):
        het_odds(ped, Evidence.build(lilly, {"K": lilly.shows("Super Lilly White")}))


def test_an_allelic_complex_is_one_locus() -> None:
    albino = carrier_locus(BP, "candy")
    assert albino.alleles == ("+", "albino", "candy", "toffee")
    ped = Pedigree([Animal("S", sex=Sex.MALE), Animal("D", sex=Sex.FEMALE), Animal("K", "S", "D")])
    evidence = evidence_from_morphs(ped, albino, {"S": "Albino", "D": "Candy", "K": "Candino"})
    result = het_odds(ped, evidence)
    assert result["K"].genotypes[("albino", "candy")] == 1
    assert result["K"].carriers == {"albino": 1, "candy": 1, "toffee": 0}
    corn = load_catalog("corn_snake")
    motley = carrier_locus(corn, "stripe")
    # Motley over Stripe looks Motley: a Motley parent of a Stripe may be Motley/Stripe
    ev = evidence_from_morphs(ped, motley, {"S": "Motley", "D": "Stripe", "K": "Stripe"})
    odds = het_odds(ped, ev)
    assert odds["S"].genotypes[("motley", "stripe")] == 1
    assert odds["S"].carriers["stripe"] == 1


def test_a_sex_linked_locus_is_refused() -> None:
    with pytest.raises(SexLinkedLocusError, match="sex-linked"):
        carrier_locus(BP, "Banana")


def test_records_read_from_morph_names() -> None:
    proven = evidence_from_morph(CLOWN, "Pastel het Clown")
    assert proven.observation.likelihood == (0, 1, 0)
    assert proven.prior is None
    possible = evidence_from_morph(CLOWN, "66% het Clown")
    assert possible.observation.likelihood == (1, 1, 0)
    assert possible.prior is not None
    assert possible.prior.distribution == (Fraction(1, 3), Fraction(2, 3), 0)
    assert evidence_from_morph(CLOWN, "Pied").observation.label == "normal-looking at Clown"
    assert evidence_from_morph(CLOWN, "Clown Pied").observation.likelihood == (0, 0, 1)
    ped = Pedigree([Animal("S", sex=Sex.MALE), Animal("K", "S", None)])
    evidence = evidence_from_morphs(ped, CLOWN, {"S": "50% het Clown", "K": "66% het Clown"})
    assert set(evidence.priors) == {"S"}  # a non-founder's odds come from the pedigree


def test_the_explanation_ranks_by_effect_and_words_it() -> None:
    ped = Pedigree(
        [
            Animal("Zeus", sex=Sex.MALE),
            Animal("Hera", sex=Sex.FEMALE),
            Animal("Leto", sex=Sex.FEMALE),
            Animal("K1", "Zeus", "Hera"),
            Animal("K2", "Zeus", "Hera"),
            Animal("K3", "Zeus", "Leto"),
        ]
    )
    evidence = evidence_from_morphs(
        ped,
        CLOWN,
        {"Zeus": "Normal", "Hera": "Clown", "K1": "Normal", "K2": "Normal", "K3": "Normal"},
    )
    reasons = explain(ped, evidence, "Zeus")
    result = het_odds(ped, evidence)
    top = reasons[0]
    assert top.description == "2 normal-looking offspring with Hera"
    assert top.carrier == result["Zeus"].carrier
    assert top.effect < 0
    assert top.text.startswith("lowered from ")
    without = het_odds(
        ped,
        evidence_from_morphs(ped, CLOWN, {"Zeus": "Normal", "Hera": "Clown", "K3": "Normal"}),
    )
    assert top.without == without["Zeus"].carrier
    effects = [abs(float(r.effect)) for r in reasons]
    assert effects == sorted(effects, reverse=True)


def test_the_explanation_of_a_possible_het_with_a_clutch() -> None:
    ped = Pedigree(
        [
            Animal("Hera", sex=Sex.FEMALE),
            Animal("GS", sex=Sex.MALE),
            Animal("GD", sex=Sex.FEMALE),
            Animal("Sis", "GS", "GD", Sex.FEMALE),
            Animal("Bro", "GS", "GD", Sex.MALE),
            *(Animal(f"K{i}", "Bro", "Hera") for i in range(3)),
        ]
    )
    records = {"Sis": "Clown", "GS": "Normal", "GD": "Normal", "Bro": "Normal", "Hera": "Clown"}
    records |= {f"K{i}": "Normal" for i in range(3)}
    texts = [r.text for r in explain(ped, evidence_from_morphs(ped, CLOWN, records), "Bro")]
    assert texts == [
        "lowered from 67% to 20% by 3 normal-looking offspring with Hera",
        "lowered from 65% to 20% by its mate Hera (visual Clown)",
        "raised from 1% to 20% by 1 sibling (visual Clown): Sis",
        "lowered from 21% to 20% by its sire GS (normal-looking)",
        "lowered from 21% to 20% by its dam GD (normal-looking)",
    ]


def test_the_planner_ranks_the_visual_mate_first() -> None:
    ped = Pedigree(
        [
            Animal("Ares", sex=Sex.MALE),
            Animal("Vis", sex=Sex.FEMALE),
            Animal("Het", sex=Sex.FEMALE),
            Animal("Norm", sex=Sex.FEMALE),
        ]
    )
    evidence = evidence_from_morphs(
        ped, CLOWN, {"Ares": "66% het Clown", "Vis": "Clown", "Het": "het Clown", "Norm": "Normal"}
    )
    ranked = plan_test_breeding(ped, evidence, "Ares", eggs=6)
    assert [m.mate for m in ranked] == ["Vis", "Het", "Norm"]
    assert ranked[0].settles == Fraction(2, 3) * (1 - Fraction(1, 2) ** 6)
    assert ranked[0].proves == ranked[0].settles
    assert ranked[0].rules_out == 0
    with pytest.raises(ValueError, match="already certain"):
        plan_test_breeding(ped, evidence, "Vis", eggs=6)


@pytest.mark.parametrize(
    ("sampler", "method"),
    [("gibbs", Method.GIBBS), ("likelihood_weighting", Method.MONTE_CARLO)],
)
def test_too_large_cliques_are_refused_and_the_approximation_is_stated(
    sampler: Sampler, method: Method
) -> None:
    ped = acceptance_family()
    evidence = evidence_from_morphs(
        ped, CLOWN, {a: "Normal" for a in ped.ids} | {"Grandson": "Clown"}
    )
    with pytest.raises(TooComplexError) as caught:
        het_odds(ped, evidence, max_clique_states=8)
    assert caught.value.clique_size == plan(ped).largest_clique == 3
    assert caught.value.states == 27
    assert "clique of 3 animals" in str(caught.value)
    floats = Evidence.build(CLOWN, evidence.observations, evidence.priors, 0.05)
    estimate = het_odds(
        ped, floats, max_clique_states=8, approximate=True, sampler=sampler, samples=20000
    )
    exact = het_odds(ped, floats)
    assert estimate.method is method
    assert estimate.effective_samples is not None
    assert estimate.effective_samples >= 100
    for animal in ped.ids:
        odds = estimate[animal]
        assert odds.standard_error is not None
        assert (
            abs(float(odds.carrier) - float(exact[animal].carrier))
            <= 5 * odds.standard_error + 1e-12
        )


def test_a_degenerate_approximation_gives_no_figure() -> None:
    # 40 normal-looking hatchlings: the draws' weights differ (a pair of carriers rarely
    # gives 40 normal-looking young), and fewer than 100 effective samples are refused
    ped = Pedigree(
        [
            Animal("S", sex=Sex.MALE),
            Animal("D", sex=Sex.FEMALE),
            *(Animal(f"K{i}", "S", "D") for i in range(40)),
        ]
    )
    looks = {f"K{i}": CLOWN.shows("Normal") for i in range(40)}
    evidence = Evidence.build(CLOWN, looks, {}, 0.3)
    with pytest.raises(ApproximationError) as caught:
        het_odds(
            ped,
            evidence,
            max_clique_states=2,
            approximate=True,
            sampler="likelihood_weighting",
            samples=60,
        )
    assert caught.value.samples == 60
    assert caught.value.effective_samples < 60
    assert "effective sample size" in str(caught.value)


def test_several_loci_share_one_structure_and_match_one_at_a_time() -> None:
    ped = acceptance_family()
    morphs = {a: "Normal" for a in ped.ids} | {"Grandson": "Clown Pied", "Aunt1": "Candy"}
    loci = [carrier_locus(BP, g) for g in ("Clown", "Piebald", "candy", "Desert Ghost")]
    together = het_odds_many(ped, [evidence_from_morphs(ped, locus, morphs) for locus in loci])
    for locus, result in zip(loci, together, strict=True):
        alone = het_odds(ped, evidence_from_morphs(ped, locus, morphs))
        assert result.locus is locus
        for animal in ped.ids:
            assert result[animal].genotypes == alone[animal].genotypes


def test_a_clutch_of_a_new_pairing_builds_the_model_again() -> None:
    ped = acceptance_family()
    evidence = evidence_from_morphs(ped, CLOWN, {"Grandson": "Clown"})
    model = CarrierModel(ped, [evidence])
    bigger = ped.extend([Animal("X", "Sib2", "Aunt1")])
    updated = model.add_clutch(bigger, [{"X": CLOWN.shows("Clown")}])
    assert not updated.reused
    assert updated.analyses[0]["Sib2"].proven
    with pytest.raises(ValueError, match="not a new animal"):
        model.add_clutch(bigger, [{"Sire": CLOWN.shows("Clown")}])


def test_the_min_fill_order_eliminates_a_cycle_with_one_fill_edge() -> None:
    cycle = {0: {1, 3}, 1: {0, 2}, 2: {1, 3}, 3: {2, 0}}
    eliminated = min_fill_order(cycle)
    assert max(len(nbrs) for _, nbrs in eliminated) == 2
    assert [v for v, _ in eliminated] == [0, 1, 2, 3]


def test_a_new_clutch_hatches_no_lethal_genotype() -> None:
    lilly = carrier_locus(load_catalog("crested_gecko"), "lilly_white")
    ped = Pedigree(
        [
            Animal("S", sex=Sex.MALE),
            Animal("D", sex=Sex.FEMALE),
            Animal("K1", "S", "D"),
        ]
    )
    looks = {"S": lilly.shows("Lilly White"), "D": lilly.shows("Lilly White")}
    model = CarrierModel(ped, [Evidence.build(lilly, looks)])
    bigger = ped.extend([Animal("K2", "S", "D")])
    updated = model.add_clutch(bigger, [{}])
    assert updated.reused
    odds = updated.analyses[0]["K2"]
    assert odds.genotypes[("lilly_white", "lilly_white")] == 0
    assert odds.genotypes == het_odds(bigger, Evidence.build(lilly, looks))["K2"].genotypes


def test_the_min_fill_order_prefers_a_simplicial_node_to_a_low_degree_one() -> None:
    # a 4-cycle (degree 2, one fill edge each) beside a 4-clique (degree 3, no fill)
    graph = {0: {1, 3}, 1: {0, 2}, 2: {1, 3}, 3: {2, 0}}
    graph |= {v: {4, 5, 6, 7} - {v} for v in (4, 5, 6, 7)}
    eliminated = min_fill_order(graph)
    assert eliminated[0] == (4, (5, 6, 7))
