"""Pedigree results as pandas objects, labelled by animal id (the ``reptidex[pandas]`` extra).

pandas is imported only when one of these is called; without it they raise an
:class:`ImportError` naming the extra that installs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reptidex.engine import _optional
from reptidex.engine.pedigree.inbreeding import CoefficientTable, kinship_matrix
from reptidex.engine.pedigree.model import Pedigree

if TYPE_CHECKING:  # pandas is optional: only its name is needed to check the types
    import pandas as pd

__all__ = ["coefficient_series", "kinship_frame"]


def coefficient_series(table: CoefficientTable, name: str | None = None) -> pd.Series[Any]:
    """A :class:`CoefficientTable` as a pandas Series of floats indexed by animal id.

    Parameters
    ----------
    table : CoefficientTable
        From :func:`~reptidex.engine.pedigree.inbreeding`, :func:`mean_kinship`, ...
    name : str, optional
        The Series' name (``"F"``, say).

    Returns
    -------
    pandas.Series
        One value per animal, in the order of ``table.pedigree.ids`` (parents before
        offspring), the index named ``"id"``. ``series[list(ped.record_order)]`` puts it in
        the order the records came.

    Raises
    ------
    ImportError
        If pandas is not installed (``pip install 'reptidex[pandas]'``).

    Examples
    --------
    >>> from reptidex.engine.pedigree import Animal, Pedigree, inbreeding
    >>> ped = Pedigree([Animal("S"), Animal("D"), Animal("B", "S", "D"),
    ...                 Animal("G", "S", "D"), Animal("X", "B", "G")])
    >>> coefficient_series(inbreeding(ped), "F")
    id
    S    0.00
    D    0.00
    B    0.00
    G    0.00
    X    0.25
    Name: F, dtype: float64
    """
    pd = _optional.pandas()
    index = pd.Index(table.pedigree.ids, name="id", dtype=object)
    return pd.Series(table.array.copy(), index=index, name=name)


def kinship_frame(
    pedigree: Pedigree,
    ids: Sequence[str],
    *,
    inbreeding: CoefficientTable | None = None,
) -> pd.DataFrame:
    """Kinship coefficients among chosen animals as a DataFrame labelled by id on both axes.

    The values are those of :func:`~reptidex.engine.pedigree.kinship_matrix` (Colleau 2002),
    row ``a`` column ``b`` the kinship of ``a`` and ``b``.

    Parameters
    ----------
    pedigree : Pedigree
    ids : sequence of str
        The animals, in the order of the rows and of the columns.
    inbreeding : CoefficientTable, optional
        Inbreeding of ``pedigree`` if already computed.

    Returns
    -------
    pandas.DataFrame
        Square and symmetric; the diagonal holds ``(1 + F) / 2``. Both axes are named ``"id"``.

    Raises
    ------
    KeyError
        If an id is not in the pedigree.
    ImportError
        If pandas is not installed (``pip install 'reptidex[pandas]'``).

    Examples
    --------
    >>> from reptidex.engine.pedigree import parse_csv
    >>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nB,S,D\\nG,S,D\\n")
    >>> frame = kinship_frame(ped, ["B", "G", "S"])
    >>> float(frame.loc["B", "G"]), float(frame.loc["S", "S"])
    (0.25, 0.5)
    >>> frame.index.tolist() == frame.columns.tolist() == ["B", "G", "S"]
    True

    References
    ----------
    .. [1] Colleau, J.-J. (2002). Genet. Sel. Evol. 34, 409-421.
    """
    pd = _optional.pandas()
    labels = [str(i) for i in ids]
    matrix = kinship_matrix(pedigree, labels, inbreeding=inbreeding)
    return pd.DataFrame(
        matrix,
        index=pd.Index(labels, name="id", dtype=object),
        columns=pd.Index(labels, name="id", dtype=object),
    )
