"""Exact inference on a pedigree by variable elimination on a junction tree.

The pedigree's genotypes form a Bayesian network (Elston & Stewart 1971; Lange & Elston 1975
for general pedigrees). Two steps make it fast on a breeder's collection:

1. *Peeling the hatchlings.* Most animals are leaves (sold hatchlings, no offspring). A leaf's
   genotype is summed out at once into a factor over its parents' genotypes, and the leaves of
   one family multiply into one factor over the pair (Cannings, Thompson & Skolnick 1978
   call this peeling onto a parental pair), vectorised over all leaves.
2. *A junction tree of the breeders.* The remaining animals (the "core": every animal with
   offspring) are eliminated in a greedy minimum-fill order (Kjærulff 1990; Koller &
   Friedman 2009, §9.4.3), each elimination step giving one clique; the cliques form an
   elimination tree, a junction tree on which the Hugin architecture (Lauritzen &
   Spiegelhalter 1988; Jensen, Lauritzen & Olesen 1990) passes messages up (collect) and
   down (distribute). Loops (inbreeding, repeat and half-sibling pairings) are handled
   exactly: they only widen the cliques.

After calibration every clique holds the joint posterior of its animals; a leaf's posterior
comes from its parents' pair marginal with its own factor divided out (0/0 is 0, exact because
the leaf's factor is zero only where its own joint is).

References
----------
Elston, R. C. & Stewart, J. (1971). A general model for the genetic analysis of pedigree
data. *Human Heredity* 21, 523–542.
Lange, K. & Elston, R. C. (1975). Extensions to pedigree analysis I. Likelihood calculations
for simple and complex pedigrees. *Human Heredity* 25, 95–105.
Cannings, C., Thompson, E. A. & Skolnick, M. H. (1978). Probability functions on complex
pedigrees. *Advances in Applied Probability* 10, 26–61.
Lauritzen, S. L. & Spiegelhalter, D. J. (1988). Local computations with probabilities on
graphical structures and their application to expert systems. *JRSS B* 50, 157–224.
Jensen, F. V., Lauritzen, S. L. & Olesen, K. G. (1990). Bayesian updating in causal
probabilistic networks by local computations. *Computational Statistics Quarterly* 4, 269–282.
Kjærulff, U. (1990). Triangulation of graphs: algorithms giving small total state space.
Technical report R 90-09, Aalborg University.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from reptidex.engine.carriers.factors import RowInputs, Table, own_factor
from reptidex.engine.pedigree import Pedigree

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Plan:
    """The structure of exact inference on one pedigree, the same for every locus.

    Core animals (those with offspring) are variables numbered in elimination order
    (``core[v]`` is the animal of variable ``v``); ``cliques[v]`` are the variables of the
    clique made by eliminating ``v`` (ascending, ``v`` first), ``parent[v]`` the clique its
    message goes to (-1 at a root). Families are the parent sets of leaves (``-1`` for an
    unknown parent); ``leaves`` are the animals without offspring and with a recorded
    parent, ``loners`` those with neither.
    """

    core: IntArray
    var_of: IntArray
    cliques: tuple[tuple[int, ...], ...]
    parent: tuple[int, ...]
    children: tuple[tuple[int, ...], ...]
    own_in: tuple[tuple[int, ...], ...]
    families_in: tuple[tuple[int, ...], ...]
    family_sire: IntArray
    family_dam: IntArray
    family_clique: IntArray
    leaves: IntArray
    leaf_family: IntArray
    loners: IntArray
    family_index: dict[tuple[int, int], int] = field(compare=False)
    down_axes: tuple[tuple[int, ...], ...] = ()
    root: tuple[int, ...] = ()
    family_axes: tuple[tuple[int, ...], ...] = ()
    family_swap: tuple[bool, ...] = ()

    @property
    def largest_clique(self) -> int:
        """The number of animals in the largest clique (0 without breeders)."""
        return max((len(c) for c in self.cliques), default=0)

    def states(self, size: int) -> int:
        """The joint genotypes of the largest clique for a locus of ``size`` genotypes."""
        return int(size**self.largest_clique) if self.cliques else 0


def min_fill_order(adjacency: dict[int, set[int]]) -> list[tuple[int, tuple[int, ...]]]:
    """A greedy minimum-fill elimination order (ties: fewest neighbours, then lowest id).

    Returns each eliminated node with its neighbours at the time (its clique less itself).
    The graph is consumed.

    Examples
    --------
    >>> min_fill_order({0: {1, 2}, 1: {0, 2}, 2: {0, 1, 3}, 3: {2}})
    [(3, (2,)), (0, (1, 2)), (1, (2,)), (2, ())]
    """

    def score(v: int) -> tuple[int, int]:
        nbrs = list(adjacency[v])
        missing = 0
        for k, a in enumerate(nbrs):
            near = adjacency[a]
            missing += sum(1 for b in nbrs[k + 1 :] if b not in near)
        return missing, len(nbrs)

    current = {v: score(v) for v in adjacency}
    heap = [(*s, v) for v, s in current.items()]
    heapq.heapify(heap)
    out: list[tuple[int, tuple[int, ...]]] = []
    while heap:
        fill, degree, v = heapq.heappop(heap)
        if v not in current or current[v] != (fill, degree):
            continue
        nbrs = adjacency.pop(v)
        del current[v]
        out.append((v, tuple(sorted(nbrs))))
        touched = set(nbrs)
        for a in nbrs:
            adjacency[a].discard(v)
            new = nbrs - adjacency[a] - {a}
            adjacency[a] |= new
        for a in nbrs:
            touched |= adjacency[a]
        for u in touched:
            s = score(u)
            if current[u] != s:
                current[u] = s
                heapq.heappush(heap, (*s, u))
    return out


def plan(pedigree: Pedigree) -> Plan:
    """The inference structure of ``pedigree``: leaves peeled into families, the breeders'
    elimination order, cliques and junction tree."""
    n = len(pedigree)
    sire = pedigree.sire
    dam = pedigree.dam
    has_kids = np.zeros(n, dtype=bool)
    has_kids[sire[sire >= 0]] = True
    has_kids[dam[dam >= 0]] = True
    has_parent = (sire >= 0) | (dam >= 0)
    leaves = np.flatnonzero(~has_kids & has_parent).astype(np.int64)
    loners = np.flatnonzero(~has_kids & ~has_parent).astype(np.int64)
    core_animals = np.flatnonzero(has_kids).tolist()
    pairs = np.stack([sire[leaves], dam[leaves]], axis=1) if leaves.size else np.empty((0, 2))
    unique_pairs, leaf_family = (
        np.unique(pairs, axis=0, return_inverse=True)
        if leaves.size
        else (np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64))
    )
    leaf_family = leaf_family.reshape(-1).astype(np.int64)
    adjacency: dict[int, set[int]] = {i: set() for i in core_animals}

    def link(members: list[int]) -> None:
        for a in members:
            adjacency[a].update(b for b in members if b != a)

    for i in core_animals:
        link([p for p in (int(sire[i]), int(dam[i]), i) if p >= 0])
    for s, d in unique_pairs.tolist():
        if s >= 0 and d >= 0:
            link([s, d])
    eliminated = min_fill_order(adjacency)
    core = np.array([v for v, _ in eliminated], dtype=np.int64)
    var_of = np.full(n, -1, dtype=np.int64)
    var_of[core] = np.arange(core.size)
    cliques: list[tuple[int, ...]] = []
    parent: list[int] = []
    for v, (_, nbrs) in enumerate(eliminated):
        others = sorted(int(var_of[a]) for a in nbrs)
        cliques.append((v, *others))
        parent.append(others[0] if others else -1)
    children: list[list[int]] = [[] for _ in cliques]
    for v, p in enumerate(parent):
        if p >= 0:
            children[p].append(v)
    own_in: list[list[int]] = [[] for _ in cliques]
    for i in core_animals:
        scope = [int(var_of[p]) for p in (int(sire[i]), int(dam[i]), i) if p >= 0]
        own_in[min(scope)].append(i)
    families_in: list[list[int]] = [[] for _ in cliques]
    family_clique = np.full(len(unique_pairs), -1, dtype=np.int64)
    for f, (s, d) in enumerate(unique_pairs.tolist()):
        scope = [int(var_of[p]) for p in (s, d) if p >= 0]
        family_clique[f] = min(scope)
        families_in[min(scope)].append(f)
    return Plan(
        core=core,
        var_of=var_of,
        cliques=tuple(cliques),
        parent=tuple(parent),
        children=tuple(tuple(c) for c in children),
        own_in=tuple(tuple(c) for c in own_in),
        families_in=tuple(tuple(c) for c in families_in),
        family_sire=unique_pairs[:, 0].astype(np.int64),
        family_dam=unique_pairs[:, 1].astype(np.int64),
        family_clique=family_clique,
        leaves=leaves,
        leaf_family=leaf_family,
        loners=loners,
        family_index={(int(s), int(d)): f for f, (s, d) in enumerate(unique_pairs.tolist())},
        root=_roots(parent),
        # the axes summed out, precomputed: a clique's separator with its parent, a family's
        # parents within their clique
        down_axes=tuple(
            tuple(k + 1 for k, x in enumerate(cliques[p]) if x not in set(cliques[v][1:]))
            if p >= 0
            else ()
            for v, p in enumerate(parent)
        ),
        family_axes=tuple(
            tuple(
                k + 1
                for k, x in enumerate(cliques[int(family_clique[f])])
                if x not in {int(var_of[a]) for a in (s, d) if a >= 0}
            )
            for f, (s, d) in enumerate(unique_pairs.tolist())
        ),
        family_swap=tuple(
            bool(s >= 0 and d >= 0 and var_of[s] > var_of[d]) for s, d in unique_pairs.tolist()
        ),
    )


def _roots(parent: list[int]) -> tuple[int, ...]:
    """The root of each clique's tree (parents come later in elimination order)."""
    root = list(range(len(parent)))
    for v in range(len(parent) - 1, -1, -1):
        if parent[v] >= 0:
            root[v] = root[parent[v]]
    return tuple(root)


