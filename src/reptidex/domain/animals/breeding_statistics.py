"""Breeding statistics: pairs, clutches, eggs and hatchlings totalled per pair, female or
season."""

from __future__ import annotations

from dataclasses import dataclass

from reptidex.domain.animals.breeding_model import BreedingPair, Clutch
from reptidex.domain.animals.ports import BreedingUnitOfWork
from reptidex.domain.animals.use_cases import Actor


@dataclass(frozen=True, slots=True)
class BreedingStatistics:
    """Totals of a group of pairings (a pair, a female or a season)."""

    key: str
    pairs: int
    clutches: int
    eggs: int
    fertile: int
    slugs: int
    hatched: int

    @property
    def hatch_rate(self) -> float | None:
        """Hatched over fertile eggs (over eggs when fertility is unrecorded)."""
        return (
            None
            if not (self.fertile or self.eggs)
            else round(self.hatched / (self.fertile or self.eggs), 4)
        )


async def breeding_statistics(
    uow: BreedingUnitOfWork, actor: Actor, group: str
) -> list[BreedingStatistics]:
    """Totals per ``pair``, ``female`` or ``season``."""
    pairs = await uow.breeding.list_pairs(actor.organisation_id, season=None, status=None)
    clutches = await uow.breeding.list_clutches(actor.organisation_id)

    def pair_key(pair: BreedingPair) -> str:
        return {"pair": str(pair.id), "female": str(pair.dam_id)}.get(group, pair.season)

    def clutch_key(clutch: Clutch) -> str:
        if group == "pair":
            return str(clutch.pair_id) if clutch.pair_id else f"clutch:{clutch.id}"
        return {"female": str(clutch.dam_id)}.get(group, clutch.season)

    totals: dict[str, list[int]] = {}
    for pair in pairs:
        totals.setdefault(pair_key(pair), [0] * 6)[0] += 1
    for clutch in clutches:
        row = totals.setdefault(clutch_key(clutch), [0] * 6)
        row[1] += 1
        row[2] += clutch.eggs
        row[3] += clutch.fertile or 0
        row[4] += clutch.slugs or 0
        row[5] += clutch.hatched
    return [BreedingStatistics(key, *values) for key, values in sorted(totals.items())]
