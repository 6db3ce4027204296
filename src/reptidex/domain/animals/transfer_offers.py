"""Transfer offers: an animal goes to another organisation only when that organisation accepts.

The sender offers an animal of its collection to an organisation that exists (the directory,
repti-core, is asked first). The animal stays with the sender meanwhile, offered to that one
organisation only: an animal has at most one pending offer, and an offered animal cannot be
deleted. The receiver's members accept the offer, which makes the transfer as
:func:`~reptidex.domain.animals.transfer.transfer_animal` makes it (logs follow, lineage stays
linked, the sender keeps a read-only snapshot), or decline it; the sender may withdraw it; one
nobody answered expires at its end (:mod:`~reptidex.domain.animals.transfer_offer_expiry`),
and the animal simply stays with the sender. A marketplace sale of an offered animal, which
buyer and seller agreed through their order, withdraws the offer.

Each change is audited for both organisations and stages ``animal.transfer_<status>``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from reptidex.domain.animals.audit import audit
from reptidex.domain.animals.events import PRODUCER, TransferOfferChanged
from reptidex.domain.animals.model import Animal
from reptidex.domain.animals.ports import OrganisationDirectory, TransferOfferUnitOfWork
from reptidex.domain.animals.transfer import Transfer, transfer_animal
from reptidex.domain.animals.use_cases import Actor, get_animal, require_writer
from reptidex.domain.audit import snapshot as fields_of
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events import new_event

OFFER_DAYS = 14
"""Days an offer stays open unless the sender gives another number."""
MAX_OFFER_DAYS = 30
"""The longest an offer may stay open, in days."""


class OfferStatus(enum.StrEnum):
    """Where an offer stands: pending until accepted, declined, withdrawn or expired."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class OfferedAnimal:
    """What the receiver is shown of the offered animal (it cannot read the animal itself)."""

    code: str
    name: str | None
    species: str
    sex: str
    morph: str
    hatch_date: dt.date | None

    @classmethod
    def of(cls, animal: Animal) -> OfferedAnimal:
        """The animal as offered."""
        return cls(
            animal.code,
            animal.name,
            animal.species,
            animal.sex.value,
            animal.genotype.morph,
            animal.hatch_date,
        )


@dataclass(frozen=True, slots=True)
class TransferOffer:
    """An offer of an animal to another organisation, open until ``expires_at``."""

    id: uuid.UUID
    animal_id: uuid.UUID
    from_organisation_id: uuid.UUID
    to_organisation_id: uuid.UUID
    animal: OfferedAnimal
    share_lineage: bool
    offered_at: dt.datetime
    expires_at: dt.datetime
    status: OfferStatus = OfferStatus.PENDING
    decided_at: dt.datetime | None = None

    def is_open(self, now: dt.datetime) -> bool:
        """Whether it may still be accepted, declined or withdrawn."""
        return self.status is OfferStatus.PENDING and now < self.expires_at

    def settled(self, status: OfferStatus, at: dt.datetime) -> TransferOffer:
        """The offer closed with ``status`` at ``at``."""
        return replace(self, status=status, decided_at=at)


def offer_reference(offer_id: uuid.UUID) -> str:
    """The reference of the transfer an accepted offer made."""
    return f"offer:{offer_id}"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _record(
    uow: TransferOfferUnitOfWork, actor: Actor, before: TransferOffer | None, after: TransferOffer
) -> None:
    """Audit the change for both organisations and stage its event (no commit)."""
    action = after.status.value if before else "offered"
    for organisation_id in (after.from_organisation_id, after.to_organisation_id):
        audit(
            uow,
            actor,
            "transfer_offer",
            after.id,
            action,
            before=None if before is None else fields_of(before, drop={"id"}),
            after=fields_of(after, drop={"id"}),
            organisation_id=organisation_id,
        )
    uow.outbox.add(
        new_event(
            f"animal.transfer_{action}",
            producer=PRODUCER,
            payload=TransferOfferChanged(
                str(after.id),
                str(after.animal_id),
                after.animal.code,
                str(after.from_organisation_id),
                str(after.to_organisation_id),
                after.status.value,
                after.expires_at.isoformat(),
            ),
            organisation_id=actor.organisation_id,
            actor_id=actor.user_id,
        )
    )