# --- table helpers ------------------------------------------------------------------------


def expand(table: Table, scope: tuple[int, ...], clique: tuple[int, ...]) -> Table:
    """``table`` (row axis, then one axis per variable of ascending ``scope``) shaped to
    broadcast against a table over ascending ``clique`` (``scope`` a subset)."""
    shape = [table.shape[0]]
    k = 0
    for v in clique:
        if k < len(scope) and scope[k] == v:
            shape.append(table.shape[k + 1])
            k += 1
        else:
            shape.append(1)
    return table.reshape(shape)


def safe_divide(top: Table, bottom: Table) -> Table:
    """``top / bottom`` with 0/0 (and x/0) read as 0, as the Hugin update needs."""
    if top.dtype == object or bottom.dtype == object:
        top, bottom = np.broadcast_arrays(top, bottom)
        out = np.full(top.shape, Fraction(0), dtype=object)
        mask = bottom != 0
        out[mask] = top[mask] / bottom[mask]
        return out
    zero = bottom == 0
    if not zero.any():
        quotient: Table = top / bottom
        return quotient
    out_f: Table = np.where(zero, 0.0, top / np.where(zero, 1.0, bottom))
    return out_f


def normalise(table: Table) -> tuple[Table, Table]:
    """``table`` scaled to sum to 1 within each row, and each row's former total (rows that
    summed to 0 stay zero)."""
    rows = table.shape[0]
    total = table.reshape(rows, -1).sum(axis=1)
    shape = (rows,) + (1,) * (table.ndim - 1)
    return safe_divide(table, total.reshape(shape)), total


