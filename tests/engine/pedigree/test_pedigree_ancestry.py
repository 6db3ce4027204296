"""Ancestors, descendants, the pedigree tree, common ancestors and relationship names."""

from __future__ import annotations

import pytest

from reptidex.engine.pedigree import (
    Pedigree,
    ancestors,
    common_ancestors,
    descendants,
    parse_csv,
    pedigree_tree,
    relationship,
)

FAMILY = """id,sire,dam,sex
S,,,m
D,,,f
S2,,,m
D2,,,f
B,S,D,m
G,S,D,f
B2,S2,D2,m
G2,S2,D2,f
H,S,D2,f
M,,,f
F,,,m
c1,B,M,m
c2,F,G,f
k1,c1,c2,f
d1,B,G2,m
d2,B2,G,f
x,c1,M,m
"""


@pytest.fixture
def family() -> Pedigree:
    return parse_csv(FAMILY)


def test_ancestors_and_descendants_to_n_generations(family: Pedigree) -> None:
    assert ancestors(family, "k1") == {
        "c1": 1,
        "c2": 1,
        "B": 2,
        "M": 2,
        "F": 2,
        "G": 2,
        "S": 3,
        "D": 3,
    }
    assert set(ancestors(family, "k1", 2)) == {"c1", "c2", "B", "M", "F", "G"}
    assert descendants(family, "S") == {
        "B": 1,
        "G": 1,
        "H": 1,
        "c1": 2,
        "c2": 2,
        "d1": 2,
        "d2": 2,
        "k1": 3,
        "x": 3,
    }
    assert descendants(family, "S", 1) == {"B": 1, "G": 1, "H": 1}
    with pytest.raises(KeyError):
        ancestors(family, "nobody")


def test_tree_marks_pedigree_collapse(family: Pedigree) -> None:
    tree = pedigree_tree(family, "k1", 3)
    by_position = {n.position: n for n in tree.nodes}
    assert by_position[2].id == "c1"
    assert by_position[7].line == "DD"
    assert by_position[7].id == "G"
    # S and D appear through both parents of k1
    assert by_position[8].id == "S"
    assert by_position[8].repeat_of is None
    assert by_position[14].id == "S"
    assert by_position[14].repeat_of == 8
    assert by_position[14].repeated
    assert tree.repeated_ancestors == ("S", "D")
    assert tree.at(6) is not None
    assert tree.at(13) is None  # M's parents are unknown
    with pytest.raises(ValueError, match="between 0 and 20"):
        pedigree_tree(family, "k1", -1)


def test_common_ancestors_with_path_lengths(family: Pedigree) -> None:
    shared = common_ancestors(family, "c1", "c2")
    assert [c.id for c in shared] == ["D", "S"]
    assert all(c.paths == ((2, 2, 1),) for c in shared)
    assert common_ancestors(family, "k1", "B")[0].closest == (2, 0)
    assert common_ancestors(family, "S", "M") == ()


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("k1", "k1", "self"),
        ("B", "S", "sire"),
        ("B", "D", "dam"),
        ("S", "B", "offspring"),
        ("k1", "S", "great-grandparent"),
        ("S", "k1", "great-grandchild"),
        ("c1", "S", "grandparent"),
        ("B", "G", "full sib"),
        ("B", "H", "half sib"),
        ("c1", "G", "aunt"),
        ("G", "c1", "nephew"),
        ("k1", "H", "half great-aunt"),
        ("c1", "c2", "first cousin"),
        ("d1", "d2", "double first cousin"),
        ("x", "c2", "first cousin once removed"),
        ("k1", "d1", "half uncle"),
        ("S", "M", None),
    ],
)
def test_relationship_names(family: Pedigree, a: str, b: str, expected: str | None) -> None:
    assert relationship(family, a, b) == expected
