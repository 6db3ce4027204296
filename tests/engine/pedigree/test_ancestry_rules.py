"""The ancestry rules at their edges: relationship names at every distance (and where names
stop), the paths to common ancestors (their counts, bounds and order) and tree bounds."""

from __future__ import annotations

import pytest

from reptidex.engine.pedigree import parse_csv
from reptidex.engine.pedigree.ancestry import (
    common_ancestors,
    descendants,
    pedigree_tree,
    relationship,
)
from reptidex.engine.pedigree.model import Pedigree


def two_lines(down_a: int, down_b: int, *, sex_b: str = "", full: bool = True) -> Pedigree:
    """Founders X (and Y when ``full``) with two lines of descent: ``a`` is ``down_a``
    generations below them, ``b`` ``down_b``; every other parent is an unrelated founder."""
    rows = ["id,sire,dam,sex", "X,,,m"] + (["Y,,,f"] if full else [])
    top_dam = "Y" if full else ""
    for name, depth in (("a", down_a), ("b", down_b)):
        previous = None
        for k in range(1, depth + 1):
            ident = name if k == depth else f"{name}{k}"
            sex = sex_b if ident == "b" else ""
            if previous is None:
                rows.append(f"{ident},X,{top_dam},{sex}")
            else:
                rows.append(f"{name}mate{k},,,f")
                rows.append(f"{ident},{previous},{name}mate{k},{sex}")
            previous = ident
    return parse_csv("\n".join(rows) + "\n")


@pytest.mark.parametrize(
    ("down_b", "unknown", "female", "male"),
    [
        (2, "niece/nephew", "niece", "nephew"),
        (3, "great-niece/nephew", "great-niece", "great-nephew"),
        (4, "great-great-niece/nephew", "great-great-niece", "great-great-nephew"),
        (5, "3x great-niece/nephew", "3x great-niece", "3x great-nephew"),
        (6, "4x great-niece/nephew", "4x great-niece", "4x great-nephew"),
    ],
)
def test_nieces_and_nephews_at_every_distance(
    down_b: int, unknown: str, female: str, male: str
) -> None:
    assert relationship(two_lines(1, down_b), "a", "b") == unknown
    assert relationship(two_lines(1, down_b, sex_b="f"), "a", "b") == female
    assert relationship(two_lines(1, down_b, sex_b="m"), "a", "b") == male
    assert relationship(two_lines(1, down_b, full=False), "a", "b") == f"half {unknown}"


@pytest.mark.parametrize(
    ("down_a", "unknown", "female", "male"),
    [
        (2, "aunt/uncle", "aunt", "uncle"),
        (3, "great-aunt/uncle", "great-aunt", "great-uncle"),
        (5, "3x great-aunt/uncle", "3x great-aunt", "3x great-uncle"),
    ],
)
def test_aunts_and_uncles_at_every_distance(
    down_a: int, unknown: str, female: str, male: str
) -> None:
    assert relationship(two_lines(down_a, 1), "a", "b") == unknown
    assert relationship(two_lines(down_a, 1, sex_b="f"), "a", "b") == female
    assert relationship(two_lines(down_a, 1, sex_b="m"), "a", "b") == male


@pytest.mark.parametrize(
    ("generations", "up", "down"),
    [
        (3, "great-grandparent", "great-grandchild"),
        (4, "2x great-grandparent", "2x great-grandchild"),
        (5, "3x great-grandparent", "3x great-grandchild"),
    ],
)
def test_direct_ancestors_and_descendants_by_name(generations: int, up: str, down: str) -> None:
    pedigree = two_lines(generations, 1)
    assert relationship(pedigree, "a", "X") == up
    assert relationship(pedigree, "X", "a") == down


@pytest.mark.parametrize(
    ("down_a", "down_b", "name"),
    [
        (9, 9, "eighth cousin"),
        (10, 10, None),  # no ninth cousins in the vocabulary
        (2, 7, "first cousin five times removed"),
        (2, 8, None),  # nor six times removed
        (3, 3, "second cousin"),
    ],
)
def test_cousins_are_named_as_far_as_the_vocabulary_goes(
    down_a: int, down_b: int, name: str | None
) -> None:
    assert relationship(two_lines(down_a, down_b), "a", "b") == name


