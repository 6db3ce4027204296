"""Use cases of the collection: register, change, remove, show and list animals.

Each takes the unit of work of one transaction and the acting :class:`Actor`; it checks the
actor's rights and organisation, validates with the engines (the genotype must parse for the
species; parents must be animals of the collection of the right sex and species, older than
their offspring, and an animal may not become its own ancestor), writes the change, stages its
events in the same transaction and commits: the change and its events become durable together,
or not at all. A use case made of several steps (hatchlings, an import) commits once, after the
last (:func:`add_animal` is the step that does not commit).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import msgspec

from reptidex.domain.animals.audit import animal_fields, audit
from reptidex.domain.animals.codes import DEFAULT_TEMPLATE, check_template, render_code
from reptidex.domain.animals.events import (
    PRODUCER,
    AnimalChanged,
    AnimalDeleted,
    LineageChanged,
)
from reptidex.domain.animals.genetics import (
    UNLIMITED,
    Compute,
    Prediction,
    PredictionLimits,
    animal_genotype,
    compute_here,
    predict_genotypes,
    read_genotype,
    read_record,
    species_catalog,
)
from reptidex.domain.animals.model import (
    Animal,
    AnimalSex,
    ExternalParent,
    GenotypeEvidence,
    GenotypeRecord,
    Origin,
    Status,
    Visibility,
)
from reptidex.domain.animals.ports import AnimalQuery, AnimalUnitOfWork
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events import new_event
from reptidex.domain.pedigree import engine_pedigree
from reptidex.engine import pedigree as ped
from reptidex.engine.genetics import Sex

MAX_ANCESTRY = 200
"""Generations of ancestry loaded to check that an animal is not its own ancestor."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a member of ``organisation_id`` (``may_write`` false for viewers)."""

    organisation_id: uuid.UUID
    user_id: uuid.UUID | None = None
    may_write: bool = True


def require_writer(actor: Actor) -> None:
    """:class:`PermissionDenied` unless the actor may change the collection."""
    if not actor.may_write:
        raise PermissionDenied("Viewers can read the collection but not change it.")


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""A field of :class:`AnimalChanges` left as it is."""


@dataclass(frozen=True, slots=True)
class AnimalDraft:
    """A new animal as entered; ``code`` ``None`` takes the next code of the template."""

    species: str
    sex: AnimalSex = AnimalSex.UNKNOWN
    morph: str = "Normal"
    name: str | None = None
    code: str | None = None
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
    genotype: GenotypeRecord | None = None
    """A genotype computed elsewhere (a hatchling's predicted distribution) instead of
    ``morph``."""


@dataclass(frozen=True, slots=True)
class AnimalChanges:
    """The fields a change sets; every other field stays (:data:`KEEP`)."""

    code: str | _Keep = KEEP
    name: str | _Keep | None = KEEP
    sex: AnimalSex | _Keep = KEEP
    morph: str | _Keep = KEEP
    hatch_date: dt.date | _Keep | None = KEEP
    origin: Origin | _Keep = KEEP
    sire_id: uuid.UUID | _Keep | None = KEEP
    dam_id: uuid.UUID | _Keep | None = KEEP
    external_sire: ExternalParent | _Keep | None = KEEP
    external_dam: ExternalParent | _Keep | None = KEEP
    status: Status | _Keep = KEEP
    visibility: Visibility | _Keep = KEEP
    notes: str | _Keep | None = KEEP
    tags: tuple[str, ...] | _Keep = KEEP
    photo_ids: tuple[uuid.UUID, ...] | _Keep = KEEP

    def given(self) -> dict[str, Any]:
        """The fields this change sets, by name."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not KEEP
        }


def _audit_value(animal: Animal, name: str) -> Any:
    value = animal.genotype.morph if name == "morph" else getattr(animal, name)
    return msgspec.to_builtins(value)


def _summary(
    animal: Animal, changed: Sequence[str] = (), before: Animal | None = None
) -> AnimalChanged:
    return AnimalChanged(
        animal_id=str(animal.id),
        code=animal.code,
        name=animal.name,
        species=animal.species,
        sex=animal.sex.value,
        phenotype=animal.genotype.phenotype,
        status=animal.status.value,
        visibility=animal.visibility.value,
        changed=list(changed),
        before={n: _audit_value(before, n) for n in changed} if before else {},
        after={n: _audit_value(animal, n) for n in changed} if before else {},
        morph=animal.genotype.morph,
        hatch_date=None if animal.hatch_date is None else animal.hatch_date.isoformat(),
        traits=list(animal.genotype.traits),
        hets=list(animal.genotype.hets),
        possible_hets=[[h.gene, str(h.probability)] for h in animal.genotype.possible_hets],
    )


