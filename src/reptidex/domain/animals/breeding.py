"""Breeding use cases: pairs with their predicted clutch and prospective COI, clutches,
hatchlings, and a pair's hatchlings against its prediction.

The genetics are the genetics engine's (:func:`cross`, the hatchling's genotype narrowed from
the cross); a pair's predicted clutch takes each parent's kept pedigree posterior in place of
its typed odds (:mod:`~reptidex.domain.animals.posterior_genotypes`). The coefficient of
inbreeding is the pedigree engine's (:func:`prospective_inbreeding`) on ancestry read in one
query.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Protocol, TypeVar

import msgspec

from reptidex.domain.animals.audit import audit
from reptidex.domain.animals.breeding_model import BreedingPair, Clutch, PairStatus
from reptidex.domain.animals.clutch_evidence import ClutchSettlement, settle_clutch
from reptidex.domain.animals.events import (
    PRODUCER,
    ClutchRecorded,
    Hatched,
    PairCreated,
    ParentSuggestion,
)
from reptidex.domain.animals.genetics import (
    Prediction,
    animal_genotype,
    catalog_sex,
    hatchling_record,
    predict_genotypes,
    species_catalog,
)
from reptidex.domain.animals.model import Animal, AnimalSex, GenotypeRecord, Origin, Status
from reptidex.domain.animals.ports import AnimalUnitOfWork, BreedingUnitOfWork, HetOddsStore
from reptidex.domain.animals.posterior_genotypes import with_posterior
from reptidex.domain.animals.use_cases import (
    Actor,
    AnimalDraft,
    add_animal,
    narrow_genotype,
    pairing_parents,
    require_writer,
)
from reptidex.domain.audit import snapshot
from reptidex.domain.cpu_work import CpuRunner, run_here
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.domain.events import new_event
from reptidex.domain.pedigree import engine_pedigree
from reptidex.engine import pedigree as ped
from reptidex.engine.genetics import (
    Catalog,
    Genotype,
    MorphParseError,
    Sex,
    parse_genotype,
)

COI_ANCESTRY = 30
"""Generations of ancestry read for a coefficient of inbreeding."""


class PairUnitOfWork(BreedingUnitOfWork, Protocol):
    """The breeding unit of work with the kept het odds a pair's prediction reads."""

    @property
    def het_odds(self) -> HetOddsStore:
        """Kept het odds."""


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


def _pair_fields(pair: BreedingPair) -> dict[str, Any]:
    return snapshot(pair, drop={"id", "created_at"})


def _clutch_fields(clutch: Clutch) -> dict[str, Any]:
    return snapshot(clutch, drop={"id"})


_Record = TypeVar("_Record", BreedingPair, Clutch)


async def _store_change(
    uow: BreedingUnitOfWork, actor: Actor, current: _Record, changed: _Record
) -> _Record:
    """Store ``changed`` over ``current`` (a pair or a clutch); stage the change's audit record."""
    if isinstance(current, BreedingPair):
        kind, fields, store = "breeding_pair", _pair_fields, uow.breeding.update_pair
    else:
        kind, fields, store = "clutch", _clutch_fields, uow.breeding.update_clutch
    stored = await store(changed)
    audit(uow, actor, kind, current.id, "updated", before=fields(current), after=fields(stored))
    return stored


def _pedigree(records: Sequence[Animal]) -> ped.Pedigree:
    return engine_pedigree(records, sexes=[a.sex for a in records])


async def prospective_coi(uow: AnimalUnitOfWork, sire: Animal, dam: Animal) -> float:
    """The inbreeding coefficient of the offspring of ``sire`` × ``dam`` (their kinship),
    from their ancestry read in one query."""
    records = await uow.animals.pedigree([sire.id, dam.id], ancestors=COI_ANCESTRY, descendants=0)
    return float(ped.prospective_inbreeding(_pedigree(records), str(sire.id), str(dam.id)))


@dataclass(frozen=True, slots=True)
class PairPrediction:
    """A pair with its predicted clutch. ``transferred`` lists the parents that were sold to
    another organisation since (the pair is kept as the seller's history; its prediction
    then uses the genotype the animal had when it left, from the transfer record)."""

    pair: BreedingPair
    prediction: Prediction
    transferred: tuple[uuid.UUID, ...] = ()
    sire_from_pedigree: tuple[str, ...] = ()
    """The loci (names) at which the sire's odds are its kept pedigree posterior."""
    dam_from_pedigree: tuple[str, ...] = ()
    """The loci (names) at which the dam's odds are its kept pedigree posterior."""


