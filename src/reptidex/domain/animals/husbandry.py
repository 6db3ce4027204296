"""Husbandry logs: feedings, weights, sheds, health notes, medications and pairing events.

Each entry is an immutable :class:`LogEntry` whose ``details`` are one of the msgspec Structs
below (a tagged union, so that the API documents and validates each kind).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import msgspec

from reptidex.domain.animals.audit import audit
from reptidex.domain.animals.ports import HusbandryUnitOfWork
from reptidex.domain.animals.use_cases import Actor, get_animal, require_writer
from reptidex.domain.audit import snapshot
from reptidex.domain.errors import InvalidInput, NotFound
from reptidex.domain.plausible_dates import check_plausible

Text = Annotated[str, msgspec.Meta(max_length=2000)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class Feeding(
    msgspec.Struct, frozen=True, tag_field="kind", tag="feeding", forbid_unknown_fields=True
):
    """A meal offered: prey, its size, and whether it was taken."""

    prey: Short
    result: Literal["accepted", "refused", "regurgitated"]
    size: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    count: Annotated[int, msgspec.Meta(ge=1, le=50)] = 1


class Weight(
    msgspec.Struct, frozen=True, tag_field="kind", tag="weight", forbid_unknown_fields=True
):
    """A weighing, in grams."""

    grams: Annotated[float, msgspec.Meta(gt=0, le=500_000)]


class Shed(msgspec.Struct, frozen=True, tag_field="kind", tag="shed", forbid_unknown_fields=True):
    """A shed, complete or not."""

    complete: bool = True


class HealthNote(
    msgspec.Struct, frozen=True, tag_field="kind", tag="health", forbid_unknown_fields=True
):
    """An observation about the animal's health."""

    note: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    severity: Literal["info", "mild", "moderate", "severe"] = "info"


class Medication(
    msgspec.Struct, frozen=True, tag_field="kind", tag="medication", forbid_unknown_fields=True
):
    """A medication given."""

    drug: Short
    dose: Annotated[str, msgspec.Meta(max_length=80)] | None = None
    until: dt.date | None = None
    """Checked against :mod:`reptidex.domain.plausible_dates` by :func:`add_log`."""


class PairingEvent(
    msgspec.Struct, frozen=True, tag_field="kind", tag="pairing", forbid_unknown_fields=True
):
    """A pairing event (introduction, lock, ovulation, pre-lay shed …)."""

    event: Literal["introduced", "lock", "ovulation", "pre_lay_shed", "separated", "other"]
    partner_id: uuid.UUID | None = None


LogDetails = Feeding | Weight | Shed | HealthNote | Medication | PairingEvent
LogKind = Literal["feeding", "weight", "shed", "health", "medication", "pairing"]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One husbandry log entry of an animal."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    animal_id: uuid.UUID
    occurred_on: dt.date
    details: LogDetails
    notes: str | None = None

    @property
    def kind(self) -> str:
        """The entry's kind (``feeding``, ``weight`` …)."""
        tag: str = type(self.details).__struct_config__.tag  # type: ignore[assignment]
        return tag


def log_fields(entry: LogEntry) -> dict[str, Any]:
    """A log entry as its audit records show it (its details with their kind)."""
    return snapshot(entry, drop={"id"})


async def add_log(
    uow: HusbandryUnitOfWork,
    actor: Actor,
    animal_id: uuid.UUID,
    occurred_on: dt.date,
    details: LogDetails,
    notes: str | None = None,
    *,
    today: dt.date | None = None,
) -> LogEntry:
    """Log a feeding, weighing, shed, health note, medication or pairing event."""
    require_writer(actor)
    animal = await get_animal(uow, actor, animal_id)
    if occurred_on > (today or dt.datetime.now(dt.UTC).date()) + dt.timedelta(days=1):
        raise InvalidInput(
            "A log entry cannot be in the future.", field_errors={"occurred_on": "in the future"}
        )
    if animal.hatch_date and occurred_on < animal.hatch_date:
        raise InvalidInput(
            "A log entry cannot be before the animal hatched.",
            field_errors={"occurred_on": "before the hatch date"},
        )
    if isinstance(details, Medication) and details.until is not None:
        check_plausible(details.until, "details.until", today)
    if isinstance(details, PairingEvent) and details.partner_id is not None:
        partner = await uow.animals.get(actor.organisation_id, details.partner_id)
        if partner is None or partner.id == animal.id:
            raise InvalidInput(
                "The pairing partner is not another animal of this collection.",
                field_errors={"details.partner_id": "no such animal in this collection"},
            )
    entry = await uow.husbandry.add(
        LogEntry(uuid.uuid4(), actor.organisation_id, animal.id, occurred_on, details, notes)
    )
    audit(uow, actor, "husbandry_log", entry.id, "created", after=log_fields(entry))
    await uow.commit()
    return entry


async def list_logs(
    uow: HusbandryUnitOfWork, actor: Actor, animal_id: uuid.UUID, kind: str | None = None
) -> list[LogEntry]:
    """An animal's log, oldest first (one kind with ``kind``)."""
    await get_animal(uow, actor, animal_id)
    return await uow.husbandry.list(actor.organisation_id, animal_id, kind)


async def remove_log(
    uow: HusbandryUnitOfWork, actor: Actor, animal_id: uuid.UUID, entry_id: uuid.UUID
) -> None:
    """Delete a log entry."""
    require_writer(actor)
    await get_animal(uow, actor, animal_id)
    entries = await uow.husbandry.list(actor.organisation_id, animal_id, None)
    entry = next((e for e in entries if e.id == entry_id), None)
    if entry is None or not await uow.husbandry.remove(actor.organisation_id, entry_id):
        raise NotFound(f"No log entry {entry_id} for this animal.")
    audit(uow, actor, "husbandry_log", entry.id, "deleted", before=log_fields(entry))
    await uow.commit()


@dataclass(frozen=True, slots=True)
class GrowthPoint:
    """A weighing with the gain since the previous one."""

    on: dt.date
    grams: float
    gain: float | None
    age_days: int | None


async def growth(uow: HusbandryUnitOfWork, actor: Actor, animal_id: uuid.UUID) -> list[GrowthPoint]:
    """The animal's weights in date order, with gains and age."""
    animal = await get_animal(uow, actor, animal_id)
    entries = await uow.husbandry.list(actor.organisation_id, animal_id, "weight")
    points: list[GrowthPoint] = []
    previous: float | None = None
    for entry in sorted(entries, key=lambda e: e.occurred_on):
        assert isinstance(entry.details, Weight)
        grams = entry.details.grams
        age = (entry.occurred_on - animal.hatch_date).days if animal.hatch_date else None
        points.append(
            GrowthPoint(
                entry.occurred_on, grams, None if previous is None else grams - previous, age
            )
        )
        previous = grams
    return points