def _rescale(table: Table) -> Table:
    """Float tables scaled within each row so their largest entry is 1 (underflow guard);
    exact tables are left alone."""
    if table.dtype == object:
        return table
    rows = table.shape[0]
    top = table.reshape(rows, -1).max(axis=1) if table.size else np.ones(rows)
    shape = (rows,) + (1,) * (table.ndim - 1)
    return safe_divide(table, top.reshape(shape))


# --- calibration ---------------------------------------------------------------------------


@dataclass
class Calibration:
    """Tables of one calibrated junction tree: potentials, messages up, beliefs, leaf and
    family factors, the feasibility of each row, and the posterior of every animal."""

    pot: list[Table]
    up: list[Table]
    collected: list[Table]
    belief: list[Table]
    leaf_factor: Table
    family_factor: Table
    feasible: npt.NDArray[np.bool_]
    posterior: Table


def leaf_factors(plan_: Plan, inputs: RowInputs, boolean: bool = False) -> tuple[Table, Table]:
    """``(lambda, family)``: each leaf's factor over its parents' genotypes (index ``size`` an
    unknown parent), shape (leaves, rows, size+1, size+1), and their product per family."""
    size = inputs.size
    rows = inputs.rows
    if not plan_.leaves.size:
        empty = np.zeros((0, rows, size + 1, size + 1), dtype=inputs.psi.dtype)
        return empty, empty
    psi = inputs.psi[:, plan_.leaves, :]
    lam = np.einsum("gsdc,glc->lgsd", inputs.kernel, psi)
    if boolean:
        lam = (lam != 0).astype(np.float64)
    lam = _rescale(lam.reshape(-1, size + 1, size + 1)).reshape(lam.shape)
    order = np.argsort(plan_.leaf_family, kind="stable")
    sorted_family = plan_.leaf_family[order]
    starts = np.flatnonzero(np.r_[True, sorted_family[1:] != sorted_family[:-1]])
    family = np.multiply.reduceat(lam[order], starts, axis=0)
    family = _rescale(family.reshape(-1, size + 1, size + 1)).reshape(family.shape)
    return lam, family


