"""Genotypes: how a distribution is checked and read (carriers, loci, phenotypes, sexes)."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reptidex.engine.genetics import Genotype, Sex, cross, load_catalog, parse_genotype
from reptidex.engine.genetics.genotype import sex_pair, wild_diplotype
from reptidex.engine.genetics.model import SexSystem
from reptidex.engine.genetics.phenotype import Diplotype

BP = load_catalog("ball_python")
CORN = load_catalog("corn_snake")
LEOPARD = load_catalog("leopard_gecko")  # temperature-dependent sex: no sex chromosomes
PASTEL, SPIDER, CLOWN = 0, 31, 35  # block indexes of single-locus blocks in BP
BANANA = 30  # BP's sex-linked block: (sex chromosome, Banana)
WILD: Diplotype = ((0,), (0,))
HET: Diplotype = ((0,), (1,))
VISUAL: Diplotype = ((1,), (1,))


def exact(pattern: str) -> str:
    """A ``match`` pattern that accepts this message and nothing else."""
    return f"^{re.escape(pattern)}$"


def test_a_genotype_knows_its_species_and_crosses_only_within_it() -> None:
    pastel = parse_genotype(BP, "Pastel")
    assert pastel.species == "ball_python"
    with pytest.raises(ValueError, match=exact("cannot cross a ball_python with a corn_snake")):
        cross(pastel, parse_genotype(CORN, "Amel"))


# ------------------------------------------------------------------ from_blocks checks


def test_zero_probability_entries_are_dropped_wherever_they_are() -> None:
    het = Genotype.from_blocks(BP, {CLOWN: {HET: Fraction(1)}})
    assert Genotype.from_blocks(BP, {CLOWN: {WILD: Fraction(0), HET: Fraction(1)}}) == het
    assert Genotype.from_blocks(BP, {CLOWN: {HET: Fraction(1), VISUAL: Fraction(0)}}) == het


def test_a_certainly_wild_block_is_left_out() -> None:
    assert Genotype.from_blocks(BP, {CLOWN: {WILD: Fraction(1)}}).blocks == ()
    wild_male: dict[int, dict[Diplotype, Fraction]] = {BANANA: {((0, 0), (1, 0)): Fraction(1)}}
    assert Genotype.from_blocks(BP, wild_male, Sex.MALE).blocks == ()
    wild_female: dict[int, dict[Diplotype, Fraction]] = {BANANA: {((0, 0), (0, 0)): Fraction(1)}}
    assert Genotype.from_blocks(BP, wild_female, Sex.FEMALE).blocks == ()


def test_both_phases_of_one_pair_are_one_diplotype() -> None:
    """(+, Clown) and (Clown, +) are the same animal: their probabilities add up."""
    merged = Genotype.from_blocks(
        BP, {CLOWN: {((0,), (1,)): Fraction(1, 2), ((1,), (0,)): Fraction(1, 2)}}
    )
    assert merged.blocks == ((CLOWN, ((HET, Fraction(1)),)),)


def test_a_negative_probability_is_refused() -> None:
    with pytest.raises(ValueError, match=exact("probabilities cannot be negative")):
        Genotype.from_blocks(BP, {CLOWN: {WILD: Fraction(-1, 2), HET: Fraction(3, 2)}})


def test_probabilities_of_a_block_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match=exact("block 35: probabilities sum to 3/4")):
        Genotype.from_blocks(BP, {CLOWN: {WILD: Fraction(1, 4), HET: Fraction(1, 2)}})


@pytest.mark.parametrize(
    "diplotype",
    [((0,), (1,), (0,)), ((0, 0), (1, 0)), ((0,), (1, 0)), ((0,),)],
    ids=["three haplotypes", "two loci each", "uneven", "one haplotype"],
)
def test_a_diplotype_is_two_haplotypes_as_long_as_the_block(diplotype: Diplotype) -> None:
    with pytest.raises(ValueError, match=exact("a diplotype of block 35 is two haplotypes of 1")):
        Genotype.from_blocks(BP, {CLOWN: {diplotype: Fraction(1)}})


@pytest.mark.parametrize(
    "diplotype",
    [((0,), (2,)), ((2,), (0,)), ((-1,), (0,)), ((1,), (-1,))],
    ids=["second too high", "first too high", "first negative", "second negative"],
)
def test_both_alleles_must_exist_at_the_locus(diplotype: Diplotype) -> None:
    with pytest.raises(ValueError, match=exact("allele index out of range at locus clown")):
        Genotype.from_blocks(BP, {CLOWN: {diplotype: Fraction(1)}})


def test_a_sex_linked_allele_must_exist_too() -> None:
    """The sex chromosome at position 0 is checked, and so is the gene after it."""
    with pytest.raises(ValueError, match=exact("allele index out of range at locus banana")):
        Genotype.from_blocks(BP, {BANANA: {((0, 0), (1, 2)): Fraction(1)}}, Sex.MALE)


def test_sex_linked_genes_need_the_animals_sex() -> None:
    with pytest.raises(
        ValueError, match=exact("a genotype with sex-linked genes needs the animal's sex")
    ):
        Genotype.from_blocks(BP, {BANANA: {((0, 1), (1, 0)): Fraction(1)}})


@pytest.mark.parametrize(
    ("sex", "chromosomes", "message"),
    [
        (Sex.MALE, ((0, 1), (0, 0)), "sex chromosomes (0, 0) do not match a male"),
        (Sex.FEMALE, ((0, 1), (1, 0)), "sex chromosomes (0, 1) do not match a female"),
    ],
)
def test_sex_chromosomes_must_match_the_sex(sex: Sex, chromosomes: Diplotype, message: str) -> None:
    with pytest.raises(ValueError, match=exact(message)):
        Genotype.from_blocks(BP, {BANANA: {chromosomes: Fraction(1)}}, sex)


# ------------------------------------------------------------------ sex chromosomes


def test_sex_pairs_of_both_systems() -> None:
    assert sex_pair(SexSystem.XY, Sex.MALE) == (0, 1)
    assert sex_pair(SexSystem.XY, Sex.FEMALE) == (0, 0)
    assert sex_pair(SexSystem.ZW, Sex.MALE) == (0, 0)
    assert sex_pair(SexSystem.ZW, Sex.FEMALE) == (0, 1)


@pytest.mark.parametrize("system", [SexSystem.TEMPERATURE, SexSystem.UNKNOWN])
def test_no_sex_pair_without_sex_chromosomes(system: SexSystem) -> None:
    with pytest.raises(ValueError, match=exact("this species has no known sex chromosomes")):
        sex_pair(system, Sex.MALE)


def test_wild_type_of_the_sex_block() -> None:
    block = BP.blocks[BANANA]
    assert wild_diplotype(BP, block, Sex.MALE) == ((0, 0), (1, 0))
    assert wild_diplotype(BP, block, Sex.FEMALE) == ((0, 0), (0, 0))
    with pytest.raises(ValueError, match=exact("a sex-linked block needs the animal's sex")):
        wild_diplotype(BP, block, None)


def test_an_unsexed_genotype_cannot_tell_its_sex_chromosomes() -> None:
    pastel = parse_genotype(BP, "Pastel")
    assert pastel.block(BANANA, Sex.FEMALE) == ((((0, 0), (0, 0)), Fraction(1)),)
    with pytest.raises(ValueError, match=exact("a sex-linked block needs the animal's sex")):
        pastel.block(BANANA)


# ------------------------------------------------------------------ reading a genotype


def test_a_banana_male_of_unknown_maker_carries_banana_for_certain() -> None:
    """Half male maker (Banana on Y), half female maker (Banana on X): both phases give the
    same unordered pair at the Banana locus, so the marginal adds them."""
    male = Genotype.from_blocks(
        BP,
        {BANANA: {((0, 0), (1, 1)): Fraction(1, 2), ((0, 1), (1, 0)): Fraction(1, 2)}},
        Sex.MALE,
    )
    locus = BP.blocks[BANANA].loci[1]
    assert male.locus_distribution(locus) == {(0, 1): Fraction(1)}
    assert male.carrier_probability("Banana") == 1
    assert male.phenotypes() == {("Banana",): Fraction(1)}


def test_carrier_probability_is_an_exact_fraction_even_when_zero() -> None:
    normal = parse_genotype(BP, "Pastel")
    assert normal.carrier_probability("Clown") == 0
    assert type(normal.carrier_probability("Clown")) is Fraction
    assert parse_genotype(BP, "66% het Clown").carrier_probability("Clown") == Fraction(2, 3)


def test_possibilities_of_a_sexed_animal_keep_its_sex() -> None:
    female = parse_genotype(BP, "Banana 50% het Clown", Sex.FEMALE)
    options = female.possibilities()
    banana = (BANANA, ((((0, 0), (0, 1)), Fraction(1)),))
    assert options == [
        (Genotype(BP, (banana, (CLOWN, ((WILD, Fraction(1)),))), Sex.FEMALE), Fraction(1, 2)),
        (Genotype(BP, (banana, (CLOWN, ((HET, Fraction(1)),))), Sex.FEMALE), Fraction(1, 2)),
    ]
    assert all(option.sex is Sex.FEMALE for option, _ in options)


def test_phenotypes_of_a_possible_het_are_one_look() -> None:
    assert parse_genotype(BP, "Pastel Spider 66% het Clown").phenotypes() == {
        ("Pastel", "Spider"): Fraction(1)
    }
    assert parse_genotype(BP, "Lesser Mojave").phenotypes() == {("Lesser Mojave",): Fraction(1)}
    assert parse_genotype(BP, "Normal").phenotypes() == {(): Fraction(1)}


def test_phenotypes_of_an_unproven_hatchling_of_two_het_pastels() -> None:
    """A Pastel het Clown × het Clown hatchling before anyone looks: 1/2 Pastel, 1/4 Clown,
    independently; traits are named in sorted order."""
    hatchling = Genotype.from_blocks(
        BP,
        {
            PASTEL: {WILD: Fraction(1, 2), HET: Fraction(1, 2)},
            CLOWN: {WILD: Fraction(1, 4), HET: Fraction(1, 2), VISUAL: Fraction(1, 4)},
        },
    )
    assert hatchling.phenotypes() == {
        (): Fraction(3, 8),
        ("Pastel",): Fraction(3, 8),
        ("Clown",): Fraction(1, 8),
        ("Clown", "Pastel"): Fraction(1, 8),
    }


def test_phenotypes_of_sex_linked_animals() -> None:
    assert parse_genotype(BP, "Super Banana", Sex.FEMALE).phenotypes() == {
        ("Super Banana",): Fraction(1)
    }
    assert parse_genotype(BP, "male maker Banana", Sex.MALE).phenotypes() == {
        ("Banana",): Fraction(1)
    }


@given(
    st.lists(st.integers(1, 6), min_size=3, max_size=3),
    st.lists(st.integers(1, 6), min_size=2, max_size=2),
)
def test_phenotypes_are_the_product_of_independent_blocks(
    clown: list[int], spider: list[int]
) -> None:
    """Blocks are independent: the chance of a look is the product of each block's chance,
    and the looks of an animal sum to exactly one."""
    c = [Fraction(w, sum(clown)) for w in clown]
    s = [Fraction(w, sum(spider)) for w in spider]
    animal = Genotype.from_blocks(
        BP,
        {
            CLOWN: {WILD: c[0], HET: c[1], VISUAL: c[2]},
            SPIDER: {WILD: s[0], HET: s[1]},
        },
    )
    assert animal.phenotypes() == {
        (): (c[0] + c[1]) * s[0],
        ("Clown",): c[2] * s[0],
        ("Spider",): (c[0] + c[1]) * s[1],
        ("Clown", "Spider"): c[2] * s[1],
    }
    assert sum(animal.phenotypes().values()) == 1
    assert animal.carrier_probability("Clown") == c[1] + c[2]


@pytest.mark.parametrize("sex", [None, Sex.MALE, Sex.FEMALE])
def test_a_gene_an_animal_does_not_carry_is_wild_type_whatever_its_chromosome(
    sex: Sex | None,
) -> None:
    """An animal of unknown sex without sex-linked genes carries no Banana (not an error)."""
    animal = parse_genotype(BP, "Pastel het Clown", sex)
    assert animal.carrier_probability("Banana") == 0
    banana = BP.locate_allele(BP.allele_by_name("Banana").id)[0]
    assert animal.locus_distribution(banana) == {(0, 0): 1}
    assert animal.carrier_probability("Clown") == 1
