"""Rules of the grouped view (:mod:`reptidex.engine.genetics.grouped`), one section per rule:
how groups are put together from their blocks' classes and sorted, which path names them,
and how :class:`Outcomes` behaves as a sequence."""

from __future__ import annotations

import itertools
import re
from fractions import Fraction
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_genetics_grouped import assert_same

from reptidex.engine.genetics import (
    Catalog,
    CrossResult,
    Genotype,
    Sex,
    catalog_from_mapping,
    cross,
    grouped,
    load_catalog,
    morph_name,
    parse_genotype,
)
from reptidex.engine.genetics.grouped import ClassView, GroupedView, Outcome, Outcomes, PossibleHet
from reptidex.engine.genetics.phenotype import Diplotype, sort_traits

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DEMO = catalog_from_mapping(
    {
        "species": {"id": "demo", "name": "Demo", "sex_system": "temperature"},
        "genes": [
            {"id": "z", "name": "Zeta", "inheritance": "recessive"},
            {
                "id": "a",
                "name": "Alpha",
                "inheritance": "incomplete_dominant",
                "super_lethal": True,
            },
            {"id": "b", "name": "Beta", "inheritance": "incomplete_dominant"},
            {
                "id": "c",
                "name": "Gamma",
                "inheritance": "incomplete_dominant",
                "super_lethal": True,
            },
            {"id": "d", "name": "Delta", "inheritance": "dominant"},
        ],
        "linkage": [{"id": "ab", "loci": ["a", "b"], "recombination": ["1/4"]}],
        "combos": [
            {"name": "Albeta", "traits": ["Alpha", "Beta"]},
            {"name": "Gadelta", "traits": ["Gamma", "Delta"]},
        ],
    }
)
"""Blocks z, ab (linked, so one class can show two traits), c and d, in catalog order; Alpha
and Gamma are lethal as supers, in different blocks; two combos that can apply together."""


def exact(message: str) -> str:
    """A ``match`` pattern that accepts this message and nothing else."""
    return f"^{re.escape(message)}$"


def demo(sire: str, dam: str) -> CrossResult:
    return cross(parse_genotype(DEMO, sire), parse_genotype(DEMO, dam))


# --- Groups are put together from their classes and sorted for display -----------------------

TRAIT_POOLS = [
    ("Zeta",),
    ("Alpha", "Super Alpha", "Beta", "Super Beta"),
    ("Gamma", "Super Gamma"),
    ("Delta", "Super Delta"),
]
SEX_RANK = {None: "", Sex.FEMALE: "female", Sex.MALE: "male"}


@st.composite
def class_views(draw: st.DrawFn, pool: tuple[str, ...], sexed: bool) -> ClassView:
    traits = draw(st.lists(st.sampled_from(pool), unique=True, max_size=2))
    return ClassView(
        traits=sort_traits(DEMO, traits),
        hets=tuple(draw(st.lists(st.sampled_from(["h1", "h2"]), unique=True, max_size=1))),
        possible=tuple(
            PossibleHet(gene, p)
            for gene, p in draw(
                st.lists(
                    st.tuples(st.sampled_from(["p1", "p2"]), st.sampled_from([Fraction(1, 2)])),
                    unique_by=lambda item: item[0],
                    max_size=2,
                )
            )
        ),
        warnings=tuple(draw(st.lists(st.sampled_from(["w1", "w2"]), unique=True, max_size=1))),
        lethal=draw(st.booleans()),
        sex=draw(st.sampled_from([Sex.FEMALE, Sex.MALE])) if sexed else None,
    )


@st.composite
def block_views(draw: st.DrawFn) -> list[list[ClassView]]:
    """Up to three blocks, each with its own loci's traits (in any block order, so that the
    concatenated traits are sometimes out of catalog order), at most one of them sex-linked."""
    pools = draw(st.permutations(TRAIT_POOLS))
    count = draw(st.integers(0, 3))
    sexed = draw(st.integers(-1, count - 1))
    return [
        draw(st.lists(class_views(pools[b], b == sexed), min_size=1, max_size=3))
        for b in range(count)
    ]


def expected_outcomes(
    blocks: list[list[ClassView]], numerators: list[int], denominator: int, cells: list[int]
) -> list[Outcome]:
    """The chosen groups put together one by one and sorted stably by the display key."""
    product = list(itertools.product(*blocks))
    out = []
    for cell in cells:
        classes = product[cell]
        traits = sort_traits(DEMO, [t for c in classes for t in c.traits])
        sexes = [c.sex for c in classes if c.sex]
        out.append(
            Outcome(
                Fraction(numerators[cell], denominator),
                morph_name(DEMO, traits),
                traits,
                tuple(h for c in classes for h in c.hets),
                tuple(h for c in classes for h in c.possible),
                sexes[0] if sexes else None,
                any(c.lethal for c in classes),
                tuple(w for c in classes for w in c.warnings),
            )
        )
    return sorted(out, key=lambda o: (-o.probability, o.lethal, o.phenotype, SEX_RANK[o.sex]))


