"""Request and response bodies of ``/animals``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from reptidex.domain.animals.model import Animal, ExternalParent, GenotypeEvidence
from reptidex.services.kernel.plausible_dates import PlausibleDate

SexName = Literal["male", "female", "unknown"]
OriginName = Literal["bred", "bought", "external"]
StatusName = Literal["active", "holdback", "for_sale", "sold", "deceased", "on_loan"]
VisibilityName = Literal["private", "lineage_only", "public"]
Morph = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=300,
        description="The genotype as breeders write it; parsed by the engine for the species.",
        examples=["Pastel 66% het Clown"],
    ),
]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=r"\S")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
Notes = Annotated[str, msgspec.Meta(max_length=5000)]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=30)]
PhotoIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=50)]
Species = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$", examples=["ball_python"]),
]


class ExternalParentBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A parent outside the collection: a name and, if known, its morph."""

    name: Name
    morph: Annotated[str, msgspec.Meta(max_length=300)] | None = None

    def to_domain(self) -> ExternalParent:
        """The domain value."""
        return ExternalParent(self.name, self.morph)


class AnimalCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new animal. Without ``code`` the next code of the organisation's template is used."""

    species: Species
    sex: SexName = "unknown"
    morph: Morph = "Normal"
    name: Name | None = None
    code: Code | None = None
    hatch_date: PlausibleDate | None = None
    origin: OriginName = "bred"
    sire_id: uuid.UUID | None = None
    dam_id: uuid.UUID | None = None
    external_sire: ExternalParentBody | None = None
    external_dam: ExternalParentBody | None = None
    status: StatusName = "active"
    visibility: VisibilityName = "private"
    notes: Notes | None = None
    tags: Tags = []
    photo_ids: PhotoIds = []


Label = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]


class GenotypeSourceBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The genetics lab's report a genotype change comes from."""

    lab: Label
    report_id: Label
    test: Label
    report_date: PlausibleDate | None = None

    def to_domain(self) -> GenotypeEvidence:
        """The domain's evidence."""
        return GenotypeEvidence(self.lab, self.report_id, self.test, self.report_date)


class AnimalPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The fields to change; absent fields stay, ``null`` clears an optional field."""

    code: Code | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType | None = msgspec.UNSET
    sex: SexName | msgspec.UnsetType = msgspec.UNSET
    morph: Morph | msgspec.UnsetType = msgspec.UNSET
    hatch_date: PlausibleDate | msgspec.UnsetType | None = msgspec.UNSET
    origin: OriginName | msgspec.UnsetType = msgspec.UNSET
    sire_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    dam_id: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    external_sire: ExternalParentBody | msgspec.UnsetType | None = msgspec.UNSET
    external_dam: ExternalParentBody | msgspec.UnsetType | None = msgspec.UNSET
    status: StatusName | msgspec.UnsetType = msgspec.UNSET
    visibility: VisibilityName | msgspec.UnsetType = msgspec.UNSET
    notes: Notes | msgspec.UnsetType | None = msgspec.UNSET
    tags: Tags | msgspec.UnsetType = msgspec.UNSET
    photo_ids: PhotoIds | msgspec.UnsetType = msgspec.UNSET
    genotype_source: GenotypeSourceBody | msgspec.UnsetType = msgspec.UNSET
    """With ``morph``: the lab report the new genotype comes from (audited, in the event)."""
    expected_morph: Morph | msgspec.UnsetType = msgspec.UNSET
    """Change only if the morph is still this (409 otherwise)."""


class PossibleHetBody(msgspec.Struct, frozen=True):
    """A gene the animal may carry, with its exact probability."""

    gene: str
    probability: str
    percent: float


class GenotypeBody(msgspec.Struct, frozen=True):
    """The engine's reading of the morph: how the animal looks and what it carries."""

    morph: str
    phenotype: str
    traits: list[str]
    hets: list[str]
    possible_hets: list[PossibleHetBody]
    genes: list[str]
    certain_phenotype: bool
    awaits_sex: Annotated[
        bool,
        msgspec.Meta(
            description="The sex is unknown and the animal may carry sex-linked genes (Banana "
            "in ball pythons), whose genotype depends on it: what the record says averages "
            "over the sexes it may be, and setting the sex resolves it. An animal pairs only "
            "once its sex is set."
        ),
    ] = False


