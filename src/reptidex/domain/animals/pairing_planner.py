"""The pairing planner: every male × female pairing of a species ranked by the odds of a
target morph per egg (the genetics engine's :func:`rank_pairs`), without the pairings whose
prospective COI exceeds a limit (kinship from the pedigree engine's :func:`kinship_matrix`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from reptidex.domain.animals.breeding import COI_ANCESTRY, _pedigree
from reptidex.domain.animals.genetics import animal_genotype, species_catalog
from reptidex.domain.animals.model import Animal, AnimalSex, Status
from reptidex.domain.animals.ports import AnimalQuery, AnimalUnitOfWork
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import InvalidInput
from reptidex.engine import pedigree as ped
from reptidex.engine.genetics import MorphParseError, Sex, rank_pairs, trait_target

MAX_PLAN_PAIRS = 5000
"""The most sire × dam combinations one planner request crosses."""


@dataclass(frozen=True, slots=True)
class PlannedPair:
    """A possible pairing and its odds of the target per egg, with its prospective COI."""

    sire: Animal
    dam: Animal
    probability: Fraction
    coi: float


@dataclass(frozen=True, slots=True)
class Plan:
    """The ranked pairings and how many were left out over the COI limit."""

    pairs: list[PlannedPair]
    considered: int
    over_coi_limit: int


async def plan_pairings(
    uow: AnimalUnitOfWork,
    actor: Actor,
    *,
    species: str,
    target: str,
    max_coi: float = 0.125,
    limit: int = 20,
    viable_only: bool = False,
) -> Plan:
    """Rank every male × female pairing of the actor's active animals of ``species`` by the
    probability per egg of the ``target`` morph (the engine's :func:`rank_pairs`), leaving out
    pairings whose prospective COI exceeds ``max_coi`` (kinship from the pedigree engine).
    Equal odds rank the less inbred pairing first, then by name."""
    catalog = species_catalog(species)
    try:
        wanted = trait_target(catalog, target)
    except MorphParseError as error:
        raise InvalidInput(
            f"The target cannot be read: {error}", field_errors={"target": str(error)}
        ) from error
    animals: list[Animal] = []
    for status in (Status.ACTIVE, Status.HOLDBACK):
        offset = 0
        while True:
            page, total = await uow.animals.search(
                actor.organisation_id,
                AnimalQuery(species=species, status=status, limit=500, offset=offset),
            )
            animals.extend(page)
            offset += len(page)
            if not page or offset >= total:
                break
    males = [a for a in animals if a.sex is AnimalSex.MALE]
    females = [a for a in animals if a.sex is AnimalSex.FEMALE]
    if len(males) * len(females) > MAX_PLAN_PAIRS:
        raise InvalidInput(
            f"{len(males)} males × {len(females)} females is more than {MAX_PLAN_PAIRS} "
            "pairings; narrow the candidates.",
            field_errors={"species": "too many candidates"},
        )
    if not males or not females:
        return Plan([], 0, 0)
    by_id = {str(a.id): a for a in animals}
    ranking = rank_pairs(
        {str(m.id): animal_genotype(m, catalog, Sex.MALE) for m in males},
        {str(f.id): animal_genotype(f, catalog, Sex.FEMALE) for f in females},
        wanted,
        viable_only=viable_only,
    )
    records = await uow.animals.pedigree(
        [a.id for a in animals], ancestors=COI_ANCESTRY, descendants=0
    )
    ids = [str(a.id) for a in animals]
    kinship = ped.kinship_matrix(_pedigree(records), ids)
    index = {ident: i for i, ident in enumerate(ids)}
    kept: list[PlannedPair] = []
    over = 0
    for entry in ranking:
        coi = float(kinship[index[entry.sire], index[entry.dam]])
        if coi > max_coi + 1e-12:
            over += 1
            continue
        kept.append(PlannedPair(by_id[entry.sire], by_id[entry.dam], entry.probability, coi))
    # equal odds: the less inbred pairing first, then by the breeder's names
    kept.sort(key=lambda p: (-p.probability, p.coi, p.sire.label, p.dam.label))
    return Plan(kept[:limit], len(ranking), over)
