"""A cross's results as columns: the genotype table by locus, and pandas DataFrames of it and of
the outcomes (the ``reptidex[pandas]`` extra).

The genotype table of a cross holds, per genotype, one diplotype index per block (see
:class:`~reptidex.engine.genetics.cross.GenotypeTable`). A block has few diplotypes, so each
locus of it is labelled once per diplotype (``"Clown/+"``) and the rows take their labels by
indexing with the block's codes: categorical columns made without a Python object per row.
A sex-linked block gives a ``sex`` column besides its loci.

pandas is imported only when a DataFrame is asked for; without it the call raises an
:class:`ImportError` naming the extra that installs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from reptidex.engine import _html, _optional
from reptidex.engine.genetics.grouped import Outcome
from reptidex.engine.genetics.model import SEX_LOCUS, Block, Catalog
from reptidex.engine.genetics.parsing import _format_probability as format_probability
from reptidex.engine.genetics.phenotype import Diplotype, block_phenotype

if TYPE_CHECKING:  # pandas is optional, and cross imports this module
    import pandas as pd

    from reptidex.engine.genetics.cross import GenotypeTable

__all__ = [
    "LocusColumn",
    "genotype_columns",
    "genotype_frame",
    "genotype_table_html",
    "outcomes_frame",
]

WILD = "+"
"""How a locus table writes the wild-type allele."""

Codes = npt.NDArray[np.intp]


class LocusColumn:
    """One column of a genotype table: a locus (or the sex) as category labels and one code
    per genotype, ``labels[codes[i]]`` being genotype ``i``'s label.

    ``phase`` marks the column of a linked block's two haplotypes (``"X-+ | Y-Banana"``),
    which its loci's columns, unphased, do not tell apart.
    """

    __slots__ = ("codes", "labels", "name", "phase")

    def __init__(
        self, name: str, labels: tuple[str, ...], codes: Codes, *, phase: bool = False
    ) -> None:
        self.name = name
        self.labels = labels
        self.codes = codes
        self.phase = phase

    def __repr__(self) -> str:
        return f"<LocusColumn {self.name}: {', '.join(self.labels)}>"

    def values(self) -> list[str]:
        """Every genotype's label, as Python strings (one per row: for small tables)."""
        return [self.labels[c] for c in self.codes.tolist()]


def _allele_name(catalog: Catalog, locus: int, allele: int) -> str:
    """An allele as a locus table writes it: its name, or :data:`WILD` for the wild type."""
    return WILD if allele == 0 else catalog.loci[locus].allele(allele).name


def _allele_pair(catalog: Catalog, locus: int, first: int, second: int) -> str:
    """``"Pastel/+"``, ``"Lesser/Mojave"``: the allele of the higher index first."""
    high, low = max(first, second), min(first, second)
    return f"{_allele_name(catalog, locus, high)}/{_allele_name(catalog, locus, low)}"


def _haplotype(catalog: Catalog, block: Block, haplotype: tuple[int, ...]) -> str:
    """``"Y-Banana"``, ``"X-+"``: a linked block's alleles along one chromosome."""
    return "-".join(
        catalog.sex_system.value[haplotype[position]]
        if locus == SEX_LOCUS
        else _allele_name(catalog, locus, haplotype[position])
        for position, locus in enumerate(block.loci)
    )


def _block_columns(
    catalog: Catalog, block: Block, diplotypes: Sequence[Diplotype], codes: Codes
) -> list[LocusColumn]:
    columns = []
    names = []
    for position, locus in enumerate(block.loci):
        if locus == SEX_LOCUS:
            name = "sex"
            texts = [str(block_phenotype(catalog, block, d).sex) for d in diplotypes]
        else:
            name = catalog.loci[locus].name
            texts = [
                _allele_pair(catalog, locus, d[0][position], d[1][position]) for d in diplotypes
            ]
        columns.append(_column(name, texts, codes))
        names.append(name)
    if len(block.loci) > 1:  # linked loci: the phase, which the locus columns do not show
        texts = [" | ".join(_haplotype(catalog, block, h) for h in d) for d in diplotypes]
        columns.append(_column(" & ".join(names) + " phase", texts, codes, phase=True))
    return columns


def _column(name: str, texts: list[str], codes: Codes, *, phase: bool = False) -> LocusColumn:
    """The column of labels ``texts`` (one per diplotype) for rows of diplotype ``codes``."""
    labels = tuple(dict.fromkeys(texts))
    per_diplotype = np.array([labels.index(t) for t in texts])
    return LocusColumn(name, labels, per_diplotype[codes], phase=phase)


