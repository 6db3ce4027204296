"""The stated approximation for pedigrees too interbred for exact inference: Gibbs sampling.

Each animal's genotype is redrawn in turn from its full conditional (its parents' transmission
or its founder prior, its own records, and the transmission to each of its offspring given
their other parent), the pedigree Gibbs sampler of Sheehan (2000), reviewing Lange & Matthysse
(1989) and Sheehan & Thomas (1993). Animals that share no term of one another's conditional
(neither parent, offspring nor mate) are independent given the rest, so the moral graph is
coloured and each colour is redrawn at once, vectorised (the chromatic sampler of Gonzalez,
Low, Gretton & Guestrin 2011). Several chains, started from different draws consistent with
the records, run side by side, for every locus of a batch at once.

Hatchlings without offspring (most of a breeder's collection) are not sampled: each pairing's
hatchlings are summed out into one factor over the two parents, the way the exact method peels
them (Cannings, Thompson & Skolnick 1978), and a hatchling's estimate averages its exact
posterior given each sweep's parents (Rao–Blackwellisation: Gelfand & Smith 1990). Sampling
breeders alone is what lets the chains mix: a sire drawn with every one of his sixty young
would hardly ever change his genotype.

Unlike likelihood weighting, no draw carries more weight than another, so many records do not
degenerate the estimate; instead the chains must mix. Two checks say whether they did, and an
estimate failing either is refused (:class:`~.errors.ApproximationError`):

- the Monte Carlo standard error of each animal's probability of carrying, from batch means
  pooled over the chains (Flegal, Haran & Jones 2008), and the effective sample size it
  implies, ``p (1 - p) / se^2``;
- the potential scale reduction factor of Gelman & Rubin (1992) over the chains, which is near
  1 when chains started apart agree; above :data:`MAX_R_HAT` for any animal the chains have
  not mixed (between the 1.1 of Gelman et al. 2013, §11.4, and the 1.01 of Vehtari, Gelman,
  Simpson, Carpenter & Bürkner 2021 for a single figure).

A single-site sampler can be reducible: some joint genotypes are reachable from others only
by changing two animals at once, and chains then never leave where they started while their
checks look perfect (Sheehan & Thomas 1993; Lin, Thompson & Wijsman 1993). It is irreducible
when the locus has two alleles and every animal's records (and a founder's prior) either
allow the heterozygote or allow a single genotype: from any possible state, setting animals
to the heterozygote in pedigree order (parents first) keeps every state possible, since a
heterozygous parent passes on either allele, and reaches one state every other reaches too.
:func:`mixes` checks that condition, and the sampler is refused where it fails (loci with
three or more alleles, or a lab result that rules out only the heterozygote).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import numpy.typing as npt

from reptidex.engine.carriers.factors import RowInputs, Table
from reptidex.engine.carriers.mate_moves import MateBlock, mate_blocks, redraw_mates
from reptidex.engine.pedigree import Pedigree

MAX_R_HAT = 1.05
"""The largest potential scale reduction factor (over every animal) of an accepted estimate."""

BATCHES = 20
"""Batches per chain for the batch-means standard error."""

START_TRIES = 64
"""Forward draws tried per chain for a starting state consistent with the records."""

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GibbsEstimate:
    """One batch's estimates, per row: posteriors ``(rows, animals, size)``, the standard
    error of each animal's probability of carrying and its effective sample size
    ``(rows, animals)`` (``inf`` where every draw agreed), and the largest potential scale
    reduction factor per row."""

    posterior: Table
    standard_errors: Table
    effective_samples: Table
    r_hat: npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Colour:
    """One colour class of the breeders' moral graph, with the terms of its animals'
    offspring: breeders (``children``) and the summed-out hatchlings of each pairing
    (``pairs``), each with the other parent (``-1`` if unknown) and the animal's role (0
    sire, 1 dam)."""

    animals: IntArray
    founder: npt.NDArray[np.bool_]
    sires: IntArray
    dams: IntArray
    child_slots: IntArray
    children: IntArray
    child_mates: IntArray
    child_roles: IntArray
    pair_slots: IntArray
    pairs: IntArray
    pair_mates: IntArray
    pair_roles: IntArray


@dataclass(frozen=True)
class _Structure:
    """Breeders (animals with offspring) to sample, the leaves summed out per pairing, and
    the colour classes of the breeders."""

    breeders: IntArray
    leaves: IntArray
    leaf_pairs: IntArray
    pair_sires: IntArray
    pair_dams: IntArray
    lone: IntArray
    colours: tuple[_Colour, ...]
    mates: tuple[MateBlock, ...]


def _columns(terms: list[tuple[int, int, int, int]]) -> tuple[IntArray, ...]:
    """The four columns of a list of offspring terms as integer arrays."""
    if not terms:
        return (np.zeros(0, dtype=np.int64),) * 4
    return tuple(np.array(column, dtype=np.int64) for column in zip(*terms, strict=True))


def _structure(pedigree: Pedigree) -> _Structure:
    """Split the pedigree into breeders and leaves, group the leaves by their parents, and
    colour the breeders' moral graph (parents, breeding offspring and mates joined)."""
    sire = np.asarray(pedigree.sire, dtype=np.int64)
    dam = np.asarray(pedigree.dam, dtype=np.int64)
    n = len(sire)
    has_young = np.zeros(n, dtype=bool)
    has_young[sire[sire >= 0]] = True
    has_young[dam[dam >= 0]] = True
    founder = (sire < 0) & (dam < 0)
    breeders = np.flatnonzero(has_young)
    leaves = np.flatnonzero(~has_young & ~founder)
    lone = np.flatnonzero(~has_young & founder)
    keys = np.stack([sire[leaves], dam[leaves]], axis=1)
    pair_keys, leaf_pairs = np.unique(keys, axis=0, return_inverse=True)
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(breeders.tolist())
    for child in range(n):
        s, d = int(sire[child]), int(dam[child])
        if has_young[child]:
            graph.add_edges_from((child, p) for p in (s, d) if p >= 0)
        if s >= 0 and d >= 0:
            graph.add_edge(s, d)
    by_colour: dict[int, list[int]] = {}
    for animal, colour in nx.greedy_color(graph, strategy="largest_first").items():
        by_colour.setdefault(colour, []).append(animal)
    children: dict[int, list[tuple[int, int, int]]] = {}
    for child in breeders.tolist():
        s, d = int(sire[child]), int(dam[child])
        if s >= 0:
            children.setdefault(s, []).append((child, d, 0))
        if d >= 0:
            children.setdefault(d, []).append((child, s, 1))
    pairs: dict[int, list[tuple[int, int, int]]] = {}
    for p, (s, d) in enumerate(pair_keys.tolist()):
        if s >= 0:
            pairs.setdefault(s, []).append((p, d, 0))
        if d >= 0:
            pairs.setdefault(d, []).append((p, s, 1))
    colours: list[_Colour] = []
    for colour in sorted(by_colour):
        animals = np.array(sorted(by_colour[colour]), dtype=np.int64)
        listed = animals.tolist()
        colours.append(
            _Colour(
                animals,
                founder[animals],
                sire[animals],
                dam[animals],
                *_columns([(k, *t) for k, a in enumerate(listed) for t in children.get(a, ())]),
                *_columns([(k, *t) for k, a in enumerate(listed) for t in pairs.get(a, ())]),
            )
        )
    return _Structure(
        breeders,
        leaves,
        leaf_pairs.reshape(-1).astype(np.int64),
        pair_keys[:, 0].astype(np.int64) if len(pair_keys) else np.zeros(0, dtype=np.int64),
        pair_keys[:, 1].astype(np.int64) if len(pair_keys) else np.zeros(0, dtype=np.int64),
        lone,
        tuple(colours),
        mate_blocks(
            sire,
            dam,
            graph,
            (pair_keys[:, 0], pair_keys[:, 1])
            if len(pair_keys)
            else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)),
        ),
    )