def test_common_ancestors_through_a_parent_listed_first_and_a_single_known_parent() -> None:
    pedigree = parse_csv("id,sire,dam\nS,,\nD1,,\nD2,,\nH1,S,D1\nH2,S,D2\nK,,H1\nL,,H2\n")
    found = {c.id: c.paths for c in common_ancestors(pedigree, "H1", "H2")}
    assert found == {"S": ((1, 1, 1),)}
    found = {c.id: c.paths for c in common_ancestors(pedigree, "K", "L")}
    assert found == {"S": ((2, 2, 1),)}


def test_an_animal_is_its_own_common_ancestor_with_its_offspring_not_with_itself() -> None:
    pedigree = parse_csv("id,sire,dam\nS,,\nD,,\nK,S,D\n")
    assert [(c.id, c.paths) for c in common_ancestors(pedigree, "S", "K")] == [("S", ((0, 1, 1),))]
    assert [c.id for c in common_ancestors(pedigree, "K", "K")] == ["D", "S"]


def test_paths_are_counted_and_multiplied() -> None:
    """X is b's grandsire twice over (its sire and dam are X's offspring) and a's sire."""
    pedigree = parse_csv("id,sire,dam\nX,,\nM1,,\nM2,,\nM3,,\nP,X,M1\nQ,X,M2\nb,P,Q\na,X,M3\n")
    assert [(c.id, c.paths) for c in common_ancestors(pedigree, "a", "b")] == [("X", ((1, 2, 2),))]


def test_generations_bound_the_paths_of_both_animals() -> None:
    pedigree = two_lines(2, 2)  # first cousins: X and Y are grandparents of both
    assert [c.id for c in common_ancestors(pedigree, "a", "b")] == ["X", "Y"]
    assert common_ancestors(pedigree, "a", "b", generations=1) == ()
    assert [c.id for c in common_ancestors(pedigree, "a", "b", generations=2)] == ["X", "Y"]
    sibs = two_lines(1, 1)
    assert [c.id for c in common_ancestors(sibs, "a", "b", generations=1)] == ["X", "Y"]


def test_paths_are_ordered_by_total_length_then_by_the_first_animals_share() -> None:
    # a reaches X in 1 and 2 generations (X is its sire and its dam's sire); b in 1 and 4
    rows = ["id,sire,dam", "X,,", "M,,", "N,,", "O,,", "P,,", "Da,X,M", "a,X,Da"]
    rows += ["E1,X,N", "E2,E1,O", "E3,E2,P", "b,X,E3"]
    pedigree = parse_csv("\n".join(rows) + "\n")
    (x,) = [c for c in common_ancestors(pedigree, "a", "b") if c.id == "X"]
    assert x.paths == ((1, 1, 1), (2, 1, 1), (1, 4, 1), (2, 4, 1))
    # equal totals: the shorter path from the first animal first
    rows = ["id,sire,dam", "X,,", "M,,", "N,,", "Da,X,M", "a,X,Da", "Db,X,N", "b,X,Db"]
    (x,) = [c for c in common_ancestors(parse_csv("\n".join(rows) + "\n"), "a", "b") if c.id == "X"]
    assert x.paths == ((1, 1, 1), (1, 2, 1), (2, 1, 1), (2, 2, 1))


def test_descendants_go_down_not_up() -> None:
    pedigree = parse_csv("id,sire,dam\nG,,\nS,G,\nD,,\nK,S,D\n")
    assert descendants(pedigree, "S") == {"K": 1}


def test_pedigree_tree_depth_defaults_to_four_and_is_bounded() -> None:
    pedigree = two_lines(6, 1)
    tree = pedigree_tree(pedigree, "a")
    assert (tree.root, tree.generations) == ("a", 4)
    assert max(node.position for node in tree.nodes) < 2**5
    assert pedigree_tree(pedigree, "a", 20).generations == 20
    with pytest.raises(ValueError, match=r"^generations must be between 0 and 20$"):
        pedigree_tree(pedigree, "a", 21)


def test_generations_bound_each_animal_on_its_own() -> None:
    """An aunt: the grandparents are two generations from ``a`` and one from ``b``."""
    assert common_ancestors(two_lines(2, 1), "a", "b", generations=1) == ()
    assert common_ancestors(two_lines(1, 2), "a", "b", generations=1) == ()
    assert [c.id for c in common_ancestors(two_lines(2, 1), "a", "b", generations=2)] == ["X", "Y"]
