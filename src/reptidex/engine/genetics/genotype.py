"""Genotypes: for each block of loci, an exact probability distribution over phased allele pairs.

A :class:`Genotype` is sparse: a block that is certainly wild type is left out. Possible hets
are uncertainty, so a block holds a distribution (``66% het Clown`` is wild/wild with 1/3 and
wild/Clown with 2/3). Build genotypes with :func:`reptidex.engine.genetics.parse_genotype`
or :meth:`Genotype.from_blocks`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from reptidex.engine.genetics.model import SEX_LOCUS, Block, Catalog, Sex, SexSystem
from reptidex.engine.genetics.phenotype import Diplotype, block_phenotype

BlockDistribution = tuple[tuple[Diplotype, Fraction], ...]
"""A distribution over phased diplotypes of one block, sorted, probabilities summing to 1."""


def sex_pair(system: SexSystem, sex: Sex) -> tuple[int, int]:
    """The sex-chromosome alleles of an animal of ``sex`` (0 = X or Z, 1 = Y or W).

    Examples
    --------
    >>> sex_pair(SexSystem.XY, Sex.MALE), sex_pair(SexSystem.ZW, Sex.MALE)
    ((0, 1), (0, 0))
    """
    if not system.has_sex_chromosomes:
        raise ValueError("this species has no known sex chromosomes")
    heterogametic = (sex is Sex.MALE) == (system is SexSystem.XY)
    return (0, 1) if heterogametic else (0, 0)


def wild_diplotype(catalog: Catalog, block: Block, sex: Sex | None) -> Diplotype:
    """The all-wild-type diplotype of ``block`` (with the sex chromosomes of ``sex``)."""
    first = [0] * len(block.loci)
    second = [0] * len(block.loci)
    if block.sex_linked:
        if sex is None:
            raise ValueError("a sex-linked block needs the animal's sex")
        first[0], second[0] = sex_pair(catalog.sex_system, sex)
    return tuple(first), tuple(second)


def canonical(diplotype: Diplotype) -> Diplotype:
    """The diplotype with its two haplotypes in sorted order (the pair is unordered)."""
    first, second = diplotype
    return (first, second) if first <= second else (second, first)


@dataclass(frozen=True)
class Genotype:
    """An animal's genotype (exact, possibly uncertain) in a species catalog.

    ``blocks`` maps block indexes (see :attr:`Catalog.blocks`) to distributions; missing blocks
    are wild type. ``sex`` is needed only when a sex-linked block is present.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> g = parse_genotype(bp, "Pastel 66% het Clown")
    >>> g.carrier_probability("Clown")
    Fraction(2, 3)
    >>> len(g.possibilities())
    2
    """

    catalog: Catalog = field(compare=False, repr=False)
    blocks: tuple[tuple[int, BlockDistribution], ...]
    sex: Sex | None = None
    species: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "species", self.catalog.id)

    def __repr__(self) -> str:
        """The species and the breeder's name of the genotype, not its block indexes.

        >>> from reptidex.engine.genetics import Sex, load_catalog, parse_genotype
        >>> parse_genotype(load_catalog("ball_python"), "pastel 66% het clown", Sex.MALE)
        <Genotype ball_python male: Pastel 66% het Clown>
        """
        from reptidex.engine.genetics.parsing import name_genotype  # parsing builds genotypes

        sex = "" if self.sex is None else f" {self.sex.value}"
        try:
            name = name_genotype(self)
        except ValueError:  # a phase or complex no name says: the blocks as they are
            name = f"blocks {self.blocks!r}"
        return f"<Genotype {self.species}{sex}: {name}>"

    @classmethod
    def from_blocks(
        cls,
        catalog: Catalog,
        blocks: Mapping[int, Mapping[Diplotype, Fraction]],
        sex: Sex | None = None,
    ) -> Genotype:
        """Build a genotype from per-block distributions, checking and canonicalising them."""
        out: list[tuple[int, BlockDistribution]] = []
        for index in sorted(blocks):
            block = catalog.blocks[index]
            merged: dict[Diplotype, Fraction] = {}
            for diplotype, p in blocks[index].items():
                if p < 0:
                    raise ValueError("probabilities cannot be negative")
                if p == 0:
                    continue
                _check_diplotype(catalog, block, diplotype, sex)
                key = canonical(diplotype)
                merged[key] = merged.get(key, Fraction(0)) + p
            if sum(merged.values()) != 1:
                raise ValueError(f"block {index}: probabilities sum to {sum(merged.values())}")
            if len(merged) == 1:
                (only,) = merged
                # A sex-linked block without a sex was refused by _check_diplotype above.
                if only == canonical(wild_diplotype(catalog, block, sex)):
                    continue
            out.append((index, tuple(sorted(merged.items()))))
        return cls(catalog, tuple(out), sex)

    def block(self, index: int, sex: Sex | None = None) -> BlockDistribution:
        """The distribution of block ``index`` (wild type if absent; ``sex`` overrides)."""
        for i, distribution in self.blocks:
            if i == index:
                return distribution
        block = self.catalog.blocks[index]
        return ((canonical(wild_diplotype(self.catalog, block, sex or self.sex)), Fraction(1)),)

    @property
    def is_certain(self) -> bool:
        """True when every block has a single diplotype (no possible hets, phase known)."""
        return all(len(d) == 1 for _, d in self.blocks)

    @property
    def possibility_count(self) -> int:
        """How many entries :meth:`possibilities` has, without making them.

        >>> from reptidex.engine.genetics import load_catalog, parse_genotype
        >>> parse_genotype(load_catalog("ball_python"), "66% het Clown 50% het Pied").possibility_count
        4
        """
        return math.prod(len(distribution) for _, distribution in self.blocks)

    def possibilities(self) -> list[tuple[Genotype, Fraction]]:
        """Every certain genotype this animal may have, with its probability.

        Blocks are independent, so this is the product of the block distributions; it has one
        entry per combination of uncertain blocks.
        """
        choices = [[(i, d, p) for d, p in dist] for i, dist in self.blocks]
        out = []
        for combo in itertools.product(*choices):
            weight = Fraction(1)
            for _, _, p in combo:
                weight *= p
            blocks = tuple((i, ((d, Fraction(1)),)) for i, d, _ in combo)
            out.append((Genotype(self.catalog, blocks, self.sex), weight))
        return out

    def locus_distribution(self, locus: int) -> dict[tuple[int, int], Fraction]:
        """The marginal distribution over the unordered allele pair at ``locus`` (an index).

        A locus the genotype does not carry is wild type, sex-linked or not, sex known or not:

        >>> from reptidex.engine.genetics import load_catalog, parse_genotype
        >>> bp = load_catalog("ball_python")
        >>> parse_genotype(bp, "Pastel").carrier_probability("Banana")
        Fraction(0, 1)
        """
        index, position = self.catalog.block_of_locus[locus]
        if all(i != index for i, _ in self.blocks):
            return {(0, 0): Fraction(1)}
        out: dict[tuple[int, int], Fraction] = {}
        for (first, second), p in self.block(index):
            a, b = sorted((first[position], second[position]))
            out[(a, b)] = out.get((a, b), Fraction(0)) + p
        return out

    def carrier_probability(self, gene: str) -> Fraction:
        """The probability that the animal carries at least one copy of ``gene`` (an allele
        name, id or alias)."""
        allele = self.catalog.allele_by_name(gene)
        locus, index = self.catalog.locate_allele(allele.id)
        return sum(
            (p for pair, p in self.locus_distribution(locus).items() if index in pair),
            Fraction(0),
        )

    def phenotypes(self) -> dict[tuple[str, ...], Fraction]:
        """The distribution of the animal's visual traits (sorted trait tuples)."""
        out: dict[tuple[str, ...], Fraction] = {}
        for certain, weight in self.possibilities():
            traits: list[str] = []
            for index, ((diplotype, _),) in certain.blocks:
                traits.extend(
                    block_phenotype(self.catalog, self.catalog.blocks[index], diplotype).traits
                )
            key = tuple(sorted(traits))
            out[key] = out.get(key, Fraction(0)) + weight
        return out

    def iter_blocks(self) -> Iterator[tuple[Block, BlockDistribution]]:
        """The present blocks with their distributions."""
        for index, distribution in self.blocks:
            yield self.catalog.blocks[index], distribution


def _check_diplotype(catalog: Catalog, block: Block, diplotype: Diplotype, sex: Sex | None) -> None:
    if len(diplotype) != 2 or any(len(h) != len(block.loci) for h in diplotype):
        raise ValueError(
            f"a diplotype of block {block.index} is two haplotypes of {len(block.loci)}"
        )
    for position, locus in enumerate(block.loci):
        a, b = diplotype[0][position], diplotype[1][position]
        if locus == SEX_LOCUS:
            if sex is None:
                raise ValueError("a genotype with sex-linked genes needs the animal's sex")
            if tuple(sorted((a, b))) != sex_pair(catalog.sex_system, sex):
                raise ValueError(f"sex chromosomes {a, b} do not match a {sex.value}")
            continue
        count = len(catalog.loci[locus].alleles)
        if not (0 <= a <= count and 0 <= b <= count):
            raise ValueError(f"allele index out of range at locus {catalog.loci[locus].id}")