def _pair_tables(structure: _Structure, psi: Table, kernel: Table) -> Table:
    """Per role (sire, dam), row and pairing, the log likelihood of the pairing's summed-out
    hatchlings' records given the parents' genotypes (``size`` standing for unknown):
    ``(2, rows, pairs, size + 1, size + 1)``, the dam's table with the parents swapped."""
    n_rows = psi.shape[0]
    one = np.einsum("rabg,rlg->rlab", kernel, psi[:, structure.leaves])
    summed = np.zeros((n_rows, len(structure.pair_sires), *kernel.shape[1:3]))
    with np.errstate(divide="ignore"):
        np.add.at(np.moveaxis(summed, 1, 0), structure.leaf_pairs, np.moveaxis(np.log(one), 1, 0))
    return np.stack([summed, np.swapaxes(summed, 2, 3)])


def _parent_states(state: IntArray, parents: IntArray, unknown: int) -> IntArray:
    """Each walker's genotype of each given parent, ``unknown`` where there is none."""
    picked = state[:, np.maximum(parents, 0)]
    return np.where(parents[None, :] >= 0, picked, unknown)


def mixes(pedigree: Pedigree, inputs: RowInputs, het: int | None) -> npt.NDArray[np.bool_]:
    """Per row, whether the single-site sampler is proven irreducible (module docstring):
    ``het`` is the heterozygote's genotype index of a two-allele locus, None for a locus with
    more alleles (never proven)."""
    if het is None:
        return np.zeros(inputs.rows, dtype=bool)
    psi = np.asarray(inputs.psi, dtype=np.float64)
    prior = np.asarray(inputs.prior, dtype=np.float64)
    founders = (np.asarray(pedigree.sire) < 0) & (np.asarray(pedigree.dam) < 0)
    allowed = (psi > 0) & ((prior > 0) | ~founders[None, :, None])
    ok = allowed[:, :, het] | (allowed.sum(axis=2) == 1)
    proven: npt.NDArray[np.bool_] = ok.all(axis=1)
    return proven


