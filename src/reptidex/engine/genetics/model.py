"""The genetic model: species catalogs, loci, alleles, compounds, combos and linkage.

A :class:`Catalog` describes one species: its loci (each with a wild-type allele and one or
more mutant :class:`Allele` objects; several mutants at one locus form an *allelic complex*),
how two alleles at a locus look together (:class:`Compound`), the named combinations breeders
use (:class:`Combo`, the "designer morphs"), and which loci are inherited together
(:class:`LinkageGroup`, possibly on the sex chromosomes).

Catalogs are immutable values. They are normally loaded from TOML files with
:func:`reptidex.engine.genetics.load_catalog`; see ``docs/genetics.md`` for the format.

Internally every allele at a locus has an index: ``0`` is the wild type and ``1..n`` are the
mutant alleles in catalog order. Loci that are inherited together form a *block*; an unlinked
locus is a block of its own. A sex-linked block starts with a pseudo-locus for the sex
chromosomes, whose allele ``0`` is X (or Z) and ``1`` is Y (or W).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any


class Expression(StrEnum):
    """How a mutant allele shows against the wild type.

    Examples
    --------
    >>> Expression("incomplete_dominant").is_recessive
    False
    """

    RECESSIVE = "recessive"
    INCOMPLETE_DOMINANT = "incomplete_dominant"
    DOMINANT = "dominant"

    @property
    def is_recessive(self) -> bool:
        """True for recessive alleles, which a single copy does not show."""
        return self is Expression.RECESSIVE


class Severity(StrEnum):
    """How serious a health note is, from a cosmetic remark to death."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    LETHAL = "lethal"


class Sex(StrEnum):
    """The sex of an animal."""

    MALE = "male"
    FEMALE = "female"


class SexSystem(StrEnum):
    """How a species determines sex: XY (male heterogametic), ZW (female heterogametic),
    temperature (no sex chromosomes known), or unknown (not established by a source). Only XY
    and ZW species can have sex-linked loci.

    Examples
    --------
    >>> SexSystem("unknown").has_sex_chromosomes, SexSystem.ZW.has_sex_chromosomes
    (False, True)
    """

    XY = "XY"
    ZW = "ZW"
    TEMPERATURE = "temperature"
    UNKNOWN = "unknown"

    @property
    def has_sex_chromosomes(self) -> bool:
        """True when sex chromosomes are known (so genes can be sex-linked)."""
        return self in (SexSystem.XY, SexSystem.ZW)


@dataclass(frozen=True)
class HealthNote:
    """A health concern that comes with a trait, and how severe it is.

    Examples
    --------
    >>> str(HealthNote("neurological wobble", Severity.MODERATE))
    'neurological wobble (moderate)'
    """

    description: str
    severity: Severity
    source: str = ""

    def __str__(self) -> str:
        return f"{self.description} ({self.severity.value})"


@dataclass(frozen=True)
class Dispute:
    """A fact the hobby disagrees on, and where each position is stated.

    The catalog models one position (the entry's behaviour); the dispute records the
    disagreement so that a breeder can read the evidence.

    Examples
    --------
    >>> str(Dispute("Super Spider viability", ("forum thread",)))
    'Super Spider viability (sources: forum thread)'
    """

    description: str
    sources: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.description} (sources: {'; '.join(self.sources)})"


