"""The lineage figures computed on the parent links agree with the pedigree engine's.

``lineage_of`` walks the records of one pedigree read instead of building an engine
``Pedigree``; on random collapsed pedigrees (parents missing from the records count as
founders, as the engine reads them) every figure must be the engine's.
"""

from __future__ import annotations

import random
import uuid
import warnings

import pytest
from animal_testkit import lineage_record

from reptidex.domain.animals.lineage import LineageRecord, lineage_of
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import Conflict
from reptidex.engine import pedigree as ped
from reptidex.engine.pedigree import links as links_module

ORGANISATION = uuid.uuid4()


def record(ident: uuid.UUID, sire: uuid.UUID | None, dam: uuid.UUID | None) -> LineageRecord:
    return lineage_record(ident, ORGANISATION, sire, dam)


def collapsed_pedigree(rng: random.Random, generations: int, size: int) -> list[LineageRecord]:
    """Small breeding pools per generation, so that ancestors repeat; some parents unknown."""
    records: list[LineageRecord] = []
    previous: list[uuid.UUID] = []
    for _ in range(generations):
        current = []
        for _ in range(size):
            ident = uuid.uuid4()
            sire = rng.choice(previous[: len(previous) // 2]) if previous else None
            dam = rng.choice(previous[len(previous) // 2 :]) if previous else None
            if rng.random() < 0.1:
                sire = None
            records.append(record(ident, sire, dam))
            current.append(ident)
        previous = current
    return records


def within(records: list[LineageRecord], root: uuid.UUID, depth: int) -> list[LineageRecord]:
    """What the pedigree query returns: the ancestors within ``depth`` generations."""
    by_id = {r.id: r for r in records}
    keep = {root}
    frontier = [root]
    for _ in range(depth):
        frontier = [
            p
            for i in frontier
            for p in (by_id[i].sire_id, by_id[i].dam_id)
            if p is not None and p not in keep
        ]
        keep.update(frontier)
    return [r for r in records if r.id in keep]


def engine_figures(
    rows: list[LineageRecord], root: uuid.UUID, generations: int
) -> tuple[float, int, float, tuple[float, ...], list[tuple[int, str, int | None]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ped.MissingParentWarning)
        pedigree = ped.Pedigree.from_columns(
            [str(r.id) for r in rows],
            [None if r.sire_id is None else str(r.sire_id) for r in rows],
            [None if r.dam_id is None else str(r.dam_id) for r in rows],
        )
    key = str(root)
    known = ped.ancestors(pedigree, key, generations)
    tree = ped.pedigree_tree(pedigree, key, generations)
    return (
        round(float(ped.inbreeding(pedigree)[key]), 10),
        max(known.values(), default=0),
        round(float(ped.equivalent_generations(pedigree)[key]), 6),
        ped.completeness(pedigree, key, generations),
        [(n.position, n.line, n.repeat_of) for n in tree.nodes],
    )


@pytest.mark.parametrize("small", [True, False])
def test_lineage_figures_are_the_engines(small: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not small:  # every ancestry takes the engine's vectorised inbreeding
        monkeypatch.setattr(links_module, "RECURSION_GENERATIONS", 0)
    rng = random.Random(11)
    records = collapsed_pedigree(rng, generations=9, size=24)
    actor = Actor(ORGANISATION)
    inbred = 0
    for root in rng.sample([r.id for r in records[-48:]], 30):
        for generations in (1, 3, 5, 8):
            rows = within(records, root, generations)
            result = lineage_of(rows, actor, root, generations, 0)
            f, depth, equivalent, completeness, tree = engine_figures(rows, root, generations)
            assert round(result.inbreeding.coefficient, 10) == f
            assert result.inbreeding.generations == depth
            assert round(result.inbreeding.equivalent_generations, 6) == equivalent
            assert result.completeness == completeness
            assert [(p.position, p.line, p.repeat_of) for p in result.tree] == tree
            inbred += f > 0
    assert inbred > 10  # the pedigrees do collapse


def test_descendants_by_generation_and_a_cycle_is_a_conflict() -> None:
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    rows = [record(a, None, None), record(b, a, None), record(c, b, None), record(d, c, None)]
    result = lineage_of(rows, Actor(ORGANISATION), a, 2, 2)
    assert [(e.animal.id if e.animal else None, g) for e, g in result.descendants] == [
        (b, 1),
        (c, 2),
    ]
    looped = [record(a, c, None), record(b, a, None), record(c, b, None)]
    with pytest.raises(Conflict):
        lineage_of(looped, Actor(ORGANISATION), a, 5, 0)