def _stage(uow: AnimalUnitOfWork, actor: Actor, kind: str, payload: msgspec.Struct) -> None:
    uow.outbox.add(
        new_event(
            kind,
            producer=PRODUCER,
            payload=payload,
            organisation_id=actor.organisation_id,
            actor_id=actor.user_id,
        )
    )


def _id(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def _lineage_event(before: Animal | None, after: Animal) -> LineageChanged | None:
    def links(a: Animal | None) -> tuple[object, ...]:
        if a is None:
            return (None, None, None, None)
        return (a.sire_id, a.dam_id, a.external_sire, a.external_dam)

    if links(before) == links(after) or (before is None and links(after) == links(None)):
        return None
    return LineageChanged(
        animal_id=str(after.id),
        sire_id=_id(after.sire_id),
        dam_id=_id(after.dam_id),
        previous_sire_id=_id(before.sire_id) if before else None,
        previous_dam_id=_id(before.dam_id) if before else None,
    )


def _read_genotype(species: str, morph: str, sex: AnimalSex) -> GenotypeRecord:
    return read_record(species_catalog(species), morph, sex.genetic, field="morph")


def _with_sex(before: Animal, after: Animal, morph: str) -> GenotypeRecord:
    """The genotype of ``after`` once its sex or morph changed: the morph read again, except
    when an unknown sex is set on an unchanged morph whose sex-linked genes awaited it (the
    record's genotype of that sex then keeps what the record knew beyond the morph, e.g. a
    hatchling's odds from its parents; the morph is read again if the record ruled that sex
    out)."""
    sex = after.sex.genetic
    if before.genotype.awaits_sex and sex is not None and morph == before.genotype.morph:
        try:
            return before.genotype.given_sex(species_catalog(after.species), sex)
        except ValueError:
            pass
    return _read_genotype(after.species, morph, after.sex)


async def _check_parents(uow: AnimalUnitOfWork, actor: Actor, animal: Animal) -> None:
    """The engine's rules for ``animal``'s parents; :class:`InvalidInput` with every problem."""
    problems: dict[str, str] = {}
    if animal.sire_id and animal.external_sire:
        problems["external_sire"] = "give a sire from the collection or an external one, not both"
    if animal.dam_id and animal.external_dam:
        problems["external_dam"] = "give a dam from the collection or an external one, not both"
    catalog = species_catalog(animal.species)
    for field, external, sex in (
        ("external_sire", animal.external_sire, AnimalSex.MALE),
        ("external_dam", animal.external_dam, AnimalSex.FEMALE),
    ):
        if external is not None and external.morph:
            try:
                read_genotype(catalog, external.morph, sex.genetic, field=field)
            except InvalidInput as error:
                problems[f"{field}.morph"] = next(iter(error.field_errors.values()), error.detail)
    parents: list[uuid.UUID] = []
    for field, parent_id, sex in (
        ("sire_id", animal.sire_id, AnimalSex.MALE),
        ("dam_id", animal.dam_id, AnimalSex.FEMALE),
    ):
        if parent_id is None:
            continue
        parent = await uow.animals.get(actor.organisation_id, parent_id)
        if parent is None:
            problems[field] = "no such animal in this collection"
        elif parent_id == animal.id:
            problems[field] = "an animal cannot be its own parent"
        elif parent.sex is not sex:
            role = "sire" if sex is AnimalSex.MALE else "dam"
            problems[field] = f"{parent.label} is {parent.sex.value}; a {role} must be {sex.value}"
        elif parent.species != animal.species:
            problems[field] = f"{parent.label} is a {parent.species}, not a {animal.species}"
        else:
            parents.append(parent_id)
    if problems:
        raise InvalidInput("The parents are not valid.", field_errors=problems)
    if not parents:
        return
    known = await uow.animals.pedigree(parents, ancestors=MAX_ANCESTRY, descendants=0)
    records = {a.id: a for a in known if a.id != animal.id}
    records[animal.id] = animal
    names = {str(a.id): a.label for a in records.values()}
    rows = list(records.values())
    try:
        engine_pedigree(rows, sexes=[a.sex for a in rows], hatched=[a.hatch_date for a in rows])
    except ped.PedigreeError as error:
        messages = []
        for problem in error.problems:
            message = problem.message
            for key, label in names.items():
                message = message.replace(key, label)
            messages.append(message)
        raise InvalidInput(
            "These parents would make an impossible pedigree: " + "; ".join(messages),
            field_errors={"parents": "; ".join(messages)},
        ) from error


async def _next_code(
    uow: AnimalUnitOfWork, actor: Actor, draft: AnimalDraft, today: dt.date
) -> str:
    template = await uow.codes.template(actor.organisation_id) or DEFAULT_TEMPLATE
    for _ in range(1000):
        number = await uow.codes.next_number(actor.organisation_id)
        code = render_code(
            template, number, species=draft.species, sex=draft.sex.value, today=today
        )
        if not await uow.animals.code_taken(actor.organisation_id, code):
            return code
    raise Conflict("No free id code from the template; change the template.")


def _clean_code(code: str) -> str:
    cleaned = code.strip()
    if not cleaned:
        raise InvalidInput("The id code is empty.", field_errors={"code": "must not be blank"})
    return cleaned


async def register_animal(
    uow: AnimalUnitOfWork,
    actor: Actor,
    draft: AnimalDraft,
    *,
    today: dt.date | None = None,
) -> Animal:
    """Add an animal to the actor's collection with ``animal.created`` (and
    ``lineage.changed`` when it has parents), and commit."""
    stored = await add_animal(uow, actor, draft, today=today)
    await uow.commit()
    return stored


async def add_animal(
    uow: AnimalUnitOfWork,
    actor: Actor,
    draft: AnimalDraft,
    *,
    today: dt.date | None = None,
) -> Animal:
    """The step of :func:`register_animal` without the commit: add the animal and stage its
    events in ``uow``, for a use case that adds several in one transaction."""
    require_writer(actor)
    today = today or dt.datetime.now(dt.UTC).date()
    genotype = draft.genotype or _read_genotype(draft.species, draft.morph, draft.sex)
    if draft.code is not None:
        code = _clean_code(draft.code)
        if await uow.animals.code_taken(actor.organisation_id, code):
            raise Conflict(f"The id code {code} is taken.", field_errors={"code": "already used"})
    else:
        code = await _next_code(uow, actor, draft, today)
    animal = Animal(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        code=code,
        name=draft.name,
        species=draft.species,
        sex=draft.sex,
        genotype=genotype,
        hatch_date=draft.hatch_date,
        origin=draft.origin,
        sire_id=draft.sire_id,
        dam_id=draft.dam_id,
        external_sire=draft.external_sire,
        external_dam=draft.external_dam,
        status=draft.status,
        visibility=draft.visibility,
        notes=draft.notes,
        tags=_tags(draft.tags),
        photo_ids=draft.photo_ids,
        clutch_id=draft.clutch_id,
    )
    await _check_parents(uow, actor, animal)
    stored = await uow.animals.add(animal)
    _stage(uow, actor, "animal.created", _summary(stored))
    audit(uow, actor, "animal", stored.id, "created", after=animal_fields(stored))
    lineage = _lineage_event(None, stored)
    if lineage:
        _stage(uow, actor, "lineage.changed", lineage)
    return stored


async def narrow_genotype(
    uow: AnimalUnitOfWork,
    actor: Actor,
    animal: Animal,
    genotype: GenotypeRecord,
    source: dict[str, Any],
) -> Animal:
    """Store a genotype computed from new evidence about ``animal`` (its clutch, weighed
    whole), without a commit: ``animal.updated`` and the audit record name the ``source``
    (``genotype_source``), as a lab's evidence is named."""
    require_writer(actor)
    stored = await uow.animals.update(replace(animal, genotype=genotype))
    summary = msgspec.structs.replace(_summary(stored, ["morph"], animal), genotype_source=source)
    _stage(uow, actor, "animal.updated", summary)
    before, after = animal_fields(animal), animal_fields(stored)
    before["genotype_source"], after["genotype_source"] = None, source
    before["possible_hets"] = [[h.gene, str(h.probability)] for h in animal.genotype.possible_hets]
    after["possible_hets"] = [[h.gene, str(h.probability)] for h in stored.genotype.possible_hets]
    audit(uow, actor, "animal", stored.id, "updated", before=before, after=after)
    return stored


def _tags(tags: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))