def _log_joint(
    state: IntArray,
    rows: IntArray,
    pedigree: Pedigree,
    log_prior: Table,
    log_psi: Table,
    log_kernel: Table,
) -> npt.NDArray[np.float64]:
    """Each walker's log joint probability of its state with the records (``-inf`` when
    impossible)."""
    size = log_psi.shape[2]
    sire = np.asarray(pedigree.sire, dtype=np.int64)
    dam = np.asarray(pedigree.dam, dtype=np.int64)
    r = rows[:, None]
    animals = np.arange(state.shape[1])[None, :]
    gs, gd = _parent_states(state, sire, size), _parent_states(state, dam, size)
    inherited = log_kernel[r, gs, gd, state]
    founders = log_prior[r, animals, state]
    terms = np.where((sire < 0) & (dam < 0), founders, inherited) + log_psi[r, animals, state]
    total: npt.NDArray[np.float64] = terms.sum(axis=1)
    return total


def _starts(
    pedigree: Pedigree,
    inputs: tuple[Table, Table, Table],
    rows: IntArray,
    rng: np.random.Generator,
) -> IntArray:
    """A starting state per walker with positive probability.

    Animals are drawn in pedigree order from their transmission times their own records
    (:data:`START_TRIES` tries per walker at once, so that chains start apart); a walker
    none of whose tries was possible starts from every animal's most transmitting genotype
    its records allow (a heterozygote where allowed), which records a visual offspring
    needs of its parents.
    """
    prior, psi, kernel = inputs
    _, n, size = psi.shape
    sire = np.asarray(pedigree.sire, dtype=np.int64)
    dam = np.asarray(pedigree.dam, dtype=np.int64)
    tries = np.repeat(rows, START_TRIES)
    drawn = np.zeros((len(tries), n), dtype=np.int64)
    possible = np.ones(len(tries), dtype=bool)
    for i in range(n):
        s, d = int(sire[i]), int(dam[i])
        if s < 0 and d < 0:
            p = prior[tries, i]
        else:
            gs = drawn[:, s] if s >= 0 else np.full(len(tries), size)
            gd = drawn[:, d] if d >= 0 else np.full(len(tries), size)
            p = kernel[tries, gs, gd]
        cumulative = np.cumsum(p * psi[tries, i], axis=1)
        mass = cumulative[:, -1]
        possible &= mass > 0
        u = rng.random(len(tries)) * mass
        drawn[:, i] = np.minimum((cumulative < u[:, None]).sum(axis=1), size - 1)
    found = possible.reshape(len(rows), START_TRIES)
    first = found.argmax(axis=1)
    state: IntArray = drawn.reshape(len(rows), START_TRIES, n)[np.arange(len(rows)), first]
    missing = ~found.any(axis=1)
    if missing.any():
        spread = (kernel[:, :size, size] > 0).sum(axis=2)  # (rows, genotypes)
        founder = (sire < 0) & (dam < 0)
        allowed = (psi > 0) & ((prior > 0) | ~founder[None, :, None])
        fallback = np.where(allowed, spread[:, None, :], -1).argmax(axis=2)
        state[missing] = fallback[rows[missing]]
    return state


