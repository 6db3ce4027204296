"""Animals of a breeder's collection, their genotypes and parents.

An :class:`Animal` is an immutable value; use cases make changed copies with
:func:`dataclasses.replace`. Its :class:`GenotypeRecord` is what the genetics engine read from the
morph the breeder typed: the structured distribution (possible hets kept as exact probabilities),
and the derived visual phenotype, hets and genes that lists and filters use.

An animal whose sex is unknown (most hatchlings) may still carry sex-linked genes (Banana in
ball pythons): its record then holds the genotype it has if male and if female, each with the
probability of that sex (:func:`describe_by_sex`), and :meth:`GenotypeRecord.genotype` gives
the one of the sex asked for. Setting the sex resolves it (:meth:`GenotypeRecord.given_sex`).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from reptidex.engine.genetics import Catalog, Genotype, Sex, locus_phenotype, morph_name
from reptidex.engine.genetics.genotype import sex_pair
from reptidex.engine.genetics.phenotype import Diplotype, sort_traits


class AnimalSex(enum.StrEnum):
    """The recorded sex of an animal."""

    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"

    @property
    def genetic(self) -> Sex | None:
        """The engine's sex, ``None`` when unknown."""
        return None if self is AnimalSex.UNKNOWN else Sex(self.value)


class Origin(enum.StrEnum):
    """Where an animal comes from."""

    BRED = "bred"
    BOUGHT = "bought"
    EXTERNAL = "external"


class Status(enum.StrEnum):
    """Where an animal stands in the collection."""

    ACTIVE = "active"
    HOLDBACK = "holdback"
    FOR_SALE = "for_sale"
    SOLD = "sold"
    DECEASED = "deceased"
    ON_LOAN = "on_loan"


class Visibility(enum.StrEnum):
    """Who may see an animal outside its organisation: nobody, its place in others' lineage,
    or its public profile."""

    PRIVATE = "private"
    LINEAGE_ONLY = "lineage_only"
    PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class ExternalParent:
    """A parent outside the collection, known only by name and morph."""

    name: str
    morph: str | None = None


@dataclass(frozen=True, slots=True)
class PossibleHetShare:
    """A gene an animal may carry, with the exact probability that it does."""

    gene: str
    probability: Fraction


@dataclass(frozen=True, slots=True)
class GenotypeRecord:
    """An animal's genotype as stored: the morph as written, the engine's structured reading,
    and what derives from it.

    ``blocks`` is the engine's distribution per block in plain data (``[block, [[first, second,
    "p"], …]]``) so that it survives JSON; ``genes`` are the ids of every allele the animal may
    carry (visual, het or possible het), for filtering.

    ``awaits_sex``: the animal's sex is unknown and it may carry sex-linked genes, whose
    genotype depends on the sex. Its sex-linked block then holds the diplotypes of both sexes
    (each with the sex chromosomes of its sex), weighted by the probability of that sex; the
    derived fields average over the sexes.
    """

    morph: str
    phenotype: str
    traits: tuple[str, ...]
    hets: tuple[str, ...]
    possible_hets: tuple[PossibleHetShare, ...]
    genes: tuple[str, ...]
    blocks: tuple[tuple[int, tuple[tuple[tuple[int, ...], tuple[int, ...], str], ...]], ...]
    certain_phenotype: bool = True
    awaits_sex: bool = False

    def to_data(self) -> list[Any]:
        """The ``blocks`` as JSON-ready lists."""
        return [[i, [[list(a), list(b), p] for a, b, p in d]] for i, d in self.blocks]

    def genotype(self, catalog: Catalog, sex: Sex | None) -> Genotype:
        """The engine's :class:`Genotype` back from the stored blocks, for an animal of
        ``sex``: a record that :attr:`awaits_sex` gives the genotype it has if of that sex.

        :class:`ValueError` when sex-linked genes need a sex that is not given, or when the
        record rules that sex out (a look only one sex can have from its parents).

        >>> from reptidex.engine.genetics import load_catalog
        >>> from reptidex.engine.genetics import parse_genotype as read
        >>> bp = load_catalog("ball_python")
        >>> male, female = read(bp, "Banana", Sex.MALE), read(bp, "Banana", Sex.FEMALE)
        >>> half = Fraction(1, 2)
        >>> r = describe_by_sex(bp, {Sex.MALE: (half, male), Sex.FEMALE: (half, female)}, "Banana")
        >>> r.awaits_sex, r.phenotype, r.genotype(bp, Sex.FEMALE) == female
        (True, 'Banana', True)
        >>> r.genotype(bp, None)
        Traceback (most recent call last):
        ...
        ValueError: a genotype with sex-linked genes needs the animal's sex
        """
        blocks: dict[int, dict[Diplotype, Fraction]] = {}
        for index, distribution in self.blocks:
            entries = {(tuple(a), tuple(b)): Fraction(p) for a, b, p in distribution}
            if catalog.blocks[index].sex_linked and sex is not None:
                entries = of_sex(catalog, entries, sex)
            blocks[index] = entries
        needs_sex = any(catalog.blocks[i].sex_linked for i in blocks)
        return Genotype.from_blocks(catalog, blocks, sex if needs_sex else None)

    def given_sex(self, catalog: Catalog, sex: Sex) -> GenotypeRecord:
        """The record once the animal's sex is known: the genotype of that sex, which keeps
        what the record knew beyond its morph (a hatchling's odds from its parents).

        :class:`ValueError` when the record rules that sex out.
        """
        return describe_genotype(catalog, self.genotype(catalog, sex), self.morph)


