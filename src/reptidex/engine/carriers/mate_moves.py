"""Joint moves of a mated pair for the Gibbs sampler (:mod:`.gibbs`).

A visual hatchling says that both its parents carry; a normal-looking holdback's visual young
say that one of its parents carried, without saying which. The two explanations (the sire
carried, or the dam did) are then separated for a sampler that changes one animal at a time:
the way between them goes through both carrying, which their many normal-looking young make
rare, or neither, which the records rule out. Redrawing the sire and dam together from their
joint conditional crosses between them in one step (blocking: Jensen, Kong & Kjærulff 1995).

Pairs whose joint conditionals share no animal are redrawn at once, vectorised: pairs are
coloured so that no two of one colour share an animal or a neighbour in the moral graph.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt

Table = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MateBlock:
    """Mated pairs redrawn at once, and the factors of their joint conditionals: each
    ``moved`` animal's transmission (or founder prior) and each pairing's summed-out
    hatchlings (``pairings``), with the pair (``*_slots``) each belongs to.

    The factors read only the animals in ``local``; the ``*_at`` arrays give positions in it
    (``-1`` for an unknown parent), so that every genotype combination of the pairs is
    evaluated at once on those columns alone.
    """

    sires: IntArray
    dams: IntArray
    moved: IntArray
    moved_slots: IntArray
    pairings: IntArray
    pairing_slots: IntArray
    local: IntArray
    sires_at: IntArray
    dams_at: IntArray
    moved_at: IntArray
    moved_sires_at: IntArray
    moved_dams_at: IntArray
    pairing_sires_at: IntArray
    pairing_dams_at: IntArray


def _block(
    members: list[tuple[int, int]],
    moved: list[tuple[int, int]],
    pairings: list[tuple[int, int]],
    sire: IntArray,
    dam: IntArray,
    pairing_parents: tuple[IntArray, IntArray],
) -> MateBlock:
    """One colour class's arrays, with the columns its factors read."""
    ints = np.int64
    sires = np.array([s for s, _ in members], dtype=ints)
    dams = np.array([d for _, d in members], dtype=ints)
    moved_ids = np.array([x for _, x in moved], dtype=ints)
    litter = np.array([p for _, p in pairings], dtype=ints)
    litter_sires = pairing_parents[0][litter].astype(ints)
    litter_dams = pairing_parents[1][litter].astype(ints)
    referenced = np.concatenate(
        [sires, dams, moved_ids, sire[moved_ids], dam[moved_ids], litter_sires, litter_dams]
    )
    local = np.unique(referenced[referenced >= 0])

    def at(animals: IntArray) -> IntArray:
        found = np.searchsorted(local, animals)
        return np.where(animals >= 0, found, -1).astype(ints)

    return MateBlock(
        sires,
        dams,
        moved_ids,
        np.array([k for k, _ in moved], dtype=ints),
        litter,
        np.array([k for k, _ in pairings], dtype=ints),
        local,
        at(sires),
        at(dams),
        at(moved_ids),
        at(sire[moved_ids]),
        at(dam[moved_ids]),
        at(litter_sires),
        at(litter_dams),
    )