def _redraw(
    state: IntArray,
    colour: _Colour,
    rows: IntArray,
    logs: tuple[Table, Table, Table, Table],
    rng: np.random.Generator,
) -> None:
    """Redraw every walker's genotypes of one colour class from their full conditionals."""
    log_prior, log_psi, log_kernel, pair_tables = logs
    size = log_psi.shape[2]
    r = rows[:, None]
    gs = _parent_states(state, colour.sires, size)
    gd = _parent_states(state, colour.dams, size)
    inherited = log_kernel[0][r, gs, gd]
    founders = log_prior[r, colour.animals[None, :]]
    conditional = np.where(colour.founder[None, :, None], founders, inherited)
    conditional = conditional + log_psi[r, colour.animals[None, :]]
    if len(colour.child_slots):
        mates = _parent_states(state, colour.child_mates, size)
        children = state[:, colour.children]
        passed = log_kernel[colour.child_roles[None, :], r, :, mates, children][:, :, :size]
        by_slot = np.zeros((len(colour.animals), len(rows), size))
        np.add.at(by_slot, colour.child_slots, np.moveaxis(passed, 1, 0))
        conditional = conditional + np.moveaxis(by_slot, 0, 1)
    if len(colour.pair_slots):
        mates = _parent_states(state, colour.pair_mates, size)
        passed = pair_tables[colour.pair_roles[None, :], r, colour.pairs[None, :], :, mates]
        by_slot = np.zeros((len(colour.animals), len(rows), size))
        np.add.at(by_slot, colour.pair_slots, np.moveaxis(passed[:, :, :size], 1, 0))
        conditional = conditional + np.moveaxis(by_slot, 0, 1)
    top = conditional.max(axis=2, keepdims=True)
    weights = np.exp(conditional - top)
    cumulative = np.cumsum(weights, axis=2)
    u = rng.random(cumulative.shape[:2]) * cumulative[:, :, -1]
    state[:, colour.animals] = np.minimum((cumulative < u[:, :, None]).sum(axis=2), size - 1)


def _leaf_posteriors(
    parents: Table, structure: _Structure, rows: IntArray, psi: Table, kernel: Table
) -> Table:
    """Every summed-out hatchling's posterior per walker and batch, from how often each pair
    of its parents' genotypes was drawn (``parents``: walkers, batches, pairings, size + 1,
    size + 1): the average of its exact conditional given each sweep's parents
    (Rao–Blackwellised: the conditional itself, not a draw from it)."""
    walkers, batches, _, top, _ = parents.shape
    size = psi.shape[2]
    out = np.zeros((walkers, batches, len(structure.leaves), size))
    for row in np.unique(rows).tolist():
        q = np.einsum("abg,lg->labg", kernel[row], psi[row, structure.leaves])
        total = q.sum(axis=3, keepdims=True)
        q = np.divide(q, total, out=np.zeros_like(q), where=total > 0)
        mine = np.flatnonzero(rows == row)
        pairs = parents[mine][:, :, structure.leaf_pairs].reshape(
            len(mine), batches, len(structure.leaves), top * top
        )
        out[mine] = np.einsum("wbln,lng->wblg", pairs, q.reshape(-1, top * top, size))
    return out


def _r_hat(chain_means: Table, within: Table, draws: int) -> npt.NDArray[np.float64]:
    """Gelman & Rubin's potential scale reduction per animal, from each chain's mean and
    variance of carrying ``(chains, animals)``: 1 where every chain drew one value, ``inf``
    where chains each kept a different single value."""
    w = within.mean(axis=0)
    b = draws * chain_means.var(axis=0, ddof=1)
    pooled = (draws - 1) / draws * w + b / draws
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.sqrt(pooled / w)
    return np.where(w > 0, ratio, np.where(b > 0, np.inf, 1.0))


