"""The pairing planner and a pair's predicted clutch use each animal's kept pedigree
posterior in place of its typed odds (on fakes of the ports; the posterior is the one the
het odds use case computes from the family)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from animal_testkit import Breeder, animal_components
from test_animal_het_odds import ORG, animal
from test_animal_het_odds_kept import settled_on

from reptidex.domain.animals.breeding import pair_outcomes, show_pair
from reptidex.domain.animals.breeding_model import BreedingPair, PairStatus
from reptidex.domain.animals.het_odds import HetOddsLimits, analyse_members
from reptidex.domain.animals.model import Animal, Status
from reptidex.domain.animals.pairing_planner import plan_pairings
from reptidex.domain.animals.ports import AnimalQuery
from reptidex.domain.animals.posterior_genotypes import with_posterior
from reptidex.domain.animals.stored_het_odds import StoredGeneOdds
from reptidex.domain.animals.use_cases import Actor
from reptidex.engine.genetics import load_catalog, parse_genotype

AT = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
BP = load_catalog("ball_python")


def family() -> dict[str, Animal]:
    """Two normal-looking parents of a visual Clown (both proven het) and of Sib, a normal
    male sibling the breeder typed ``50% het Clown``; Rival, an unrelated male typed ``60%
    het Clown``; Vis, an unrelated visual Clown female."""
    sire = animal("Sire", sex="male", status=Status.ON_LOAN)
    dam = animal("Dam", sex="female", status=Status.ON_LOAN)
    kids = dict(sire_id=sire.id, dam_id=dam.id)
    return {
        "Sire": sire,
        "Dam": dam,
        "Clown": animal("Clown", "Clown", sex="female", status=Status.ON_LOAN, **kids),
        "Sib": animal("Sib", "50% het Clown", sex="male", **kids),
        "Rival": animal("Rival", "60% het Clown", sex="male"),
        "Vis": animal("Vis", "Clown", sex="female"),
    }


def kept_odds(animals: Sequence[Animal], of: Animal) -> list[StoredGeneOdds]:
    """``of``'s posterior as the upkeep keeps it, computed from ``animals``' records."""
    odds = analyse_members(animals, [of], HetOddsLimits())[of.id]
    return [
        StoredGeneOdds(
            g.locus,
            g.name,
            g.carrier,
            g.proven,
            g.genotypes,
            g.reasons,
            g.method,
            True,
            odds.family_size,
            AT,
        )
        for g in odds.genes
    ]


class FakeAnimals:
    def __init__(self, animals: Sequence[Animal]) -> None:
        self.by_id = {a.id: a for a in animals}

    async def get(self, organisation_id: uuid.UUID, animal_id: uuid.UUID) -> Animal | None:
        found = self.by_id.get(animal_id)
        return found if found is not None and found.organisation_id == organisation_id else None

    async def search(
        self, organisation_id: uuid.UUID, query: AnimalQuery
    ) -> tuple[list[Animal], int]:
        found = [
            a
            for a in self.by_id.values()
            if a.organisation_id == organisation_id
            and a.species == query.species
            and a.status is query.status
        ]
        page = found[query.offset : query.offset + query.limit]
        return page, len(found)

    async def pedigree(
        self, ids: Sequence[uuid.UUID], *, ancestors: int, descendants: int
    ) -> list[Animal]:
        return list(self.by_id.values())

    async def in_clutches(
        self, organisation_id: uuid.UUID, clutch_ids: Sequence[uuid.UUID]
    ) -> list[Animal]:
        return []


class FakeHetOdds:
    def __init__(self, kept: dict[uuid.UUID, list[StoredGeneOdds]]) -> None:
        self.kept = kept
        self.reads: list[tuple[uuid.UUID, list[uuid.UUID]]] = []

    async def for_animals(
        self, organisation_id: uuid.UUID, animal_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[StoredGeneOdds]]:
        self.reads.append((organisation_id, list(animal_ids)))
        return {i: self.kept[i] for i in animal_ids if i in self.kept}


class FakePairs:
    def __init__(self, pairs: Sequence[BreedingPair]) -> None:
        self.pairs = {p.id: p for p in pairs}

    async def get_pair(self, organisation_id: uuid.UUID, pair_id: uuid.UUID) -> BreedingPair | None:
        return self.pairs.get(pair_id)

    async def list_clutches(self, organisation_id: uuid.UUID, **_: Any) -> list[Any]:
        return []


class FakeUnitOfWork:
    def __init__(
        self,
        animals: Sequence[Animal],
        kept: dict[uuid.UUID, list[StoredGeneOdds]],
        pairs: Sequence[BreedingPair] = (),
    ) -> None:
        self.animals = FakeAnimals(animals)
        self.het_odds = FakeHetOdds(kept)
        self.breeding = FakePairs(pairs)


def plan(uow: FakeUnitOfWork) -> list[tuple[str, str, Fraction, tuple[str, ...]]]:
    found = asyncio.run(
        plan_pairings(uow, Actor(ORG), species="ball_python", target="Clown")  # type: ignore[arg-type]
    )
    return [(p.sire.label, p.dam.label, p.probability, p.sire_from_pedigree) for p in found.pairs]


def test_the_sibling_of_a_visual_ranks_by_its_posterior() -> None:
    animals = family()
    everyone = list(animals.values())
    sib = animals["Sib"]
    kept = {sib.id: kept_odds(everyone, sib)}
    assert kept[sib.id][0].carrier == Fraction(2, 3)
    # typed odds: Rival (60%) over Sib (50%)
    assert plan(FakeUnitOfWork(everyone, {})) == [
        ("Rival", "Vis", Fraction(3, 10), ()),
        ("Sib", "Vis", Fraction(1, 4), ()),
    ]
    # the pedigree's 2/3: Sib over Rival, and it says where its odds came from
    uow = FakeUnitOfWork(everyone, kept)
    assert plan(uow) == [
        ("Sib", "Vis", Fraction(1, 3), ("Clown",)),
        ("Rival", "Vis", Fraction(3, 10), ()),
    ]
    read = {i for _, ids in uow.het_odds.reads for i in ids}
    assert read == {sib.id, animals["Rival"].id, animals["Vis"].id}


def test_a_pairs_prediction_uses_the_posterior_and_its_outcomes_do_not() -> None:
    animals = family()
    everyone = list(animals.values())
    sib, vis = animals["Sib"], animals["Vis"]
    pair = BreedingPair(uuid.uuid4(), ORG, sib.id, vis.id, "2026", PairStatus.PLANNED, 0.0)
    uow = FakeUnitOfWork(everyone, {sib.id: kept_odds(everyone, sib)}, [pair])
    shown = asyncio.run(show_pair(uow, Actor(ORG), pair.id))  # type: ignore[arg-type]
    assert (shown.sire_from_pedigree, shown.dam_from_pedigree) == (("Clown",), ())
    clown = sum(
        (o.probability for o in shown.prediction.result.outcomes() if o.phenotype == "Clown"),
        Fraction(0),
    )
    assert clown == Fraction(1, 3)
    outcomes = asyncio.run(pair_outcomes(uow, Actor(ORG), pair.id))  # type: ignore[arg-type]
    predicted = {o.phenotype: o.probability for o in outcomes.outcomes}
    assert predicted["Clown"] == Fraction(1, 4)  # the typed odds: the posterior weighs them


def test_what_the_posterior_cannot_stand_in_for_stays_typed() -> None:
    typed = parse_genotype(BP, "Pastel 50% het Clown")
    animals = family()
    clown = kept_odds(list(animals.values()), animals["Sib"])[0]
    unknown = StoredGeneOdds(
        "no_such_locus", "Nothing", Fraction(1, 2), False, clown.genotypes, (), "exact", True,
        4, AT,
    )  # fmt: skip
    empty = StoredGeneOdds(
        "pied", "Pied", Fraction(1, 2), False, (), (), "exact", True, 4, AT
    )  # fmt: skip
    found = with_posterior(typed, [unknown, empty])
    assert (found.genotype, found.from_pedigree) == (typed, ())
    floats = StoredGeneOdds(
        "clown", "Clown", 0.6, False,
        tuple(type(g)(g.name, g.alleles, float(p)) for g, p in zip(
            clown.genotypes, (Fraction(2, 5), Fraction(3, 5), Fraction(0)), strict=True)),
        (), "exact", False, 4, AT,
    )  # fmt: skip
    read = with_posterior(typed, [floats])
    assert read.genotype.carrier_probability("Clown") == Fraction(3, 5)
    assert read.genotype.carrier_probability("Pastel") == 1


def test_over_http_the_planner_and_a_pair_use_the_kept_posterior(breeder: Breeder) -> None:
    """The same family recorded through the API: once the upkeep has kept every animal's
    odds, the planner ranks Sib by 2/3 and a pair of Sib predicts 1/3 Clown."""
    animal_components(breeder.client.app).het_odds_upkeep.delay = dt.timedelta(0)
    sire = breeder.add(name="Sire", sex="male", morph="Normal", status="on_loan")
    dam = breeder.add(name="Dam", sex="female", morph="Normal", status="on_loan")
    kids = {"sire_id": sire["id"], "dam_id": dam["id"]}
    breeder.add(name="Clown", sex="female", morph="Clown", status="on_loan", **kids)
    sib = breeder.add(name="Sib", sex="male", morph="50% het Clown", **kids)
    rival = breeder.add(name="Rival", sex="male", morph="60% het Clown")
    vis = breeder.add(name="Vis", sex="female", morph="Clown")
    settled_on(
        breeder,
        {"Sib": sib, "Rival": rival},
        {"Sib": Fraction(2, 3), "Rival": Fraction(3, 5)},
    )
    response = breeder.post("/breeding/plan", json={"species": "ball_python", "target": "Clown"})
    assert response.status_code == 200, response.text
    ranked = [
        (p["sire"].split(" (")[0], p["probability"], p["sire_odds_from_pedigree"])
        for p in response.json()["pairs"]
    ]
    assert ranked == [("Sib", "1/3", ["Clown"]), ("Rival", "3/10", ["Clown"])]
    created = breeder.post("/breeding/pairs", json={"sire_id": sib["id"], "dam_id": vis["id"]})
    assert created.status_code == 201, created.text
    shown = breeder.get(f"/breeding/pairs/{created.json()['id']}").json()
    for pair in (created.json(), shown):
        assert pair["sire_odds_from_pedigree"] == ["Clown"]
        clown = [o for o in pair["prediction"]["outcomes"] if o["phenotype"] == "Clown"]
        assert [o["probability"] for o in clown] == ["1/3"], pair["prediction"]