async def parent_genotype(
    uow: PairUnitOfWork, actor: Actor, animal: Animal, sex: Sex
) -> tuple[Genotype, tuple[str, ...]]:
    """``animal`` as a parent of ``sex``: its engine genotype with its kept pedigree
    posteriors in place of its typed odds, and the loci they replaced."""
    kept = await uow.het_odds.for_animals(actor.organisation_id, [animal.id])
    found = with_posterior(
        animal_genotype(animal, species_catalog(animal.species), sex), kept.get(animal.id, ())
    )
    return found.genotype, found.from_pedigree


async def _parent_genotype(
    uow: PairUnitOfWork, actor: Actor, animal_id: uuid.UUID, sex: Sex, *, posterior: bool = True
) -> tuple[Genotype, bool, tuple[str, ...]]:
    """A pair's parent as the engine's genotype (with its kept pedigree posteriors), whether
    it has been transferred away, and the loci whose odds came from the pedigree.

    A parent no longer in the collection is looked up in the organisation's transfers (its
    morph as sold, typed odds); :class:`NotFound` when it is in neither (which deletion
    prevents). Without ``posterior``, the typed odds alone."""
    animal = await uow.animals.get(actor.organisation_id, animal_id)
    if animal is not None and not posterior:
        return animal_genotype(animal, species_catalog(animal.species), sex), False, ()
    if animal is not None:
        genotype, from_pedigree = await parent_genotype(uow, actor, animal, sex)
        return genotype, False, from_pedigree
    for transfer in await uow.transfers.involving(actor.organisation_id):
        if transfer.animal_id == animal_id and transfer.from_organisation_id == (
            actor.organisation_id
        ):
            sold = transfer.snapshot.get("animal") or {}
            morph = str((sold.get("genotype") or {}).get("morph") or "Normal")
            catalog = species_catalog(str(sold.get("species") or "ball_python"))
            try:
                return parse_genotype(catalog, morph, catalog_sex(catalog, sex)), True, ()
            except MorphParseError as error:
                raise Conflict(
                    f"The transferred parent {animal_id} no longer reads ({error})."
                ) from error
    raise NotFound(f"No animal {animal_id} in this collection.")


async def _clutch_parent(
    uow: BreedingUnitOfWork, actor: Actor, animal_id: uuid.UUID, role: str
) -> Animal:
    """A clutch's parent for its hatchlings; :class:`Conflict` when it has been transferred to
    another organisation since (hatchlings cannot be linked to another collection's animal)."""
    animal = await uow.animals.get(actor.organisation_id, animal_id)
    if animal is not None:
        return animal
    for transfer in await uow.transfers.involving(actor.organisation_id):
        if transfer.animal_id == animal_id and transfer.from_organisation_id == (
            actor.organisation_id
        ):
            raise Conflict(
                f"The {role} of this clutch ({animal_id}) was transferred to another "
                "organisation; register its hatchlings with POST /animals and an external "
                f"{role} instead.",
                field_errors={"clutch_id": f"{role} transferred"},
            )
    raise NotFound(f"No animal {animal_id} in this collection.")


async def _predict(uow: PairUnitOfWork, actor: Actor, pair: BreedingPair) -> PairPrediction:
    sire, sire_gone, sire_posterior = await _parent_genotype(uow, actor, pair.sire_id, Sex.MALE)
    dam, dam_gone, dam_posterior = await _parent_genotype(uow, actor, pair.dam_id, Sex.FEMALE)
    gone = tuple(i for i, g in ((pair.sire_id, sire_gone), (pair.dam_id, dam_gone)) if g)
    return PairPrediction(pair, predict_genotypes(sire, dam), gone, sire_posterior, dam_posterior)


