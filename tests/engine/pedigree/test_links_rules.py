"""The parent links' refusals to the word and at their boundaries, and the defaults of its
walks (the module's finer rules; its coefficients are test_pedigree_links.py's)."""

from __future__ import annotations

import re

import pytest

from reptidex.engine.pedigree.links import PedigreeLinks


def exact(message: str) -> str:
    return f"^{re.escape(message)}$"


def test_the_two_columns_must_be_as_long_as_each_other() -> None:
    with pytest.raises(ValueError, match=exact("sire and dam must have one entry per animal")):
        PedigreeLinks([-1, -1], [-1])


@pytest.mark.parametrize(
    ("sire", "dam"),
    [([-2, -1], [-1, -1]), ([-1, -1], [-1, -2]), ([2, -1], [-1, -1]), ([-1, -1], [-1, 2])],
)
def test_a_parent_number_must_be_an_animal_or_minus_one(sire: list[int], dam: list[int]) -> None:
    with pytest.raises(ValueError, match=exact("a parent number is out of range")):
        PedigreeLinks(sire, dam)


def test_the_highest_parent_number_is_the_last_animal() -> None:
    links = PedigreeLinks([-1, -1, 1], [-1, -1, 0])
    assert links.ancestors(2) == {1: 1, 0: 1}
    assert len(PedigreeLinks([], [])) == 0


@pytest.mark.parametrize("animal", [-1, 3])
def test_an_animal_outside_the_links_is_named(animal: int) -> None:
    links = PedigreeLinks([-1, -1, 0], [-1, -1, 1])
    with pytest.raises(IndexError, match=exact(f"no animal {animal} in these links")):
        links.kinship(animal, 0)
    assert links.kinship(2, 2) == 0.5


def test_a_tree_goes_back_four_generations_by_default_and_twenty_at_most() -> None:
    # a line of six generations: 0 <- 1 <- 2 <- 3 <- 4 <- 5 (each the sire of the next)
    links = PedigreeLinks([-1, 0, 1, 2, 3, 4], [-1] * 6)
    default = links.tree(5)
    assert default == links.tree(5, 4)
    assert [node[0] for node in default.nodes] == [5, 4, 3, 2, 1]
    assert [node[0] for node in links.tree(5, 1).nodes] == [5, 4]
    assert [node[0] for node in links.tree(5, 0).nodes] == [5]
    assert len(links.tree(5, 20).completeness) == 20
    for generations in (-1, 21):
        with pytest.raises(ValueError, match=exact("generations must be between 0 and 20")):
            links.tree(5, generations)


def test_no_generations_of_descendants_is_none() -> None:
    links = PedigreeLinks([-1, 0, 1], [-1, -1, -1])
    assert links.descendants(0, 0) == {}
    assert links.descendants(0, 1) == {1: 1}
    assert links.descendants(0) == {1: 1, 2: 2}
