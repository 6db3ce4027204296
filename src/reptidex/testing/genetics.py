"""Hypothesis strategies for the genetics engine: species, genotypes, parents and morph names.

Every genotype drawn is valid for its species: at an allelic complex two different mutant
alleles come up often, and so do the pairs the catalog names as compounds (Blue-Eyed
Leucistic, Ultramel); an animal of known sex carries its species' sex-linked genes half the
time. Possible hets (``66% het Clown``) come from distributions over a few diplotypes.

Examples
--------
>>> from hypothesis import given
>>> from reptidex.engine.genetics import cross
>>> from reptidex.testing import parent_pairs
>>> @given(parent_pairs())
... def test_a_clutch_adds_up(pair):
...     assert sum(o.probability for o in cross(*pair).outcomes()) == 1
>>> test_a_clutch_adds_up()
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from hypothesis import strategies as st

from reptidex.engine.genetics import (
    Block,
    Catalog,
    Genotype,
    Sex,
    available_species,
    load_catalog,
    name_genotype,
)
from reptidex.engine.genetics.genotype import canonical, sex_pair
from reptidex.engine.genetics.model import SEX_LOCUS

Diplotype = tuple[tuple[int, ...], tuple[int, ...]]

__all__ = [
    "autosomal_loci",
    "catalogs",
    "diplotypes",
    "genotypes",
    "morphs",
    "parent_pairs",
    "sex_linked_loci",
    "species_ids",
]


def species_ids() -> st.SearchStrategy[str]:
    """The id of a built-in species catalog (``"ball_python"``, ``"corn_snake"``, ...)."""
    return st.sampled_from(available_species())


def catalogs(species: Sequence[str] | None = None) -> st.SearchStrategy[Catalog]:
    """A species catalog: one of ``species`` (ids), or of every built-in species."""
    return (st.sampled_from(tuple(species)) if species else species_ids()).map(load_catalog)


def autosomal_loci(catalog: Catalog) -> list[int]:
    """The indexes of the loci of ``catalog`` that are not on the sex chromosomes."""
    return [
        li
        for li in range(len(catalog.loci))
        if not catalog.blocks[catalog.block_of_locus[li][0]].sex_linked
    ]


def sex_linked_loci(catalog: Catalog) -> list[int]:
    """The indexes of the loci of ``catalog`` on the sex chromosomes."""
    autosomal = set(autosomal_loci(catalog))
    return [li for li in range(len(catalog.loci)) if li not in autosomal]


def _compound_pairs(catalog: Catalog, locus: int) -> list[tuple[int, int]]:
    spec = catalog.loci[locus]
    return [
        (spec.allele_index(c.alleles[0]), spec.allele_index(c.alleles[1])) for c in spec.compounds
    ]


@st.composite
def _allele_pair(draw: st.DrawFn, catalog: Catalog, locus: int) -> tuple[int, int]:
    count = len(catalog.loci[locus].alleles)
    options = [st.tuples(st.integers(0, count), st.integers(0, count))]
    if count > 1:
        different = st.lists(st.integers(1, count), min_size=2, max_size=2, unique=True)
        options.append(different.map(lambda pair: (pair[0], pair[1])))
    if compounds := _compound_pairs(catalog, locus):
        options.append(st.sampled_from(compounds))
    a, b = draw(st.one_of(options))
    return (a, b) if a <= b else (b, a)


@st.composite
def diplotypes(draw: st.DrawFn, catalog: Catalog, block: Block, sex: Sex | None) -> Diplotype:
    """Two phased haplotypes of ``block``; a sex-linked block carries the sex chromosomes of
    ``sex``, with either allele on either chromosome (a male maker or a female maker)."""
    first: list[int] = []
    second: list[int] = []
    for locus in block.loci:
        if locus == SEX_LOCUS:
            assert sex is not None
            a, b = sex_pair(catalog.sex_system, sex)
        else:
            a, b = draw(_allele_pair(catalog, locus))
            if draw(st.booleans()):  # either phase: a male maker or a female maker
                a, b = b, a
        first.append(a)
        second.append(b)
    return tuple(first), tuple(second)


@st.composite
def _distribution(
    draw: st.DrawFn, catalog: Catalog, block: Block, sex: Sex | None, options: int
) -> dict[Diplotype, Fraction]:
    drawn = draw(
        st.lists(diplotypes(catalog, block, sex), min_size=1, max_size=options, unique=True)
    )
    weights = draw(st.lists(st.integers(1, 5), min_size=len(drawn), max_size=len(drawn)))
    total = sum(weights)
    merged: dict[Diplotype, Fraction] = {}
    for diplotype, weight in zip(drawn, weights, strict=True):
        key = canonical(diplotype)
        merged[key] = merged.get(key, Fraction(0)) + Fraction(weight, total)
    return merged


@st.composite
def genotypes(
    draw: st.DrawFn,
    catalog: Catalog,
    *,
    sex: Sex | None = None,
    loci: Sequence[int] | None = None,
    max_loci: int = 3,
    certain: bool = False,
) -> Genotype:
    """A genotype of ``catalog`` over up to ``max_loci`` loci.

    Parameters
    ----------
    catalog : Catalog
        The species.
    sex : Sex, optional
        The animal's sex; with a sex, the species' sex-linked loci are added half the time
        (without one, only autosomal loci are drawn: a sex-linked gene needs a sex).
    loci : sequence of int, optional
        The locus indexes to draw from (by default the autosomal ones).
    max_loci : int
        How many loci at most carry something other than wild type.
    certain : bool
        Only certain genotypes (one diplotype per block: no possible hets, phase known).

    Examples
    --------
    >>> from hypothesis import find
    >>> from reptidex.engine.genetics import load_catalog
    >>> bp = load_catalog("ball_python")
    >>> g = find(genotypes(bp, certain=True), lambda g: g.carrier_probability("Clown") == 1)
    >>> g.carrier_probability("Clown")
    Fraction(1, 1)
    """
    if loci is None:
        pool = autosomal_loci(catalog)
        chosen = draw(st.lists(st.sampled_from(pool), max_size=max_loci, unique=True))
        if sex is not None and sex_linked_loci(catalog) and draw(st.booleans()):
            chosen += sex_linked_loci(catalog)
    else:
        chosen = draw(st.lists(st.sampled_from(tuple(loci)), max_size=max_loci, unique=True))
    blocks: dict[int, dict[Diplotype, Fraction]] = {}
    for locus in chosen:
        block = catalog.blocks[catalog.block_of_locus[locus][0]]
        blocks[block.index] = draw(_distribution(catalog, block, sex, 1 if certain else 3))
    return Genotype.from_blocks(catalog, blocks, sex)


@st.composite
def parent_pairs(
    draw: st.DrawFn,
    species: Sequence[Catalog] | None = None,
    *,
    sexed: bool | None = None,
    max_loci: int = 3,
    certain: bool = False,
) -> tuple[Genotype, Genotype]:
    """A sire and a dam of one species (drawn from ``species``, by default every built-in one).

    ``sexed``: both parents carry their sex (and may then carry sex-linked genes) or neither
    does; by default either. The other options are those of :func:`genotypes`.
    """
    catalog = draw(st.sampled_from(tuple(species))) if species else draw(catalogs())
    if sexed is None:
        sexed = draw(st.booleans())
    male, female = (Sex.MALE, Sex.FEMALE) if sexed else (None, None)
    sire = draw(genotypes(catalog, sex=male, max_loci=max_loci, certain=certain))
    return sire, draw(genotypes(catalog, sex=female, max_loci=max_loci, certain=certain))


def morphs(
    catalog: Catalog, *, sex: Sex | None = None, max_loci: int = 3
) -> st.SearchStrategy[str]:
    """A morph name as the engine writes it (``"Pastel Spider het Clown"``, ``"Super
    Banana"``) for a certain genotype of ``catalog`` (see :func:`genotypes`); it reads back
    (``parse_genotype(catalog, text, sex)``) as the same genotype.

    Examples
    --------
    >>> from hypothesis import given
    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> @given(morphs(bp))
    ... def test_names_read_back(text):
    ...     assert name_genotype(parse_genotype(bp, text)) == text
    >>> test_names_read_back()
    """
    return genotypes(catalog, sex=sex, max_loci=max_loci, certain=True).map(name_genotype)