class ExternalParentView(msgspec.Struct, frozen=True):
    """A parent outside the collection."""

    name: str
    morph: str | None


class AnimalIdentity(msgspec.Struct, frozen=True):
    """Who an animal is, the fields every view of it starts with."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    code: str
    name: str | None
    species: str
    sex: SexName


class AnimalView(AnimalIdentity, frozen=True):
    """An animal of the caller's collection."""

    hatch_date: dt.date | None
    origin: OriginName
    genotype: GenotypeBody
    sire_id: uuid.UUID | None
    dam_id: uuid.UUID | None
    external_sire: ExternalParentView | None
    external_dam: ExternalParentView | None
    status: StatusName
    visibility: VisibilityName
    notes: str | None
    tags: list[str]
    photo_ids: list[uuid.UUID]
    clutch_id: uuid.UUID | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


def _external(parent: ExternalParent | None) -> ExternalParentView | None:
    return None if parent is None else ExternalParentView(parent.name, parent.morph)


def animal_view(animal: Animal) -> AnimalView:
    """The response body of an animal."""
    g = animal.genotype
    return AnimalView(
        id=animal.id,
        organisation_id=animal.organisation_id,
        code=animal.code,
        name=animal.name,
        species=animal.species,
        sex=animal.sex.value,
        hatch_date=animal.hatch_date,
        origin=animal.origin.value,
        genotype=GenotypeBody(
            morph=g.morph,
            phenotype=g.phenotype,
            traits=list(g.traits),
            hets=list(g.hets),
            possible_hets=[
                PossibleHetBody(h.gene, str(h.probability), round(float(h.probability * 100), 4))
                for h in g.possible_hets
            ],
            genes=list(g.genes),
            certain_phenotype=g.certain_phenotype,
            awaits_sex=g.awaits_sex,
        ),
        sire_id=animal.sire_id,
        dam_id=animal.dam_id,
        external_sire=_external(animal.external_sire),
        external_dam=_external(animal.external_dam),
        status=animal.status.value,
        visibility=animal.visibility.value,
        notes=animal.notes,
        tags=list(animal.tags),
        photo_ids=list(animal.photo_ids),
        clutch_id=animal.clutch_id,
        created_at=animal.created_at,
        updated_at=animal.updated_at,
    )


class HetOddsSummaryView(msgspec.Struct, frozen=True):
    """An animal's kept odds of carrying one recessive, in short (its page has the
    genotypes and the explanation)."""

    locus: str
    name: str
    summary: str
    """``proven het Clown`` when the posterior is 1, else e.g. ``66% het Clown``."""
    carrier: str
    """Exact (``"2/3"``), or a decimal number for a family too large for exact figures."""
    carrier_percent: float
    proven: bool


class AnimalListItem(AnimalView, frozen=True):
    """An animal of a collection listing, with its kept het odds in short."""

    het_odds: list[HetOddsSummaryView] = []
    """The odds of carrying each recessive its family makes matter, as kept by the
    background upkeep (empty until computed)."""


class AnimalPage(msgspec.Struct, frozen=True):
    """A page of the collection."""

    items: list[AnimalListItem]
    total: int
    limit: int
    offset: int


class IdCodeTemplate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The organisation's id-code template: ``{seq}`` or ``{seq:N}`` (required), ``{year}``,
    ``{yy}``, ``{species}`` (initials), ``{sex}`` (M/F/U)."""

    template: Annotated[
        str, msgspec.Meta(min_length=1, max_length=100, examples=["BP-{yy}-{seq:4}"])
    ]
