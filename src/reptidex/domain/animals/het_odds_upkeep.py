"""Every animal's het odds kept up to date with its family's records.

A change to an animal's record (created, its morph, sex or parents changed, deleted, a
hatchling registered, a lab result or a CSV import applied, a transfer) asks for the odds of
the changed animal's family to be computed again (:func:`request_upkeep_after_change`, from
the service's own events): its organisation's animal, and every other organisation's animals
connected to it by parent links (a seller's animals whose records the buyer extends), which
are asked for without the organisation reading them. Only record changes ask: the upkeep's
own results (``animal.het_odds.changed``) ask for nothing, so requests cannot loop. The upkeep worker takes the requests older than a short delay
(so that a burst of changes to one family, such as a clutch of hatchlings, is computed once),
and for each computes the whole family once (:func:`recompute_family`): every animal of the
organisation in it gets its posterior at each locus, its explanation and ``proven`` kept
(:class:`~reptidex.domain.animals.stored_het_odds.StoredHetOdds`), and each one whose odds
changed stages ``animal.het_odds.changed``. The CPU work runs through a
:data:`~reptidex.domain.cpu_work.CpuRunner`, off the event loop.

The family is the one the organisation may see (its own animals and other organisations'
lineage-only and public ones, as ``GET /animals/{id}/het-odds`` reads it). A family larger
than ``HetOddsLimits.family_animals``, too interbred for exact inference, or whose records
contradict each other keeps no odds: each of its animals' state says why.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from reptidex.domain.animals.events import PRODUCER, HetOddsChanged, HetOddsGene
from reptidex.domain.animals.het_odds import (
    GeneOdds,
    HetOdds,
    HetOddsLimits,
    analyse_members,
    family_pedigree,
    het_odds_of,
)
from reptidex.domain.animals.model import Animal
from reptidex.domain.animals.ports import HetOddsStore, StoredHetOddsUnitOfWork
from reptidex.domain.animals.stored_het_odds import HetOddsStatus, StoredGeneOdds, StoredHetOdds
from reptidex.domain.animals.use_cases import Actor, get_animal, require_writer
from reptidex.domain.cpu_work import CpuRunner
from reptidex.domain.errors import Conflict, InvalidInput
from reptidex.domain.events import new_event

HET_ODDS_CHANGED = "animal.het_odds.changed"

UPKEEP_EVENTS = (
    "animal.created",
    "animal.updated",
    "animal.deleted",
    "animal.transferred",
    "lineage.changed",
    "breeding.hatched",
)
"""repti-animal's own events after which a family's het odds are computed again (a lab
result or a CSV import is an ``animal.created``/``animal.updated`` like any other change)."""


def _ids(*values: object) -> list[uuid.UUID]:
    out = []
    for value in values:
        for each in value if isinstance(value, list) else [value]:
            if isinstance(each, str) and each:
                try:
                    out.append(uuid.UUID(each))
                except ValueError:
                    continue
    return out


def animals_to_upkeep(
    event_type: str, payload: Mapping[str, Any], organisation_id: uuid.UUID | None
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Per organisation, the animals whose families an event of :data:`UPKEEP_EVENTS`
    changed: the animal itself, the parents a deleted animal or a changed link left, the
    hatchlings of a clutch, a transferred animal with its new owner.

    >>> a, b = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"
    >>> org = uuid.UUID(int=1)
    >>> animals_to_upkeep("animal.deleted", {"animal_id": a, "sire_id": b, "dam_id": None}, org)
    {UUID('00000000-0000-0000-0000-000000000001'): [UUID('00000000-0000-0000-0000-00000000000b')]}
    """
    if event_type == "animal.transferred":
        to = _ids(payload.get("to_organisation_id"))
        return {to[0]: _ids(payload.get("animal_id"))} if to else {}
    if organisation_id is None:
        return {}
    if event_type == "animal.deleted":
        ids = _ids(payload.get("sire_id"), payload.get("dam_id"))
    elif event_type == "lineage.changed":
        ids = _ids(
            payload.get("animal_id"),
            payload.get("previous_sire_id"),
            payload.get("previous_dam_id"),
        )
    elif event_type == "breeding.hatched":
        ids = _ids(payload.get("hatchling_ids"), payload.get("narrowed_ids"))
    elif event_type in UPKEEP_EVENTS:
        ids = _ids(payload.get("animal_id"))
    else:
        ids = []
    return {organisation_id: ids} if ids else {}


def _stored(odds: HetOdds, organisation_id: uuid.UUID, at: dt.datetime) -> StoredHetOdds:
    genes = tuple(
        StoredGeneOdds(
            locus=g.locus,
            name=g.name,
            carrier=g.carrier,
            proven=g.proven,
            genotypes=g.genotypes,
            reasons=g.reasons,
            method=g.method,
            exact=odds.exact,
            family_size=odds.family_size,
            computed_at=at,
        )
        for g in odds.genes
    )
    return StoredHetOdds(
        organisation_id=organisation_id,
        animal_id=odds.animal.id,
        status="computed",
        note=" ".join(odds.notes) or None,
        family_size=odds.family_size,
        exact=odds.exact,
        computed_at=at,
        genes=genes,
    )


