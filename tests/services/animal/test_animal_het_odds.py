"""The het odds use case without a database: the exact bound, the family bound, the engine's
refusals, external parents and loci left out."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any, TypeVar

import pytest

from reptidex.domain.animals.het_odds import HetOddsLimits, analyse_family, het_odds_of
from reptidex.domain.animals.model import Animal, AnimalSex, ExternalParent, describe_genotype
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import InvalidInput, NotFound
from reptidex.engine.genetics import load_catalog, parse_genotype

BP = load_catalog("ball_python")
ORG = uuid.uuid4()
T = TypeVar("T")


def animal(name: str, morph: str = "Normal", sex: str = "unknown", **fields: Any) -> Animal:
    genetic = AnimalSex(sex).genetic
    record = describe_genotype(BP, parse_genotype(BP, morph, genetic), morph)
    return Animal(uuid.uuid4(), ORG, name, None, "ball_python", AnimalSex(sex), record, **fields)


def acceptance_family(grandson: str = "Clown") -> dict[str, Animal]:
    gs, gd = animal("GS", sex="male"), animal("GD", sex="female")
    sire = animal("Sire", sex="male", sire_id=gs.id, dam_id=gd.id)
    aunt = animal("Aunt", sex="female", sire_id=gs.id, dam_id=gd.id)
    dam = animal("Dam", sex="female")
    kids = {
        name: animal(name, morph, sire_id=sire.id, dam_id=dam.id)
        for name, morph in (("Grandson", grandson), ("Sib1", "Normal"), ("Sib2", "Normal"))
    }
    return {"GS": gs, "GD": gd, "Sire": sire, "Aunt": aunt, "Dam": dam, **kids}


def test_beyond_the_exact_bound_the_odds_are_floats_and_say_so() -> None:
    family = acceptance_family()
    exact = analyse_family(family["GS"], list(family.values()), HetOddsLimits())
    floats = analyse_family(family["GS"], list(family.values()), HetOddsLimits(exact_animals=7))
    assert exact.exact
    assert exact.genes[0].carrier == Fraction(41, 79)
    assert not floats.exact
    assert isinstance(floats.genes[0].carrier, float)
    assert floats.genes[0].carrier == pytest.approx(41 / 79, abs=1e-12)
    assert any("floats" in note for note in floats.notes)
    assert not any("floats" in note for note in exact.notes)


def test_a_family_too_interbred_is_refused_not_approximated() -> None:
    family = acceptance_family()
    with pytest.raises(InvalidInput, match="too interbred"):
        analyse_family(family["GS"], list(family.values()), HetOddsLimits(max_clique_states=2))


def test_siblings_of_the_same_external_parents_share_them() -> None:
    outside: dict[str, Any] = {
        "external_sire": ExternalParent("Zeus", "Normal"),
        "external_dam": ExternalParent("Hera", "Normal"),
    }
    visual = animal("K1", "Clown", **outside)
    sibling = animal("K2", **outside)
    odds = analyse_family(sibling, [visual, sibling], HetOddsLimits())
    assert odds.family_size == 4
    (clown,) = odds.genes
    assert clown.carrier == Fraction(2, 3)
    assert clown.reasons[0].animal_ids == (visual.id,)
    assert "1 sibling (visual Clown): K1" in clown.reasons[0].text
    # its own record and the outside parents' are reasons too (the parents with no id)
    assert {r.animal_ids for r in clown.reasons[1:]} == {(sibling.id,), ()}


def test_an_external_parents_morph_is_evidence() -> None:
    kid = animal("K", external_sire=ExternalParent("Zeus", "Clown"))
    (clown,) = analyse_family(kid, [kid], HetOddsLimits()).genes
    assert clown.proven
    assert clown.reasons[0].text == "proven by its sire Zeus (external sire) (visual Clown)"


def test_sex_linked_and_always_visible_genes_are_left_out() -> None:
    sire = animal("S", "Banana Pastel het Clown", sex="male")
    kid = animal("K", sire_id=sire.id)
    odds = analyse_family(kid, [sire, kid], HetOddsLimits())
    assert [g.locus for g in odds.genes] == ["clown"]
    # het from the sire 1/2, from an unknown dam 1/20, given the kid looks normal
    assert odds.genes[0].carrier == Fraction(20, 39)
    assert any("sex-linked" in note for note in odds.notes)


class FakeAnimals:
    def __init__(self, animals: list[Animal]) -> None:
        self.by_id = {a.id: a for a in animals}

    async def get(self, organisation_id: uuid.UUID, animal_id: uuid.UUID) -> Animal | None:
        found = self.by_id.get(animal_id)
        return found if found is not None and found.organisation_id == organisation_id else None


class FakeFamilies:
    def __init__(self, animals: list[Animal]) -> None:
        self.animals = animals
        self.limits: list[int] = []

    async def family(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID, *, limit: int
    ) -> list[Animal]:
        self.limits.append(limit)
        return self.animals[:limit]


class FakeUnitOfWork:
    def __init__(self, animals: list[Animal]) -> None:
        self.animals = FakeAnimals(animals)
        self.families = FakeFamilies(animals)


def run(uow: FakeUnitOfWork, animal_id: uuid.UUID, limits: HetOddsLimits) -> tuple[Any, int]:
    computed = 0

    async def compute(work: Callable[[], T]) -> T:
        nonlocal computed
        computed += 1
        return work()

    result = asyncio.run(
        het_odds_of(uow, Actor(ORG), animal_id, compute=compute, limits=limits)  # type: ignore[arg-type]
    )
    return result, computed


def test_a_family_beyond_the_bound_is_refused_before_any_work() -> None:
    family = list(acceptance_family().values())
    uow = FakeUnitOfWork(family)
    with pytest.raises(InvalidInput, match="more than 7"):
        run(uow, family[0].id, HetOddsLimits(family_animals=7))
    assert uow.families.limits == [8]
    odds, computed = run(uow, family[0].id, HetOddsLimits(family_animals=8))
    assert computed == 1
    assert odds.family_size == 8


def test_another_organisations_animal_is_not_found() -> None:
    stranger = animal("X")
    other = Animal(
        **{**{f: getattr(stranger, f) for f in stranger.__slots__}, "organisation_id": uuid.uuid4()}
    )
    with pytest.raises(NotFound):
        run(FakeUnitOfWork([other]), other.id, HetOddsLimits())


def test_a_founders_possible_het_is_its_prior_in_exact_and_float_figures() -> None:
    sire = animal("S", "66% het Clown", sex="male")
    dam = animal("D", "het Clown", sex="female")
    kid = animal("K", "66% het Clown", sire_id=sire.id, dam_id=dam.id)
    exact = analyse_family(kid, [sire, dam, kid], HetOddsLimits()).genes[0]
    floats = analyse_family(kid, [sire, dam, kid], HetOddsLimits(exact_animals=2)).genes[0]
    # the sire's entered 2/3 counts; the kid's own "66%" does not: its parents give its odds
    # (Clown from the dam 1/2, from the sire 1/3; normal-looking carrier 1 - 1/3 - 1/6 of 5/6)
    assert exact.carrier == Fraction(3, 5)
    assert floats.carrier == pytest.approx(0.6, abs=1e-12)
    assert "entered as 66% het Clown" in exact.reasons[1].text


def test_a_hatchling_of_unknown_sex_with_a_sex_linked_gene_is_evidence() -> None:
    from reptidex.domain.animals.genetics import read_record

    sire, dam = animal("Sire", sex="male"), animal("Dam", sex="female")
    morph = "Banana Clown"
    visual = Animal(
        uuid.uuid4(),
        ORG,
        "K1",
        None,
        "ball_python",
        AnimalSex.UNKNOWN,
        read_record(BP, morph, None, field="morph"),
        sire_id=sire.id,
        dam_id=dam.id,
    )
    odds = analyse_family(sire, [sire, dam, visual], HetOddsLimits())
    (clown,) = odds.genes
    assert clown.proven
    assert not any("cannot be read" in note for note in odds.notes)
    assert any("Banana is sex-linked" in note for note in odds.notes)
