"""The het odds upkeep's passes on the real SQL adapter (SQLite and PostgreSQL): a request
waits its delay, requests for animals of one family are computed once, a request made
while its family computes waits for the next pass, which animals each event asks for, the
request for other organisations' relatives (bounded, never the asker's own), and the kept
explanations' effects in floats."""

from __future__ import annotations

import datetime as dt
import functools
import time
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any, TypeVar

import pytest
from animal_testkit import Breeder, animal_components
from test_animal_het_odds import acceptance_family
from test_animal_het_odds_api import record_family

from reptidex.domain.animals.het_odds import HetOddsLimits, analyse_members
from reptidex.domain.animals.het_odds_upkeep import animals_to_upkeep, family_odds, upkeep_pass
from reptidex.domain.errors import InvalidInput

T = TypeVar("T")
HOUR = dt.timedelta(hours=1)


class CountingRunner:
    """Runs CPU work at once and counts it."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, work: Callable[[], T]) -> T:
        self.calls += 1
        return work()


def _pass(breeder: Breeder, runner: CountingRunner, now: dt.datetime, delay: dt.timedelta) -> int:
    units = animal_components(breeder.client.app).units

    async def run() -> int:
        return await upkeep_pass(
            units.open_upkeep,
            compute=runner,
            limits=HetOddsLimits(),
            now=now,
            delay=delay,
            batch_size=50,
        )

    with breeder.client.portal() as portal:
        return portal.call(run)


def _waiting(breeder: Breeder, animal: dict[str, Any]) -> bool:
    odds = breeder.get(f"/animals/{animal['id']}").json()["het_odds"]
    return odds is not None and not odds["up_to_date"]


def _eventually(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.fixture
def family(breeder: Breeder) -> dict[str, dict[str, Any]]:
    """The acceptance family, every animal's request made and none computed (the service's
    own worker waits an hour)."""
    animal_components(breeder.client.app).het_odds_upkeep.delay = HOUR
    recorded = record_family(breeder)
    for animal in recorded.values():
        _eventually(lambda a=animal: _waiting(breeder, a))  # type: ignore[misc]
    return recorded


def test_a_family_asked_for_many_times_is_computed_once(
    breeder: Breeder, family: dict[str, dict[str, Any]]
) -> None:
    runner = CountingRunner()
    now = dt.datetime.now(dt.UTC)
    # within the delay nothing is taken
    assert _pass(breeder, runner, now, HOUR) == 0
    assert runner.calls == 0
    # eight requests (one per animal) of one family: one computation keeps all eight
    assert _pass(breeder, runner, now, dt.timedelta(0)) == 8
    assert runner.calls == 1
    for animal in family.values():
        odds = breeder.get(f"/animals/{animal['id']}").json()["het_odds"]
        assert (odds["status"], odds["up_to_date"], odds["family_size"]) == ("computed", True, 8)
    assert _pass(breeder, runner, now, dt.timedelta(0)) == 0
    assert runner.calls == 1


def test_a_request_made_while_computing_waits_for_the_next_pass(
    breeder: Breeder, family: dict[str, dict[str, Any]]
) -> None:
    runner = CountingRunner()
    before = dt.datetime.now(dt.UTC) - HOUR  # the pass started before the requests
    assert _pass(breeder, runner, before, -2 * HOUR) == 8
    assert runner.calls == 1
    for animal in family.values():
        assert _waiting(breeder, animal)  # computed, yet asked again after the pass began
    assert _pass(breeder, runner, dt.datetime.now(dt.UTC), dt.timedelta(0)) == 8
    assert not any(_waiting(breeder, a) for a in family.values())


def _up_to_date(breeder: Breeder, animal: dict[str, Any]) -> bool:
    odds = breeder.get(f"/animals/{animal['id']}").json()["het_odds"]
    return odds is not None and bool(odds["up_to_date"])


def _ask_relatives(
    breeder: Breeder, animal: dict[str, Any], limit: int, organisation: uuid.UUID
) -> None:
    """``organisation`` asks for the other organisations' animals of ``animal``'s family."""
    units = animal_components(breeder.client.app).units

    async def run() -> None:
        async with units.open_upkeep(organisation) as uow:
            at = dt.datetime.now(dt.UTC)
            await uow.het_odds.request_relatives(
                organisation, [uuid.UUID(animal["id"])], at, limit=limit
            )
            await uow.commit()

    with breeder.client.portal() as portal:
        portal.call(run)


def test_other_organisations_relatives_are_asked_for_within_the_bound(
    breeder: Breeder, rival: Breeder
) -> None:
    upkeep = animal_components(breeder.client.app).het_odds_upkeep
    upkeep.delay = dt.timedelta(0)
    line = [rival.add(name="A0", sex="female")]
    for index in range(1, 4):  # a line of four generations of the rival's
        line.append(rival.add(name=f"A{index}", sex="female", dam_id=line[-1]["id"]))
    own = breeder.add(name="Own", sex="male")
    for who, animal in [(rival, a) for a in line] + [(breeder, own)]:
        _eventually(functools.partial(_up_to_date, who, animal))
    upkeep.delay = HOUR  # the requests stay to be seen
    _ask_relatives(breeder, own, 10, breeder.organisation_id)
    assert not _waiting(breeder, own)  # its own animals are its own request's
    _ask_relatives(breeder, line[0], 2, breeder.organisation_id)
    assert [_waiting(rival, a) for a in line] == [True, True, False, False]
    _ask_relatives(breeder, line[0], 10, breeder.organisation_id)
    assert all(_waiting(rival, a) for a in line)
    # asked for by the rival itself, its own line is left to its own request
    _ask_relatives(rival, own, 10, rival.organisation_id)
    assert _waiting(breeder, own)


def test_the_animals_each_event_asks_for() -> None:
    org, other = uuid.UUID(int=1), uuid.UUID(int=2)
    a, b, c = (str(uuid.UUID(int=n)) for n in (10, 11, 12))
    ids = [uuid.UUID(a), uuid.UUID(b), uuid.UUID(c)]
    assert animals_to_upkeep("animal.created", {"animal_id": a}, org) == {org: ids[:1]}
    assert animals_to_upkeep("animal.updated", {"animal_id": a}, org) == {org: ids[:1]}
    deleted = {"animal_id": a, "sire_id": b, "dam_id": c}
    assert animals_to_upkeep("animal.deleted", deleted, org) == {org: ids[1:]}
    assert animals_to_upkeep("animal.deleted", {"animal_id": a}, org) == {}
    lineage = {"animal_id": a, "sire_id": None, "previous_sire_id": b, "previous_dam_id": "x"}
    assert animals_to_upkeep("lineage.changed", lineage, org) == {org: ids[:2]}
    hatched = {"hatchling_ids": [a], "narrowed_ids": [b, c]}
    assert animals_to_upkeep("breeding.hatched", hatched, org) == {org: ids}
    moved = {"animal_id": a, "from_organisation_id": str(org), "to_organisation_id": str(other)}
    assert animals_to_upkeep("animal.transferred", moved, org) == {other: ids[:1]}
    assert animals_to_upkeep("animal.created", {"animal_id": a}, None) == {}
    assert animals_to_upkeep("animal.het_odds.changed", {"animal_id": a}, org) == {}


def test_the_kept_explanations_effects_are_floats_the_odds_exact() -> None:
    family = list(acceptance_family().values())
    exact = analyse_members(family, family, HetOddsLimits())
    kept = analyse_members(family, family, HetOddsLimits(), float_reasons=True)
    for animal in family:
        for mine, theirs in zip(kept[animal.id].genes, exact[animal.id].genes, strict=True):
            assert mine.carrier == theirs.carrier
            assert isinstance(mine.carrier, Fraction)
            assert [r.text for r in mine.reasons] == [r.text for r in theirs.reasons]
            for float_reason, exact_reason in zip(mine.reasons, theirs.reasons, strict=True):
                assert isinstance(float_reason.effect, float)
                assert float_reason.effect == pytest.approx(float(exact_reason.effect))


def test_a_family_too_interbred_for_exact_odds_keeps_sampled_ones() -> None:
    family = list(acceptance_family().values())
    organisation = family[0].organisation_id
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    exact = analyse_members(family, family, HetOddsLimits())
    tight = HetOddsLimits(max_clique_states=2, sampled_sweeps=2_000)
    with pytest.raises(InvalidInput, match="too interbred for exact het odds"):
        analyse_members(family, family, tight)  # an answer on request stays exact or none
    kept = {odds.animal_id: odds for odds in family_odds(family, organisation, tight, at)}
    for animal in family:
        odds = kept[animal.id]
        assert odds.status == "computed"
        assert not odds.exact
        assert odds.note is not None
        assert "estimated by Gibbs sampling (4 chains of 2,000 sweeps" in odds.note
        for mine, theirs in zip(odds.genes, exact[animal.id].genes, strict=True):
            assert mine.method == "gibbs"
            assert mine.reasons == ()
            assert isinstance(mine.carrier, float)
            assert mine.carrier == pytest.approx(float(theirs.carrier), abs=0.05)
    small = HetOddsLimits(max_clique_states=2, sampled_animals=3)
    refused = family_odds(family, organisation, small, at)
    assert {odds.status for odds in refused} == {"too_complex"}
    assert all("No approximation is given" in (odds.note or "") for odds in refused)