async def settle(
    uow: TransferOfferUnitOfWork, actor: Actor, offer: TransferOffer, closed: TransferOffer
) -> None:
    """Store the offer closed (``closed``), audit it and stage its event; :class:`Conflict`
    when another answer closed it first. No commit: the caller's use case commits."""
    if not await uow.transfer_offers.settle(closed):
        raise Conflict("The offer was answered meanwhile; it is no longer pending.")
    _record(uow, actor, offer, closed)


async def offer_transfer(
    uow: TransferOfferUnitOfWork,
    actor: Actor,
    organisations: OrganisationDirectory,
    animal_id: uuid.UUID,
    to_organisation_id: uuid.UUID,
    *,
    share_lineage: bool = True,
    days: int = OFFER_DAYS,
    now: dt.datetime | None = None,
) -> TransferOffer:
    """Offer an animal of the actor's collection to another organisation for ``days`` days;
    stage ``animal.transfer_offered``. :class:`InvalidInput` for the actor's own organisation,
    a number of days out of range or an organisation that does not exist; :class:`Conflict`
    when the animal has a pending offer already."""
    require_writer(actor)
    animal = await get_animal(uow, actor, animal_id)
    if to_organisation_id == actor.organisation_id:
        raise InvalidInput(
            "The animal already belongs to this organisation.",
            field_errors={"organisation_id": "give the receiving organisation"},
        )
    if not 1 <= days <= MAX_OFFER_DAYS:
        raise InvalidInput(
            f"An offer stays open 1 to {MAX_OFFER_DAYS} days.",
            field_errors={"expires_in_days": f"from 1 to {MAX_OFFER_DAYS}"},
        )
    at = _now(now)
    pending = await uow.transfer_offers.pending_for(animal.id)
    if pending is not None:
        ends = f"{pending.expires_at:%Y-%m-%d %H:%M} UTC"
        raise Conflict(
            f"{animal.label} is already offered to organisation {pending.to_organisation_id} "
            + (
                f"until {ends}; withdraw that offer first."
                if pending.is_open(at)
                else f"and that offer ended at {ends}; it closes within a minute, then offer "
                "the animal again."
            )
        )
    if not await organisations.exists(to_organisation_id):
        raise InvalidInput(
            f"No organisation {to_organisation_id} exists; ask the receiver for the id of "
            "their organisation.",
            field_errors={"organisation_id": "no such organisation"},
        )
    offer = TransferOffer(
        uuid.uuid4(),
        animal.id,
        actor.organisation_id,
        to_organisation_id,
        OfferedAnimal.of(animal),
        share_lineage,
        at,
        at + dt.timedelta(days=days),
    )
    await uow.transfer_offers.add(offer)
    _record(uow, actor, None, offer)
    await uow.commit()
    return offer


async def _open_offer(
    uow: TransferOfferUnitOfWork,
    actor: Actor,
    offer_id: uuid.UUID,
    *,
    party: Literal["sending", "receiving"],
    verb: str,
    now: dt.datetime,
) -> TransferOffer:
    """The offer the actor's organisation, as the ``party`` named, may ``verb`` now:
    :class:`NotFound` when it is not party to it, :class:`PermissionDenied` when it is the
    other party, :class:`Conflict` when the offer is closed or past its end."""
    require_writer(actor)
    offer = await uow.transfer_offers.get(offer_id)
    if offer is None or actor.organisation_id not in (
        offer.from_organisation_id,
        offer.to_organisation_id,
    ):
        raise NotFound(f"No transfer offer {offer_id} for this organisation.")
    side = offer.to_organisation_id if party == "receiving" else offer.from_organisation_id
    if side != actor.organisation_id:
        raise PermissionDenied(f"Only the {party} organisation may {verb} this offer.")
    if offer.status is not OfferStatus.PENDING:
        raise Conflict(f"The offer was {offer.status.value}; it is no longer pending.")
    if not offer.is_open(now):
        raise Conflict(f"The offer ended at {offer.expires_at:%Y-%m-%d %H:%M} UTC.")
    return offer