def _refused(
    members: Sequence[Animal],
    organisation_id: uuid.UUID,
    status: HetOddsStatus,
    note: str,
    family_size: int,
    at: dt.datetime,
) -> list[StoredHetOdds]:
    return [
        StoredHetOdds(organisation_id, a.id, status, note, family_size, False, at) for a in members
    ]


def family_odds(
    family: Sequence[Animal],
    organisation_id: uuid.UUID,
    limits: HetOddsLimits,
    at: dt.datetime,
) -> list[StoredHetOdds]:
    """The kept odds of every animal of ``organisation_id`` in ``family`` (one inference per
    species of the family, and each animal's explanation, whose effects are floats: exact
    ones for every animal of a family would cost many times the odds): pure CPU work. A
    family whose records contradict each other or that is too interbred keeps no odds, each
    animal's state saying why; one too interbred for exact inference is estimated by Gibbs
    sampling where it can be (:func:`analyse_members`)."""
    results: list[StoredHetOdds] = []
    for species in sorted({a.species for a in family}):
        kin = [a for a in family if a.species == species]
        members = [a for a in kin if a.organisation_id == organisation_id]
        try:
            answers = analyse_members(kin, members, limits, float_reasons=True, sampled=True)
        except Conflict as error:
            results += _refused(members, organisation_id, "contradiction", str(error), len(kin), at)
            continue
        except InvalidInput as error:
            results += _refused(members, organisation_id, "too_complex", str(error), len(kin), at)
            continue
        results += [_stored(answers[a.id], organisation_id, at) for a in members]
    return results


def changed_event(odds: StoredHetOdds, species: str) -> HetOddsChanged:
    """The payload of ``animal.het_odds.changed`` for ``odds``."""
    return HetOddsChanged(
        animal_id=str(odds.animal_id),
        organisation_id=str(odds.organisation_id),
        species=species,
        genes=[
            HetOddsGene(g.locus, g.name, g.carrier_text, g.percent, g.proven) for g in odds.genes
        ],
    )


async def request_family_upkeep(
    store: HetOddsStore,
    organisation_id: uuid.UUID,
    animal_ids: Sequence[uuid.UUID],
    at: dt.datetime,
) -> None:
    """Ask for the families of these animals of the organisation to be computed again (the
    animals of other organisations and those deleted since are skipped)."""
    await store.request(organisation_id, sorted(set(animal_ids)), at)


async def request_upkeep_after_change(
    store: HetOddsStore,
    organisation_id: uuid.UUID,
    animal_ids: Sequence[uuid.UUID],
    at: dt.datetime,
    limits: HetOddsLimits,
) -> None:
    """After a change of these animals' records by the organisation: ask for their families
    to be computed again (:func:`request_family_upkeep`), and for the animals of other
    organisations in those families, walked up to ``limits.family_animals`` animals (a
    larger family keeps no odds anyway)."""
    await request_family_upkeep(store, organisation_id, animal_ids, at)
    await store.request_relatives(
        organisation_id, sorted(set(animal_ids)), at, limit=limits.family_animals + 1
    )


async def recompute_family(
    uow: StoredHetOddsUnitOfWork,
    organisation_id: uuid.UUID,
    animal_id: uuid.UUID,
    *,
    compute: CpuRunner,
    limits: HetOddsLimits,
    now: dt.datetime,
) -> list[StoredHetOdds]:
    """Compute the family of the organisation's animal again, keep every one of its
    animals' odds, stage ``animal.het_odds.changed`` for those that changed, and commit; the
    odds kept (none when the animal is gone). Requests made up to ``now`` are settled."""
    family = await uow.families.family(organisation_id, animal_id, limit=limits.family_animals + 1)
    members = [a for a in family if a.organisation_id == organisation_id]
    if not any(a.id == animal_id for a in members):
        # deleted (what was kept went with it) or no longer the organisation's
        await uow.het_odds.forget(organisation_id, [animal_id])
        await uow.commit()
        return []
    if len(family) > limits.family_animals:
        note = (
            f"The family has more than {limits.family_animals:,} recorded animals; het odds "
            "are computed for families up to that size."
        )
        results = _refused(members, organisation_id, "too_large", note, len(family), now)
    else:
        results = await compute(
            functools.partial(family_odds, family, organisation_id, limits, now)
        )
    changed = await uow.het_odds.replace(organisation_id, results, requested_before=now)
    species = {a.id: a.species for a in members}
    for odds in changed:
        uow.outbox.add(
            new_event(
                HET_ODDS_CHANGED,
                producer=PRODUCER,
                payload=changed_event(odds, species[odds.animal_id]),
                organisation_id=organisation_id,
            )
        )
    await uow.commit()
    return results


