"""Breeding pairs and clutches: what a breeding season records."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass


class PairStatus(enum.StrEnum):
    """Where a pairing stands."""

    PLANNED = "planned"
    INTRODUCED = "introduced"
    LOCKED = "locked"
    LAID = "laid"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class BreedingPair:
    """A sire and a dam paired (or planned) for a season."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    sire_id: uuid.UUID
    dam_id: uuid.UUID
    season: str
    status: PairStatus
    prospective_coi: float
    notes: str | None = None
    created_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Clutch:
    """A clutch laid by a dam, by one sire (of a pair) or several possible sires."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    dam_id: uuid.UUID
    sire_ids: tuple[uuid.UUID, ...]
    pair_id: uuid.UUID | None
    laid_on: dt.date
    eggs: int
    fertile: int | None = None
    slugs: int | None = None
    incubation_temperature: float | None = None
    expected_hatch: dt.date | None = None
    hatched_on: dt.date | None = None
    hatched: int = 0
    notes: str | None = None
    season: str = ""

    @property
    def hatch_rate(self) -> float | None:
        """Hatched over fertile eggs (over all eggs when fertility is unrecorded)."""
        base = self.fertile if self.fertile is not None else self.eggs
        return None if not base else round(self.hatched / base, 4)