async def accept_offer(
    uow: TransferOfferUnitOfWork,
    actor: Actor,
    offer_id: uuid.UUID,
    *,
    snapshot: Callable[[Animal], dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> Transfer:
    """Accept an offer made to the actor's organisation: the animal moves to it (``snapshot``
    gives the sender's record of the animal; the transfer's reference is the offer's). Stages
    ``animal.transfer_accepted`` and ``animal.transferred``."""
    at = _now(now)
    offer = await _open_offer(uow, actor, offer_id, party="receiving", verb="accept", now=at)
    await settle(uow, actor, offer, offer.settled(OfferStatus.ACCEPTED, at))
    await uow.act_for(offer.from_organisation_id)
    animal = await uow.animals.get(offer.from_organisation_id, offer.animal_id)
    if animal is None:
        raise Conflict("The sender no longer holds the animal.")
    return await transfer_animal(
        uow,
        Actor(offer.from_organisation_id, actor.user_id),
        animal.id,
        offer.to_organisation_id,
        share_lineage=offer.share_lineage,
        snapshot=None if snapshot is None else snapshot(animal),
        reference=offer_reference(offer.id),
        now=at,
    )


async def decline_offer(
    uow: TransferOfferUnitOfWork,
    actor: Actor,
    offer_id: uuid.UUID,
    *,
    now: dt.datetime | None = None,
) -> TransferOffer:
    """Decline an offer made to the actor's organisation (the animal stays with the sender);
    stage ``animal.transfer_declined``."""
    at = _now(now)
    offer = await _open_offer(uow, actor, offer_id, party="receiving", verb="decline", now=at)
    declined = offer.settled(OfferStatus.DECLINED, at)
    await settle(uow, actor, offer, declined)
    await uow.commit()
    return declined


async def withdraw_offer(
    uow: TransferOfferUnitOfWork,
    actor: Actor,
    offer_id: uuid.UUID,
    *,
    now: dt.datetime | None = None,
) -> TransferOffer:
    """Withdraw an offer the actor's organisation made; stage ``animal.transfer_withdrawn``."""
    at = _now(now)
    offer = await _open_offer(uow, actor, offer_id, party="sending", verb="withdraw", now=at)
    withdrawn = offer.settled(OfferStatus.WITHDRAWN, at)
    await settle(uow, actor, offer, withdrawn)
    await uow.commit()
    return withdrawn


async def withdraw_for_sale(
    uow: TransferOfferUnitOfWork, seller: Actor, animal_id: uuid.UUID
) -> TransferOffer | None:
    """Withdraw the seller's pending offer of an animal sold on the marketplace, if it has one
    (no commit: the sale's transfer commits it)."""
    offer = await uow.transfer_offers.pending_for(animal_id)
    if offer is None or offer.from_organisation_id != seller.organisation_id:
        return None
    withdrawn = offer.settled(OfferStatus.WITHDRAWN, dt.datetime.now(dt.UTC))
    await settle(uow, seller, offer, withdrawn)
    return withdrawn


async def get_offer(
    uow: TransferOfferUnitOfWork, actor: Actor, offer_id: uuid.UUID
) -> TransferOffer:
    """An offer the actor's organisation made or received; :class:`NotFound` otherwise."""
    offer = await uow.transfer_offers.get(offer_id)
    if offer is None or actor.organisation_id not in (
        offer.from_organisation_id,
        offer.to_organisation_id,
    ):
        raise NotFound(f"No transfer offer {offer_id} for this organisation.")
    return offer


async def list_offers(
    uow: TransferOfferUnitOfWork,
    actor: Actor,
    *,
    incoming: bool | None = None,
    status: OfferStatus | None = None,
) -> list[TransferOffer]:
    """The offers the actor's organisation received (``incoming``), sent (``not incoming``) or
    both (``None``), of one status or all, newest first."""
    return await uow.transfer_offers.involving(
        actor.organisation_id, incoming=incoming, status=status
    )
