"""Animals of a breeder's collection, their genotypes and parents.

An :class:`Animal` is an immutable value; use cases make changed copies with
:func:`dataclasses.replace`. Its :class:`GenotypeRecord` is what the genetics engine read from the
morph the breeder typed: the structured distribution (possible hets kept as exact probabilities),
and the derived visual phenotype, hets and genes that lists and filters use.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from reptidex.engine.genetics import Catalog, Genotype, Sex, locus_phenotype, morph_name
from reptidex.engine.genetics.phenotype import sort_traits


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
    """

    morph: str
    phenotype: str
    traits: tuple[str, ...]
    hets: tuple[str, ...]
    possible_hets: tuple[PossibleHetShare, ...]
    genes: tuple[str, ...]
    blocks: tuple[tuple[int, tuple[tuple[tuple[int, ...], tuple[int, ...], str], ...]], ...]
    certain_phenotype: bool = True

    def to_data(self) -> list[Any]:
        """The ``blocks`` as JSON-ready lists."""
        return [[i, [[list(a), list(b), p] for a, b, p in d]] for i, d in self.blocks]

    def genotype(self, catalog: Catalog, sex: Sex | None) -> Genotype:
        """The engine's :class:`Genotype` back from the stored blocks."""
        blocks = {
            index: {(tuple(a), tuple(b)): Fraction(p) for a, b, p in distribution}
            for index, distribution in self.blocks
        }
        needs_sex = any(catalog.blocks[i].sex_linked for i in blocks)
        return Genotype.from_blocks(catalog, blocks, sex if needs_sex else None)


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
    phenotypes = genotype.phenotypes()
    traits, _ = max(phenotypes.items(), key=lambda item: (item[1], item[0]))
    carried: dict[str, Fraction] = {}
    genes: list[str] = []
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
                    carried[name] = carried.get(name, Fraction(0)) + p
    ordered = sort_traits(catalog, traits)
    return GenotypeRecord(
        morph=morph,
        phenotype=morph_name(catalog, ordered),
        traits=ordered,
        hets=tuple(name for name, p in carried.items() if p == 1),
        possible_hets=tuple(PossibleHetShare(n, p) for n, p in carried.items() if p < 1),
        genes=tuple(genes),
        blocks=tuple(
            (index, tuple((a, b, str(p)) for (a, b), p in distribution))
            for index, distribution in genotype.blocks
        ),
        certain_phenotype=len(phenotypes) == 1,
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