@SETTINGS
@given(block_views(), st.data())
def test_groups_are_their_classes_combined_and_sorted_for_display(
    blocks: list[list[ClassView]], data: st.DataObject
) -> None:
    """Every group (or every chosen cell) once, with its classes' traits in catalog order and
    named, their hets, possible hets and warnings concatenated, lethal when any class is, the
    sex of its sex-linked class; sorted most likely first, then viable first, then by name,
    then female before male; whether numerators are int64 or Python ints, and whether names
    are spelt group by group or in bulk."""
    size = int(np.prod([len(classes) for classes in blocks]))
    numerators = data.draw(st.lists(st.integers(0, 3), min_size=size, max_size=size))
    denominator = max(1, sum(numerators))
    chosen = data.draw(
        st.none() | st.lists(st.integers(0, size - 1), unique=True, min_size=1, max_size=size)
    )
    cells = list(range(size)) if chosen is None else chosen
    expected = expected_outcomes(blocks, numerators, denominator, cells)
    for dtype in (np.int64, object):
        column = np.array([numerators[c] for c in cells], dtype=dtype)
        rows = None if chosen is None else np.array(chosen, dtype=np.intp)
        for small in (grouped._SMALL, 0):
            with patch.object(grouped, "_SMALL", small):
                outcomes = Outcomes(GroupedView(DEMO, blocks, column, denominator, rows))
            assert list(outcomes) == expected
            assert outcomes.to_dicts() == [o.to_dict() for o in expected]


def test_equally_likely_groups_of_the_same_name_list_female_before_male() -> None:
    """The sex breaks a tie of probability, lethality and name even when the male class
    comes first in its block."""
    male, female = (ClassView((), (), (), (), False, sex) for sex in (Sex.MALE, Sex.FEMALE))
    view = GroupedView(DEMO, [[male, female]], np.array([1, 1]), 2)
    assert view.sexes == [Sex.FEMALE, Sex.MALE]
    assert view.names == ["Normal", "Normal"]


@pytest.mark.parametrize(
    ("sire", "dam"),
    [
        ("Alpha Beta Gamma Delta het Zeta", "Alpha Beta Gamma Delta"),
        ("Alpha Gamma Delta", "Alpha Beta Gamma Zeta"),
        ("Super Beta Gamma", "Alpha Gamma Super Delta het Zeta"),
    ],
)
def test_lethal_supers_of_two_blocks_and_two_combos_match_the_reference(
    sire: str, dam: str
) -> None:
    """A group is lethal when the class of any block is (here Super Alpha or Super Gamma), and
    its name joins every combo that applies and each class's remaining traits with spaces."""
    assert_same(demo(sire, dam))


def test_names_join_combos_and_remaining_traits_with_single_spaces() -> None:
    """Two combos of one group, and a class of a linked block with two traits that no combo
    takes, spelt in bulk."""
    result = demo("Alpha Beta Gamma Delta het Zeta", "Alpha Beta Gamma Delta")
    with patch.object(grouped, "_SMALL", 0):
        names = {o.phenotype: o.lethal for o in result.outcomes()}
    assert names["Albeta Gadelta"] is False
    assert names["Gadelta Super Alpha Beta"] is True
    assert names["Albeta Super Gamma Delta"] is True


def test_the_larger_of_two_overlapping_combos_names_a_group_in_bulk() -> None:
    """Kingspin (Lesser, Pinstripe, Spider) holds Kingpin (Lesser, Pinstripe): spelt in bulk,
    a group with all three is a Kingspin, never a Kingpin Spider."""
    bp = load_catalog("ball_python")
    result = cross(parse_genotype(bp, "Lesser Pinstripe Spider"), parse_genotype(bp, "Normal"))
    with patch.object(grouped, "_SMALL", 0):
        names = {o.phenotype for o in result.outcomes()}
    assert {"Kingspin", "Kingpin"} <= names
    assert "Kingpin Spider" not in names


def test_a_denominator_beyond_int64_gives_the_same_groups() -> None:
    """A sire that is Gamma and Delta each with probability 2^-40 by a Normal dam: the view's
    denominator is 2^82, so its numerators are Python ints, and the groups match the
    reference."""
    het: Diplotype = ((0,), (1,))
    tiny = Fraction(1, 2**40)
    gamma, delta = (DEMO.block_of_locus[locus][0] for locus in (3, 4))
    sire = Genotype.from_blocks(
        DEMO, {block: {((0,), (0,)): 1 - tiny, het: tiny} for block in (gamma, delta)}
    )
    result = cross(sire, parse_genotype(DEMO, "Normal"))
    view = result._grouped()
    assert view.denominator == 2**82
    assert view.numerators.dtype == np.dtype(object)
    assert [o.phenotype for o in result.outcomes()] == ["Normal", "Delta", "Gamma", "Gadelta"]
    assert_same(result)


