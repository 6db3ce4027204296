"""``/animals/{id}/logs`` and ``/animals/{id}/growth``: husbandry logs of an animal."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.animals.husbandry import (
    LogDetails,
    LogEntry,
    LogKind,
    add_log,
    growth,
    list_logs,
    remove_log,
)
from reptidex.services.animal.access import READ, SECURITY, WRITE, CallerActor, UnitOfWork
from reptidex.services.kernel.plausible_dates import PlausibleDate


class LogCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A log entry: when, what (``details.kind`` is feeding, weight, shed, health, medication
    or pairing, with that kind's fields), and notes."""

    occurred_on: PlausibleDate
    details: LogDetails
    notes: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class LogView(msgspec.Struct, frozen=True):
    """A log entry."""

    id: uuid.UUID
    animal_id: uuid.UUID
    occurred_on: dt.date
    kind: str
    details: LogDetails
    notes: str | None


class GrowthPointView(msgspec.Struct, frozen=True):
    """A weighing with the gain since the previous one and the age in days."""

    on: dt.date
    grams: float
    gain: float | None
    age_days: int | None


def log_view(entry: LogEntry) -> LogView:
    """The view of a log entry."""
    return LogView(
        entry.id, entry.animal_id, entry.occurred_on, entry.kind, entry.details, entry.notes
    )


class HusbandryController(Controller):
    """Feedings, weights, sheds, health notes, medications and pairing events of an animal."""

    path = "/animals/{animal_id:uuid}"
    tags = ("husbandry",)
    security = SECURITY

    @post(
        "/logs",
        guards=WRITE,
        summary="Log husbandry",
        description="Add a feeding (prey, size, accepted/refused/regurgitated), weight (grams), "
        "shed, health note, medication or pairing event to an animal's log. Not before the "
        "animal hatched nor in the future.",
    )
    async def add_log(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        animal_id: FromPath[uuid.UUID],
        data: JSONBody[LogCreate],
    ) -> LogView:
        """Add a log entry."""
        entry = await add_log(uow, actor, animal_id, data.occurred_on, data.details, data.notes)
        return log_view(entry)

    @get(
        "/logs",
        guards=READ,
        summary="Show an animal's log",
        description="The animal's husbandry log, oldest first; `kind` keeps one kind.",
    )
    async def list_logs(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        animal_id: FromPath[uuid.UUID],
        kind: Annotated[LogKind | None, QueryParameter()] = None,
    ) -> list[LogView]:
        """An animal's log."""
        return [log_view(e) for e in await list_logs(uow, actor, animal_id, kind)]

    @delete(
        "/logs/{entry_id:uuid}",
        guards=WRITE,
        summary="Delete a log entry",
        description="Remove one entry of an animal's log.",
    )
    async def remove_log(
        self,
        actor: CallerActor,
        uow: UnitOfWork,
        animal_id: FromPath[uuid.UUID],
        entry_id: FromPath[uuid.UUID],
    ) -> None:
        """Delete a log entry."""
        await remove_log(uow, actor, animal_id, entry_id)

    @get(
        "/growth",
        guards=READ,
        summary="Show an animal's growth",
        description="The animal's weights in date order, with the gain since the previous "
        "weighing and its age in days.",
    )
    async def growth(
        self, actor: CallerActor, uow: UnitOfWork, animal_id: FromPath[uuid.UUID]
    ) -> list[GrowthPointView]:
        """An animal's growth series."""
        points = await growth(uow, actor, animal_id)
        return [GrowthPointView(p.on, p.grams, p.gain, p.age_days) for p in points]