async def get_animal(uow: AnimalUnitOfWork, actor: Actor, animal_id: uuid.UUID) -> Animal:
    """The actor's animal; :class:`NotFound` when it is not in the actor's collection."""
    animal = await uow.animals.get(actor.organisation_id, animal_id)
    if animal is None:
        raise NotFound(f"No animal {animal_id} in this collection.")
    return animal


async def update_animal(
    uow: AnimalUnitOfWork,
    actor: Actor,
    animal_id: uuid.UUID,
    changes: AnimalChanges,
    *,
    evidence: GenotypeEvidence | None = None,
    expected_morph: str | None = None,
) -> Animal:
    """Change an animal; re-read its genotype when the morph or sex changes, re-check its
    parents when they (or its sex or hatch date) change, and the offspring's view of it when
    its sex changes. Stages ``animal.updated`` and, for a parent change, ``lineage.changed``.

    ``evidence`` (with a new morph only) names the lab report the new genotype comes from,
    kept in the audit record and the event; ``expected_morph`` makes the change conditional
    on the morph still being that (:class:`Conflict` otherwise), so a change computed from a
    read of the animal never overwrites a change made since."""
    require_writer(actor)
    before = await get_animal(uow, actor, animal_id)
    given = changes.given()
    if evidence is not None and "morph" not in given:
        raise InvalidInput(
            "A genotype source goes with a new morph.",
            field_errors={"genotype_source": "given without morph"},
        )
    if expected_morph is not None and before.genotype.morph != expected_morph:
        raise Conflict(
            f"The morph of {before.label} is now {before.genotype.morph!r}, "
            f"not {expected_morph!r}.",
            field_errors={"expected_morph": "the morph has changed"},
        )
    if not given:
        return before
    values: dict[str, Any] = dict(given)
    values.pop("morph", None)
    if "code" in values:
        values["code"] = _clean_code(values["code"])
        if await uow.animals.code_taken(
            actor.organisation_id, values["code"], other_than=before.id
        ):
            raise Conflict(
                f"The id code {values['code']} is taken.", field_errors={"code": "already used"}
            )
    if "tags" in values:
        values["tags"] = _tags(values["tags"])
    after = replace(before, **values)
    if "morph" in given or "sex" in given:
        after = replace(
            after, genotype=_with_sex(before, after, given.get("morph", before.genotype.morph))
        )
    if (
        "sex" in given
        and after.sex is not before.sex
        and await uow.animals.has_offspring(before.id)
    ):
        raise Conflict(
            f"{before.label} is recorded as a parent; its sex cannot change.",
            field_errors={"sex": "the animal has offspring"},
        )
    if {"sire_id", "dam_id", "external_sire", "external_dam", "hatch_date"} & given.keys():
        await _check_parents(uow, actor, after)
    stored = await uow.animals.update(after)
    summary = _summary(stored, sorted(given), before)
    audited_before, audited_after = animal_fields(before), animal_fields(stored)
    if evidence is not None:
        summary = msgspec.structs.replace(summary, genotype_source=evidence.to_data())
        audited_before["genotype_source"] = None
        audited_after["genotype_source"] = evidence.to_data()
    _stage(uow, actor, "animal.updated", summary)
    audit(uow, actor, "animal", stored.id, "updated", before=audited_before, after=audited_after)
    lineage = _lineage_event(before, stored)
    if lineage:
        _stage(uow, actor, "lineage.changed", lineage)
    await uow.commit()
    return stored