def sex_of(catalog: Catalog, diplotype: Diplotype) -> Sex:
    """The sex whose sex chromosomes a diplotype of the sex-linked block carries."""
    pair = tuple(sorted((diplotype[0][0], diplotype[1][0])))
    return next(s for s in Sex if sex_pair(catalog.sex_system, s) == pair)


def of_sex(
    catalog: Catalog, distribution: dict[Diplotype, Fraction], sex: Sex
) -> dict[Diplotype, Fraction]:
    """A sex-linked block's distribution given the animal's ``sex`` (a record of known sex
    holds that sex's diplotypes only, so this is then the distribution itself).

    :class:`ValueError` when no diplotype of the block is of that sex.
    """
    kept = {d: p for d, p in distribution.items() if sex_of(catalog, d) is sex}
    total = sum(kept.values(), Fraction(0))
    if not total:
        raise ValueError(f"the recorded genotype rules out a {sex.value}")
    return {d: p / total for d, p in kept.items()}


def blocks_from_data(
    data: Any,
) -> tuple[tuple[int, tuple[tuple[tuple[int, ...], tuple[int, ...], str], ...]], ...]:
    """Read ``GenotypeRecord.blocks`` back from :meth:`GenotypeRecord.to_data`."""
    return tuple(
        (int(i), tuple((tuple(a), tuple(b), str(p)) for a, b, p in distribution))
        for i, distribution in data
    )


def describe_genotype(catalog: Catalog, genotype: Genotype, morph: str) -> GenotypeRecord:
    """Derive the stored record of ``genotype`` (read from ``morph``).

    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> r = describe_genotype(bp, parse_genotype(bp, "pastel spider 66% het clown"), "x")
    >>> r.phenotype, r.traits, r.hets, [(h.gene, str(h.probability)) for h in r.possible_hets]
    ('Bumblebee', ('Pastel', 'Spider'), (), [('Clown', '2/3')])
    """
    return _describe(catalog, [(Fraction(1), genotype)], morph, awaits_sex=False)


def describe_by_sex(
    catalog: Catalog, by_sex: dict[Sex, tuple[Fraction, Genotype]], morph: str
) -> GenotypeRecord:
    """The record of an animal of unknown sex: ``by_sex`` maps each sex it may be to the
    probability of that sex and its genotype if so. Blocks other than the sex-linked one are
    the same whatever the sex (they are inherited independently of it).

    The derived fields weigh each sex by its probability: a visual trait both sexes show is
    certain, a het of one sex only is a possible het.

    >>> from reptidex.engine.genetics import load_catalog, parse_genotype
    >>> bp = load_catalog("ball_python")
    >>> half = Fraction(1, 2)
    >>> r = describe_by_sex(
    ...     bp,
    ...     {s: (half, parse_genotype(bp, "Banana het Clown", s)) for s in Sex},
    ...     "Banana het Clown",
    ... )
    >>> r.phenotype, r.hets, r.awaits_sex, r.certain_phenotype
    ('Banana', ('Clown',), True, True)
    """
    weighted = [(weight, genotype) for weight, genotype in by_sex.values() if weight]
    if sum((w for w, _ in weighted), Fraction(0)) != 1:
        raise ValueError("the probabilities of the sexes do not sum to 1")
    return _describe(catalog, weighted, morph, awaits_sex=True)


