"""Animals to and from rows of the ``animal`` table: the columns an animal is written to,
and the domain value of a row (ORM or Core, or read with its JSON columns as text).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import msgspec
from sqlalchemy import Text, cast

from reptidex.adapters.sql.animal.models import AnimalRow
from reptidex.domain.animals.model import (
    Animal,
    AnimalSex,
    ExternalParent,
    GenotypeRecord,
    Origin,
    PossibleHetShare,
    Status,
    Visibility,
    blocks_from_data,
)


def bar_index(values: Sequence[str]) -> str:
    """``["Pastel", "Clown"]`` → ``"|pastel|clown|"`` (``"|"`` for none)."""
    return "|" + "".join(v.lower().replace("|", " ") + "|" for v in values)


def _external(parent: ExternalParent | None) -> dict[str, Any] | None:
    return None if parent is None else {"name": parent.name, "morph": parent.morph}


def _read_external(data: dict[str, Any] | None) -> ExternalParent | None:
    return None if data is None else ExternalParent(str(data["name"]), data.get("morph"))


def genotype_data(record: GenotypeRecord) -> dict[str, Any]:
    """The JSON stored in ``animal.genotype`` for a genotype record."""
    return {
        "blocks": record.to_data(),
        "traits": list(record.traits),
        "hets": list(record.hets),
        "possible_hets": [[h.gene, str(h.probability)] for h in record.possible_hets],
        "genes": list(record.genes),
        "certain": record.certain_phenotype,
        "awaits_sex": record.awaits_sex,
    }


def fill_row(row: AnimalRow, animal: Animal) -> None:
    """Write ``animal`` into ``row``: every column but the id and the timestamps."""
    row.organisation_id = animal.organisation_id
    row.code = animal.code
    row.name = animal.name
    row.species = animal.species
    row.sex = animal.sex.value
    row.hatch_date = animal.hatch_date
    row.origin = animal.origin.value
    row.morph = animal.genotype.morph
    row.phenotype = animal.genotype.phenotype
    row.genotype = genotype_data(animal.genotype)
    row.trait_index = bar_index(animal.genotype.traits)
    row.gene_index = bar_index(animal.genotype.genes)
    row.tag_index = bar_index(animal.tags)
    row.sire_id = animal.sire_id
    row.dam_id = animal.dam_id
    row.external_sire = _external(animal.external_sire)
    row.external_dam = _external(animal.external_dam)
    row.status = animal.status.value
    row.visibility = animal.visibility.value
    row.notes = animal.notes
    row.tags = list(animal.tags)
    row.photo_ids = [str(p) for p in animal.photo_ids]
    row.clutch_id = animal.clutch_id


def to_animal(row: Any) -> Animal:
    """The domain value of a row (an :class:`AnimalRow` or a Core row of its table)."""
    data = row.genotype
    return Animal(
        id=row.id,
        organisation_id=row.organisation_id,
        code=row.code,
        name=row.name,
        species=row.species,
        sex=AnimalSex(row.sex),
        genotype=GenotypeRecord(
            morph=row.morph,
            phenotype=row.phenotype,
            traits=tuple(data.get("traits", ())),
            hets=tuple(data.get("hets", ())),
            possible_hets=tuple(
                PossibleHetShare(g, Fraction(p)) for g, p in data.get("possible_hets", ())
            ),
            genes=tuple(data.get("genes", ())),
            blocks=blocks_from_data(data.get("blocks", ())),
            certain_phenotype=bool(data.get("certain", True)),
            awaits_sex=bool(data.get("awaits_sex", False)),
        ),
        hatch_date=row.hatch_date,
        origin=Origin(row.origin),
        sire_id=row.sire_id,
        dam_id=row.dam_id,
        external_sire=_read_external(row.external_sire),
        external_dam=_read_external(row.external_dam),
        status=Status(row.status),
        visibility=Visibility(row.visibility),
        notes=row.notes,
        tags=tuple(row.tags or ()),
        photo_ids=tuple(uuid.UUID(p) for p in row.photo_ids or ()),
        clutch_id=row.clutch_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class _GenotypeJson(msgspec.Struct):
    blocks: tuple[tuple[int, tuple[tuple[tuple[int, ...], tuple[int, ...], str], ...]], ...] = ()
    traits: tuple[str, ...] = ()
    hets: tuple[str, ...] = ()
    possible_hets: tuple[tuple[str, str], ...] = ()
    genes: tuple[str, ...] = ()
    certain: bool = True
    awaits_sex: bool = False


class _ExternalJson(msgspec.Struct):
    name: str
    morph: str | None = None


_GENOTYPE = msgspec.json.Decoder(_GenotypeJson)
_EXTERNAL = msgspec.json.Decoder(_ExternalJson | None)
_STRINGS = msgspec.json.Decoder(tuple[str, ...] | None)
_UUIDS = msgspec.json.Decoder(tuple[uuid.UUID, ...] | None)


def json_as_text(column: Any) -> Any:
    """A JSON column read as its text, under its own name (for :func:`to_animal_from_text`)."""
    return cast(column, Text).label(column.name)


def to_animal_from_text(row: Any) -> Animal:
    """The domain value of a Core row whose JSON columns were read as text: msgspec decodes
    them straight into the tuples the domain keeps (several times faster than ``json`` and
    the ORM, which matters for pedigrees of hundreds of rows)."""
    data = _GENOTYPE.decode(row.genotype)
    sire = _EXTERNAL.decode(row.external_sire) if row.external_sire else None
    dam = _EXTERNAL.decode(row.external_dam) if row.external_dam else None
    return Animal(
        id=row.id,
        organisation_id=row.organisation_id,
        code=row.code,
        name=row.name,
        species=row.species,
        sex=AnimalSex(row.sex),
        genotype=GenotypeRecord(
            morph=row.morph,
            phenotype=row.phenotype,
            traits=data.traits,
            hets=data.hets,
            possible_hets=tuple(PossibleHetShare(g, Fraction(p)) for g, p in data.possible_hets),
            genes=data.genes,
            blocks=data.blocks,
            certain_phenotype=data.certain,
            awaits_sex=data.awaits_sex,
        ),
        hatch_date=row.hatch_date,
        origin=Origin(row.origin),
        sire_id=row.sire_id,
        dam_id=row.dam_id,
        external_sire=None if sire is None else ExternalParent(sire.name, sire.morph),
        external_dam=None if dam is None else ExternalParent(dam.name, dam.morph),
        status=Status(row.status),
        visibility=Visibility(row.visibility),
        notes=row.notes,
        tags=_STRINGS.decode(row.tags) or () if row.tags else (),
        photo_ids=_UUIDS.decode(row.photo_ids) or () if row.photo_ids else (),
        clutch_id=row.clutch_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
