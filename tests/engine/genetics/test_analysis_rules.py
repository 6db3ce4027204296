"""Breeders' questions with known answers: which offspring count (lethal ones unless told,
traits at least or exactly), the refusal of negative clutches, and proving out a possible het
(the parents' roles, the mate's own possibilities, look-alikes of either sex, pairings that
cannot give a live hatchling)."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from reptidex.engine.genetics import (
    Catalog,
    Genotype,
    Outcome,
    Sex,
    catalog_from_mapping,
    clutch_odds,
    clutch_probability,
    cross_morphs,
    load_catalog,
    parse_genotype,
    posterior_genotypes,
    prove_out,
    rank_pairs,
    trait_target,
)

BP = load_catalog("ball_python")  # Spider is dominant, its super presumed lethal
SPIDER = parse_genotype(BP, "Spider")
F = Fraction


def exact(pattern: str) -> str:
    """A ``match`` pattern that accepts this message and nothing else."""
    return f"^{re.escape(pattern)}$"


def complex_catalog() -> Catalog:
    """Rust (recessive) on its own locus, and an allelic complex of three recessives: Amber
    with Cloud is Ash, a lethal compound; Cloud masks Dusk; Amber with Dusk shows both."""
    return catalog_from_mapping(
        {
            "species": {"id": "demo", "name": "Demo", "sex_system": "temperature"},
            "genes": [{"id": "r", "name": "Rust", "inheritance": "recessive"}],
            "loci": [
                {
                    "id": "k",
                    "name": "Complex",
                    "alleles": [
                        {"id": "a", "name": "Amber", "inheritance": "recessive"},
                        {"id": "c", "name": "Cloud", "inheritance": "recessive"},
                        {"id": "d", "name": "Dusk", "inheritance": "recessive"},
                    ],
                    "compounds": [
                        {"alleles": ["a", "c"], "name": "Ash", "lethal": True},
                        {"alleles": ["c", "d"], "looks_like": "c"},
                    ],
                }
            ],
        }
    )


def x_linked_catalog() -> Catalog:
    """An XY species whose recessive White sits on the sex chromosomes, tightly linked."""
    return catalog_from_mapping(
        {
            "species": {"id": "xy", "name": "XY demo", "sex_system": "XY"},
            "genes": [{"id": "w", "name": "White", "inheritance": "recessive"}],
            "linkage": [{"id": "x", "loci": ["w"], "sex_linked": True, "recombination": ["0"]}],
        }
    )


# --- which offspring count ---------------------------------------------------------------


def test_lethal_offspring_count_in_the_clutch_unless_viable_only() -> None:
    """Spider x Spider: 1/4 Super Spider (lethal), 1/2 Spider, 1/4 Normal; among the viable
    ones 2/3 are Spiders."""
    assert clutch_probability(SPIDER, SPIDER, "Spider", 1) == F(1, 2)
    assert clutch_probability(SPIDER, SPIDER, "Spider", 1, viable_only=True) == F(2, 3)
    assert clutch_probability(SPIDER, SPIDER, "Spider", 2, viable_only=True) == F(8, 9)


def test_clutch_odds_keep_the_lethal_group_unless_viable_only() -> None:
    """One egg: each group's odds are its share; viable only drops Super Spider and
    renormalises."""
    assert clutch_odds(SPIDER, SPIDER, 1) == {
        ("Spider", None, False): F(1, 2),
        ("Normal", None, False): F(1, 4),
        ("Super Spider", None, True): F(1, 4),
    }
    assert clutch_odds(SPIDER, SPIDER, 1, viable_only=True) == {
        ("Spider", None, False): F(2, 3),
        ("Normal", None, False): F(1, 3),
    }


def test_pair_ranking_counts_lethal_offspring_unless_viable_only() -> None:
    """With lethal eggs counted, Spider x Spider and Spider x Normal both give 1/2 Spiders
    (a tie, broken by name); among viable offspring Spider x Spider gives 2/3."""
    sires = {"Ares": SPIDER, "Zeus": SPIDER}
    dams = {"Hera": SPIDER}
    assert [(r.sire, r.probability) for r in rank_pairs(sires, dams, "Spider")] == [
        ("Ares", F(1, 2)),
        ("Zeus", F(1, 2)),
    ]
    normal = {"Ares": parse_genotype(BP, "Normal"), "Zeus": SPIDER}
    assert [(r.sire, r.probability) for r in rank_pairs(normal, dams, "Spider")] == [
        ("Ares", F(1, 2)),
        ("Zeus", F(1, 2)),
    ]
    ranked = rank_pairs(normal, dams, "Spider", viable_only=True)
    assert [(r.sire, r.probability) for r in ranked] == [("Zeus", F(2, 3)), ("Ares", F(1, 2))]


def test_a_trait_target_wants_at_least_its_traits_unless_exact() -> None:
    """Pastel Spider x Normal: a quarter each Normal, Pastel, Spider and Bumblebee; "Pastel"
    is half of them (Pastels and Bumblebees), exactly Pastel a quarter."""
    result = cross_morphs(BP, "Pastel Spider", "Normal")
    assert result.probability(trait_target(BP, "Pastel")) == F(1, 2)
    assert result.probability(trait_target(BP, "Pastel", exact=True)) == F(1, 4)
    assert result.probability(trait_target(BP, "Pastel Spider", exact=True)) == F(1, 4)
    assert result.probability(trait_target(BP, "Normal", exact=True)) == F(1, 4)


def test_clutch_odds_average_each_pairing_of_possibilities_by_its_weight() -> None:
    """Two 66% het Clowns, two eggs: both het (4/9) gives a Clown with 1 - (3/4)^2 = 7/16
    and a Normal with 1 - (1/4)^2 = 15/16; the other pairings (5/9) give only Normals."""
    ph = parse_genotype(BP, "66% het Clown")
    assert clutch_odds(ph, ph, 2) == {
        ("Normal", None, False): F(5, 9) + F(4, 9) * F(15, 16),
        ("Clown", None, False): F(4, 9) * F(7, 16),
    }
    assert clutch_probability(ph, ph, "Clown", 2) == F(7, 36)


def test_a_target_may_be_any_predicate_on_offspring() -> None:
    """A callable target is used as it is: at least one non-Clown in two eggs of two 66% het
    Clowns is 5/9 + 4/9 * 15/16 = 35/36."""
    ph = parse_genotype(BP, "66% het Clown")

    def not_clown(outcome: Outcome) -> bool:
        return "Clown" not in outcome.traits

    assert clutch_probability(ph, ph, not_clown, 2) == F(35, 36)
    ranked = rank_pairs({"A": ph}, {"B": ph, "C": parse_genotype(BP, "Clown")}, not_clown)
    assert [(r.dam, r.probability) for r in ranked] == [("B", F(8, 9)), ("C", F(2, 3))]


def test_no_eggs_give_no_hatchling() -> None:
    """A clutch of zero eggs is allowed: every chance of at least one is 0."""
    assert clutch_probability(SPIDER, SPIDER, "Spider", 0) == 0
    assert clutch_odds(SPIDER, SPIDER, 0) == {
        ("Spider", None, False): 0,
        ("Normal", None, False): 0,
        ("Super Spider", None, True): 0,
    }


@pytest.mark.parametrize("eggs", [-1, -6])
def test_a_clutch_cannot_have_a_negative_number_of_eggs(eggs: int) -> None:
    message = exact("the number of eggs cannot be negative")
    with pytest.raises(ValueError, match=message):
        clutch_probability(SPIDER, SPIDER, "Spider", eggs)
    with pytest.raises(ValueError, match=message):
        clutch_odds(SPIDER, SPIDER, eggs)


# --- proving out a possible het ------------------------------------------------------------


def test_the_animal_is_the_sire_unless_told_otherwise() -> None:
    """A 66% het Clown that gave six Normals with a Clown is het with probability 1/33, as a
    sexed male (the sire by default) or as a female told to be the dam."""
    male = parse_genotype(BP, "66% het Clown", Sex.MALE)
    female = parse_genotype(BP, "66% het Clown", Sex.FEMALE)
    clown_male = parse_genotype(BP, "Clown", Sex.MALE)
    clown_female = parse_genotype(BP, "Clown", Sex.FEMALE)
    normals = ["Normal"] * 6
    assert prove_out(male, clown_female, normals, "Clown") == F(1, 33)
    assert prove_out(female, clown_male, normals, "Clown", animal_is_sire=False) == F(1, 33)
    assert [w for _, w in posterior_genotypes(male, clown_female, normals)] == [
        F(32, 33),
        F(1, 33),
    ]
    posterior = posterior_genotypes(female, clown_male, normals, animal_is_sire=False)
    assert [w for _, w in posterior] == [F(32, 33), F(1, 33)]


def test_offspring_no_pairing_can_give_are_refused() -> None:
    """Two Normals cannot come from a Clown and a certain non-het."""
    clown, normal = parse_genotype(BP, "Clown"), parse_genotype(BP, "Normal")
    with pytest.raises(ValueError, match=exact("these offspring cannot come from this pairing")):
        posterior_genotypes(clown, clown, ["Normal", "Normal"])
    with pytest.raises(ValueError, match=exact("these offspring cannot come from this pairing")):
        prove_out(normal, normal, ["Clown"], "Clown")


def test_the_mates_possibilities_are_weighed_by_their_probability() -> None:
    """A 50% het Clown bred to a 66% het Clown gives one Normal: P(Normal | het) =
    2/3 * 3/4 + 1/3 = 5/6 and P(Normal | not het) = 1, so het with (5/12) / (5/12 + 1/2)."""
    animal = parse_genotype(BP, "50% het Clown")
    mate = parse_genotype(BP, "66% het Clown")
    assert prove_out(animal, mate, ["Normal"], "Clown") == F(5, 11)
    assert [w for _, w in posterior_genotypes(animal, mate, ["Normal"])] == [F(6, 11), F(5, 11)]


def test_look_alikes_of_either_sex_are_one_look() -> None:
    """A 50% het White dam by a sire carrying White on his X: a het dam gives Normal sons
    (1/2) and daughters (1/4) and White daughters (1/4). A Normal hatchling of unknown sex
    has likelihood 3/4 if she is het and 1 if not: het with (3/8) / (3/8 + 1/2) = 3/7."""
    catalog = x_linked_catalog()
    dam = parse_genotype(catalog, "50% het White", Sex.FEMALE)
    sire = Genotype.from_blocks(catalog, {0: {((0, 1), (1, 0)): F(1)}}, Sex.MALE)
    assert prove_out(dam, sire, ["Normal"], "White", animal_is_sire=False) == F(3, 7)


def test_lethal_offspring_are_never_seen_among_hatchlings() -> None:
    """A 50% het Amber by a Cloud: a het gives half Ash (lethal) eggs and half Normals, so
    a live Normal hatchling tells nothing; the het stays at 1/2 (not 1/3)."""
    catalog = complex_catalog()
    animal = parse_genotype(catalog, "50% het Amber")
    cloud = parse_genotype(catalog, "Cloud")
    assert prove_out(animal, cloud, ["Normal"] * 3, "Amber") == F(1, 2)


def test_a_mate_possibility_without_viable_offspring_is_skipped_not_the_end() -> None:
    """An Amber 50% het Rust by a Cloud that may carry Dusk (masked): as Cloud/Cloud the mate
    gives only lethal Ash eggs with an Amber, so an Amber Dusk hatchling proves the mate
    Cloud/Dusk and says nothing about Rust."""
    catalog = complex_catalog()
    animal = parse_genotype(catalog, "Amber 50% het Rust")
    mate = parse_genotype(catalog, "Cloud 50% het Dusk")
    assert [w for _, w in mate.possibilities()] == [F(1, 2), F(1, 2)]
    assert prove_out(animal, mate, ["Amber Dusk"], "Rust") == F(1, 2)
    assert [w for _, w in posterior_genotypes(animal, mate, ["Amber Dusk"])] == [
        F(1, 2),
        F(1, 2),
    ]


def test_a_sex_linked_gene_is_a_target_like_any_other() -> None:
    """A target names traits, whatever the sex: a Banana (sex-linked) is counted in sons and
    daughters alike."""
    bp = load_catalog("ball_python")
    result = cross_morphs(bp, "Banana", "Normal")
    assert result.probability(trait_target(bp, "Banana")) == Fraction(1, 2)
    assert result.probability(trait_target(bp, "Super Banana")) == 0