def grow_leaf_factors(
    lam: Table, family: Table, inputs: RowInputs, new: list[int], family_of_new: IntArray
) -> tuple[Table, Table]:
    """:func:`leaf_factors` after new leaves (animals ``new``, last in ``inputs``, of existing
    families ``family_of_new``) are added: only theirs are computed, and multiplied into
    their families."""
    size = inputs.size
    psi = inputs.psi[:, new, :]
    added = np.einsum("gsdc,glc->lgsd", inputs.kernel, psi)
    added = _rescale(added.reshape(-1, size + 1, size + 1)).reshape(added.shape)
    grown = family.copy()
    for k, f in enumerate(family_of_new.tolist()):
        grown[f] = _rescale(grown[f] * added[k])
    return np.concatenate([lam, added], axis=0), grown


def family_table(plan_: Plan, family: Table, f: int, size: int) -> tuple[tuple[int, ...], Table]:
    """Family ``f``'s factor over its parents' variables (ascending)."""
    s, d = int(plan_.family_sire[f]), int(plan_.family_dam[f])
    full = family[f]
    if s >= 0 and d >= 0:
        vs, vd = int(plan_.var_of[s]), int(plan_.var_of[d])
        table = full[:, :size, :size]
        return ((vs, vd), table) if vs < vd else ((vd, vs), np.transpose(table, (0, 2, 1)))
    if s >= 0:
        return (int(plan_.var_of[s]),), full[:, :size, size]
    return (int(plan_.var_of[d]),), full[:, size, :size]


def clique_potential(
    plan_: Plan,
    pedigree: Pedigree,
    inputs: RowInputs,
    family: Table,
    v: int,
    boolean: bool = False,
) -> Table:
    """Clique ``v``'s potential: the product of the factors assigned to it."""
    size = inputs.size
    one: Any = Fraction(1) if inputs.exact and not boolean else 1.0
    dtype: Any = np.float64 if boolean or not inputs.exact else object
    clique = plan_.cliques[v]
    pot = np.full((inputs.rows,) + (size,) * len(clique), one, dtype=dtype)
    for i in plan_.own_in[v]:
        scope, table = own_factor(inputs, pedigree, i)
        variables = [int(plan_.var_of[a]) for a in scope]
        order = sorted(range(len(variables)), key=lambda k: variables[k])
        table = np.transpose(table, (0, *(k + 1 for k in order)))
        if boolean:
            table = (table != 0).astype(np.float64)
        pot = pot * expand(table, tuple(variables[k] for k in order), clique)
    for f in plan_.families_in[v]:
        scope_f, table = family_table(plan_, family, f, size)
        pot = pot * expand(table, scope_f, clique)
    return pot