def gibbs(
    pedigree: Pedigree,
    inputs: RowInputs,
    *,
    samples: int,
    chains: int,
    seed: int,
    burn_in: int | None = None,
) -> GibbsEstimate:
    """Estimate every row's posteriors with ``chains`` chains of ``samples`` sweeps each,
    after ``burn_in`` sweeps (a quarter of ``samples`` by default) that are discarded.

    Raises
    ------
    ValueError
        If fewer than 2 chains or fewer than :data:`BATCHES` samples are asked for, or no
        starting state consistent with the records is found.
    """
    if chains < 2:
        raise ValueError("Gibbs sampling needs at least 2 chains to check their agreement")
    if samples < BATCHES:
        raise ValueError(f"Gibbs sampling needs at least {BATCHES} samples per chain")
    rng = np.random.default_rng(seed)
    n_rows, n, size = inputs.psi.shape
    psi = np.asarray(inputs.psi, dtype=np.float64)
    prior = np.asarray(inputs.prior, dtype=np.float64)
    kernel = np.asarray(inputs.kernel, dtype=np.float64)
    structure = _structure(pedigree)
    with np.errstate(divide="ignore"):
        log_psi, log_prior, log_k = np.log(psi), np.log(prior), np.log(kernel)
    logs = (
        log_prior,
        log_psi,
        np.stack([log_k, np.swapaxes(log_k, 1, 2)]),
        _pair_tables(structure, psi, kernel),
    )
    mate_logs = (log_prior, log_psi, log_k, logs[3][0])
    founder = (np.asarray(pedigree.sire) < 0) & (np.asarray(pedigree.dam) < 0)

    def sweep() -> None:
        for colour in structure.colours:
            _redraw(state, colour, rows, logs, rng)
        for block in structure.mates:
            redraw_mates(state, block, rows, founder, mate_logs, rng)

    rows = np.repeat(np.arange(n_rows), chains)
    state = _starts(pedigree, (prior, psi, kernel), rows, rng)
    if not np.isfinite(_log_joint(state, rows, pedigree, log_prior, log_psi, log_k)).all():
        raise ValueError(
            "no state consistent with the records was found to start from: they may "
            "contradict each other"
        )
    for _ in range(samples // 4 if burn_in is None else burn_in):
        sweep()
    per_batch = samples // BATCHES
    kept = per_batch * BATCHES
    counts = np.zeros((len(rows), n, size))
    batch_means = np.zeros((len(rows), BATCHES, n))
    walker = np.arange(len(rows))[:, None]
    breeders = structure.breeders[None, :]
    lone = prior[rows][:, structure.lone] * psi[rows][:, structure.lone]
    lone /= lone.sum(axis=2, keepdims=True)
    top = size + 1
    pair_sires, pair_dams = structure.pair_sires[None, :], structure.pair_dams[None, :]
    pair_index = np.arange(len(structure.pair_sires))[None, :]
    parents = np.zeros((len(rows), BATCHES, len(structure.pair_sires), top, top))
    for batch in range(BATCHES):
        seen = parents[:, batch]
        for _ in range(per_batch):
            sweep()
            drawn = state[:, structure.breeders]
            counts[walker, breeders, drawn] += 1
            batch_means[:, batch, structure.breeders] += drawn > 0
            gs = _parent_states(state, pair_sires[0], size)
            gd = _parent_states(state, pair_dams[0], size)
            seen[walker, pair_index, gs, gd] += 1
    leaves = _leaf_posteriors(parents, structure, rows, psi, kernel)
    counts[:, structure.leaves] = leaves.sum(axis=1)
    batch_means[:, :, structure.leaves] = per_batch - leaves[..., 0]
    counts[:, structure.lone] = lone * kept
    batch_means[:, :, structure.lone] = per_batch * (1 - lone[:, None, :, 0])
    batch_means /= per_batch
    posterior = counts.reshape(n_rows, chains, n, size).sum(axis=1) / (chains * kept)
    carrier = 1 - posterior[:, :, 0]
    pooled = batch_means.reshape(n_rows, chains * BATCHES, n)
    errors = pooled.std(axis=1, ddof=1) / np.sqrt(chains * BATCHES)
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = np.where(errors > 0, carrier * (1 - carrier) / errors**2, np.inf)
    drawn_means = 1 - counts[:, structure.breeders, 0].reshape(n_rows, chains, -1) / kept
    within = drawn_means * (1 - drawn_means) * kept / max(kept - 1, 1)
    r_hat = np.array(
        [float(_r_hat(drawn_means[r], within[r], kept).max(initial=1.0)) for r in range(n_rows)]
    )
    return GibbsEstimate(posterior, errors, effective, r_hat)
