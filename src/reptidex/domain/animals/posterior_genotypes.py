"""An animal's genotype with its pedigree posterior: at every locus whose het odds repti-animal
keeps (:mod:`reptidex.domain.animals.stored_het_odds`), the distribution the whole recorded
family gives takes the place of the breeder's typed odds.

The engine holds a possible het as a distribution over the locus's genotypes (``66% het
Clown`` is Normal 1/3, het Clown 2/3); a kept posterior is that distribution as inferred from
every relative's record (a sibling of a visual Clown, typed ``50% het Clown``, is het with
2/3). A locus inherited with others (a linkage group, or a sex-linked block) keeps the typed
odds: its genotypes carry a phase the posterior does not give. Loci or alleles the catalog no
longer has are left as typed too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from reptidex.domain.animals.stored_het_odds import StoredGeneOdds
from reptidex.engine.carriers import Probability
from reptidex.engine.genetics import Genotype
from reptidex.engine.genetics.phenotype import Diplotype

FLOAT_DENOMINATOR = 10**9
"""The finest denominator a float posterior (a family too large for exact odds) is read to."""


@dataclass(frozen=True, slots=True)
class PosteriorGenotype:
    """An animal's genotype with the posterior in place of the typed odds, and the names of
    the loci whose odds came from the pedigree (catalog order)."""

    genotype: Genotype
    from_pedigree: tuple[str, ...] = ()


def _exact(probabilities: Sequence[Probability]) -> list[Fraction]:
    """Exact probabilities summing to one: fractions as they are, floats read to at most
    :data:`FLOAT_DENOMINATOR` and scaled to sum to one."""
    read = [
        p if isinstance(p, Fraction) else Fraction(p).limit_denominator(FLOAT_DENOMINATOR)
        for p in probabilities
    ]
    total = sum(read, Fraction(0))
    if total <= 0:
        raise ValueError("a posterior with no probability")
    return read if total == 1 else [p / total for p in read]


def _distribution(
    genotype: Genotype, odds: StoredGeneOdds
) -> tuple[int, dict[Diplotype, Fraction]]:
    """The block index of the gene's locus and its posterior as that block's distribution;
    :class:`ValueError` (or :class:`KeyError`) when the posterior cannot stand in for it."""
    catalog = genotype.catalog
    index = next(i for i, locus in enumerate(catalog.loci) if locus.id == odds.locus)
    block_index, _ = catalog.block_of_locus[index]
    block = catalog.blocks[block_index]
    if block.sex_linked or len(block.loci) != 1:
        raise ValueError(f"{odds.name} is inherited with other loci")
    alleles = ["+", *(a.id for a in catalog.loci[index].alleles)]
    weights = _exact([g.probability for g in odds.genotypes])
    distribution: dict[Diplotype, Fraction] = {}
    for each, weight in zip(odds.genotypes, weights, strict=True):
        first, second = (alleles.index(a) for a in each.alleles)
        key: Diplotype = ((first,), (second,))
        distribution[key] = distribution.get(key, Fraction(0)) + weight
    return block_index, distribution


def with_posterior(genotype: Genotype, odds: Sequence[StoredGeneOdds]) -> PosteriorGenotype:
    """``genotype`` with each kept posterior of ``odds`` in place of the typed odds at its
    locus (those that cannot stand in are left as typed, see the module).

    Examples
    --------
    >>> import datetime as dt
    >>> from reptidex.domain.animals.het_odds import GenotypeOdds
    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> typed = parse_genotype(bp, "Pastel 50% het Clown")
    >>> posterior = StoredGeneOdds(
    ...     "clown", "Clown", Fraction(2, 3), False,
    ...     (GenotypeOdds("Normal", ("+", "+"), Fraction(1, 3)),
    ...      GenotypeOdds("het Clown", ("+", "clown"), Fraction(2, 3)),
    ...      GenotypeOdds("Clown", ("clown", "clown"), Fraction(0))),
    ...     (), "exact", True, 4, dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    >>> found = with_posterior(typed, [posterior])
    >>> found.genotype.carrier_probability("Clown"), found.from_pedigree
    (Fraction(2, 3), ('Clown',))
    >>> found.genotype.carrier_probability("Pastel")
    Fraction(1, 1)
    """
    blocks = {index: dict(distribution) for index, distribution in genotype.blocks}
    used: list[str] = []
    for gene in odds:
        if not gene.genotypes:
            continue
        try:
            block_index, distribution = _distribution(genotype, gene)
        except (StopIteration, ValueError, KeyError):
            continue
        blocks[block_index] = distribution
        used.append(gene.name)
    if not used:
        return PosteriorGenotype(genotype)
    return PosteriorGenotype(
        Genotype.from_blocks(genotype.catalog, blocks, genotype.sex), tuple(used)
    )