async def create_pair(
    uow: PairUnitOfWork,
    actor: Actor,
    sire_id: uuid.UUID,
    dam_id: uuid.UUID,
    *,
    season: str,
    notes: str | None = None,
    status: PairStatus = PairStatus.PLANNED,
) -> PairPrediction:
    """Pair a male and a female of the collection for a season; stage
    ``breeding.pair_created``. :class:`Conflict` if they are already paired that season."""
    require_writer(actor)
    sire, dam = await pairing_parents(uow, actor, sire_id, dam_id)
    if await uow.breeding.find_pair(actor.organisation_id, sire.id, dam.id, season):
        raise Conflict(f"{sire.label} and {dam.label} are already paired in {season}.")
    sire_genotype, sire_posterior = await parent_genotype(uow, actor, sire, Sex.MALE)
    dam_genotype, dam_posterior = await parent_genotype(uow, actor, dam, Sex.FEMALE)
    prediction = predict_genotypes(sire_genotype, dam_genotype)
    coi = await prospective_coi(uow, sire, dam)
    pair = await uow.breeding.add_pair(
        BreedingPair(
            uuid.uuid4(), actor.organisation_id, sire.id, dam.id, season, status, coi, notes
        )
    )
    _stage(
        uow,
        actor,
        "breeding.pair_created",
        PairCreated(str(pair.id), str(sire.id), str(dam.id), season, coi),
    )
    audit(uow, actor, "breeding_pair", pair.id, "created", after=_pair_fields(pair))
    await uow.commit()
    return PairPrediction(pair, prediction, (), sire_posterior, dam_posterior)


async def get_pair(uow: BreedingUnitOfWork, actor: Actor, pair_id: uuid.UUID) -> BreedingPair:
    """The actor's pair; :class:`NotFound` otherwise."""
    pair = await uow.breeding.get_pair(actor.organisation_id, pair_id)
    if pair is None:
        raise NotFound(f"No breeding pair {pair_id} in this collection.")
    return pair


async def list_pairs(
    uow: BreedingUnitOfWork,
    actor: Actor,
    *,
    season: str | None = None,
    status: PairStatus | None = None,
) -> list[BreedingPair]:
    """The actor's pairs, newest first, of one season and status when given."""
    return await uow.breeding.list_pairs(actor.organisation_id, season=season, status=status)


async def show_pair(uow: PairUnitOfWork, actor: Actor, pair_id: uuid.UUID) -> PairPrediction:
    """A pair with its predicted clutch (from the parents' current genotypes, with their kept
    pedigree posteriors)."""
    return await _predict(uow, actor, await get_pair(uow, actor, pair_id))


async def change_pair(
    uow: BreedingUnitOfWork,
    actor: Actor,
    pair_id: uuid.UUID,
    *,
    status: PairStatus | None = None,
    notes: str | None = None,
) -> BreedingPair:
    """Move a pair to a new status and/or change its notes."""
    require_writer(actor)
    pair = await get_pair(uow, actor, pair_id)
    changed = replace(
        pair,
        status=status or pair.status,
        notes=notes if notes is not None else pair.notes,
    )
    stored = await _store_change(uow, actor, pair, changed)
    await uow.commit()
    return stored


@dataclass(frozen=True, slots=True)
class ClutchDraft:
    """A clutch as entered: of a pair, or of a dam with possible sires."""

    laid_on: dt.date
    eggs: int
    pair_id: uuid.UUID | None = None
    dam_id: uuid.UUID | None = None
    sire_ids: tuple[uuid.UUID, ...] = ()
    fertile: int | None = None
    slugs: int | None = None
    incubation_temperature: float | None = None
    expected_hatch: dt.date | None = None
    notes: str | None = None


def _check_counts(eggs: int, fertile: int | None, slugs: int | None, hatched: int) -> None:
    problems = {}
    if fertile is not None and fertile > eggs:
        problems["fertile"] = "more fertile eggs than eggs"
    if slugs is not None and slugs > eggs:
        problems["slugs"] = "more slugs than eggs"
    if fertile is not None and slugs is not None and fertile + slugs > eggs:
        problems["slugs"] = "fertile eggs and slugs exceed the eggs"
    if hatched > (fertile if fertile is not None else eggs):
        problems["hatched"] = "more hatched than fertile eggs"
    if problems:
        raise InvalidInput("The clutch's counts do not add up.", field_errors=problems)