def potentials(
    plan_: Plan, pedigree: Pedigree, inputs: RowInputs, family: Table, boolean: bool = False
) -> list[Table]:
    """Every clique's potential (:func:`clique_potential`)."""
    return [
        clique_potential(plan_, pedigree, inputs, family, v, boolean)
        for v in range(len(plan_.cliques))
    ]


def collect(
    plan_: Plan, pot: list[Table], rows: int, boolean: bool = False
) -> tuple[list[Table], list[Table], npt.NDArray[np.bool_]]:
    """The upward pass: each clique's product with its children's messages, its message to
    its parent, and which rows are possible (every component's evidence probability > 0)."""
    feasible = np.ones(rows, dtype=bool)
    up: list[Table] = []
    collected: list[Table] = []
    for v, clique in enumerate(plan_.cliques):
        table = pot[v]
        for c in plan_.children[v]:
            table = table * expand(up[c], plan_.cliques[c][1:], clique)
        message = table.sum(axis=1)
        if boolean:
            message = (message != 0).astype(np.float64)
        elif message.dtype != object:
            message = _rescale(message) if message.ndim > 1 else message
        if plan_.parent[v] < 0:
            feasible &= np.asarray(message != 0, dtype=bool).reshape(rows)
        up.append(message)
        collected.append(table)
    return up, collected, feasible


def distribute(
    plan_: Plan,
    up: list[Table],
    collected: list[Table],
    roots: frozenset[int] | None = None,
    previous: list[Table] | None = None,
) -> list[Table]:
    """The downward pass: every clique's belief, normalised (the joint posterior of its
    animals). With ``roots``, only the trees of those roots are passed through; the other
    cliques keep their ``previous`` beliefs."""
    belief: list[Table] = [np.empty(0)] * len(plan_.cliques) if previous is None else list(previous)
    for v in range(len(plan_.cliques) - 1, -1, -1):
        if roots is not None and plan_.root[v] not in roots:
            continue
        table = collected[v]
        p = plan_.parent[v]
        if p >= 0:
            axes = plan_.down_axes[v]
            # the separator is this clique less its own animal, in the same (ascending) order
            down = safe_divide(belief[p].sum(axis=axes) if axes else belief[p], up[v])
            table = table * down[:, None]
        belief[v] = _normalised(table)
    return belief


def _normalised(table: Table) -> Table:
    if table.dtype == object:
        return normalise(table)[0]
    rows = table.shape[0]
    total = table.reshape(rows, -1).sum(axis=1)
    total[total == 0] = 1.0
    scaled: Table = table / total.reshape((rows,) + (1,) * (table.ndim - 1))
    return scaled