def genotype_columns(table: GenotypeTable) -> list[LocusColumn]:
    """The genotype table by locus: one :class:`LocusColumn` per locus of each block (and
    ``sex`` for a sex-linked block), rows in table order, made with numpy indexing.

    Parameters
    ----------
    table : GenotypeTable
        From :meth:`CrossResult.genotype_table`.

    Returns
    -------
    list of LocusColumn
        In block order; a block certainly wild type in both parents has none.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog, cross_morphs
    >>> result = cross_morphs(load_catalog("ball_python"), "Pastel het Clown", "het Clown")
    >>> table = result.genotype_table()
    >>> [(c.name, c.values()) for c in genotype_columns(table)]  # doctest: +NORMALIZE_WHITESPACE
    [('Pastel', ['+/+', '+/+', '+/+', 'Pastel/+', 'Pastel/+', 'Pastel/+']),
     ('Clown', ['+/+', 'Clown/+', 'Clown/Clown', '+/+', 'Clown/+', 'Clown/Clown'])]
    >>> [str(table.probability(i)) for i in range(len(table))]
    ['1/8', '1/4', '1/8', '1/8', '1/4', '1/8']
    """
    codes = table.codes
    columns: list[LocusColumn] = []
    for b, block in enumerate(table.blocks):
        columns += _block_columns(table.catalog, block, table.diplotypes[b], codes[:, b])
    return columns


def genotype_frame(table: GenotypeTable) -> pd.DataFrame:
    """The genotype table as a pandas DataFrame: a categorical column per locus (and ``sex``
    where sex-linkage makes it matter), then ``probability`` (float) and ``numerator`` (the
    exact probability is ``numerator / frame.attrs["denominator"]``).

    No Python object is made per genotype: the 59,049 genotypes of a 10-gene cross take
    about 0.03 s (measured on a busy 2-core machine), where iterating them as
    :class:`Genotype` objects takes about 10 s.

    Parameters
    ----------
    table : GenotypeTable

    Returns
    -------
    pandas.DataFrame
        One row per genotype, in table order.

    Raises
    ------
    ImportError
        If pandas is not installed (``pip install 'reptidex[pandas]'``).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog, cross_morphs
    >>> result = cross_morphs(load_catalog("ball_python"), "Pastel het Clown", "het Clown")
    >>> frame = genotype_frame(result.genotype_table())
    >>> list(frame.columns), frame.attrs["denominator"]
    (['Pastel', 'Clown', 'probability', 'numerator'], 8)
    >>> frame.groupby("Clown", observed=True)["probability"].sum().to_dict()
    {'+/+': 0.25, 'Clown/+': 0.5, 'Clown/Clown': 0.25}
    """
    pd = _optional.pandas()
    data = {
        c.name: pd.Categorical.from_codes(c.codes, categories=list(c.labels))
        for c in genotype_columns(table)
    }
    data["probability"] = table.probabilities
    data["numerator"] = table.numerators
    frame = pd.DataFrame(data)
    frame.attrs["denominator"] = table.denominator
    return frame


def genotype_table_html(table: GenotypeTable) -> str:
    """A notebook's table of the first genotypes (at most :data:`reptidex.engine._html.ROWS`)
    of a genotype table, each with its exact probability."""
    columns = genotype_columns(table)
    shown = min(len(table), _html.ROWS)
    labels = [[c.labels[code] for code in c.codes[:shown].tolist()] for c in columns]
    rows = [[*(column[i] for column in labels), table.probability(i)] for i in range(shown)]
    headers = [*(c.name for c in columns), "probability"]
    return _html.table(repr(table), headers, rows, len(table))


def _possible(outcome: Outcome) -> str:
    return ", ".join(
        f"{format_probability(h.probability)} het {h.gene}" for h in outcome.possible_hets
    )


def outcomes_frame(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """Outcomes of a cross (all of :meth:`CrossResult.outcomes`, or some, as
    :meth:`CrossResult.most_likely` gives) as a pandas DataFrame, one row per outcome.

    Columns: ``phenotype``; ``probability`` (float) and ``fraction`` (the exact
    :class:`~fractions.Fraction`); ``hets`` and ``possible_hets`` as breeders write them
    (``"66% het Clown"``); ``sex`` (``None`` unless sex-linkage makes it matter); ``lethal``.

    Parameters
    ----------
    outcomes : sequence of Outcome

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ImportError
        If pandas is not installed (``pip install 'reptidex[pandas]'``).

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog, cross_morphs
    >>> result = cross_morphs(load_catalog("ball_python"), "Pastel het Clown", "het Clown")
    >>> frame = outcomes_frame(result.outcomes())
    >>> frame[["phenotype", "probability", "possible_hets"]].to_dict("records")[:2]
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'phenotype': 'Normal', 'probability': 0.375, 'possible_hets': '66% het Clown'},
     {'phenotype': 'Pastel', 'probability': 0.375, 'possible_hets': '66% het Clown'}]
    >>> str(frame["fraction"].sum())
    '1'
    """
    pd = _optional.pandas()
    # sex stays an object column (None or text) where pandas would make text its str dtype
    return pd.DataFrame(
        {
            "phenotype": [o.phenotype for o in outcomes],
            "probability": np.array([float(o.probability) for o in outcomes]),
            "fraction": [o.probability for o in outcomes],
            "hets": [", ".join(o.hets) for o in outcomes],
            "possible_hets": [_possible(o) for o in outcomes],
            "sex": pd.Series(
                [None if o.sex is None else str(o.sex) for o in outcomes], dtype=object
            ),
            "lethal": np.array([o.lethal for o in outcomes], dtype=bool),
        }
    )
