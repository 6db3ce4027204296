"""The tabular method: the reference that the fast algorithms are checked against.

The tabular method (Emik & Terrill 1949; Cruden 1949) fills the kinship table row by row:
``K[i, j] = (K[s_i, j] + K[d_i, j]) / 2`` for ``j`` older than ``i`` and
``K[i, i] = (1 + K[s_i, d_i]) / 2``. Its cost is the square of the pedigree, so it is for
small pedigrees, tests, and exact answers.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import numpy.typing as npt

from reptidex.engine.pedigree.inbreeding import _ancestor_mask
from reptidex.engine.pedigree.model import Pedigree

FloatArray = npt.NDArray[np.float64]

__all__ = ["exact_inbreeding", "exact_kinship", "tabular_kinship_matrix"]

_TABULAR_LIMIT = 20_000


def tabular_kinship_matrix(pedigree: Pedigree) -> FloatArray:
    """The full kinship matrix by the tabular method, in the order of ``pedigree.ids``.

    Parameters
    ----------
    pedigree : Pedigree
        At most 20,000 animals (the table is dense).

    Returns
    -------
    ndarray of shape (n, n)

    Raises
    ------
    ValueError
        If the pedigree is too large for a dense table.

    Examples
    --------
    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("K", "S", "D")])
    >>> tabular_kinship_matrix(ped).tolist()
    [[0.5, 0.0, 0.25], [0.0, 0.5, 0.25], [0.25, 0.25, 0.5]]

    References
    ----------
    .. [1] Emik, L. O. & Terrill, C. E. (1949). Systematic procedures for calculating
       inbreeding coefficients. Journal of Heredity 40, 51-55.
    """
    n = len(pedigree)
    if n > _TABULAR_LIMIT:
        raise ValueError(f"the tabular method is limited to {_TABULAR_LIMIT} animals")
    table = np.zeros((n, n), dtype=np.float64)
    sire = pedigree.sire.tolist()
    dam = pedigree.dam.tolist()
    for i in range(n):
        s, d = sire[i], dam[i]
        row = table[i, :i]
        if s >= 0:
            row += 0.5 * table[s, :i]
        if d >= 0:
            row += 0.5 * table[d, :i]
        table[:i, i] = row
        table[i, i] = 0.5 * (1.0 + (table[s, d] if s >= 0 and d >= 0 else 0.0))
    return table


def exact_kinship(pedigree: Pedigree, a: str, b: str) -> Fraction:
    """Kinship of two animals as an exact fraction (tabular method over their ancestors).

    Parameters
    ----------
    pedigree : Pedigree
    a, b : str

    Returns
    -------
    fractions.Fraction

    Raises
    ------
    KeyError
        If an id is not in the pedigree.

    Examples
    --------
    Double first cousins:

    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> ped = Pedigree([Animal("S1"), Animal("D1"), Animal("S2"), Animal("D2"),
    ...     Animal("b1", "S1", "D1"), Animal("b2", "S2", "D2"),
    ...     Animal("g1", "S1", "D1"), Animal("g2", "S2", "D2"),
    ...     Animal("x", "b1", "b2"), Animal("y", "g2", "g1")])
    >>> exact_kinship(ped, "x", "y")
    Fraction(1, 8)
    """
    ia, ib = pedigree.index(a), pedigree.index(b)
    keep = np.flatnonzero(
        _ancestor_mask(pedigree.sire, pedigree.dam, np.array([ia, ib], dtype=np.int64))
    ).tolist()
    local = {p: k for k, p in enumerate(keep)}
    sire = [local.get(int(pedigree.sire[p]), -1) for p in keep]
    dam = [local.get(int(pedigree.dam[p]), -1) for p in keep]
    half = Fraction(1, 2)
    zero = Fraction(0)
    table: list[list[Fraction]] = []
    for i in range(len(keep)):
        s, d = sire[i], dam[i]
        row = [
            half * ((table[s][j] if s >= 0 else zero) + (table[d][j] if d >= 0 else zero))
            for j in range(i)
        ]
        self_kin = half * (1 + (table[s][d] if s >= 0 and d >= 0 else zero))
        row.append(self_kin)
        for j in range(i):
            table[j].append(row[j])
        table.append(row)
    return table[local[ia]][local[ib]]


def exact_inbreeding(pedigree: Pedigree, ident: str) -> Fraction:
    """Inbreeding coefficient of one animal as an exact fraction.

    Parameters
    ----------
    pedigree : Pedigree
    ident : str

    Returns
    -------
    fractions.Fraction
        The kinship of its parents; zero if a parent is unknown.

    Raises
    ------
    KeyError
        If ``ident`` is not in the pedigree.

    Examples
    --------
    The fourth generation of full-sib mating:

    >>> from reptidex.engine.pedigree import Pedigree, Animal
    >>> rows = [Animal("s0"), Animal("d0")]
    >>> for g in range(1, 5):
    ...     rows += [Animal(f"s{g}", f"s{g-1}", f"d{g-1}"),
    ...              Animal(f"d{g}", f"s{g-1}", f"d{g-1}")]
    >>> [str(exact_inbreeding(Pedigree(rows), f"s{g}")) for g in range(1, 5)]
    ['0', '1/4', '3/8', '1/2']
    """
    sire, dam = pedigree.parents(ident)
    if sire is None or dam is None:
        return Fraction(0)
    return exact_kinship(pedigree, sire, dam)