def _describe(
    catalog: Catalog, weighted: list[tuple[Fraction, Genotype]], morph: str, *, awaits_sex: bool
) -> GenotypeRecord:
    phenotypes: dict[tuple[str, ...], Fraction] = {}
    carried: dict[str, Fraction] = {}
    genes: list[str] = []
    merged: dict[int, dict[Diplotype, Fraction]] = {}
    for weight, genotype in weighted:
        for look, p in genotype.phenotypes().items():
            phenotypes[look] = phenotypes.get(look, Fraction(0)) + weight * p
        for block, _ in genotype.iter_blocks():
            for locus in block.loci:
                if locus < 0:
                    continue
                spec = catalog.loci[locus]
                for pair, p in genotype.locus_distribution(locus).items():
                    for index in pair:
                        if index and spec.allele(index).id not in genes:
                            genes.append(spec.allele(index).id)
                    for name in locus_phenotype(spec, *pair).hidden:
                        carried[name] = carried.get(name, Fraction(0)) + weight * p
        for index in {i for _, g in weighted for i, _ in g.blocks}:
            # a block absent for this sex is wild type with this sex's chromosomes
            for diplotype, p in genotype.block(index):
                into = merged.setdefault(index, {})
                into[diplotype] = into.get(diplotype, Fraction(0)) + weight * p
    traits, _ = max(phenotypes.items(), key=lambda item: (item[1], item[0]))
    ordered = sort_traits(catalog, traits)
    return GenotypeRecord(
        morph=morph,
        phenotype=morph_name(catalog, ordered),
        traits=ordered,
        hets=tuple(name for name, p in carried.items() if p == 1),
        possible_hets=tuple(PossibleHetShare(n, p) for n, p in carried.items() if p < 1),
        genes=tuple(genes),
        blocks=tuple(
            (index, tuple((a, b, str(p)) for (a, b), p in sorted(merged[index].items())))
            for index in sorted(merged)
        ),
        certain_phenotype=len(phenotypes) == 1,
        awaits_sex=awaits_sex and any(catalog.blocks[i].sex_linked for i in merged),
    )


@dataclass(frozen=True, slots=True)
class GenotypeEvidence:
    """Where a change of genotype comes from: a genetics lab's report of a test of the
    animal (``test`` names the gene tested, ``report_id`` the lab's report)."""

    lab: str
    report_id: str
    test: str
    report_date: dt.date | None = None

    def to_data(self) -> dict[str, str | None]:
        """The evidence as JSON-ready data (audit records and events)."""
        return {
            "kind": "lab",
            "lab": self.lab,
            "report_id": self.report_id,
            "test": self.test,
            "report_date": None if self.report_date is None else self.report_date.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Animal:
    """One animal of an organisation's collection."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    code: str
    name: str | None
    species: str
    sex: AnimalSex
    genotype: GenotypeRecord
    hatch_date: dt.date | None = None
    origin: Origin = Origin.BRED
    sire_id: uuid.UUID | None = None
    dam_id: uuid.UUID | None = None
    external_sire: ExternalParent | None = None
    external_dam: ExternalParent | None = None
    status: Status = Status.ACTIVE
    visibility: Visibility = Visibility.PRIVATE
    notes: str | None = None
    tags: tuple[str, ...] = ()
    photo_ids: tuple[uuid.UUID, ...] = ()
    clutch_id: uuid.UUID | None = None
    created_at: dt.datetime | None = field(default=None, compare=False)
    updated_at: dt.datetime | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """How a breeder names the animal: its name and code, or the code alone."""
        return f"{self.name} ({self.code})" if self.name else self.code
