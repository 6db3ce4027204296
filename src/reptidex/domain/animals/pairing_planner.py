"""The pairing planner: every male × female pairing of a species ranked by the odds of a
target morph per egg (the genetics engine's :func:`rank_pairs`), without the pairings whose
prospective COI exceeds a limit (kinship from the pedigree engine's :func:`kinship_matrix`).

Each animal's genotype holds, at every locus whose het odds repti-animal keeps, the posterior
its whole recorded family gives in place of the breeder's typed odds
(:func:`~reptidex.domain.animals.posterior_genotypes.with_posterior`): a sibling of a visual
Clown typed ``50% het Clown`` is ranked as het with 2/3. Animals without kept odds keep their
typed ones; each planned pair says which of its parents' odds came from the pedigree.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from reptidex.domain.animals.breeding import COI_ANCESTRY, _pedigree
from reptidex.domain.animals.genetics import animal_genotype, species_catalog
from reptidex.domain.animals.model import Animal, AnimalSex, Status
from reptidex.domain.animals.ports import AnimalQuery, StoredHetOddsUnitOfWork
from reptidex.domain.animals.posterior_genotypes import PosteriorGenotype, with_posterior
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import InvalidInput
from reptidex.engine import pedigree as ped
from reptidex.engine.genetics import Catalog, MorphParseError, Sex, rank_pairs, trait_target

MAX_PLAN_PAIRS = 5000
"""The most sire × dam combinations one planner request crosses."""


@dataclass(frozen=True, slots=True)
class PlannedPair:
    """A possible pairing and its odds of the target per egg, with its prospective COI."""

    sire: Animal
    dam: Animal
    probability: Fraction
    coi: float
    sire_from_pedigree: tuple[str, ...] = ()
    """The loci (names) at which the sire's odds are its pedigree posterior."""
    dam_from_pedigree: tuple[str, ...] = ()
    """The loci (names) at which the dam's odds are its pedigree posterior."""


@dataclass(frozen=True, slots=True)
class Plan:
    """The ranked pairings and how many were left out over the COI limit."""

    pairs: list[PlannedPair]
    considered: int
    over_coi_limit: int


async def posterior_genotypes(
    uow: StoredHetOddsUnitOfWork,
    organisation_id: uuid.UUID,
    animals: Sequence[Animal],
    catalog: Catalog,
    sex: Sex,
) -> dict[uuid.UUID, PosteriorGenotype]:
    """The genotypes of ``animals`` (all of ``sex``) with their kept posteriors (one read)."""
    kept = await uow.het_odds.for_animals(organisation_id, [a.id for a in animals])
    return {
        a.id: with_posterior(animal_genotype(a, catalog, sex), kept.get(a.id, ())) for a in animals
    }


async def plan_pairings(
    uow: StoredHetOddsUnitOfWork,
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
    Each animal's kept pedigree posteriors stand in for its typed odds. Equal odds rank the
    less inbred pairing first, then by name."""
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
    sires = await posterior_genotypes(uow, actor.organisation_id, males, catalog, Sex.MALE)
    dams = await posterior_genotypes(uow, actor.organisation_id, females, catalog, Sex.FEMALE)
    ranking = rank_pairs(
        {str(i): g.genotype for i, g in sires.items()},
        {str(i): g.genotype for i, g in dams.items()},
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
        sire, dam = by_id[entry.sire], by_id[entry.dam]
        kept.append(
            PlannedPair(
                sire,
                dam,
                entry.probability,
                coi,
                sires[sire.id].from_pedigree,
                dams[dam.id].from_pedigree,
            )
        )
    # equal odds: the less inbred pairing first, then by the breeder's names
    kept.sort(key=lambda p: (-p.probability, p.coi, p.sire.label, p.dam.label))
    return Plan(kept[:limit], len(ranking), over)
