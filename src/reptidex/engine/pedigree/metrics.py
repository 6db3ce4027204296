"""Population metrics for managed breeding: completeness, founders, mean kinship, diversity.

All functions work on whole pedigrees with numpy, one generation layer at a time, so their
cost grows with the size of the pedigree.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reptidex.engine.pedigree.ancestry import pedigree_tree
from reptidex.engine.pedigree.inbreeding import (
    CoefficientTable,
    inbreeding,
    mendelian_sampling_factors,
)
from reptidex.engine.pedigree.model import Pedigree

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "PedigreeSummary",
    "ancestor_loss",
    "completeness",
    "completeness_index",
    "equivalent_generations",
    "founder_contributions",
    "founder_equivalents",
    "founders",
    "gene_diversity",
    "mean_kinship",
    "summarize",
]


def _layers(pedigree: Pedigree) -> list[IntArray]:
    depth = pedigree.depth
    order = np.argsort(depth, kind="stable")
    cuts = np.searchsorted(depth[order], np.arange(int(depth.max(initial=0)) + 2))
    return [order[lo:hi] for lo, hi in itertools.pairwise(cuts)]


def _population(pedigree: Pedigree, population: Iterable[str] | None) -> IntArray:
    if population is None:
        starts, _ = pedigree.children_index()
        return np.flatnonzero(np.diff(starts) == 0).astype(np.int64)
    chosen = np.array([pedigree.index(x) for x in population], dtype=np.int64)
    if chosen.size == 0:
        raise ValueError("the reference population is empty")
    return np.unique(chosen)


def _uniform_over(pedigree: Pedigree, population: Iterable[str] | None) -> FloatArray:
    """Weight ``1 / size`` on each animal of the reference population, 0 elsewhere."""
    weights = np.zeros(len(pedigree), dtype=np.float64)
    chosen = _population(pedigree, population)
    weights[chosen] = 1.0 / chosen.shape[0]
    return weights


def _pass_to_parents(pedigree: Pedigree, layer: IntArray, values: FloatArray) -> FloatArray:
    """Add half of each animal's value in ``layer`` to each known parent's; return the halves."""
    n = values.shape[0]
    s = pedigree.sire[layer]
    d = pedigree.dam[layer]
    half = 0.5 * values[layer]
    values += np.bincount(s[s >= 0], weights=half[s >= 0], minlength=n)
    values += np.bincount(d[d >= 0], weights=half[d >= 0], minlength=n)
    return half


def _gather(values: FloatArray, parent: IntArray) -> FloatArray:
    return np.where(parent >= 0, values[np.maximum(parent, 0)], 0.0)


def _known_by_generation(pedigree: Pedigree, generations: int) -> list[FloatArray]:
    """``k[g][i]``: known ancestor positions of ``i`` in generation ``g`` (``k[0] = 1``)."""
    known = [np.ones(len(pedigree), dtype=np.float64)]
    for _ in range(generations):
        prev = known[-1]
        known.append(_gather(prev, pedigree.sire) + _gather(prev, pedigree.dam))
    return known


def completeness(pedigree: Pedigree, ident: str, generations: int = 5) -> tuple[float, ...]:
    """Proportion of known ancestors in each generation of an animal's pedigree.

    Parameters
    ----------
    pedigree : Pedigree
    ident : str
    generations : int
        How many generations (1 = parents).

    Returns
    -------
    tuple of float
        One value per generation ``g = 1 … generations``: known positions / ``2**g``.

    Raises
    ------
    KeyError
        If ``ident`` is not in the pedigree.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nG,,\\nS,G,\\nD,,\\nK,S,D\\n")
    >>> completeness(ped, "K", 3)
    (1.0, 0.25, 0.0)
    """
    i = pedigree.index(ident)
    known = _known_by_generation(pedigree, generations)
    return tuple(float(known[g][i]) / 2**g for g in range(1, generations + 1))


def completeness_index(pedigree: Pedigree, generations: int = 5) -> CoefficientTable:
    """MacCluer's pedigree completeness index of every animal.

    ``I = 4 I_pat I_mat / (I_pat + I_mat)`` where ``I_pat`` (``I_mat``) is the mean,
    over generations ``1 … d``, of the known sire-side (dam-side) ancestors as a share of
    the whole generation (so each side is at most 1/2 and ``I`` at most 1); 0 when either
    side is wholly unknown.

    Parameters
    ----------
    pedigree : Pedigree
    generations : int
        Depth ``d`` of the index (5 is customary).

    Returns
    -------
    CoefficientTable

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nSS,,\\nSD,,\\nS,SS,SD\\nD,,\\nK,S,D\\n")
    >>> round(completeness_index(ped, 2)["K"], 4)
    0.6667

    References
    ----------
    .. [1] MacCluer, J. W., Boyce, A. J., Dyke, B., Weitkamp, L. R., Pfennig, D. W. &
       Parsons, C. J. (1983). Inbreeding and pedigree structure in Standardbred horses.
       Journal of Heredity 74, 394-399.
    """
    known = _known_by_generation(pedigree, max(generations - 1, 0))
    side = []
    for parent in (pedigree.sire, pedigree.dam):
        total = np.zeros(len(pedigree), dtype=np.float64)
        for g in range(1, generations + 1):
            total += _gather(known[g - 1], parent) / 2 ** (g - 1)
        side.append(total / generations)
    pat, mat = side
    denom = pat + mat
    # sides measured on their own half (0..1): 4 (P/2)(M/2) / (P/2 + M/2) = 2PM/(P+M)
    index = np.divide(2 * pat * mat, denom, out=np.zeros_like(denom), where=denom > 0)
    return CoefficientTable(pedigree, index)


def equivalent_generations(pedigree: Pedigree) -> CoefficientTable:
    """Equivalent complete generations of every animal.

    The sum over all known ancestors (counted once per path) of ``(1/2)**g``, ``g``
    being the generation of the ancestor; computed as ``E_i = Σ_known p (1 + E_p) / 2``.

    Parameters
    ----------
    pedigree : Pedigree

    Returns
    -------
    CoefficientTable

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nG,,\\nS,G,\\nD,,\\nK,S,D\\n")
    >>> equivalent_generations(ped)["K"]
    1.25

    References
    ----------
    .. [1] Maignel, L., Boichard, D. & Verrier, E. (1996). Genetic variability of French
       dairy breeds estimated from pedigree information. Interbull Bulletin 14, 49-54.
    """
    values = np.zeros(len(pedigree), dtype=np.float64)
    for layer in _layers(pedigree)[1:]:
        s = pedigree.sire[layer]
        d = pedigree.dam[layer]
        values[layer] = 0.5 * (
            np.where(s >= 0, 1 + _gather(values, s), 0.0)
            + np.where(d >= 0, 1 + _gather(values, d), 0.0)
        )
    return CoefficientTable(pedigree, values)


def ancestor_loss(pedigree: Pedigree, ident: str, generations: int = 5) -> float:
    """Ancestor loss (Ahnenverlust, pedigree collapse) within N generations.

    ``1 − distinct ancestors / known ancestor positions``: 0 when no ancestor repeats.

    Parameters
    ----------
    pedigree : Pedigree
    ident : str
    generations : int

    Returns
    -------
    float
        0 when no ancestor is known.

    Raises
    ------
    KeyError
        If ``ident`` is not in the pedigree.

    Examples
    --------
    Offspring of full sibs: 4 distinct ancestors in 6 positions over 2 generations.

    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nB,S,D\\nG,S,D\\nK,B,G\\n")
    >>> round(ancestor_loss(ped, "K", 2), 4)
    0.3333
    """
    nodes = pedigree_tree(pedigree, ident, generations).nodes[1:]
    if not nodes:
        return 0.0
    return 1.0 - len({n.id for n in nodes}) / len(nodes)


def founders(pedigree: Pedigree) -> tuple[str, ...]:
    """The founders: animals with both parents unknown.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> founders(parse_csv("id,sire,dam\\nS,,\\nD,,\\nK,S,D\\n"))
    ('S', 'D')
    """
    mask = (pedigree.sire < 0) & (pedigree.dam < 0)
    return tuple(pedigree.ids[i] for i in np.flatnonzero(mask).tolist())


def founder_contributions(
    pedigree: Pedigree, population: Iterable[str] | None = None
) -> dict[str, float]:
    """Expected genetic contribution of each founder to a reference population.

    Each animal of the population passes half of its genes to each parent's side; an
    animal with one unknown parent (a half-founder) is credited with the unknown half.

    Parameters
    ----------
    pedigree : Pedigree
    population : iterable of str, optional
        The reference population; default: the animals without offspring.

    Returns
    -------
    dict of str to float
        Founder (or half-founder) id to its contribution; the values sum to 1.
        Founders that contribute nothing are left out.

    Raises
    ------
    KeyError
        If an id is not in the pedigree.
    ValueError
        If the population is empty.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nE,,\\nK,S,D\\nL,S,E\\n")
    >>> founder_contributions(ped)
    {'S': 0.5, 'D': 0.25, 'E': 0.25}
    """
    share = _uniform_over(pedigree, population)
    own = np.zeros(len(pedigree), dtype=np.float64)
    for layer in reversed(_layers(pedigree)):
        half = _pass_to_parents(pedigree, layer, share)
        s, d = pedigree.sire[layer], pedigree.dam[layer]
        own[layer] = half * ((s < 0).astype(np.float64) + (d < 0).astype(np.float64))
    return {pedigree.ids[i]: float(own[i]) for i in np.flatnonzero(own > 0).tolist()}


def founder_equivalents(pedigree: Pedigree, population: Iterable[str] | None = None) -> float:
    """Founder equivalents: ``1 / Σ p_f²`` over founder contributions ``p_f`` (Lacy 1989).

    The number of equally contributing founders that would give the same genetic
    diversity as the observed, unequal, contributions.

    Parameters
    ----------
    pedigree : Pedigree
    population : iterable of str, optional
        The reference population; default: the animals without offspring.

    Returns
    -------
    float

    Raises
    ------
    KeyError
        If an id is not in the pedigree.
    ValueError
        If the population is empty.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nE,,\\nK,S,D\\nL,S,E\\n")
    >>> founder_equivalents(ped)
    2.6666666666666665

    References
    ----------
    .. [1] Lacy, R. C. (1989). Analysis of founder representation in pedigrees: founder
       equivalents and founder genome equivalents. Zoo Biology 8, 111-123.
    """
    shares = np.array(list(founder_contributions(pedigree, population).values()))
    return float(1.0 / np.sum(shares**2))


def mean_kinship(
    pedigree: Pedigree,
    population: Iterable[str] | None = None,
    *,
    inbreeding: CoefficientTable | None = None,
) -> CoefficientTable:
    """Mean kinship of every animal to a reference population (self included).

    Computed for all animals at once without forming the kinship matrix, by Colleau's
    indirect method: ``K v = T D T' v / 2`` with two passes over the pedigree.

    Parameters
    ----------
    pedigree : Pedigree
    population : iterable of str, optional
        The reference population; default: the animals without offspring.
    inbreeding : CoefficientTable, optional
        Inbreeding of ``pedigree`` if already computed.

    Returns
    -------
    CoefficientTable

    Raises
    ------
    KeyError
        If an id is not in the pedigree.
    ValueError
        If the population is empty.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nB,S,D\\nG,S,D\\n")
    >>> mean_kinship(ped)["B"]
    0.375

    References
    ----------
    .. [1] Colleau, J.-J. (2002). An indirect approach to the extensive calculation of
       relationship coefficients. Genetics Selection Evolution 34, 409-421.
    .. [2] Ballou, J. D. & Lacy, R. C. (1995). Identifying genetically important
       individuals for management of genetic variation in pedigreed populations. In
       Population Management for Survival and Recovery, 76-111.
    """
    f = (inbreeding if inbreeding is not None else _inbreeding(pedigree)).array
    x = _uniform_over(pedigree, population)
    layers = _layers(pedigree)
    for layer in reversed(layers):  # x = T' v
        _pass_to_parents(pedigree, layer, x)
    y = x * mendelian_sampling_factors(pedigree.sire, pedigree.dam, f)
    for layer in layers:  # z = T y
        s = pedigree.sire[layer]
        d = pedigree.dam[layer]
        y[layer] += 0.5 * (_gather(y, s) + _gather(y, d))
    return CoefficientTable(pedigree, 0.5 * y)


_inbreeding = inbreeding


def gene_diversity(
    pedigree: Pedigree,
    population: Iterable[str] | None = None,
    *,
    inbreeding: CoefficientTable | None = None,
) -> float:
    """Gene diversity of a population: ``1 − `` its average mean kinship.

    Parameters
    ----------
    pedigree : Pedigree
    population : iterable of str, optional
        Default: the animals without offspring.
    inbreeding : CoefficientTable, optional
        Inbreeding of ``pedigree`` if already computed.

    Returns
    -------
    float

    Raises
    ------
    KeyError
        If an id is not in the pedigree.
    ValueError
        If the population is empty.

    Examples
    --------
    Two unrelated founders keep ``1 − 1/4 = 0.75``:

    >>> from reptidex.engine.pedigree import parse_csv
    >>> gene_diversity(parse_csv("id,sire,dam\\nS,,\\nD,,\\n"), ["S", "D"])
    0.75

    References
    ----------
    .. [1] Lacy, R. C. (1995). Clarification of genetic terms and their use in the
       management of captive populations. Zoo Biology 14, 565-578.
    """
    chosen = _population(pedigree, population)
    table = mean_kinship(
        pedigree, [pedigree.ids[i] for i in chosen.tolist()], inbreeding=inbreeding
    )
    return float(1.0 - table.array[chosen].mean())


@dataclass(frozen=True, slots=True)
class PedigreeSummary:
    """Headline figures of a pedigree (see :func:`summarize`)."""

    animals: int
    founders: int
    generations: int
    mean_completeness: float
    mean_equivalent_generations: float
    mean_inbreeding: float
    inbred: int
    highest_inbreeding: float
    most_inbred: str | None


def summarize(pedigree: Pedigree, *, inbreeding: CoefficientTable | None = None) -> PedigreeSummary:
    """Size, depth, founders, completeness and inbreeding of a pedigree.

    Parameters
    ----------
    pedigree : Pedigree
    inbreeding : CoefficientTable, optional
        Inbreeding of ``pedigree`` if already computed.

    Returns
    -------
    PedigreeSummary
        ``generations`` is the deepest generation (founders are 0);
        ``mean_completeness`` is the mean 5-generation completeness index.

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> s = summarize(parse_csv("id,sire,dam\\nS,,\\nD,,\\nB,S,D\\nG,S,D\\nK,B,G\\n"))
    >>> s.animals, s.founders, s.generations, s.highest_inbreeding, s.most_inbred
    (5, 2, 2, 0.25, 'K')
    """
    f = (inbreeding if inbreeding is not None else _inbreeding(pedigree)).array
    n = len(pedigree)
    top = int(np.argmax(f)) if n else -1
    return PedigreeSummary(
        animals=n,
        founders=len(founders(pedigree)),
        generations=int(pedigree.depth.max(initial=0)),
        mean_completeness=float(completeness_index(pedigree).array.mean()) if n else 0.0,
        mean_equivalent_generations=(
            float(equivalent_generations(pedigree).array.mean()) if n else 0.0
        ),
        mean_inbreeding=float(f.mean()) if n else 0.0,
        inbred=int(np.count_nonzero(f > 0)),
        highest_inbreeding=float(f[top]) if n else 0.0,
        most_inbred=pedigree.ids[top] if n and f[top] > 0 else None,
    )
