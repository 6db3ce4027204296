"""The audit records of the collection's changes: what each animal use case stages beside its
events, in the same unit of work (``docs/ops.md``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from reptidex.domain.animals.events import PRODUCER
from reptidex.domain.animals.model import Animal
from reptidex.domain.audit import record_change, snapshot
from reptidex.domain.events import Outbox

if TYPE_CHECKING:  # use_cases imports this module
    from reptidex.domain.animals.use_cases import Actor


class WithOutbox(Protocol):
    """Any of the animal units of work: each has the outbox of its transaction."""

    @property
    def outbox(self) -> Outbox:
        """The outbox, in this transaction."""
        ...


def animal_fields(animal: Animal) -> dict[str, Any]:
    """An animal as its audit records show it: its fields, with the genotype as the morph the
    breeder entered and the phenotype read from it (not the stored distribution)."""
    fields = snapshot(animal, drop={"id", "genotype", "created_at", "updated_at"})
    fields["morph"] = animal.genotype.morph
    fields["phenotype"] = animal.genotype.phenotype
    return fields


def audit(
    uow: WithOutbox,
    actor: Actor,
    resource_kind: str,
    resource_id: uuid.UUID,
    action: str,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    organisation_id: uuid.UUID | None = None,
) -> None:
    """Stage the audit record of a change the actor made (in the actor's organisation unless
    ``organisation_id`` names another, as a transfer's buyer)."""
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind=resource_kind,
        resource_id=resource_id,
        action=action,
        actor_id=actor.user_id,
        organisation_id=organisation_id or actor.organisation_id,
        before=before,
        after=after,
    )