def posteriors(
    plan_: Plan,
    inputs: RowInputs,
    belief: list[Table],
    lam: Table,
    roots: frozenset[int] | None = None,
    previous: Table | None = None,
) -> Table:
    """Every animal's posterior genotype distribution, shape (rows, animals, size). With
    ``roots``, only the animals of those trees (and their leaves) are computed; the others
    are taken from ``previous`` (the same animals first, new ones after)."""
    size = inputs.size
    rows = inputs.rows
    n = inputs.psi.shape[1]
    dtype: Any = object if inputs.exact else np.float64
    out = np.zeros((rows, n, size), dtype=dtype)
    if inputs.exact:
        out[...] = Fraction(0)
    if previous is not None:
        out[:, : previous.shape[1], :] = previous
    root = plan_.root

    def wanted(clique: int) -> bool:
        return roots is None or root[clique] in roots

    for v in range(len(plan_.cliques)):
        if wanted(v):
            out[:, int(plan_.core[v]), :] = belief[v].reshape(rows, size, -1).sum(axis=2)
    if plan_.leaves.size:
        pair = np.zeros((len(plan_.family_sire), rows, size + 1, size + 1), dtype=dtype)
        if inputs.exact:
            pair[...] = Fraction(0)
        sires = plan_.family_sire.tolist()
        dams = plan_.family_dam.tolist()
        cliques = plan_.family_clique.tolist()
        for f, (s, d, c) in enumerate(zip(sires, dams, cliques, strict=True)):
            if not wanted(c):
                continue
            axes = plan_.family_axes[f]
            m = belief[c].sum(axis=axes) if axes else belief[c]
            if s >= 0 and d >= 0:
                pair[f, :, :size, :size] = np.transpose(m, (0, 2, 1)) if plan_.family_swap[f] else m
            elif s >= 0:
                pair[f, :, :size, size] = m
            else:
                pair[f, :, size, :size] = m
        chosen: Any = slice(None)
        if roots is not None:
            in_tree = np.isin(np.asarray(root)[plan_.family_clique], list(roots))
            chosen = np.flatnonzero(in_tree[plan_.leaf_family])
        leaves = plan_.leaves[chosen]
        ratio = safe_divide(pair[plan_.leaf_family[chosen]], lam[chosen])
        leaf = np.einsum("lgsd,gsdc->glc", ratio, inputs.kernel) * inputs.psi[:, leaves, :]
        out[:, leaves, :] = safe_divide(leaf, leaf.sum(axis=2)[:, :, None])
    for v in range(len(plan_.cliques)):
        if wanted(v):
            i = int(plan_.core[v])
            out[:, i, :] = safe_divide(out[:, i, :], out[:, i, :].sum(axis=1)[:, None])
    if plan_.loners.size and previous is None:
        idx = plan_.loners
        mass = inputs.prior[:, idx, :] * inputs.psi[:, idx, :]
        out[:, idx, :] = safe_divide(mass, mass.sum(axis=2)[:, :, None])
    return out


def loners_feasible(plan_: Plan, inputs: RowInputs) -> npt.NDArray[np.bool_]:
    """Per row: every animal without parents or offspring has a possible genotype."""
    if not plan_.loners.size:
        return np.ones(inputs.rows, dtype=bool)
    idx = plan_.loners
    mass = (inputs.prior[:, idx, :] * inputs.psi[:, idx, :]) != 0
    return np.asarray(mass.any(axis=2).all(axis=1), dtype=bool)


def calibrate(plan_: Plan, pedigree: Pedigree, inputs: RowInputs) -> Calibration:
    """Both passes and every posterior, for every row of ``inputs``."""
    lam, family = leaf_factors(plan_, inputs)
    pot = potentials(plan_, pedigree, inputs, family)
    up, collected, feasible = collect(plan_, pot, inputs.rows)
    feasible &= loners_feasible(plan_, inputs)
    if plan_.leaves.size:
        feasible &= np.asarray(
            (family != 0).reshape(family.shape[0], inputs.rows, -1).any(axis=2).all(axis=0),
            dtype=bool,
        )
    belief = distribute(plan_, up, collected)
    post = posteriors(plan_, inputs, belief, lam)
    return Calibration(pot, up, collected, belief, lam, family, feasible, post)


def feasible_rows(plan_: Plan, pedigree: Pedigree, inputs: RowInputs) -> npt.NDArray[np.bool_]:
    """Per row: whether the evidence has positive probability (only zero versus non-zero is
    computed, so floats decide it exactly)."""
    _, family = leaf_factors(plan_, inputs, boolean=True)
    ok = loners_feasible(plan_, inputs)
    if plan_.leaves.size:
        ok &= np.asarray(
            (family != 0).reshape(family.shape[0], inputs.rows, -1).any(axis=2).all(axis=0),
            dtype=bool,
        )
    if plan_.cliques:
        pot = potentials(plan_, pedigree, inputs, family, boolean=True)
        _, _, feasible = collect(plan_, pot, inputs.rows, boolean=True)
        ok &= feasible
    return ok
