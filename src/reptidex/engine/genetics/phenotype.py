"""How genotypes look: visual traits per locus, hets, lethality, health warnings, morph names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reptidex.engine.genetics.model import SEX_LOCUS, Block, Catalog, Locus, Sex, SexSystem


@dataclass(frozen=True)
class LocusPhenotype:
    """What one unordered allele pair at a locus shows.

    ``traits`` are the visual trait names, ``hidden`` the names of alleles carried without
    showing (the hets), ``lethal`` marks a lethal pair, ``warnings`` its health notes.
    """

    traits: tuple[str, ...]
    hidden: tuple[str, ...]
    lethal: bool
    warnings: tuple[str, ...]


def locus_phenotype(locus: Locus, a: int, b: int) -> LocusPhenotype:
    """The phenotype of alleles ``a`` and ``b`` (indexes, 0 = wild type) at ``locus``.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> corn = load_catalog("corn_snake")
    >>> amel = corn.locus("amel")
    >>> locus_phenotype(amel, 1, 2).traits
    ('Ultramel',)
    >>> locus_phenotype(amel, 0, 1).hidden
    ('Amel',)
    """
    a, b = min(a, b), max(a, b)
    if b == 0:
        return LocusPhenotype((), (), False, ())
    if a == 0:
        allele = locus.allele(b)
        if allele.expression.is_recessive:
            return LocusPhenotype((), (allele.name,), False, ())
        return LocusPhenotype((allele.name,), (), False, _warn(allele.name, allele.health))
    if a == b:
        allele = locus.allele(a)
        name = allele.homozygous_name
        warnings = _warn(name, allele.health + allele.super_health)
        if allele.super_lethal:
            warnings += (f"{name}: lethal",)
        return LocusPhenotype((name,), (), allele.super_lethal, warnings)
    first, second = locus.allele(a), locus.allele(b)
    compound = locus.compound(a, b)
    if compound is not None and compound.name:
        warnings = _warn(compound.name, first.health + second.health + compound.health)
        if compound.lethal:
            warnings += (f"{compound.name}: lethal",)
        return LocusPhenotype((compound.name,), (), compound.lethal, warnings)
    if compound is not None and compound.looks_like:
        shown = first if compound.looks_like == first.id else second
        carried = second if shown is first else first
        return LocusPhenotype(
            (shown.name,), (carried.name,), compound.lethal, _warn(shown.name, shown.health)
        )
    if first.expression.is_recessive != second.expression.is_recessive:
        shown = second if first.expression.is_recessive else first
        carried = first if shown is second else second
        return LocusPhenotype(
            (shown.name,), (carried.name,), False, _warn(shown.name, shown.health)
        )
    # Two recessive alleles of one locus do not complement, so both show; two (incomplete)
    # dominant alleles show both as well, unless the catalog names the compound.
    warnings = _warn(first.name, first.health) + _warn(second.name, second.health)
    return LocusPhenotype((first.name, second.name), (), False, warnings)


def _warn(name: str, notes: Iterable[object]) -> tuple[str, ...]:
    return tuple(f"{name}: {note}" for note in notes)


def sex_of(system: SexSystem, pair: tuple[int, int]) -> Sex:
    """The sex given by the sex-chromosome alleles ``pair`` (0 = X or Z, 1 = Y or W).

    Examples
    --------
    >>> sex_of(SexSystem.XY, (0, 1)).value, sex_of(SexSystem.ZW, (0, 1)).value
    ('male', 'female')
    """
    heterogametic = pair[0] != pair[1]
    if system is SexSystem.XY:
        return Sex.MALE if heterogametic else Sex.FEMALE
    return Sex.FEMALE if heterogametic else Sex.MALE


Haplotype = tuple[int, ...]
Diplotype = tuple[Haplotype, Haplotype]


@dataclass(frozen=True)
class BlockPhenotype:
    """What one diplotype of a block shows: traits, hidden alleles, lethality, warnings, sex."""

    traits: tuple[str, ...]
    hidden: tuple[str, ...]
    lethal: bool
    warnings: tuple[str, ...]
    sex: Sex | None


def block_phenotype(catalog: Catalog, block: Block, diplotype: Diplotype) -> BlockPhenotype:
    """The phenotype of one phased diplotype of ``block``.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> bp = load_catalog("ball_python")
    >>> block = bp.blocks[bp.block_of_locus[0][0]]
    >>> block_phenotype(bp, block, ((1,), (1,))).traits
    ('Super Pastel',)
    """
    traits: list[str] = []
    hidden: list[str] = []
    warnings: list[str] = []
    lethal = False
    sex: Sex | None = None
    first, second = diplotype
    for position, locus_index in enumerate(block.loci):
        if locus_index == SEX_LOCUS:
            sex = sex_of(catalog.sex_system, (first[position], second[position]))
            continue
        shown = locus_phenotype(catalog.loci[locus_index], first[position], second[position])
        traits.extend(shown.traits)
        hidden.extend(shown.hidden)
        warnings.extend(shown.warnings)
        lethal = lethal or shown.lethal
    return BlockPhenotype(tuple(traits), tuple(hidden), lethal, tuple(warnings), sex)


def sort_traits(catalog: Catalog, traits: Iterable[str]) -> tuple[str, ...]:
    """Traits in catalog order (the order morph names are written in)."""
    table = catalog.traits
    return tuple(sorted(traits, key=lambda t: table[t].order if t in table else len(table)))


def morph_name(catalog: Catalog, traits: Iterable[str]) -> str:
    """The breeder's name for a set of visual traits: the most specific combo names, then the
    remaining traits in catalog order, each followed by the look it shares with other genotypes
    when the catalog names one (:class:`~reptidex.engine.genetics.model.Look`); ``"Normal"``
    for none.

    Combos are applied greedily, largest first, without sharing a trait.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> bp = load_catalog("ball_python")
    >>> morph_name(bp, ["Spider", "Super Pastel"])
    'Killer Bee'
    >>> morph_name(bp, ["Clown", "Spider", "Pastel"])
    'Bumblebee Clown'
    >>> morph_name(bp, [])
    'Normal'
    >>> morph_name(bp, ["Lesser Mojave", "Pastel"])
    'Pastel Lesser Mojave Blue-Eyed Leucistic (BEL)'
    """
    remaining = set(traits)
    if not remaining:
        return "Normal"
    names: list[str] = []
    for combo in sorted(catalog.combos, key=lambda c: (-len(c.traits), c.name)):
        if combo.traits <= remaining:
            names.append(combo.name)
            remaining -= combo.traits
    names.extend(trait_label(catalog, trait) for trait in sort_traits(catalog, remaining))
    return " ".join(names)


def trait_label(catalog: Catalog, trait: str) -> str:
    """A trait as a morph name writes it: followed by the look it shares with other genotypes,
    when the catalog names one.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> bp = load_catalog("ball_python")
    >>> trait_label(bp, "Super Mojave"), trait_label(bp, "Mojave")
    ('Super Mojave Blue-Eyed Leucistic (BEL)', 'Mojave')
    """
    look = catalog.looks.get(trait)
    return trait if look is None else f"{trait} {look.label}"
