"""The animal use cases with in-memory fakes of their ports: no database, no HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence

import pytest

from reptidex.domain.animals.codes import DEFAULT_TEMPLATE
from reptidex.domain.animals.model import Animal, AnimalSex, Visibility
from reptidex.domain.animals.ports import AnimalQuery, BreedingReference
from reptidex.domain.animals.use_cases import (
    Actor,
    AnimalChanges,
    AnimalDraft,
    delete_animal,
    list_animals,
    predict_pairing,
    register_animal,
    set_code_template,
    update_animal,
)
from reptidex.domain.audit import AUDIT_EVENT, AuditRecord, record_of
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events import DomainEvent


class FakeAnimals:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Animal] = {}

    async def get(self, organisation_id: uuid.UUID, animal_id: uuid.UUID) -> Animal | None:
        animal = self.rows.get(animal_id)
        return animal if animal and animal.organisation_id == organisation_id else None

    async def get_public(self, animal_id: uuid.UUID) -> Animal | None:
        animal = self.rows.get(animal_id)
        return animal if animal and animal.visibility is Visibility.PUBLIC else None

    async def add(self, animal: Animal) -> Animal:
        if await self.code_taken(animal.organisation_id, animal.code):
            raise Conflict("taken")
        self.rows[animal.id] = animal
        return animal

    async def update(self, animal: Animal) -> Animal:
        self.rows[animal.id] = animal
        return animal

    async def remove(self, animal: Animal) -> None:
        del self.rows[animal.id]

    async def search(
        self, organisation_id: uuid.UUID, query: AnimalQuery
    ) -> tuple[list[Animal], int]:
        found = [
            a
            for a in self.rows.values()
            if a.organisation_id == organisation_id
            and (query.species is None or a.species == query.species)
            and (query.sex is None or a.sex is query.sex)
            and all(set(alt) & set(a.genotype.genes) for alt in query.genes)
        ]
        found.sort(key=lambda a: a.code)
        return found[query.offset : query.offset + query.limit], len(found)

    async def get_by_codes(
        self, organisation_id: uuid.UUID, codes: Sequence[str]
    ) -> dict[str, Animal]:
        return {
            a.code: a
            for a in self.rows.values()
            if a.organisation_id == organisation_id and a.code in codes
        }

    async def in_clutches(
        self, organisation_id: uuid.UUID, clutch_ids: Sequence[uuid.UUID]
    ) -> list[Animal]:
        return [a for a in self.rows.values() if a.clutch_id in clutch_ids]

    async def code_taken(
        self, organisation_id: uuid.UUID, code: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        return any(
            a.code == code and a.organisation_id == organisation_id and a.id != other_than
            for a in self.rows.values()
        )

    async def has_offspring(self, animal_id: uuid.UUID) -> bool:
        return any(animal_id in (a.sire_id, a.dam_id) for a in self.rows.values())

    async def offered_to(self, animal_id: uuid.UUID) -> uuid.UUID | None:
        return None

    async def breeding_references(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID
    ) -> list[BreedingReference]:
        return []

    async def pedigree(
        self, roots: Sequence[uuid.UUID], *, ancestors: int, descendants: int
    ) -> list[Animal]:
        seen = {r for r in roots if r in self.rows}
        frontier = set(seen)
        for _ in range(ancestors):
            frontier = {
                p
                for i in frontier
                for p in (self.rows[i].sire_id, self.rows[i].dam_id)
                if p and p in self.rows and p not in seen
            }
            seen |= frontier
        return [self.rows[i] for i in seen]


class FakeCodes:
    def __init__(self) -> None:
        self.templates: dict[uuid.UUID, str] = {}
        self.numbers: dict[uuid.UUID, int] = {}

    async def template(self, organisation_id: uuid.UUID) -> str | None:
        return self.templates.get(organisation_id)

    async def set_template(self, organisation_id: uuid.UUID, template: str) -> None:
        self.templates[organisation_id] = template

    async def next_number(self, organisation_id: uuid.UUID) -> int:
        self.numbers[organisation_id] = self.numbers.get(organisation_id, 0) + 1
        return self.numbers[organisation_id]


class FakeOutbox:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def add(self, event: DomainEvent) -> None:
        self.events.append(event)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.animals = FakeAnimals()
        self.codes = FakeCodes()
        self.outbox = FakeOutbox()
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1

    @property
    def staged(self) -> list[DomainEvent]:
        """The domain events staged (the audit records are :attr:`audits`)."""
        return [e for e in self.outbox.events if e.type != AUDIT_EVENT]

    @property
    def kinds(self) -> list[str]:
        return [e.type for e in self.staged]

    @property
    def audits(self) -> list[AuditRecord]:
        """The audit records staged, in order."""
        return [record_of(e) for e in self.outbox.events if e.type == AUDIT_EVENT]


ORG = uuid.uuid4()
ACTOR = Actor(ORG, uuid.uuid4())
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


async def test_register_reads_the_genotype_and_stages_an_event(uow: FakeUnitOfWork) -> None:
    draft = AnimalDraft("ball_python", AnimalSex.MALE, "Pastel het Clown")
    animal = await register_animal(uow, ACTOR, draft, today=TODAY)
    assert animal.code == "BP-26-0001"
    assert (animal.genotype.phenotype, animal.genotype.hets) == ("Pastel", ("Clown",))
    assert set(animal.genotype.genes) == {"pastel", "clown"}
    assert uow.kinds == ["animal.created"]
    assert uow.outbox.events[0].organisation_id == ORG


async def test_a_write_commits_once_at_its_end_and_a_refused_one_never(
    uow: FakeUnitOfWork,
) -> None:
    sire = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE))
    assert uow.commits == 1
    kid = await register_animal(uow, ACTOR, AnimalDraft("ball_python", sire_id=sire.id))
    await update_animal(uow, ACTOR, kid.id, AnimalChanges(name="Kid"))
    assert uow.commits == 3
    with pytest.raises(InvalidInput):
        await update_animal(uow, ACTOR, sire.id, AnimalChanges(sire_id=kid.id))
    with pytest.raises(Conflict):
        await delete_animal(uow, ACTOR, sire.id)
    await list_animals(uow, ACTOR, AnimalQuery())
    assert uow.commits == 3


async def test_viewers_cannot_write(uow: FakeUnitOfWork) -> None:
    viewer = dataclasses.replace(ACTOR, may_write=False)
    with pytest.raises(PermissionDenied):
        await register_animal(uow, viewer, AnimalDraft("ball_python"))
    assert uow.kinds == []


async def test_parent_change_stages_lineage_changed(uow: FakeUnitOfWork) -> None:
    sire = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE))
    kid = await register_animal(uow, ACTOR, AnimalDraft("ball_python"))
    await update_animal(uow, ACTOR, kid.id, AnimalChanges(sire_id=sire.id))
    await update_animal(uow, ACTOR, kid.id, AnimalChanges(name="Kid"))
    assert uow.kinds == [
        "animal.created",
        "animal.created",
        "animal.updated",
        "lineage.changed",
        "animal.updated",
    ]
    assert uow.staged[3].payload["sire_id"] == str(sire.id)


async def test_own_ancestor_is_refused_by_the_pedigree_engine(uow: FakeUnitOfWork) -> None:
    a = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE))
    b = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE, sire_id=a.id))
    c = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE, sire_id=b.id))
    with pytest.raises(InvalidInput) as error:
        await update_animal(uow, ACTOR, a.id, AnimalChanges(sire_id=c.id))
    assert a.code in error.value.detail
    assert (await uow.animals.get(ORG, a.id)).sire_id is None  # type: ignore[union-attr]


async def test_sex_of_a_parent_cannot_change(uow: FakeUnitOfWork) -> None:
    sire = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE))
    await register_animal(uow, ACTOR, AnimalDraft("ball_python", sire_id=sire.id))
    with pytest.raises(Conflict):
        await update_animal(uow, ACTOR, sire.id, AnimalChanges(sex=AnimalSex.FEMALE))
    with pytest.raises(Conflict):
        await delete_animal(uow, ACTOR, sire.id)


async def test_other_organisations_are_invisible(uow: FakeUnitOfWork) -> None:
    mine = await register_animal(
        uow, ACTOR, AnimalDraft("ball_python", visibility=Visibility.PUBLIC)
    )
    other = Actor(uuid.uuid4())
    with pytest.raises(NotFound):
        await update_animal(uow, other, mine.id, AnimalChanges(name="x"))
    assert await list_animals(uow, other, AnimalQuery()) == ([], 0)


async def test_predict_pairing_uses_stored_genotypes(uow: FakeUnitOfWork) -> None:
    sire = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE, "het Pied"))
    dam = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.FEMALE, "Pied"))
    prediction = await predict_pairing(uow, ACTOR, sire.id, dam.id)
    assert {o.phenotype: str(o.probability) for o in prediction.result.outcomes()} == {
        "Normal": "1/2",
        "Piebald": "1/2",
    }
    with pytest.raises(InvalidInput):
        await predict_pairing(uow, ACTOR, dam.id, sire.id)


async def test_an_animal_of_unknown_sex_is_recorded_with_sex_linked_genes(
    uow: FakeUnitOfWork,
) -> None:
    from reptidex.domain.animals.genetics import animal_genotype
    from reptidex.engine.genetics import Sex, load_catalog

    catalog = load_catalog("ball_python")
    kid = await register_animal(uow, ACTOR, AnimalDraft("ball_python", morph="Banana het Pied"))
    record = kid.genotype
    assert (record.phenotype, record.hets, record.awaits_sex) == ("Banana", ("Piebald",), True)
    assert set(record.genes) == {"banana", "piebald"}
    for sex in Sex:
        assert str(animal_genotype(kid, catalog, sex)) == str(
            animal_genotype(
                await register_animal(
                    uow, ACTOR, AnimalDraft("ball_python", AnimalSex(sex.value), "Banana het Pied")
                ),
                catalog,
                sex,
            )
        )
    dam = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.FEMALE))
    with pytest.raises(InvalidInput) as refused:
        await predict_pairing(uow, ACTOR, kid.id, dam.id)
    assert list(refused.value.field_errors) == ["sire_id"]
    assert "no recorded sex" in refused.value.field_errors["sire_id"]
    female = await update_animal(uow, ACTOR, kid.id, AnimalChanges(sex=AnimalSex.FEMALE))
    assert (female.genotype.awaits_sex, female.genotype.hets) == (False, ("Piebald",))
    assert female.genotype.genotype(catalog, Sex.FEMALE).sex is Sex.FEMALE


async def test_a_sex_the_morph_rules_out_is_refused_on_the_morph(uow: FakeUnitOfWork) -> None:
    # a "male maker" is a male's phase: unsexed, the record is the male's
    maker = await register_animal(uow, ACTOR, AnimalDraft("ball_python", morph="Banana male maker"))
    assert maker.genotype.awaits_sex
    with pytest.raises(InvalidInput) as refused:
        await update_animal(uow, ACTOR, maker.id, AnimalChanges(sex=AnimalSex.FEMALE))
    assert list(refused.value.field_errors) == ["morph"]
    male = await update_animal(uow, ACTOR, maker.id, AnimalChanges(sex=AnimalSex.MALE))
    assert not male.genotype.awaits_sex


async def test_a_stale_stored_genotype_is_read_again_from_its_morph(uow: FakeUnitOfWork) -> None:
    from reptidex.domain.animals.genetics import animal_genotype
    from reptidex.engine.genetics import Sex, load_catalog

    animal = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE, "Pied"))
    catalog = load_catalog("ball_python")
    stale = dataclasses.replace(
        animal,
        genotype=dataclasses.replace(animal.genotype, blocks=((9999, (((1,), (1,), "1"),)),)),
    )
    assert animal_genotype(stale, catalog, Sex.MALE).carrier_probability("Pied") == 1
    unreadable = dataclasses.replace(
        stale, genotype=dataclasses.replace(stale.genotype, morph="Glitterbomb")
    )
    with pytest.raises(Conflict):
        animal_genotype(unreadable, catalog, Sex.MALE)


async def test_updates_carry_before_and_after_for_the_audit(uow: FakeUnitOfWork) -> None:
    animal = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE, "Pied"))
    await update_animal(uow, ACTOR, animal.id, AnimalChanges(morph="Clown", name="Bozo"))
    payload = uow.staged[-1].payload
    assert payload["changed"] == ["morph", "name"]
    assert payload["before"] == {"morph": "Pied", "name": None}
    assert payload["after"] == {"morph": "Clown", "name": "Bozo"}
    created, updated = uow.audits
    assert (created.action, created.resource_id, created.before) == ("created", str(animal.id), {})
    assert created.after["morph"] == "Pied"
    assert created.after["species"] == "ball_python"
    assert (updated.action, updated.service, updated.actor_id) == (
        "updated",
        "animal",
        ACTOR.user_id,
    )
    assert updated.organisation_id == ORG
    # only the fields that changed: the genotype as entered and as read, and the name
    assert updated.before == {"morph": "Pied", "name": None, "phenotype": "Piebald"}
    assert updated.after == {"morph": "Clown", "name": "Bozo", "phenotype": "Clown"}
    assert updated.withheld == []


async def test_an_external_parents_morph_must_read(uow: FakeUnitOfWork) -> None:
    from reptidex.domain.animals.model import ExternalParent

    with pytest.raises(InvalidInput) as error:
        await register_animal(
            uow,
            ACTOR,
            AnimalDraft("ball_python", external_sire=ExternalParent("Wild male", "Pastle")),
        )
    assert "external_sire.morph" in error.value.field_errors
    ok = await register_animal(
        uow, ACTOR, AnimalDraft("ball_python", external_dam=ExternalParent("Import", "Pastel"))
    )
    assert ok.external_dam == ExternalParent("Import", "Pastel")


async def test_each_change_of_the_collection_stages_its_audit_record(uow: FakeUnitOfWork) -> None:
    animal = await register_animal(uow, ACTOR, AnimalDraft("ball_python", AnimalSex.MALE))
    await set_code_template(uow, ACTOR, "RX{seq:5}")
    await delete_animal(uow, ACTOR, animal.id)
    assert [(r.resource_kind, r.action) for r in uow.audits] == [
        ("animal", "created"),
        ("code_template", "updated"),
        ("animal", "deleted"),
    ]
    deleted = uow.audits[-1]
    assert deleted.after == {}
    assert deleted.before["code"] == animal.code
    assert uow.audits[1].before == {"template": DEFAULT_TEMPLATE}
    # every record is staged with the change: one commit per use case, the record in it
    assert uow.commits == 3


async def test_an_audit_record_carries_the_request_it_was_made_in(uow: FakeUnitOfWork) -> None:
    from reptidex.domain.audit import current_request_id

    token = current_request_id.set("req-audit-1")
    try:
        await register_animal(uow, ACTOR, AnimalDraft("ball_python"))
    finally:
        current_request_id.reset(token)
    await register_animal(uow, ACTOR, AnimalDraft("ball_python"))
    assert [r.request_id for r in uow.audits] == ["req-audit-1", None]