async def delete_animal(uow: AnimalUnitOfWork, actor: Actor, animal_id: uuid.UUID) -> None:
    """Remove an animal that is nobody's parent, in no breeding pair or clutch and not offered
    to another organisation; stage ``animal.deleted``. :class:`Conflict` says which otherwise."""
    require_writer(actor)
    animal = await get_animal(uow, actor, animal_id)
    offered_to = await uow.animals.offered_to(animal.id)
    if offered_to is not None:
        raise Conflict(
            f"{animal.label} is offered to organisation {offered_to}; withdraw the offer "
            "before deleting the animal."
        )
    if await uow.animals.has_offspring(animal.id):
        raise Conflict(
            f"{animal.label} is recorded as a parent; mark it deceased or sold instead of "
            "deleting it, so that its offspring keep their lineage."
        )
    references = await uow.animals.breeding_references(actor.organisation_id, animal.id)
    if references:
        named = ", ".join(f"{r.kind} {r.id} ({r.season})" for r in references)
        raise Conflict(
            f"{animal.label} is in the breeding records ({named}); mark it deceased or sold "
            "instead of deleting it, so that its pairs and clutches keep their parents.",
            field_errors={"animal_id": named},
        )
    await uow.animals.remove(animal)
    _stage(
        uow,
        actor,
        "animal.deleted",
        AnimalDeleted(str(animal.id), animal.code, _id(animal.sire_id), _id(animal.dam_id)),
    )
    audit(uow, actor, "animal", animal.id, "deleted", before=animal_fields(animal))
    await uow.commit()


