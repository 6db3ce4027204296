"""The bounded views of a cross: ``outcome_count`` before any group is made, and the ``count``
most likely groups without the others (Hypothesis against the full list)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_genetics_properties import FAST, outcome_key

from reptidex.engine.genetics import (
    Genotype,
    Outcome,
    Sex,
    clutch_odds,
    clutch_probability,
    cross,
    load_catalog,
    parse_genotype,
)
from reptidex.testing import genotypes

BP = load_catalog("ball_python")


@FAST
@given(genotypes(BP, max_loci=4), genotypes(BP, max_loci=4), st.integers(1, 40), st.booleans())
def test_outcome_count_is_the_length_of_the_outcomes(
    sire: Genotype, dam: Genotype, count: int, viable_only: bool
) -> None:
    if viable_only and all(o.lethal for o in cross(sire, dam).outcomes()):
        with pytest.raises(ValueError, match="no viable offspring"):
            cross(sire, dam, viable_only=True)
        return
    result = cross(sire, dam, viable_only=viable_only)
    assert result.outcome_count == len(result.outcomes())


@FAST
@given(genotypes(BP, max_loci=4), genotypes(BP, max_loci=4), st.integers(1, 40))
def test_most_likely_are_the_head_of_the_outcomes_up_to_ties(
    sire: Genotype, dam: Genotype, count: int
) -> None:
    result = cross(sire, dam)
    every = list(result.outcomes())
    top = list(result.most_likely(count))
    assert len(top) == min(count, len(every))
    # the same probabilities as the head of the full list, in the same (display) order
    assert [o.probability for o in top] == [o.probability for o in every[: len(top)]]
    shown = [outcome_key(o) for o in every]
    assert all(outcome_key(o) in shown for o in top)
    assert top == sorted(top, key=lambda o: shown.index(outcome_key(o)))
    # nothing left out is more likely than what is kept
    kept = {outcome_key(o) for o in top}
    left = [o.probability for o in every if outcome_key(o) not in kept]
    assert not left or max(left) <= min(o.probability for o in top)


def test_most_likely_of_a_huge_cross_costs_only_what_it_returns() -> None:
    # 3^14 = 4,782,969 groups: listing them all would take minutes and gigabytes.
    genes = (
        "Pastel Spider Mojave Enchi Fire Cinnamon Yellowbelly Leopard Pinstripe Orange Dream "
        "GHI Vanilla Spotnose Black Pastel"
    )
    sire = parse_genotype(BP, genes, Sex.MALE)
    dam = parse_genotype(BP, genes, Sex.FEMALE)
    result = cross(sire, dam)
    assert result.outcome_count == 3**14
    top = result.most_likely(5)
    assert len(top) == 5
    assert top[0].probability == Fraction(1, 2**14)
    assert all(o.probability == Fraction(1, 2**15) for o in top[1:])


def test_most_likely_needs_a_positive_count() -> None:
    result = cross(parse_genotype(BP, "Pastel"), parse_genotype(BP, "Normal"))
    with pytest.raises(ValueError, match="at least 1"):
        result.most_likely(0)


@FAST
@given(
    genotypes(BP, max_loci=2, sex=Sex.MALE),
    genotypes(BP, max_loci=2, sex=Sex.FEMALE),
    st.integers(0, 8),
)
def test_clutch_odds_agree_with_the_odds_of_each_group(
    sire: Genotype, dam: Genotype, eggs: int
) -> None:
    result = cross(sire, dam)
    odds = clutch_odds(sire, dam, eggs)
    for outcome in result.outcomes():

        def same(o: Outcome, like: Outcome = outcome) -> bool:
            return (o.phenotype, o.sex, o.lethal) == (like.phenotype, like.sex, like.lethal)

        key = (outcome.phenotype, outcome.sex, outcome.lethal)
        assert odds[key] == clutch_probability(sire, dam, same, eggs)