async def record_clutch(uow: BreedingUnitOfWork, actor: Actor, draft: ClutchDraft) -> Clutch:
    """Record a clutch (the pair moves to ``laid``); stage ``breeding.clutch_recorded``."""
    require_writer(actor)
    _check_counts(draft.eggs, draft.fertile, draft.slugs, 0)
    pair = None
    sire_ids: tuple[uuid.UUID, ...]
    if draft.pair_id is not None:
        if draft.dam_id is not None or draft.sire_ids:
            raise InvalidInput(
                "Give a pair or a dam with possible sires, not both.",
                field_errors={"pair_id": "a pair already names its sire and dam"},
            )
        pair = await get_pair(uow, actor, draft.pair_id)
        dam_id, sire_ids, season = pair.dam_id, (pair.sire_id,), pair.season
    else:
        if draft.dam_id is None or not draft.sire_ids:
            raise InvalidInput(
                "Give the clutch's pair, or its dam and possible sires.",
                field_errors={"pair_id": "required without dam_id and sire_ids"},
            )
        for sire_id in dict.fromkeys(draft.sire_ids):
            await pairing_parents(uow, actor, sire_id, draft.dam_id)
        dam_id, sire_ids, season = draft.dam_id, tuple(dict.fromkeys(draft.sire_ids)), ""
    if draft.expected_hatch and draft.expected_hatch < draft.laid_on:
        raise InvalidInput(
            "The expected hatch date is before the laying date.",
            field_errors={"expected_hatch": "before laid_on"},
        )
    clutch = await uow.breeding.add_clutch(
        Clutch(
            id=uuid.uuid4(),
            organisation_id=actor.organisation_id,
            dam_id=dam_id,
            sire_ids=sire_ids,
            pair_id=draft.pair_id,
            laid_on=draft.laid_on,
            eggs=draft.eggs,
            fertile=draft.fertile,
            slugs=draft.slugs,
            incubation_temperature=draft.incubation_temperature,
            expected_hatch=draft.expected_hatch,
            notes=draft.notes,
            season=season or str(draft.laid_on.year),
        )
    )
    if pair is not None and pair.status is not PairStatus.LAID:
        await _store_change(uow, actor, pair, replace(pair, status=PairStatus.LAID))
    audit(uow, actor, "clutch", clutch.id, "created", after=_clutch_fields(clutch))
    dam = await uow.animals.get(actor.organisation_id, dam_id)
    _stage(
        uow,
        actor,
        "breeding.clutch_recorded",
        ClutchRecorded(
            str(clutch.id),
            str(dam_id),
            [str(s) for s in sire_ids],
            None if pair is None else str(pair.id),
            clutch.laid_on.isoformat(),
            clutch.eggs,
            None if dam is None else dam.species,
            clutch.incubation_temperature,
            None if clutch.expected_hatch is None else clutch.expected_hatch.isoformat(),
        ),
    )
    await uow.commit()
    return clutch


async def get_clutch(uow: BreedingUnitOfWork, actor: Actor, clutch_id: uuid.UUID) -> Clutch:
    """The actor's clutch; :class:`NotFound` otherwise."""
    clutch = await uow.breeding.get_clutch(actor.organisation_id, clutch_id)
    if clutch is None:
        raise NotFound(f"No clutch {clutch_id} in this collection.")
    return clutch


async def list_clutches(
    uow: BreedingUnitOfWork, actor: Actor, *, pair_id: uuid.UUID | None = None
) -> list[Clutch]:
    """The actor's clutches, newest first (of one pair when ``pair_id`` is given)."""
    return await uow.breeding.list_clutches(actor.organisation_id, pair_id=pair_id)


async def change_clutch(
    uow: BreedingUnitOfWork, actor: Actor, clutch_id: uuid.UUID, **changes: object
) -> Clutch:
    """Change a clutch's counts and dates (``fertile``, ``slugs``, ``incubation_temperature``,
    ``expected_hatch``, ``hatched_on``, ``hatched``, ``notes``)."""
    require_writer(actor)
    clutch = await get_clutch(uow, actor, clutch_id)
    changed = replace(clutch, **changes)  # type: ignore[arg-type]
    _check_counts(changed.eggs, changed.fertile, changed.slugs, changed.hatched)
    if changed.hatched_on and changed.hatched_on < changed.laid_on:
        raise InvalidInput(
            "The hatch date is before the laying date.", field_errors={"hatched_on": "too early"}
        )
    stored = await _store_change(uow, actor, clutch, changed)
    await uow.commit()
    return stored


@dataclass(frozen=True, slots=True)
class HatchlingDraft:
    """A hatchling as the breeder sees it."""

    morph: str = "Normal"
    sex: AnimalSex = AnimalSex.UNKNOWN
    name: str | None = None
    code: str | None = None