def mate_blocks(
    sire: IntArray,
    dam: IntArray,
    graph: nx.Graph[int],
    pairing_parents: tuple[IntArray, IntArray],
) -> tuple[MateBlock, ...]:
    """The colour classes of every mated pair (a sire and dam with young together) of the
    breeders' moral ``graph``, with each pair's factors."""
    mates = sorted({(int(s), int(d)) for s, d in zip(sire, dam, strict=True) if s >= 0 and d >= 0})
    if not mates:
        return ()
    young: dict[int, list[int]] = {}
    for child, (s, d) in enumerate(zip(sire.tolist(), dam.tolist(), strict=True)):
        if child in graph:
            for parent in (s, d):
                if parent >= 0:
                    young.setdefault(parent, []).append(child)
    litters: dict[int, list[int]] = {}
    for p, (s, d) in enumerate(zip(*pairing_parents, strict=True)):
        for parent in (int(s), int(d)):
            if parent >= 0:
                litters.setdefault(parent, []).append(p)
    holding: dict[int, list[int]] = {}
    for k, (s, d) in enumerate(mates):
        holding.setdefault(s, []).append(k)
        holding.setdefault(d, []).append(k)
    conflicts: nx.Graph[int] = nx.Graph()
    conflicts.add_nodes_from(range(len(mates)))
    for k, pair in enumerate(mates):
        near = set(pair).union(*(graph[a] for a in pair))
        conflicts.add_edges_from((k, other) for a in near for other in holding.get(a, ()))
    conflicts.remove_edges_from(nx.selfloop_edges(conflicts))
    classes: dict[int, list[int]] = {}
    for k, colour in nx.greedy_color(conflicts, strategy="largest_first").items():
        classes.setdefault(colour, []).append(k)
    blocks: list[MateBlock] = []
    for colour in sorted(classes):
        members = [mates[k] for k in sorted(classes[colour])]
        moved = [
            (slot, x)
            for slot, (s, d) in enumerate(members)
            for x in dict.fromkeys([s, d, *young.get(s, ()), *young.get(d, ())])
        ]
        pairings = [
            (slot, p)
            for slot, (s, d) in enumerate(members)
            for p in dict.fromkeys([*litters.get(s, ()), *litters.get(d, ())])
        ]
        blocks.append(_block(members, moved, pairings, sire, dam, pairing_parents))
    return tuple(blocks)


def _starts(slots: IntArray) -> IntArray:
    """Where each run of equal slots begins in ``slots`` (listed pair by pair)."""
    return np.flatnonzero(np.r_[True, slots[1:] != slots[:-1]])


def _picked(columns: IntArray, at: IntArray, unknown: int) -> IntArray:
    """Per combination and walker, the genotype at each position of ``columns``
    (``unknown`` where the position is ``-1``)."""
    return np.where(at >= 0, columns[:, :, np.maximum(at, 0)], unknown)


def redraw_mates(
    state: IntArray,
    block: MateBlock,
    rows: IntArray,
    founder: npt.NDArray[np.bool_],
    logs: tuple[Table, Table, Table, Table],
    rng: np.random.Generator,
) -> None:
    """Redraw every walker's sire and dam of each pair of ``block`` jointly from their joint
    conditional: every genotype combination's factors, summed in logs, at once."""
    log_prior, log_psi, log_kernel, pairing_table = logs
    size = log_psi.shape[2]
    combos = np.array(list(itertools.product(range(size), repeat=2)), dtype=np.int64)
    columns = np.repeat(state[None, :, block.local], len(combos), axis=0)
    columns[:, :, block.sires_at] = combos[:, 0, None, None]
    columns[:, :, block.dams_at] = combos[:, 1, None, None]
    r = rows[None, :, None]
    own = columns[:, :, block.moved_at]
    inherited = log_kernel[
        r,
        _picked(columns, block.moved_sires_at, size),
        _picked(columns, block.moved_dams_at, size),
        own,
    ]
    x = block.moved[None, None, :]
    terms = np.where(founder[block.moved], log_prior[r, x, own], inherited)
    # factors are listed pair by pair, and every pair moves at least its sire and dam
    summed = np.add.reduceat(terms, _starts(block.moved_slots), axis=2)
    if len(block.pairings):
        litter = pairing_table[
            r,
            block.pairings[None, None, :],
            _picked(columns, block.pairing_sires_at, size),
            _picked(columns, block.pairing_dams_at, size),
        ]
        starts = _starts(block.pairing_slots)
        summed[:, :, block.pairing_slots[starts]] += np.add.reduceat(litter, starts, axis=2)
    seen = (
        log_psi[rows[:, None, None], block.sires[None, :, None], combos[None, None, :, 0]]
        + log_psi[rows[:, None, None], block.dams[None, :, None], combos[None, None, :, 1]]
    )
    joint = np.moveaxis(summed, 0, 2) + seen
    top = joint.max(axis=2, keepdims=True)
    cumulative = np.cumsum(np.exp(joint - top), axis=2)
    u = rng.random(cumulative.shape[:2]) * cumulative[:, :, -1]
    chosen = np.minimum((cumulative < u[:, :, None]).sum(axis=2), len(combos) - 1)
    state[:, block.sires] = combos[chosen, 0]
    state[:, block.dams] = combos[chosen, 1]
