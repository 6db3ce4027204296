"""PedigreeLinks, the per-animal fast path, gives the figures of the engine's general functions.

On random pedigrees with loops (relatives mated, some parents unknown), numbered in a random
order, every figure of :class:`PedigreeLinks` must be that of the general functions on the
validated :class:`Pedigree`: by the recursion and by the vectorised method alike.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pedigree_testkit import full_sib_series, random_records

from reptidex.engine.pedigree import (
    Pedigree,
    PedigreeError,
    PedigreeLinks,
    ancestors,
    completeness,
    descendants,
    equivalent_generations,
    inbreeding,
    kinship_matrix,
    pedigree_tree,
)
from reptidex.engine.pedigree import links as links_module

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(min_value=0, max_value=2**32 - 1)
METHODS = ("recursion", "vectorised", "shallow")


@contextlib.contextmanager
def method(name: str) -> Iterator[None]:
    """Force one way of computing kinship and inbreeding (``vectorised``: the recursion gives
    up at its first pair; ``shallow``: it does not start, every ancestry too deep)."""
    if name == "recursion":
        yield
        return
    bound = "RECURSION_BUDGET" if name == "vectorised" else "RECURSION_GENERATIONS"
    with mock.patch.object(links_module, bound, 0):
        yield


def shuffled_links(ped: Pedigree, seed: int) -> tuple[PedigreeLinks, list[int], list[str]]:
    """The pedigree's links with the animals numbered in a random order: the links, the
    number of each position of ``ped.ids``, and the id of each number."""
    order = list(range(len(ped)))
    random.Random(seed).shuffle(order)  # order[k]: the position of ped.ids numbered k
    number = [0] * len(ped)
    for k, position in enumerate(order):
        number[position] = k
    sire, dam = ped.sire.tolist(), ped.dam.tolist()
    links = PedigreeLinks(
        [-1 if sire[p] < 0 else number[sire[p]] for p in order],
        [-1 if dam[p] < 0 else number[dam[p]] for p in order],
    )
    return links, number, [ped.ids[p] for p in order]


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=1, max_value=250), way=st.sampled_from(METHODS))
def test_inbreeding_and_equivalent_generations_are_the_engines(seed: int, n: int, way: str) -> None:
    ped = Pedigree(random_records(seed, n))
    links, number, _ = shuffled_links(ped, seed)
    f = inbreeding(ped).array
    e = equivalent_generations(ped).array
    with method(way):
        mine_f = [links.inbreeding(number[p]) for p in range(len(ped))]
    mine_e = [links.equivalent_generations(number[p]) for p in range(len(ped))]
    np.testing.assert_allclose(mine_f, f, rtol=0, atol=1e-12)
    assert mine_e == e.tolist()  # the same sums in the same order: equal to the bit


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=2, max_value=200), way=st.sampled_from(METHODS))
def test_kinship_is_the_engines(seed: int, n: int, way: str) -> None:
    ped = Pedigree(random_records(seed, n))
    links, number, _ = shuffled_links(ped, seed)
    rng = random.Random(seed)
    chosen = rng.sample(range(len(ped)), min(12, len(ped)))
    matrix = kinship_matrix(ped, [ped.ids[p] for p in chosen])
    with method(way):
        mine = [[links.kinship(number[a], number[b]) for b in chosen] for a in chosen]
    np.testing.assert_allclose(mine, matrix, rtol=0, atol=1e-12)


@SETTINGS
@given(seed=seeds, n=st.integers(min_value=1, max_value=200), depth=st.integers(0, 6))
def test_tree_ancestors_and_descendants_are_the_engines(seed: int, n: int, depth: int) -> None:
    ped = Pedigree(random_records(seed, n))
    links, number, name = shuffled_links(ped, seed)
    for position in random.Random(seed).sample(range(len(ped)), min(10, len(ped))):
        ident, animal = ped.ids[position], number[position]
        tree = pedigree_tree(ped, ident, depth)
        mine = links.tree(animal, depth)
        assert [(name[a], p, g, line, r) for a, p, g, line, r in mine.nodes] == [
            (node.id, node.position, node.generation, node.line, node.repeat_of)
            for node in tree.nodes
        ]
        assert tuple(name[a] for a in mine.repeated) == tree.repeated_ancestors
        assert mine.completeness == completeness(ped, ident, depth)
        named = {name[a]: g for a, g in mine.ancestors.items()}
        assert named == ancestors(ped, ident, depth)
        assert list(named) == list(ancestors(ped, ident, depth))  # first appearance order
        for generations in (None, 0, 1, depth):
            up = {name[a]: g for a, g in links.ancestors(animal, generations).items()}
            down = {name[a]: g for a, g in links.descendants(animal, generations).items()}
            assert up == ancestors(ped, ident, generations)
            assert down == descendants(ped, ident, generations)


@pytest.mark.parametrize("generations", [210, 300])
def test_deep_pedigrees_take_the_vectorised_way(generations: int) -> None:
    # full-sib mating: more generations than the recursion may walk
    ped = full_sib_series(generations)
    links = PedigreeLinks(ped.sire.tolist(), ped.dam.tolist())
    sire, dam = f"s{generations}", f"d{generations}"
    assert links.inbreeding(ped.index(sire)) == pytest.approx(inbreeding(ped)[sire], abs=1e-12)
    assert links.kinship(ped.index(sire), ped.index(dam)) == pytest.approx(
        float(kinship_matrix(ped, [sire, dam])[0, 1]), abs=1e-12
    )


def test_long_lines_are_walked_without_recursion() -> None:
    line = PedigreeLinks([-1, *range(4999)], [-1] * 5000)  # each the sire of the next
    assert line.equivalent_generations(4999) == pytest.approx(1.0)
    assert line.inbreeding(4999) == 0.0
    assert len(line.ancestors(4999)) == 4999


def test_a_cycle_among_the_ancestors_is_a_pedigree_error() -> None:
    # 0 <- 1 <- 2 <- 0 (each the sire of the next), 3 a child of 2, 4 and 5 apart
    links = PedigreeLinks([2, 0, 1, 2, -1, 4], [-1, -1, -1, -1, -1, -1])
    for ask in (links.inbreeding, links.equivalent_generations, lambda a: links.kinship(a, 4)):
        with pytest.raises(PedigreeError) as caught:
            ask(3)
        assert [p.code for p in caught.value.problems] == ["cycle"]
        assert set(caught.value.problems[0].animals) == {"0", "1", "2"}
    assert links.inbreeding(5) == 0.0
    assert links.equivalent_generations(5) == 0.5
    assert links.descendants(4) == {5: 1}
    assert links.ancestors(3, 4) == {2: 1, 1: 2, 0: 3}  # bounded walks do not look for one
    own_parent = PedigreeLinks([-1, 1], [-1, 0])
    with pytest.raises(PedigreeError, match="1 is recorded as its own parent"):
        own_parent.equivalent_generations(1)


def test_parent_numbers_and_animals_are_checked() -> None:
    with pytest.raises(ValueError, match="out of range"):
        PedigreeLinks([1], [-1])
    with pytest.raises(ValueError, match="out of range"):
        PedigreeLinks([-2, -1], [-1, -1])
    with pytest.raises(ValueError, match="one entry per animal"):
        PedigreeLinks([-1, -1], [-1])
    links = PedigreeLinks([-1, 0], [-1, -1])
    for ask in (links.inbreeding, links.equivalent_generations, links.ancestors, links.tree):
        with pytest.raises(IndexError):
            ask(2)
        with pytest.raises(IndexError):
            ask(-1)
    with pytest.raises(ValueError, match="between 0 and 20"):
        links.tree(1, 21)
    assert len(PedigreeLinks([], [])) == 0
    assert repr(links) == "<PedigreeLinks of 2 animals>"
    assert links.sire == (-1, 0)
    assert links.dam == (-1, -1)
