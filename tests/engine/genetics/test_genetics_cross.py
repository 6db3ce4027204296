"""Crosses: refusals, the JSON contract, and exactness where denominators outgrow 64 bits."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reptidex.engine.genetics import (
    Genotype,
    Sex,
    cross,
    cross_morphs,
    gametes,
    load_catalog,
    outcomes_to_json,
    parse_genotype,
)
from reptidex.engine.genetics.phenotype import Diplotype

BP = load_catalog("ball_python")  # has a sex-linked gene (Banana)
CORN = load_catalog("corn_snake")  # ZW, but no sex-linked gene in the catalog
PASTEL, SPIDER = 0, 31  # block indexes in BP
WILD: Diplotype = ((0,), (0,))
HET: Diplotype = ((0,), (1,))


def exact(pattern: str) -> str:
    """A ``match`` pattern that accepts this message and nothing else."""
    return f"^{re.escape(pattern)}$"


def test_parents_of_the_wrong_sex_are_refused() -> None:
    male = parse_genotype(BP, "Banana", Sex.MALE)
    female = parse_genotype(BP, "Banana", Sex.FEMALE)
    message = exact("the sire must be male and the dam female")
    with pytest.raises(ValueError, match=message):
        cross(female, female)
    with pytest.raises(ValueError, match=message):
        cross(male, male)


def test_a_pairing_with_no_viable_offspring_has_no_viable_only_view() -> None:
    super_spider = Genotype.from_blocks(BP, {SPIDER: {((1,), (1,)): Fraction(1)}})
    with pytest.raises(ValueError, match=exact("this pairing produces no viable offspring")):
        cross(super_spider, super_spider, viable_only=True)


def test_most_likely_needs_a_positive_count() -> None:
    result = cross(parse_genotype(BP, "Pastel"), parse_genotype(BP, "Normal"))
    with pytest.raises(ValueError, match=exact("count must be at least 1")):
        result.most_likely(0)


def test_probability_of_nothing_is_an_exact_zero() -> None:
    result = cross(parse_genotype(BP, "Pastel"), parse_genotype(BP, "Normal"))
    none = result.probability(lambda o: o.lethal)
    assert none == 0
    assert type(none) is Fraction
    assert result.probability(lambda o: "Pastel" in o.traits) == Fraction(1, 2)


def test_summary_is_the_documented_contract() -> None:
    result = cross_morphs(BP, "Spider", "Spider het Clown")
    assert result.summary() == {
        "species": "ball_python",
        "sire": "Spider",
        "dam": "Spider het Clown",
        "viable_only": False,
        "lethal_probability": "1/4",
    }
    viable = cross_morphs(BP, "Spider", "Spider", viable_only=True)
    assert viable.summary()["viable_only"] is True
    assert viable.summary()["lethal_probability"] == "1/4"  # before renormalising
    assert [(o.phenotype, o.probability, o.lethal) for o in viable.outcomes()] == [
        ("Spider", Fraction(2, 3), False),
        ("Normal", Fraction(1, 3), False),
    ]


def test_outcomes_to_json_is_indented_by_two_unless_told() -> None:
    result = cross_morphs(CORN, "Amel", "Amel")
    text = outcomes_to_json(result)
    assert text == json.dumps(result.to_dict(), indent=2)
    assert text.startswith('{\n  "species": "corn_snake",\n  "sire": "Amel",')
    compact = outcomes_to_json(result, indent=None)
    assert compact.startswith('{"species": "corn_snake", "sire": "Amel", "dam": "Amel",')
    assert json.loads(compact) == json.loads(text)


def test_cross_morphs_sexes_the_parents_only_where_sex_chromosomes_carry_genes() -> None:
    """Ball pythons have a sex-linked gene, so the parents are a male and a female; the corn
    catalog has none, so its parents stay unsexed and no outcome has a sex."""
    ball = cross_morphs(BP, "Pastel", "Normal")
    assert (ball.sire.sex, ball.dam.sex) == (Sex.MALE, Sex.FEMALE)
    corn = cross_morphs(CORN, "Amel", "het Amel")
    assert (corn.sire.sex, corn.dam.sex) == (None, None)
    assert corn.sire == parse_genotype(CORN, "Amel")
    assert corn.dam == parse_genotype(CORN, "het Amel")
    assert {o.sex for o in corn.outcomes()} == {None}


def _barely_possible(het: Fraction) -> Genotype:
    """A Pastel Spider sire that is each gene with the tiny probability ``het``."""
    return Genotype.from_blocks(
        BP,
        {
            PASTEL: {WILD: 1 - het, HET: het},
            SPIDER: {WILD: 1 - het, HET: het},
        },
    )


def test_probabilities_stay_exact_beyond_64_bit_denominators() -> None:
    """Each block's classes have denominator 2^41, so the cross's common denominator is 2^82:
    numerators no longer fit a 64-bit integer, and every probability must still be exact."""
    het = Fraction(1, 2**40)
    result = cross(_barely_possible(het), parse_genotype(BP, "Normal"))
    normal, pastel = 1 - het / 2, het / 2
    expected = [
        ("Normal", normal * normal),
        ("Pastel", pastel * normal),
        ("Spider", normal * pastel),
        ("Bumblebee", pastel * pastel),
    ]
    assert sorted((o.phenotype, o.probability) for o in result.outcomes()) == sorted(expected)
    assert list(result.most_likely(4)) == list(result.outcomes())
    assert [(o.phenotype, o.probability) for o in result.most_likely(1)] == [
        ("Normal", normal * normal)
    ]
    wild = [p for g, p in result.genotypes() if not g.blocks]
    assert wild == [normal * normal]
    assert sum(p for _, p in result.genotypes()) == 1


def _one_block(block: int, probabilities: dict[Diplotype, Fraction]) -> Genotype:
    return Genotype.from_blocks(BP, {block: probabilities})


def test_genotype_table_uses_each_blocks_least_common_denominator() -> None:
    """A sire that is Normal or Super Pastel (1/3, 2/3) by a Super Pastel dam: offspring are
    Pastel 1/3 and Super Pastel 2/3, over 3 (not 6)."""
    sire = _one_block(PASTEL, {WILD: Fraction(1, 3), ((1,), (1,)): Fraction(2, 3)})
    dam = _one_block(PASTEL, {((1,), (1,)): Fraction(1)})
    table = cross(sire, dam).genotype_table()
    assert table.denominator == 3
    assert table.numerators.tolist() == [1, 2]
    assert table.numerators.dtype == np.int64


@pytest.mark.parametrize(
    ("bits", "dtype"),
    [(29, np.dtype(np.int64)), (30, np.dtype(object)), (40, np.dtype(object))],
)
def test_genotype_numerators_leave_int64_from_a_denominator_of_2_to_the_62(
    bits: int, dtype: np.dtype[Any]
) -> None:
    """Two blocks whose classes have denominator 2^(bits+1): a table denominator of 2^60,
    2^62 (the first that leaves int64) and 2^82. Exact either way."""
    het = Fraction(1, 2**bits)
    table = cross(_barely_possible(het), parse_genotype(BP, "Normal")).genotype_table()
    assert table.denominator == 2 ** (2 * bits + 2)
    assert table.numerators.dtype == dtype
    assert table.probability(0) == (1 - het / 2) ** 2
    assert sum(table.probability(i) for i in range(len(table))) == 1


def test_gametes_of_three_linked_loci() -> None:
    """Alleles in coupling on one chromosome, 10% crossing-over between the first two loci
    and 20% between the last two, without interference."""
    r1, r2 = Fraction(1, 10), Fraction(1, 5)
    assert gametes(((1, 1, 1), (0, 0, 0)), (r1, r2)) == {
        (1, 1, 1): Fraction(9, 25),
        (0, 0, 0): Fraction(9, 25),
        (1, 1, 0): Fraction(9, 100),
        (0, 0, 1): Fraction(9, 100),
        (1, 0, 0): Fraction(1, 25),
        (0, 1, 1): Fraction(1, 25),
        (1, 0, 1): Fraction(1, 100),
        (0, 1, 0): Fraction(1, 100),
    }
    assert gametes(((1,), (0,)), ()) == {(1,): Fraction(1, 2), (0,): Fraction(1, 2)}
    assert gametes(((1,), (1,)), ()) == {(1,): Fraction(1)}


FRACTIONS = st.fractions(min_value=0, max_value=Fraction(1, 2), max_denominator=64)


@given(
    st.integers(1, 4).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 3), min_size=n, max_size=n),
            st.lists(st.integers(0, 3), min_size=n, max_size=n),
            st.lists(FRACTIONS, min_size=n - 1, max_size=n - 1),
        )
    )
)
def test_gametes_segregate_each_locus_and_recombine_at_the_given_rates(
    drawn: tuple[list[int], list[int], list[Fraction]],
) -> None:
    """Mendel's first law at every locus (each parental allele in half the gametes), and
    between neighbouring heterozygous loci a recombinant gamete with the given fraction."""
    first, second, recombination = drawn
    made = gametes((tuple(first), tuple(second)), tuple(recombination))
    assert all(p > 0 for p in made.values())
    assert sum(made.values()) == 1
    for i, (a, b) in enumerate(zip(first, second, strict=True)):
        marginal: dict[int, Fraction] = {}
        for haplotype, p in made.items():
            marginal[haplotype[i]] = marginal.get(haplotype[i], Fraction(0)) + p
        assert marginal == ({a: Fraction(1)} if a == b else {a: Fraction(1, 2), b: Fraction(1, 2)})
    for i, r in enumerate(recombination):
        if first[i] != second[i] and first[i + 1] != second[i + 1]:
            switched = sum(
                p for h, p in made.items() if (h[i] == first[i]) != (h[i + 1] == first[i + 1])
            )
            assert switched == r


def test_lethality_of_any_block_counts() -> None:
    """Super Spider is lethal: a Spider het Clown pair loses a quarter of its clutch, though
    the Clown block (crossed after the Spider one) loses nothing."""
    result = cross_morphs(BP, "Spider het Clown", "Spider het Clown")
    assert result.lethal_probability == Fraction(1, 4)
    assert result.probability(lambda o: o.lethal) == Fraction(1, 4)
    two = cross_morphs(BP, "Spider Champagne", "Spider Champagne")
    assert two.lethal_probability == 1 - Fraction(3, 4) * Fraction(3, 4)


@pytest.mark.parametrize("unsexed_sire", [True, False])
def test_an_unsexed_parent_is_taken_as_the_sex_its_role_needs(unsexed_sire: bool) -> None:
    """An unsexed Normal crossed with a Banana partner: it passes plain X (and, as the
    sire, Y) chromosomes, so half the sons and half the daughters of a Banana dam are Banana;
    from a Banana sire (a female maker here), most daughters and few sons are."""
    if unsexed_sire:
        sire, dam = parse_genotype(BP, "Normal"), parse_genotype(BP, "Banana", Sex.FEMALE)
        expected = {
            ("Banana", Sex.MALE): Fraction(1, 4),
            ("Normal", Sex.MALE): Fraction(1, 4),
            ("Banana", Sex.FEMALE): Fraction(1, 4),
            ("Normal", Sex.FEMALE): Fraction(1, 4),
        }
    else:
        sire = parse_genotype(BP, "female maker Banana", Sex.MALE)
        dam = parse_genotype(BP, "Normal")
        crossing_over = BP.blocks[30].recombination[0]
        expected = {
            ("Banana", Sex.FEMALE): (1 - crossing_over) / 2,
            ("Normal", Sex.FEMALE): crossing_over / 2,
            ("Banana", Sex.MALE): crossing_over / 2,
            ("Normal", Sex.MALE): (1 - crossing_over) / 2,
        }
    result = cross(sire, dam)
    assert {(o.phenotype, o.sex): o.probability for o in result.outcomes()} == expected