@dataclass(frozen=True)
class Allele:
    """A mutant allele (a "gene" in the hobby's words) at a locus.

    ``super_name`` names the homozygous form of an incomplete dominant or dominant allele
    (``"Super Pastel"``); ``super_lethal`` marks that form as lethal. ``health`` applies whenever
    the allele shows; ``super_health`` only to the homozygous form.
    """

    id: str
    name: str
    expression: Expression
    aliases: tuple[str, ...] = ()
    super_name: str | None = None
    super_aliases: tuple[str, ...] = ()
    super_lethal: bool = False
    health: tuple[HealthNote, ...] = ()
    super_health: tuple[HealthNote, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    disputes: tuple[Dispute, ...] = ()

    @property
    def homozygous_name(self) -> str:
        """The trait name of two copies of this allele."""
        if self.expression.is_recessive:
            return self.name
        return self.super_name or f"Super {self.name}"


@dataclass(frozen=True)
class Compound:
    """How two different mutant alleles of one locus look together.

    Either ``name`` (the hobby's name for the compound, e.g. Amel/Ultra = ``"Ultramel"``) or
    ``looks_like`` (the allele whose single-copy appearance the compound shows, the other being
    carried as a het, e.g. Motley/Stripe looks Motley) is set.
    """

    alleles: tuple[str, str]
    name: str | None = None
    aliases: tuple[str, ...] = ()
    looks_like: str | None = None
    lethal: bool = False
    health: tuple[HealthNote, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    disputes: tuple[Dispute, ...] = ()


@dataclass(frozen=True)
class Look:
    """A look that several genotypes of one locus share, named as such by the hobby: a
    Blue-Eyed Leucistic (``BEL``) is a Super Lesser, a Lesser Mojave, a Mojave Russo, ....

    ``traits`` are the trait names (super forms, named compounds) that look this way; the first
    is what the look's name alone is read as. A morph name shows the look beside the trait
    (``Lesser Mojave Blue-Eyed Leucistic (BEL)``).
    """

    name: str
    traits: tuple[str, ...]
    abbreviation: str | None = None
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    disputes: tuple[Dispute, ...] = ()

    @property
    def label(self) -> str:
        """The look as morph names show it: ``Blue-Eyed Leucistic (BEL)``."""
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name


@dataclass(frozen=True)
class Locus:
    """A locus: a wild-type allele and one or more mutant alleles (an allelic complex if more)."""

    id: str
    name: str
    alleles: tuple[Allele, ...]
    compounds: tuple[Compound, ...] = ()
    looks: tuple[Look, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    disputes: tuple[Dispute, ...] = ()

    def allele_index(self, allele_id: str) -> int:
        """The index of a mutant allele (1-based; 0 is the wild type)."""
        for index, allele in enumerate(self.alleles, start=1):
            if allele.id == allele_id:
                return index
        raise KeyError(allele_id)

    def allele(self, index: int) -> Allele:
        """The mutant allele with this index (1-based)."""
        if index < 1:
            raise ValueError("index 0 is the wild type, which has no Allele object")
        return self.alleles[index - 1]

    def compound(self, a: int, b: int) -> Compound | None:
        """The compound entry for mutant alleles ``a`` and ``b``, if the catalog has one."""
        ids = {self.allele(a).id, self.allele(b).id}
        for compound in self.compounds:
            if set(compound.alleles) == ids:
                return compound
        return None


@dataclass(frozen=True)
class LinkageGroup:
    """Loci inherited together, in chromosome order.

    ``recombination`` holds the recombination fraction between neighbours: ``len(loci) - 1``
    values, or ``len(loci)`` for a sex-linked group, whose first value is between the
    sex-determining region and the first locus. A fraction of 1/2 is free recombination.
    """

    id: str
    loci: tuple[str, ...]
    recombination: tuple[Fraction, ...]
    sex_linked: bool = False
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    disputes: tuple[Dispute, ...] = ()


@dataclass(frozen=True)
class Combo:
    """A named combination of traits (a "designer morph"), e.g. Pastel + Spider = Bumblebee."""

    name: str
    traits: frozenset[str]
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    disputes: tuple[Dispute, ...] = ()


SEX_LOCUS = -1
"""The locus index used for the sex pseudo-locus at position 0 of a sex-linked block."""


@dataclass(frozen=True)
class Block:
    """Loci inherited as one unit: one unlinked locus, or a linkage group.

    ``loci`` holds locus indexes into :attr:`Catalog.loci`; a sex-linked block starts with
    :data:`SEX_LOCUS`. ``recombination`` has one fraction per neighbouring pair of positions.
    """

    index: int
    loci: tuple[int, ...]
    recombination: tuple[Fraction, ...]
    sex_linked: bool = False


@dataclass(frozen=True)
class TraitDefinition:
    """What a visual trait name means in genotype terms: the two alleles at one locus.

    ``recessive_visual`` marks a recessive allele shown in two copies, whose second copy may
    also be an allele it masks (Motley shows over Stripe).
    """

    name: str
    locus: int
    alleles: tuple[int, int]
    order: int
    recessive_visual: bool = False


@dataclass(frozen=True, repr=False)
class Catalog:
    """The genetics of one species. Build with :func:`catalog_from_mapping` or load a TOML file.

    Examples
    --------
    >>> from reptidex.engine.genetics import load_catalog
    >>> catalog = load_catalog("ball_python")
    >>> catalog.name, catalog.sex_system.value
    ('Ball python', 'XY')
    >>> catalog.allele_by_name("pied").name
    'Piebald'
    """

    id: str
    name: str
    scientific_name: str
    sex_system: SexSystem
    loci: tuple[Locus, ...]
    linkage_groups: tuple[LinkageGroup, ...] = ()
    combos: tuple[Combo, ...] = ()
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = field(init=False, repr=False, compare=False)
    block_of_locus: dict[int, tuple[int, int]] = field(init=False, repr=False, compare=False)
    traits: dict[str, TraitDefinition] = field(init=False, repr=False, compare=False)
    looks: dict[str, Look] = field(init=False, repr=False, compare=False)
    """Each trait that has a shared look (:class:`Look`), to that look."""

    def __post_init__(self) -> None:
        locus_index = {locus.id: i for i, locus in enumerate(self.loci)}
        # (loci, recombination, sex_linked) of each block, numbered once sorted by first locus
        units: list[tuple[tuple[int, ...], tuple[Fraction, ...], bool]] = []
        grouped: set[int] = set()
        for group in self.linkage_groups:
            indexes = tuple(locus_index[locus_id] for locus_id in group.loci)
            grouped.update(indexes)
            positions = (SEX_LOCUS, *indexes) if group.sex_linked else indexes
            units.append((positions, group.recombination, group.sex_linked))
        units.extend(((i,), (), False) for i in range(len(self.loci)) if i not in grouped)
        units.sort(key=lambda unit: min(i for i in unit[0] if i != SEX_LOCUS))
        numbered = tuple(Block(n, *unit) for n, unit in enumerate(units))
        where: dict[int, tuple[int, int]] = {}
        for block in numbered:
            for position, locus in enumerate(block.loci):
                if locus != SEX_LOCUS:
                    where[locus] = (block.index, position)
        object.__setattr__(self, "blocks", numbered)
        object.__setattr__(self, "block_of_locus", where)
        object.__setattr__(self, "traits", _trait_table(self.loci))
        looks = {
            trait: look for locus in self.loci for look in locus.looks for trait in look.traits
        }
        object.__setattr__(self, "looks", looks)

    def __repr__(self) -> str:
        return f"Catalog(id={self.id!r}, loci={len(self.loci)}, combos={len(self.combos)})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Pretty printers (IPython's, Hypothesis's) show the short repr, not every field."""
        printer.text(repr(self))

    @property
    def sex_block(self) -> Block | None:
        """The sex-linked block, if the species has sex-linked loci."""
        for block in self.blocks:
            if block.sex_linked:
                return block
        return None

    def locus(self, locus_id: str) -> Locus:
        """The locus with this id."""
        for locus in self.loci:
            if locus.id == locus_id:
                return locus
        raise KeyError(locus_id)

    def alleles(self) -> list[tuple[int, int, Allele]]:
        """Every mutant allele as ``(locus index, allele index, allele)``, in catalog order."""
        return [
            (li, ai, allele)
            for li, locus in enumerate(self.loci)
            for ai, allele in enumerate(locus.alleles, start=1)
        ]

    def allele_by_name(self, name: str) -> Allele:
        """The allele whose name, id or alias matches ``name`` (case-insensitively)."""
        wanted = _fold(name)
        for _, _, allele in self.alleles():
            if wanted in {_fold(n) for n in (allele.id, allele.name, *allele.aliases)}:
                return allele
        raise KeyError(name)

    def locate_allele(self, allele_id: str) -> tuple[int, int]:
        """``(locus index, allele index)`` of the allele with this id."""
        for li, ai, allele in self.alleles():
            if allele.id == allele_id:
                return li, ai
        raise KeyError(allele_id)


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").split())


def _trait_table(loci: tuple[Locus, ...]) -> dict[str, TraitDefinition]:
    traits: dict[str, TraitDefinition] = {}
    order = 0

    def add(name: str, locus: int, alleles: tuple[int, int], recessive: bool = False) -> None:
        nonlocal order
        if name in traits:
            raise ValueError(f"trait name {name!r} is used twice")
        traits[name] = TraitDefinition(name, locus, alleles, order, recessive)
        order += 1

    for li, locus in enumerate(loci):
        for ai, allele in enumerate(locus.alleles, start=1):
            if allele.expression.is_recessive:
                add(allele.name, li, (ai, ai), recessive=True)
            else:
                add(allele.name, li, (0, ai))
                add(allele.homozygous_name, li, (ai, ai))
        for compound in locus.compounds:
            if compound.name:
                a, b = (locus.allele_index(x) for x in compound.alleles)
                add(compound.name, li, (min(a, b), max(a, b)))
    return traits