async def register_hatchlings(
    uow: BreedingUnitOfWork,
    actor: Actor,
    clutch_id: uuid.UUID,
    hatchlings: Sequence[HatchlingDraft],
    *,
    hatched_on: dt.date | None = None,
    compute: CpuRunner = run_here,
) -> list[Animal]:
    """Register hatchlings of a clutch: parents set (the sire only when the clutch has one),
    genotype the cross's distribution narrowed by how each looks. Stages ``animal.created``
    and ``lineage.changed`` per hatchling and ``breeding.hatched``.

    With one sire, every hatchling of the clutch (those registered before too) is then
    weighed with the whole clutch (:func:`~reptidex.domain.animals.clutch_evidence.settle_clutch`,
    through ``compute``): each record it narrows is stored with ``animal.updated`` naming the
    clutch as its ``genotype_source``, and ``breeding.hatched`` lists them with the genes the
    clutch settled for a parent, as suggestions (a parent's record is never changed).
    :class:`Conflict` when the clutch's records cannot all be true."""
    require_writer(actor)
    clutch = await get_clutch(uow, actor, clutch_id)
    earlier = await uow.animals.in_clutches(actor.organisation_id, [clutch.id])
    dam = await _clutch_parent(uow, actor, clutch.dam_id, "dam")
    sire = (
        await _clutch_parent(uow, actor, clutch.sire_ids[0], "sire")
        if len(clutch.sire_ids) == 1
        else None
    )
    catalog = species_catalog(dam.species)
    date = hatched_on or clutch.hatched_on or dt.datetime.now(dt.UTC).date()
    if date < clutch.laid_on:
        raise InvalidInput(
            "The hatch date is before the laying date.", field_errors={"hatched_on": "too early"}
        )
    base = clutch.fertile if clutch.fertile is not None else clutch.eggs
    if clutch.hatched + len(hatchlings) > base:
        raise InvalidInput(
            f"The clutch had {base} eggs that could hatch; {clutch.hatched} are registered.",
            field_errors={"hatchlings": "more hatchlings than eggs"},
        )
    records: list[GenotypeRecord | None] = [None] * len(hatchlings)
    if sire is not None:
        read = functools.partial(_hatchling_records, catalog, sire, dam, hatchlings)
        records = list(await compute(read))
    created: list[Animal] = []
    for hatchling, record in zip(hatchlings, records, strict=True):
        created.append(
            await add_animal(
                uow,
                actor,
                AnimalDraft(
                    species=dam.species,
                    sex=hatchling.sex,
                    morph=hatchling.morph,
                    name=hatchling.name,
                    code=hatchling.code,
                    hatch_date=date,
                    origin=Origin.BRED,
                    sire_id=None if sire is None else sire.id,
                    dam_id=dam.id,
                    status=Status.HOLDBACK,
                    clutch_id=clutch.id,
                    genotype=record,
                ),
            )
        )
    narrowed: list[Animal] = []
    suggestions: list[ParentSuggestion] = []
    if sire is not None:
        mates = [a for a in earlier if (a.sire_id, a.dam_id) == (sire.id, dam.id)] + created
        settled = await compute(functools.partial(settle_clutch, catalog, sire, dam, mates))
        source = {
            "kind": "clutch",
            "clutch_id": str(clutch.id),
            "hatchlings": settled.counted,
            "reason": settled.reason,
        }
        for animal in mates:
            if animal.id in settled.records:
                narrowed.append(
                    await narrow_genotype(uow, actor, animal, settled.records[animal.id], source)
                )
        parents = {"sire": sire, "dam": dam}
        suggestions = [
            ParentSuggestion(
                s.role,
                str(parents[s.role].id),
                s.gene,
                str(s.before),
                str(s.after),
                s.suggestion,
                s.morph,
                [str(i) for i in s.proven_by],
            )
            for s in settled.settled
        ]
    now = {a.id: a for a in narrowed}
    created = [now.get(a.id, a) for a in created]
    await _store_change(
        uow,
        actor,
        clutch,
        replace(
            clutch, hatched=clutch.hatched + len(created), hatched_on=clutch.hatched_on or date
        ),
    )
    _stage(
        uow,
        actor,
        "breeding.hatched",
        Hatched(
            str(clutch.id),
            [str(a.id) for a in created],
            clutch.hatched + len(created),
            [str(a.id) for a in narrowed],
            suggestions,
        ),
    )
    await uow.commit()
    return created


def _hatchling_records(
    catalog: Catalog, sire: Animal, dam: Animal, hatchlings: Sequence[HatchlingDraft]
) -> list[GenotypeRecord | None]:
    """Each hatchling's record from the cross and its look (CPU work: off the event loop);
    :class:`InvalidInput` naming the hatchling whose look the cross cannot give."""
    sire_genotype = animal_genotype(sire, catalog, Sex.MALE)
    dam_genotype = animal_genotype(dam, catalog, Sex.FEMALE)
    records: list[GenotypeRecord | None] = []
    for number, hatchling in enumerate(hatchlings):
        try:
            records.append(
                hatchling_record(
                    catalog, sire_genotype, dam_genotype, hatchling.morph, hatchling.sex.genetic
                )
            )
        except InvalidInput as error:
            raise InvalidInput(
                f"Hatchling {number + 1}: {error.detail}",
                field_errors={
                    f"hatchlings[{number}].{k}": v for k, v in error.field_errors.items()
                },
            ) from error
    return records