async def upkeep_pass(
    open_unit: Callable[[uuid.UUID | None], AbstractAsyncContextManager[StoredHetOddsUnitOfWork]],
    *,
    compute: CpuRunner,
    limits: HetOddsLimits,
    now: dt.datetime,
    delay: dt.timedelta,
    batch_size: int,
) -> int:
    """One pass of the upkeep worker: up to ``batch_size`` requests made at least ``delay``
    before ``now``, each family computed once (in a transaction of the organisation whose
    animals it keeps); the number of requests taken. ``open_unit(None)`` is the worker's
    read of every organisation's requests."""
    async with open_unit(None) as uow:
        pending = await uow.het_odds.requested(now - delay, batch_size)
    done: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for organisation_id, animal_id in pending:
        if (organisation_id, animal_id) in done:
            continue  # computed with an earlier request's family in this pass
        async with open_unit(organisation_id) as uow:
            kept = await recompute_family(
                uow, organisation_id, animal_id, compute=compute, limits=limits, now=now
            )
        done.update((organisation_id, k.animal_id) for k in kept)
    return len(pending)


@dataclass(frozen=True, slots=True)
class CurrentHetOdds:
    """An animal's het odds as ``GET /animals/{id}/het-odds`` answers: the kept ones when
    they are up to date with its family's records, else computed now."""

    odds: HetOdds
    kept: bool
    """True: read from what the upkeep kept; False: computed for this answer."""
    computed_at: dt.datetime


def _pedigree_size(animal: Animal, family: Sequence[Animal]) -> int:
    kin = [a for a in family if a.species == animal.species]
    pedigree, _ = family_pedigree(kin, {a.id: str(a.id) for a in kin})
    return len(pedigree)


def _up_to_date(state: StoredHetOdds, animal: Animal, family: Sequence[Animal]) -> bool:
    """Whether ``state`` was computed after every record of ``family`` last changed (and no
    change waits): the family read now has the size it had then, and none of its animals
    changed since."""
    if state.status != "computed" or not state.fresh:
        return False
    if any(a.updated_at is None or a.updated_at > state.computed_at for a in family):
        return False
    return _pedigree_size(animal, family) == state.family_size


def _as_het_odds(animal: Animal, state: StoredHetOdds) -> HetOdds:
    genes = tuple(
        GeneOdds(g.locus, g.name, g.genotypes, g.carrier, g.proven, g.method, g.reasons)
        for g in state.genes
    )
    notes = (state.note,) if state.note else ()
    return HetOdds(animal, state.family_size, state.exact, genes, notes)


async def current_het_odds(
    uow: StoredHetOddsUnitOfWork,
    actor: Actor,
    animal_id: uuid.UUID,
    *,
    compute: CpuRunner,
    limits: HetOddsLimits,
    now: dt.datetime,
) -> CurrentHetOdds:
    """The actor's animal's het odds: the kept ones when up to date with every record of its
    family (read now, one query), else computed now as
    :func:`~reptidex.domain.animals.het_odds.het_odds_of` does (with its errors)."""
    animal = await get_animal(uow, actor, animal_id)
    family = await uow.families.family(
        actor.organisation_id, animal.id, limit=limits.family_animals + 1
    )
    state = await uow.het_odds.state_of(actor.organisation_id, animal.id)
    if (
        state is not None
        and len(family) <= limits.family_animals
        and _up_to_date(state, animal, family)
    ):
        return CurrentHetOdds(_as_het_odds(animal, state), True, state.computed_at)
    odds = await het_odds_of(uow, actor, animal_id, compute=compute, limits=limits)
    return CurrentHetOdds(odds, False, now)


async def kept_het_odds(
    uow: StoredHetOddsUnitOfWork, actor: Actor, animal_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[StoredGeneOdds]]:
    """The kept odds of the actor's animals (by animal; those with none kept left out)."""
    return await uow.het_odds.for_animals(actor.organisation_id, animal_ids)


async def kept_state(
    uow: StoredHetOddsUnitOfWork, actor: Actor, animal_id: uuid.UUID
) -> StoredHetOdds | None:
    """Everything kept of the actor's animal's het odds (``None``: nothing yet)."""
    return await uow.het_odds.state_of(actor.organisation_id, animal_id)


async def ask_for_upkeep(
    uow: StoredHetOddsUnitOfWork, actor: Actor, animal_id: uuid.UUID, now: dt.datetime
) -> StoredHetOdds:
    """Ask for the family of the actor's animal to be computed again (every recorded change
    asks already: this is the breeder's own ask, at once), and commit;
    what is kept of the animal, now waiting. :class:`~reptidex.domain.errors.NotFound` when
    the animal is not the actor's; :class:`~reptidex.domain.errors.PermissionDenied` for a
    viewer."""
    require_writer(actor)
    animal = await get_animal(uow, actor, animal_id)
    await request_family_upkeep(uow.het_odds, actor.organisation_id, [animal.id], now)
    state = await uow.het_odds.state_of(actor.organisation_id, animal.id)
    assert state is not None  # just asked, in this transaction
    await uow.commit()
    return state