async def list_animals(
    uow: AnimalUnitOfWork, actor: Actor, query: AnimalQuery
) -> tuple[list[Animal], int]:
    """A page of the actor's collection with the total count."""
    return await uow.animals.search(actor.organisation_id, query)


async def set_code_template(uow: AnimalUnitOfWork, actor: Actor, template: str) -> str:
    """Change the organisation's id-code template."""
    require_writer(actor)
    before = await uow.codes.template(actor.organisation_id) or DEFAULT_TEMPLATE
    await uow.codes.set_template(actor.organisation_id, check_template(template))
    audit(
        uow,
        actor,
        "code_template",
        actor.organisation_id,
        "updated",
        before={"template": before},
        after={"template": template},
    )
    await uow.commit()
    return template


async def code_template(uow: AnimalUnitOfWork, actor: Actor) -> str:
    """The organisation's id-code template."""
    return await uow.codes.template(actor.organisation_id) or DEFAULT_TEMPLATE


async def pairing_parents(
    uow: AnimalUnitOfWork, actor: Actor, sire_id: uuid.UUID, dam_id: uuid.UUID
) -> tuple[Animal, Animal]:
    """The sire and dam of a planned pairing, checked: both of the actor's collection, a male
    and a female of one species. :class:`InvalidInput` names each problem."""
    problems: dict[str, str] = {}
    found: list[Animal] = []
    for field, animal_id, sex in (
        ("sire_id", sire_id, AnimalSex.MALE),
        ("dam_id", dam_id, AnimalSex.FEMALE),
    ):
        animal = await uow.animals.get(actor.organisation_id, animal_id)
        if animal is None:
            problems[field] = "no such animal in this collection"
        elif animal.sex is AnimalSex.UNKNOWN:
            problems[field] = f"{animal.label} has no recorded sex; set it to pair the animal"
        elif animal.sex is not sex:
            problems[field] = f"{animal.label} is {animal.sex.value}, not {sex.value}"
        else:
            found.append(animal)
    if not problems and found[0].species != found[1].species:
        problems["dam_id"] = f"a {found[0].species} cannot be paired with a {found[1].species}"
    if problems:
        raise InvalidInput("These animals cannot be paired.", field_errors=problems)
    return found[0], found[1]


async def predict_pairing(
    uow: AnimalUnitOfWork,
    actor: Actor,
    sire_id: uuid.UUID,
    dam_id: uuid.UUID,
    *,
    viable_only: bool = False,
    clutch_size: int | None = None,
    top: int | None = None,
    limits: PredictionLimits = UNLIMITED,
    compute: Compute = compute_here,
) -> Prediction:
    """The predicted clutch of two animals of the actor's collection, from their stored
    genotypes (possible hets included); the cross itself runs through ``compute``."""
    sire, dam = await pairing_parents(uow, actor, sire_id, dam_id)
    catalog = species_catalog(sire.species)
    sire_genotype = animal_genotype(sire, catalog, Sex.MALE)
    dam_genotype = animal_genotype(dam, catalog, Sex.FEMALE)
    return await compute(
        lambda: predict_genotypes(
            sire_genotype,
            dam_genotype,
            viable_only=viable_only,
            clutch_size=clutch_size,
            top=top,
            limits=limits,
        )
    )


async def public_animal(uow: AnimalUnitOfWork, animal_id: uuid.UUID) -> Animal:
    """A public animal of any organisation (no caller needed); :class:`NotFound` otherwise."""
    animal = await uow.animals.get_public(animal_id)
    if animal is None:
        raise NotFound(f"No public animal {animal_id}.")
    return animal