# --- Trait order decides the naming path ------------------------------------------------------


def _leading_zeta_interleaved() -> Catalog:
    """Zeta first (its block comes first), then Alpha and Gamma linked around Beta: a block
    whose traits straddle another block's."""
    return catalog_from_mapping(
        {
            "species": {"id": "demo2", "name": "Demo", "sex_system": "temperature"},
            "genes": [
                {"id": "z", "name": "Zeta", "inheritance": "recessive"},
                {"id": "a", "name": "Alpha", "inheritance": "incomplete_dominant"},
                {"id": "b", "name": "Beta", "inheritance": "recessive"},
                {"id": "c", "name": "Gamma", "inheritance": "dominant"},
            ],
            "linkage": [{"id": "ac", "loci": ["a", "c"], "recombination": ["1/5"]}],
        }
    )


def test_traits_stay_in_catalog_order_after_a_block_without_traits() -> None:
    """A first block whose classes show nothing (het Zeta by Normal) does not end the check
    of trait order: Beta still goes between Alpha and Gamma."""
    catalog = _leading_zeta_interleaved()
    result = cross(
        parse_genotype(catalog, "het Zeta Alpha Gamma Beta"), parse_genotype(catalog, "Beta")
    )
    assert ("Alpha", "Beta", "Gamma") in [o.traits for o in result.outcomes()]
    assert_same(result)


def test_more_groups_than_the_small_limit_in_catalog_order_are_named_in_bulk() -> None:
    """81 groups whose blocks' traits follow catalog order: no group is named or sorted on its
    own (the bulk spelling and the combo masks do it)."""
    result = demo("Alpha Beta Gamma Delta", "Alpha Beta Gamma Delta")
    assert result.outcome_count == 81 > grouped._SMALL
    with (
        patch.object(grouped, "morph_name", side_effect=AssertionError("named one by one")),
        patch.object(grouped, "sort_traits", side_effect=AssertionError("sorted one by one")),
    ):
        outcomes = list(result.outcomes())
    assert outcomes[0].phenotype == "Albeta Gadelta"
    assert_same(result)


def test_most_likely_beyond_the_small_limit_lists_the_outcomes() -> None:
    """Asking for every group (more than the small limit) through the chosen-cells path gives
    the full view, names spelt in bulk included."""
    result = demo("Alpha Beta Gamma Delta het Zeta", "Alpha Beta Gamma Delta")
    assert result.outcome_count == 81
    assert list(result.most_likely(81)) == list(result.outcomes())
    assert list(result.most_likely(100)) == list(result.outcomes())


# --- The view's inputs and its Fractions ------------------------------------------------------


def test_one_numerator_per_group_is_required() -> None:
    normal = ClassView((), (), (), (), False, None)
    with pytest.raises(ValueError, match=exact("one probability per group is needed")):
        GroupedView(DEMO, [[normal, normal]], np.array([1]), 2)
    with pytest.raises(ValueError, match=exact("one probability per group is needed")):
        GroupedView(DEMO, [[normal, normal]], np.array([1, 1]), 2, np.array([0], dtype=np.intp))


def test_equal_probabilities_share_one_fraction() -> None:
    normal = ClassView((), (), (), (), False, None)
    view = GroupedView(DEMO, [[normal, normal, normal]], np.array([1, 2, 1]), 4)
    assert view.probability(0) == Fraction(1, 2)
    assert view.probability(1) == view.probability(2) == Fraction(1, 4)
    assert view.probability(1) is view.probability(2)


# --- Outcomes is a read-only sequence ---------------------------------------------------------


def _gamma_by_normal() -> Outcomes:
    return demo("Gamma", "Normal").outcomes()


def test_outcomes_are_made_once_and_indexed_like_a_list() -> None:
    outcomes = _gamma_by_normal()
    assert len(outcomes) == 2
    first = outcomes[0]
    assert outcomes[0] is first
    assert outcomes[-2] is first
    assert outcomes[-1] is outcomes[1]
    assert next(iter(outcomes)) is first
    assert [o.phenotype for o in outcomes] == ["Gamma", "Normal"]
    assert outcomes[0].probability is outcomes[1].probability  # one Fraction for 1/2
    for index in (2, -3):
        with pytest.raises(IndexError, match=exact("outcome index out of range")):
            outcomes[index]


def test_outcomes_equal_any_sequence_of_the_same_outcomes() -> None:
    outcomes = _gamma_by_normal()
    first, second = outcomes[0], outcomes[1]
    assert outcomes == [first, second]
    assert outcomes == (first, second)
    assert outcomes != [second, first]
    assert outcomes != [first]
    assert outcomes != [first, second, first]
    assert outcomes != 2
    assert outcomes != None  # noqa: E711
    assert outcomes != "ab"


def test_outcomes_repr_lists_them() -> None:
    outcomes = _gamma_by_normal()
    assert repr(outcomes) == f"Outcomes([{outcomes[0]!r}, {outcomes[1]!r}])"
