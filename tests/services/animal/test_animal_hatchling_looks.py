"""A hatchling recorded by a look several genotypes share ("BEL") is narrowed to every
genotype of the cross that looks so, never to the one pairing the name alone is read as."""

from __future__ import annotations

from fractions import Fraction

import pytest

from reptidex.domain.animals.genetics import hatchling_genotype
from reptidex.domain.errors import InvalidInput
from reptidex.engine.genetics import Sex, load_catalog, parse_genotype

BP = load_catalog("ball_python")


def _kid(sire: str, dam: str, observed: str) -> dict[str, Fraction]:
    genotype = hatchling_genotype(
        BP, parse_genotype(BP, sire, Sex.MALE), parse_genotype(BP, dam, Sex.FEMALE), observed, None
    )
    return {name: genotype.carrier_probability(name) for name in ("Lesser", "Mojave", "Russo")}


def test_a_bel_of_a_pairing_that_cannot_give_lesser_mojave_is_its_own_pairing() -> None:
    assert _kid("Lesser", "Russo", "BEL") == {
        "Lesser": 1, "Mojave": 0, "Russo": 1,
    }  # fmt: skip


def test_a_bel_that_may_be_either_pairing_keeps_both_at_their_odds() -> None:
    assert _kid("Lesser", "Mojave Russo", "BEL") == {
        "Lesser": 1, "Mojave": Fraction(1, 2), "Russo": Fraction(1, 2),
    }  # fmt: skip


def test_the_pairing_written_out_is_that_pairing_alone() -> None:
    assert _kid("Lesser", "Mojave Russo", "Lesser Russo") == {
        "Lesser": 1, "Mojave": 0, "Russo": 1,
    }  # fmt: skip


def test_a_bel_no_pairing_of_the_cross_gives_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"cannot show Blue-Eyed Leucistic \(BEL\)"):
        _kid("Lesser", "Normal", "BEL")
