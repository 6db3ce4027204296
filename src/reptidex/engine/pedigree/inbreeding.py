"""Inbreeding and kinship at scale: Meuwissen & Luo, vectorised over families and generations.

The method
----------
Write the numerator relationship matrix as ``A = L D L'`` (Henderson 1976; Quaas 1976):
``L`` is lower triangular with ``L[i, i] = 1`` and row ``i`` equal to ``e_i`` plus half
the rows of the parents; ``D`` is diagonal with the Mendelian sampling factor ``d_i``
(``1/2 - (F_s + F_d)/4`` with both parents known, ``3/4 - F_p/4`` with one, ``1`` with
none). Then ``F_i = sum_j L[i, j]^2 d_j - 1`` (Meuwissen & Luo 1992) and the kinship
(coancestry) of ``a`` and ``b`` is ``sum_j L[a, j] L[b, j] d_j / 2``.

Meuwissen & Luo walk the ancestors of one animal at a time, oldest last. Here the walk is
done for many animals at once with numpy: the non-zero entries of their ``L`` rows are
kept as ``(row, ancestor, coefficient)`` arrays, gathered one generation layer at a time
from the youngest down, summed where paths meet, and passed on to the parents at half
weight. Full sibs share their inbreeding, so one row per family (sire-dam pair) suffices
(the grouping of Sargolzaei, Iwaisaki & Colleau 2005). Families are processed in order
of generation depth so that every ancestor's ``d_j`` is known when it is needed. The cost
is the total number of (family, ancestor) pairs, as in Meuwissen & Luo, never the square
of the pedigree.

References
----------
.. [1] Meuwissen, T. H. E. & Luo, Z. (1992). Computing inbreeding coefficients in large
   populations. Genetics Selection Evolution 24, 305-313.
.. [2] Sargolzaei, M., Iwaisaki, H. & Colleau, J.-J. (2005). A fast algorithm for
   computing inbreeding coefficients in large populations. Journal of Animal Breeding
   and Genetics 122, 325-331.
.. [3] Henderson, C. R. (1976). A simple method for computing the inverse of a numerator
   relationship matrix used in prediction of breeding values. Biometrics 32, 69-83.
.. [4] Quaas, R. L. (1976). Computing the diagonal elements and inverse of a large
   numerator relationship matrix. Biometrics 32, 949-953.
.. [5] Colleau, J.-J. (2002). An indirect approach to the extensive calculation of
   relationship coefficients. Genetics Selection Evolution 34, 409-421.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from reptidex.engine import _html
from reptidex.engine.pedigree.model import Pedigree

if TYPE_CHECKING:  # pandas is an optional extra: only its name is needed to check the types
    import pandas as pd

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Progress = Callable[[int, int], None]

__all__ = [
    "CoefficientTable",
    "inbreeding",
    "kinship",
    "kinship_matrix",
    "mendelian_sampling_factors",
    "prospective_inbreeding",
    "update_inbreeding",
]

# Upper bound on (row, ancestor) entries held at once; keeps memory flat on huge inputs.
_ENTRY_BUDGET = 6_000_000


class CoefficientTable(Mapping[str, float]):
    """Read-only mapping from animal id to a coefficient (e.g. its inbreeding ``F``).

    ``array`` is the same data as a read-only numpy array in the order of
    ``pedigree.ids``, which is what large computations should use.

    Examples
    --------
    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D")])
    >>> table = inbreeding(ped)
    >>> table["K"], len(table), table.array.tolist()
    (0.0, 3, [0.0, 0.0, 0.0])
    """

    __slots__ = ("_pedigree", "_values")

    def __init__(self, pedigree: Pedigree, values: FloatArray) -> None:
        if values.shape != (len(pedigree),):
            raise ValueError("one value per animal of the pedigree is needed")
        frozen = np.array(values, dtype=np.float64)
        frozen.flags.writeable = False
        self._pedigree = pedigree
        self._values = frozen

    @property
    def pedigree(self) -> Pedigree:
        """The pedigree the coefficients belong to."""
        return self._pedigree

    @property
    def array(self) -> FloatArray:
        """The coefficients as a read-only array in the order of ``pedigree.ids``."""
        return self._values

    def __getitem__(self, ident: str) -> float:
        return float(self._values[self._pedigree.index(ident)])

    def __iter__(self) -> Iterator[str]:
        return iter(self._pedigree.ids)

    def __len__(self) -> int:
        return len(self._pedigree)

    def __repr__(self) -> str:
        return f"<CoefficientTable of {len(self)} animals>"

    def _repr_html_(self) -> str:
        """A notebook's table of the first animals (in ``pedigree.ids`` order) and values.

        >>> from reptidex.engine.pedigree import Pedigree, Animal
        >>> inbreeding(Pedigree([Animal("S")]))._repr_html_()
        '<p>&lt;CoefficientTable of 1 animals&gt;</p><table><tr><th>id</th><th>value</th></tr><tr><td>S</td><td>0.0</td></tr></table>'
        """
        values = self._values[: _html.ROWS].tolist()
        shown = [(ident, values[k]) for k, ident in enumerate(self._pedigree.ids[: _html.ROWS])]
        return _html.table(repr(self), ("id", "value"), shown, len(self))

    def to_pandas(self, name: str | None = None) -> pd.Series[Any]:
        """The coefficients as a pandas Series indexed by animal id (needs the
        ``reptidex[pandas]`` extra); see :func:`~reptidex.engine.pedigree.frames.coefficient_series`.

        Examples
        --------
        >>> from reptidex.engine.pedigree import Pedigree, Animal
        >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D")])
        >>> inbreeding(ped).to_pandas("F").to_dict()
        {'S': 0.0, 'D': 0.0, 'K': 0.0}
        """
        from reptidex.engine.pedigree.frames import coefficient_series  # frames imports us

        return coefficient_series(self, name)


def mendelian_sampling_factors(sire: IntArray, dam: IntArray, f: FloatArray) -> FloatArray:
    """The diagonal of ``D`` in ``A = L D L'``: each animal's Mendelian sampling factor.

    Parameters
    ----------
    sire, dam : ndarray of int
        Parent positions (``-1`` unknown), parents before offspring.
    f : ndarray of float
        Inbreeding coefficients of (at least) the parents.

    Returns
    -------
    ndarray of float
        ``1/2 - (F_s + F_d)/4`` with both parents known, ``3/4 - F_p/4`` with one,
        ``1`` with none (Quaas 1976).

    Examples
    --------
    >>> import numpy as np
    >>> mendelian_sampling_factors(np.array([-1, -1, 0]), np.array([-1, -1, 1]),
    ...                            np.zeros(3)).tolist()
    [1.0, 1.0, 0.5]
    """
    has_s = sire >= 0
    has_d = dam >= 0
    fs = np.where(has_s, f[np.where(has_s, sire, 0)], 0.0)
    fd = np.where(has_d, f[np.where(has_d, dam, 0)], 0.0)
    both = has_s & has_d
    one = has_s ^ has_d
    out = np.ones(sire.shape[0], dtype=np.float64)
    out[both] = 0.5 - 0.25 * (fs[both] + fd[both])
    out[one] = 0.75 - 0.25 * (fs[one] + fd[one])
    return out


def _push(
    buckets: dict[int, list[tuple[IntArray, IntArray, FloatArray]]],
    depth: IntArray,
    rows: IntArray,
    animals: IntArray,
    weights: FloatArray,
) -> None:
    if rows.size == 0:
        return
    levels = depth[animals]
    low, high = int(levels.min()), int(levels.max())
    if low == high:
        buckets.setdefault(low, []).append((rows, animals, weights))
        return
    order = np.argsort(levels, kind="stable")
    levels = levels[order]
    cuts = np.flatnonzero(levels[1:] != levels[:-1]) + 1
    for part in np.split(order, cuts):
        buckets.setdefault(int(depth[animals[part[0]]]), []).append(
            (rows[part], animals[part], weights[part])
        )


def _ancestral_rows(
    sire: IntArray,
    dam: IntArray,
    depth: IntArray,
    rows: IntArray,
    animals: IntArray,
    weights: FloatArray,
) -> Iterator[tuple[IntArray, IntArray, FloatArray]]:
    """Yield the non-zero entries of rows of ``L``, one generation layer at a time.

    Starting from seed entries ``(row, animal, weight)``, yield ``(rows, ancestors,
    coefficients)`` with each (row, ancestor) pair once, youngest layer first.
    """
    n_rows = int(rows.max()) + 1 if rows.size else 0
    buckets: dict[int, list[tuple[IntArray, IntArray, FloatArray]]] = {}
    _push(buckets, depth, rows, animals, weights)
    while buckets:
        level = max(buckets)
        parts = buckets.pop(level)
        r = np.concatenate([p[0] for p in parts])
        a = np.concatenate([p[1] for p in parts])
        w = np.concatenate([p[2] for p in parts])
        key = a * n_rows + r
        order = np.argsort(key)
        key = key[order]
        first = np.empty(key.shape[0], dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        w = np.add.reduceat(w[order], starts)
        r = r[order[starts]]
        a = a[order[starts]]
        yield r, a, w
        if level == 0:
            continue
        s = sire[a]
        d = dam[a]
        ks = s >= 0
        kd = d >= 0
        _push(
            buckets,
            depth,
            np.concatenate([r[ks], r[kd]]),
            np.concatenate([s[ks], d[kd]]),
            0.5 * np.concatenate([w[ks], w[kd]]),
        )


def _inbreeding_values(
    sire: IntArray,
    dam: IntArray,
    depth: IntArray,
    known: FloatArray | None = None,
    progress: Progress | None = None,
) -> FloatArray:
    """Inbreeding of every animal; the first ``len(known)`` animals are taken as given."""
    n = sire.shape[0]
    start = 0 if known is None else known.shape[0]
    f = np.zeros(n, dtype=np.float64)
    if known is not None:
        f[:start] = known
    dfac = np.ones(n, dtype=np.float64)
    todo = np.flatnonzero((sire >= 0) & (dam >= 0))
    todo = todo[todo >= start]
    if todo.size == 0:
        return f
    # one row per family: full sibs share their inbreeding
    pair = sire[todo] * n + dam[todo]
    families, member_family = np.unique(pair, return_inverse=True)
    fam_sire = families // n
    fam_dam = families % n
    fam_level = np.maximum(depth[fam_sire], depth[fam_dam]) + 1
    fam_f = np.zeros(families.shape[0], dtype=np.float64)
    by_level = np.argsort(fam_level, kind="stable")
    level_cuts = np.searchsorted(fam_level[by_level], np.arange(int(depth.max()) + 2))
    members_by_level = np.argsort(fam_level[member_family], kind="stable")
    member_cuts = np.searchsorted(
        fam_level[member_family][members_by_level], np.arange(int(depth.max()) + 2)
    )
    animals_by_depth = np.argsort(depth, kind="stable")
    depth_cuts = np.searchsorted(depth[animals_by_depth], np.arange(int(depth.max()) + 2))
    done = 0
    total = int(families.shape[0])
    chunk = 1024
    for level in range(1, int(depth.max()) + 1):
        layer = animals_by_depth[depth_cuts[level - 1] : depth_cuts[level]]
        dfac[layer] = mendelian_sampling_factors(sire[layer], dam[layer], f)
        fams = by_level[level_cuts[level] : level_cuts[level + 1]]
        pos = 0
        while pos < fams.shape[0]:
            block = fams[pos : pos + chunk]
            pos += block.shape[0]
            m = block.shape[0]
            local = np.arange(m, dtype=np.int64)
            seeds = np.concatenate([fam_sire[block], fam_dam[block]])
            acc = np.zeros(m, dtype=np.float64)
            entries = 0
            for r, a, w in _ancestral_rows(
                sire,
                dam,
                depth,
                np.concatenate([local, local]),
                seeds,
                np.full(2 * m, 0.5),
            ):
                acc += np.bincount(r, weights=w * w * dfac[a], minlength=m)
                entries += r.shape[0]
            # F = sum over ancestors + d_self - 1, with d_self = 1/2 - (F_s + F_d)/4
            fam_f[block] = acc - 0.5 - 0.25 * (f[fam_sire[block]] + f[fam_dam[block]])
            per_row = max(entries / m, 1.0)
            chunk = int(min(max(_ENTRY_BUDGET / per_row, 64), 200_000))
            done += m
            if progress is not None:
                progress(done, total)
        members = members_by_level[member_cuts[level] : member_cuts[level + 1]]
        f[todo[members]] = fam_f[member_family[members]]
    # rounding may leave tiny negative values for non-inbred animals
    np.maximum(f, 0.0, out=f)
    return f


def inbreeding(pedigree: Pedigree, *, progress: Progress | None = None) -> CoefficientTable:
    """Wright's inbreeding coefficient ``F`` of every animal.

    Uses the Meuwissen & Luo (1992) decomposition, vectorised over families (full sibs
    computed once, as in Sargolzaei, Iwaisaki & Colleau 2005) and generation layers;
    see the module documentation. The cost grows with the number of (family, ancestor)
    pairs, not with the square of the pedigree.

    Parameters
    ----------
    pedigree : Pedigree
    progress : callable, optional
        Called as ``progress(done, total)`` with the number of families finished.

    Returns
    -------
    CoefficientTable
        ``F`` by id; ``.array`` in the order of ``pedigree.ids``.

    Examples
    --------
    Full sibs mated (Wright 1922): their offspring has ``F = 1/4``.

    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("B", "S", "D"),
    ...                 Animal("G", "S", "D"), Animal("X", "B", "G")])
    >>> inbreeding(ped)["X"]
    0.25

    References
    ----------
    .. [1] Meuwissen, T. H. E. & Luo, Z. (1992). Genet. Sel. Evol. 24, 305-313.
    .. [2] Sargolzaei, M., Iwaisaki, H. & Colleau, J.-J. (2005). J. Anim. Breed. Genet.
       122, 325-331.
    """
    values = _inbreeding_values(pedigree.sire, pedigree.dam, pedigree.depth, progress=progress)
    return CoefficientTable(pedigree, values)


def update_inbreeding(
    previous: CoefficientTable, pedigree: Pedigree, *, progress: Progress | None = None
) -> CoefficientTable:
    """Inbreeding of an extended pedigree, computing only the animals that are new.

    Parameters
    ----------
    previous : CoefficientTable
        The result of :func:`inbreeding` on the pedigree before it was extended.
    pedigree : Pedigree
        The extended pedigree, as returned by ``Pedigree.extend`` (old animals first and
        unchanged).
    progress : callable, optional
        As for :func:`inbreeding`.

    Returns
    -------
    CoefficientTable

    Raises
    ------
    ValueError
        If ``pedigree`` does not start with the animals and parents of ``previous``.

    Examples
    --------
    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("B", "S", "D"),
    ...                 Animal("G", "S", "D")])
    >>> before = inbreeding(ped)
    >>> clutch = ped.extend([Animal("egg1", "B", "G"), Animal("egg2", "B", "G")])
    >>> update_inbreeding(before, clutch)["egg2"]
    0.25
    """
    old = previous.pedigree
    k = len(old)
    if pedigree is not old and (
        pedigree.ids[:k] != old.ids
        or not np.array_equal(pedigree.sire[:k], old.sire)
        or not np.array_equal(pedigree.dam[:k], old.dam)
    ):
        raise ValueError("the pedigree must extend the one the coefficients belong to")
    values = _inbreeding_values(
        pedigree.sire, pedigree.dam, pedigree.depth, known=previous.array, progress=progress
    )
    return CoefficientTable(pedigree, values)


def _ancestor_mask(sire: IntArray, dam: IntArray, seeds: IntArray) -> npt.NDArray[np.bool_]:
    mask = np.zeros(sire.shape[0], dtype=bool)
    frontier = np.unique(seeds)
    mask[frontier] = True
    while frontier.size:
        parents = np.concatenate([sire[frontier], dam[frontier]])
        parents = parents[parents >= 0]
        parents = np.unique(parents[~mask[parents]])
        mask[parents] = True
        frontier = parents
    return mask


def _sub_pedigree(
    pedigree: Pedigree, seeds: IntArray, known: CoefficientTable | None
) -> tuple[IntArray, IntArray, IntArray, IntArray, FloatArray]:
    """The ancestors of ``seeds``: (positions, sire, dam, depth, Mendelian factors)."""
    mask = _ancestor_mask(pedigree.sire, pedigree.dam, seeds)
    keep = np.flatnonzero(mask)
    rank = np.full(len(pedigree), -1, dtype=np.int64)
    rank[keep] = np.arange(keep.shape[0])
    s = pedigree.sire[keep]
    d = pedigree.dam[keep]
    s = np.where(s >= 0, rank[s], -1)
    d = np.where(d >= 0, rank[d], -1)
    depth = pedigree.depth[keep]
    if known is not None:
        if known.pedigree is not pedigree and known.pedigree.ids != pedigree.ids:
            raise ValueError("the inbreeding coefficients belong to another pedigree")
        f = known.array[keep]
    else:
        f = _inbreeding_values(s, d, depth)
    return keep, s, d, depth, mendelian_sampling_factors(s, d, f)


def kinship(
    pedigree: Pedigree,
    a: str,
    b: str,
    *,
    inbreeding: CoefficientTable | None = None,
) -> float:
    """Kinship (coancestry) coefficient of two animals.

    The probability that an allele drawn at random from ``a`` and one drawn from ``b``
    are identical by descent; half their additive relationship. Only the ancestors of
    ``a`` and ``b`` are visited.

    Parameters
    ----------
    pedigree : Pedigree
    a, b : str
        Animal ids (may be the same: ``kinship(x, x) = (1 + F_x) / 2``).
    inbreeding : CoefficientTable, optional
        Inbreeding of ``pedigree`` if already computed; saves work on large pedigrees.

    Returns
    -------
    float

    Raises
    ------
    KeyError
        If an id is not in the pedigree.

    Examples
    --------
    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S"), Animal("D1"), Animal("D2"),
    ...                 Animal("H1", "S", "D1"), Animal("H2", "S", "D2")])
    >>> kinship(ped, "H1", "H2"), kinship(ped, "S", "H1"), kinship(ped, "S", "S")
    (0.125, 0.25, 0.5)

    References
    ----------
    .. [1] Meuwissen, T. H. E. & Luo, Z. (1992). Genet. Sel. Evol. 24, 305-313.
    """
    return float(kinship_matrix(pedigree, [a, b], inbreeding=inbreeding)[0, 1])


def prospective_inbreeding(
    pedigree: Pedigree,
    sire: str,
    dam: str,
    *,
    inbreeding: CoefficientTable | None = None,
) -> float:
    """Inbreeding of the offspring of a planned pairing, without adding it to the pedigree.

    Equal to the kinship of the two parents (the prospective coefficient of inbreeding,
    COI, that a breeder wants before pairing).

    Parameters
    ----------
    pedigree : Pedigree
    sire, dam : str
        Animal ids of the planned parents.
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
        If ``sire`` and ``dam`` are the same animal.

    Examples
    --------
    A sire paired back to his daughter:

    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("daughter", "S", "D")])
    >>> prospective_inbreeding(ped, "S", "daughter")
    0.25
    """
    if sire == dam:
        raise ValueError("a pairing needs two different animals")
    return kinship(pedigree, sire, dam, inbreeding=inbreeding)


def kinship_matrix(
    pedigree: Pedigree,
    ids: Sequence[str],
    *,
    inbreeding: CoefficientTable | None = None,
) -> FloatArray:
    """Kinship coefficients among a chosen set of animals, as a dense matrix.

    Computes the rows of ``L`` of the chosen animals over their ancestors and forms
    ``K = L_S D L_S' / 2`` block by block, so the cost grows with the chosen animals and
    their ancestors, not with the whole pedigree squared.

    Parameters
    ----------
    pedigree : Pedigree
    ids : sequence of str
        The animals, in the order of the rows and columns.
    inbreeding : CoefficientTable, optional
        Inbreeding of ``pedigree`` if already computed.

    Returns
    -------
    ndarray of shape (len(ids), len(ids))
        Symmetric; the diagonal holds ``(1 + F) / 2``.

    Raises
    ------
    KeyError
        If an id is not in the pedigree.

    Examples
    --------
    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("B", "S", "D"),
    ...                 Animal("G", "S", "D")])
    >>> kinship_matrix(ped, ["B", "G", "S"]).tolist()
    [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25], [0.25, 0.25, 0.5]]

    References
    ----------
    .. [1] Colleau, J.-J. (2002). Genet. Sel. Evol. 34, 409-421.
    """
    positions = np.array([pedigree.index(i) for i in ids], dtype=np.int64)
    m = positions.shape[0]
    if m == 0:
        return np.zeros((0, 0))
    keep, s, d, depth, dfac = _sub_pedigree(pedigree, positions, inbreeding)
    rank = np.searchsorted(keep, positions)
    rows_r: list[IntArray] = []
    rows_a: list[IntArray] = []
    rows_w: list[FloatArray] = []
    for r, a, w in _ancestral_rows(
        s, d, depth, np.arange(m, dtype=np.int64), rank, np.ones(m, dtype=np.float64)
    ):
        rows_r.append(r)
        rows_a.append(a)
        rows_w.append(w * np.sqrt(dfac[a]))
    r_all = np.concatenate(rows_r)
    a_all = np.concatenate(rows_a)
    w_all = np.concatenate(rows_w)
    # dense blocks of columns keep memory bounded on large ancestries
    order = np.argsort(a_all, kind="stable")
    r_all, a_all, w_all = r_all[order], a_all[order], w_all[order]
    columns, col_index = np.unique(a_all, return_inverse=True)
    block = max(1, _ENTRY_BUDGET // (4 * m))
    result = np.zeros((m, m), dtype=np.float64)
    bounds = np.searchsorted(col_index, np.arange(0, columns.shape[0] + block, block))
    for lo, hi in itertools.pairwise(bounds):
        if lo == hi:
            continue
        first = col_index[lo]
        width = int(col_index[hi - 1] - first) + 1
        dense = np.zeros((m, width), dtype=np.float64)
        dense[r_all[lo:hi], col_index[lo:hi] - first] = w_all[lo:hi]
        result += dense @ dense.T
    result *= 0.5
    return result