@dataclass(frozen=True, slots=True)
class ClutchEvidence:
    """What a clutch's hatchlings, weighed together, say now: ``settlement`` is ``None`` for
    a clutch that is not weighed (several possible sires, or no hatchling yet)."""

    clutch: Clutch
    sire: Animal | None
    dam: Animal | None
    settlement: ClutchSettlement | None


async def clutch_evidence(
    uow: BreedingUnitOfWork,
    actor: Actor,
    clutch_id: uuid.UUID,
    *,
    compute: CpuRunner = run_here,
) -> ClutchEvidence:
    """The actor's clutch weighed whole from the records as they are (nothing is written):
    the parents' odds it moves, the genes it settles (suggestions while a parent's record
    does not say them yet) and the hatchlings whose stored records it would narrow (none
    once registered through the clutch, unless a record was edited since).
    :class:`Conflict` when the clutch's records cannot all be true."""
    clutch = await get_clutch(uow, actor, clutch_id)
    dam = await uow.animals.get(actor.organisation_id, clutch.dam_id)
    sire = (
        await uow.animals.get(actor.organisation_id, clutch.sire_ids[0])
        if len(clutch.sire_ids) == 1
        else None
    )
    if sire is None or dam is None:
        return ClutchEvidence(clutch, sire, dam, None)
    hatchlings = [
        a
        for a in await uow.animals.in_clutches(actor.organisation_id, [clutch.id])
        if (a.sire_id, a.dam_id) == (sire.id, dam.id)
    ]
    if not hatchlings:
        return ClutchEvidence(clutch, sire, dam, None)
    catalog = species_catalog(dam.species)
    settled = await compute(functools.partial(settle_clutch, catalog, sire, dam, hatchlings))
    return ClutchEvidence(clutch, sire, dam, settled)


@dataclass(frozen=True, slots=True)
class OutcomeTally:
    """One predicted (or unexpected) phenotype of a pair: its probability among viable
    hatchlings, how many of the hatchlings registered so far were expected, and how many were
    seen."""

    phenotype: str
    probability: Fraction
    expected: float
    observed: int


@dataclass(frozen=True, slots=True)
class PairOutcomes:
    """A pair's hatchlings against its prediction."""

    pair: BreedingPair
    hatchlings: int
    outcomes: list[OutcomeTally]


async def pair_outcomes(uow: PairUnitOfWork, actor: Actor, pair_id: uuid.UUID) -> PairOutcomes:
    """Compare the visual phenotypes of a pair's registered hatchlings with the prediction of
    the cross (viable offspring, sexes merged), phenotype by phenotype. The parents' typed
    odds are used, not their pedigree posteriors: those already weigh these hatchlings."""
    pair = await get_pair(uow, actor, pair_id)
    sire, _, _ = await _parent_genotype(uow, actor, pair.sire_id, Sex.MALE, posterior=False)
    dam, _, _ = await _parent_genotype(uow, actor, pair.dam_id, Sex.FEMALE, posterior=False)
    prediction = predict_genotypes(sire, dam, viable_only=True)
    clutches = await uow.breeding.list_clutches(actor.organisation_id, pair_id=pair.id)
    hatchlings = await uow.animals.in_clutches(actor.organisation_id, [c.id for c in clutches])
    seen: dict[str, int] = {}
    for animal in hatchlings:
        seen[animal.genotype.phenotype] = seen.get(animal.genotype.phenotype, 0) + 1
    predicted: dict[str, Fraction] = {}
    for outcome in prediction.result.outcomes():
        predicted[outcome.phenotype] = predicted.get(outcome.phenotype, Fraction(0)) + (
            outcome.probability
        )
    names = list(predicted) + [name for name in seen if name not in predicted]
    total = len(hatchlings)
    return PairOutcomes(
        pair,
        total,
        [
            OutcomeTally(
                name,
                predicted.get(name, Fraction(0)),
                round(float(predicted.get(name, Fraction(0)) * total), 4),
                seen.get(name, 0),
            )
            for name in names
        ],
    )
