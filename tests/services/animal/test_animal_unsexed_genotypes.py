"""An animal of unknown sex with sex-linked genes: its record is the genotype of each sex it
may be, weighted by the chance of that sex, and setting the sex gives exactly what recording
it with that sex would have given."""

from __future__ import annotations

from fractions import Fraction

import pytest

from reptidex.domain.animals.genetics import hatchling_record, read_record
from reptidex.domain.animals.model import GenotypeRecord, sex_of
from reptidex.domain.errors import InvalidInput
from reptidex.engine.genetics import Sex, load_catalog, parse_genotype

BP = load_catalog("ball_python")


def sex_share(record: GenotypeRecord, sex: Sex) -> Fraction:
    """The probability of ``sex`` the record's sex-linked block holds."""
    (block,) = [d for i, d in record.blocks if BP.blocks[i].sex_linked]
    return sum(
        (Fraction(p) for a, b, p in block if sex_of(BP, (tuple(a), tuple(b))) is sex),
        Fraction(0),
    )


@pytest.mark.parametrize(
    ("sire", "dam", "look"),
    [
        ("Banana female maker het Clown", "het Clown", "Banana"),
        ("Banana male maker", "Pastel", "Banana Pastel"),
        ("Banana", "Banana het Pied", "Banana"),
        ("Banana", "Banana", "Super Banana"),
        ("Pastel het Clown", "Banana", "Banana Pastel"),
    ],
)
def test_setting_the_sex_of_a_hatchling_gives_its_genotype_as_that_sex(
    sire: str, dam: str, look: str
) -> None:
    father, mother = parse_genotype(BP, sire, Sex.MALE), parse_genotype(BP, dam, Sex.FEMALE)
    unsexed = hatchling_record(BP, father, mother, look, None)
    assert unsexed.awaits_sex
    shares = {sex: sex_share(unsexed, sex) for sex in Sex}
    assert sum(shares.values()) == 1
    for sex in Sex:
        if not shares[sex]:
            with pytest.raises(InvalidInput):
                hatchling_record(BP, father, mother, look, sex)
            with pytest.raises(ValueError, match="rules out"):
                unsexed.given_sex(BP, sex)
            continue
        sexed = hatchling_record(BP, father, mother, look, sex)
        resolved = unsexed.given_sex(BP, sex)
        assert resolved.blocks == sexed.blocks
        assert (resolved.hets, resolved.possible_hets) == (sexed.hets, sexed.possible_hets)
        assert not resolved.awaits_sex


def test_a_female_maker_sires_banana_daughters_and_a_rare_male_maker_son() -> None:
    father = parse_genotype(BP, "Banana female maker", Sex.MALE)
    mother = parse_genotype(BP, "Normal", Sex.FEMALE)
    banana = hatchling_record(BP, father, mother, "Banana", None)
    assert sex_share(banana, Sex.FEMALE) == Fraction(39, 40)  # recombination 1/40 (catalog)
    son = banana.given_sex(BP, Sex.MALE).genotype(BP, Sex.MALE)
    # the son's Banana is on his Y: he is a male maker
    assert BP.sex_block is not None
    ((diplotype, p),) = son.block(BP.sex_block.index)
    assert p == 1
    assert {h[0]: h[1] for h in diplotype} == {0: 0, 1: 1}  # X wild, Y Banana


def test_a_typed_morph_of_unknown_sex_is_each_sex_by_half() -> None:
    record = read_record(BP, "Banana het Clown", None, field="morph")
    assert {sex: sex_share(record, sex) for sex in Sex} == {
        Sex.MALE: Fraction(1, 2),
        Sex.FEMALE: Fraction(1, 2),
    }
    for sex in Sex:
        assert record.given_sex(BP, sex).blocks == (
            read_record(BP, "Banana het Clown", sex, field="morph").blocks
        )
    maker = read_record(BP, "Banana male maker", None, field="morph")
    assert sex_share(maker, Sex.MALE) == 1
    # a morph without sex-linked genes needs no sex and awaits none
    assert not read_record(BP, "Pastel het Clown", None, field="morph").awaits_sex
