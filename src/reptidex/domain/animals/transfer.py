"""Transfer on sale: an animal, with its logs, moves to another organisation.

The buyer then owns it; the seller keeps a read-only record (a snapshot of the animal and its
logs at the time). Parent links are kept, so the lineage stays linked across organisations;
with ``share_lineage`` the seller's private ancestors of the animal become ``lineage_only``
so that the buyer sees their public fields in the tree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

import msgspec

from reptidex.domain.animals.audit import animal_fields, audit
from reptidex.domain.animals.events import PRODUCER, AnimalTransferred
from reptidex.domain.animals.model import Status, Visibility
from reptidex.domain.animals.ports import TransferUnitOfWork
from reptidex.domain.animals.use_cases import Actor, get_animal, require_writer
from reptidex.domain.errors import InvalidInput
from reptidex.domain.events import new_event

SHARED_ANCESTRY = 20
"""Generations of ancestors made visible to the buyer with ``share_lineage``."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """A record of an animal moving from one organisation to another."""

    id: uuid.UUID
    animal_id: uuid.UUID
    from_organisation_id: uuid.UUID
    to_organisation_id: uuid.UUID
    transferred_at: dt.datetime
    snapshot: dict[str, Any]
    reference: str | None = None
    """What the transfer carries out, unique when set (``order:<id>``: a marketplace sale)."""


async def _free_code(uow: TransferUnitOfWork, organisation_id: uuid.UUID, code: str) -> str:
    candidate = code
    number = 1
    while await uow.animals.code_taken(organisation_id, candidate):
        number += 1
        candidate = f"{code}-T{number}"
    return candidate


async def transfer_animal(
    uow: TransferUnitOfWork,
    actor: Actor,
    animal_id: uuid.UUID,
    to_organisation_id: uuid.UUID,
    *,
    share_lineage: bool = True,
    snapshot: dict[str, Any] | None = None,
    reference: str | None = None,
    now: dt.datetime | None = None,
) -> Transfer:
    """Give an animal of the actor's collection to another organisation; stage
    ``animal.transferred``. Its code is kept unless the buyer uses it (then ``-T2``, …)."""
    require_writer(actor)
    animal = await get_animal(uow, actor, animal_id)
    if to_organisation_id == actor.organisation_id:
        raise InvalidInput(
            "The animal already belongs to this organisation.",
            field_errors={"organisation_id": "give the buyer's organisation"},
        )
    logs = await uow.husbandry.list(actor.organisation_id, animal.id, None)
    record = {
        "animal": snapshot or {"code": animal.code, "name": animal.name},
        "logs": [
            {
                "occurred_on": e.occurred_on.isoformat(),
                "kind": e.kind,
                "details": msgspec.to_builtins(e.details),
                "notes": e.notes,
            }
            for e in logs
        ],
    }
    if share_lineage:
        ancestry = await uow.animals.pedigree([animal.id], ancestors=SHARED_ANCESTRY, descendants=0)
        for ancestor in ancestry:
            if (
                ancestor.id != animal.id
                and ancestor.organisation_id == actor.organisation_id
                and ancestor.visibility is Visibility.PRIVATE
            ):
                shared = replace(ancestor, visibility=Visibility.LINEAGE_ONLY)
                await uow.animals.update(shared)
                audit(
                    uow,
                    actor,
                    "animal",
                    ancestor.id,
                    "updated",
                    before=animal_fields(ancestor),
                    after=animal_fields(shared),
                )
    code = await _free_code(uow, to_organisation_id, animal.code)
    status = Status.ACTIVE if animal.status in (Status.FOR_SALE, Status.SOLD) else animal.status
    moved = await uow.transfers.move(replace(animal, status=status), to_organisation_id, code)
    transfer = Transfer(
        uuid.uuid4(),
        moved.id,
        actor.organisation_id,
        to_organisation_id,
        now or dt.datetime.now(dt.UTC),
        record,
        reference,
    )
    await uow.transfers.record(transfer)
    for organisation_id in (actor.organisation_id, to_organisation_id):
        audit(
            uow,
            actor,
            "animal",
            moved.id,
            "transferred",
            before=animal_fields(animal),
            after=animal_fields(moved),
            organisation_id=organisation_id,
        )
    uow.outbox.add(
        new_event(
            "animal.transferred",
            producer=PRODUCER,
            payload=AnimalTransferred(
                str(moved.id), moved.code, str(actor.organisation_id), str(to_organisation_id)
            ),
            organisation_id=actor.organisation_id,
            actor_id=actor.user_id,
        )
    )
    await uow.commit()
    return transfer


async def transfer_history(uow: TransferUnitOfWork, actor: Actor) -> list[Transfer]:
    """The transfers from and to the actor's organisation (the seller's read-only history)."""
    return await uow.transfers.involving(actor.organisation_id)
