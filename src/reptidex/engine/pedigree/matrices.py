"""The numerator relationship matrix ``A`` and its inverse by Henderson's rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reptidex.engine.pedigree.inbreeding import (
    CoefficientTable,
    kinship_matrix,
    mendelian_sampling_factors,
)
from reptidex.engine.pedigree.inbreeding import (
    inbreeding as compute_inbreeding,
)
from reptidex.engine.pedigree.model import Pedigree

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["SparseMatrix", "relationship_matrix", "relationship_matrix_inverse"]


@dataclass(frozen=True, slots=True, eq=False)
class SparseMatrix:
    """A sparse square matrix in coordinate form (one entry per stored position).

    Attributes
    ----------
    labels : tuple of str
        The animal of each row and column.
    rows, cols : ndarray of int
        Positions of the stored entries (both triangles of a symmetric matrix).
    values : ndarray of float
        The entries.

    Examples
    --------
    >>> import numpy as np
    >>> m = SparseMatrix(("a", "b"), np.array([0, 1]), np.array([0, 1]), np.array([2.0, 3.0]))
    >>> m.to_dense().tolist(), m.shape
    ([[2.0, 0.0], [0.0, 3.0]], (2, 2))
    """

    labels: tuple[str, ...]
    rows: IntArray
    cols: IntArray
    values: FloatArray

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, n)``."""
        return (len(self.labels), len(self.labels))

    def to_dense(self) -> FloatArray:
        """The matrix as a dense numpy array (duplicates summed)."""
        out = np.zeros(self.shape, dtype=np.float64)
        np.add.at(out, (self.rows, self.cols), self.values)
        return out


def relationship_matrix(
    pedigree: Pedigree,
    ids: Sequence[str] | None = None,
    *,
    inbreeding: CoefficientTable | None = None,
) -> FloatArray:
    """The numerator (additive genetic) relationship matrix ``A`` of chosen animals.

    ``A = 2K`` where ``K`` is the kinship matrix; the diagonal holds ``1 + F``.

    Parameters
    ----------
    pedigree : Pedigree
    ids : sequence of str, optional
        The animals (default: all, in the order of ``pedigree.ids``; dense, so keep
        it to a few thousand).
    inbreeding : CoefficientTable, optional
        Inbreeding of ``pedigree`` if already computed.

    Returns
    -------
    ndarray of shape (m, m)

    Raises
    ------
    KeyError
        If an id is not in the pedigree.

    Examples
    --------
    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D")])
    >>> relationship_matrix(ped).tolist()
    [[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.5, 0.5, 1.0]]

    References
    ----------
    .. [1] Henderson, C. R. (1976). Biometrics 32, 69-83.
    """
    chosen = pedigree.ids if ids is None else ids
    return 2.0 * kinship_matrix(pedigree, chosen, inbreeding=inbreeding)


def relationship_matrix_inverse(
    pedigree: Pedigree, *, inbreeding: CoefficientTable | None = None
) -> SparseMatrix:
    """The inverse of ``A`` by Henderson's rules, accounting for inbreeding (Quaas 1976).

    For each animal ``i`` with Mendelian sampling factor ``d_i`` and ``α = 1/d_i``: add
    ``α`` at ``(i, i)``, ``-α/2`` between ``i`` and each known parent, and ``α/4`` between
    every pair of its known parents (both ways) and on their diagonals. Linear in the
    size of the pedigree; entries are summed so each position appears once.

    Parameters
    ----------
    pedigree : Pedigree
    inbreeding : CoefficientTable, optional
        Inbreeding of ``pedigree`` if already computed.

    Returns
    -------
    SparseMatrix
        Rows and columns in the order of ``pedigree.ids``; both triangles stored.

    Examples
    --------
    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D")])
    >>> relationship_matrix_inverse(ped).to_dense().tolist()
    [[1.5, 0.5, -1.0], [0.5, 1.5, -1.0], [-1.0, -1.0, 2.0]]

    References
    ----------
    .. [1] Henderson, C. R. (1976). A simple method for computing the inverse of a
       numerator relationship matrix used in prediction of breeding values.
       Biometrics 32, 69-83.
    .. [2] Quaas, R. L. (1976). Computing the diagonal elements and inverse of a large
       numerator relationship matrix. Biometrics 32, 949-953.
    """
    table = inbreeding if inbreeding is not None else compute_inbreeding(pedigree)
    sire, dam = pedigree.sire, pedigree.dam
    alpha = 1.0 / mendelian_sampling_factors(sire, dam, table.array)
    n = len(pedigree)
    me = np.arange(n, dtype=np.int64)
    rows: list[IntArray] = [me]
    cols: list[IntArray] = [me]
    vals: list[FloatArray] = [alpha]
    for parent in (sire, dam):
        known = parent >= 0
        p, i, a = parent[known], me[known], alpha[known]
        rows += [i, p, p]
        cols += [p, i, p]
        vals += [-0.5 * a, -0.5 * a, 0.25 * a]
    both = (sire >= 0) & (dam >= 0)
    s, d, a = sire[both], dam[both], alpha[both]
    rows += [s, d]
    cols += [d, s]
    vals += [0.25 * a, 0.25 * a]
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    v = np.concatenate(vals)
    key = r * n + c
    unique, where = np.unique(key, return_inverse=True)
    summed = np.bincount(where, weights=v, minlength=unique.shape[0]).astype(np.float64)
    out_r = unique // n
    out_c = unique % n
    for array in (out_r, out_c, summed):
        array.flags.writeable = False
    return SparseMatrix(pedigree.ids, out_r, out_c, summed)
