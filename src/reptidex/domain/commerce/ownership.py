"""The animal's record passes to the buyer: once an order completes, repti-animal is asked to
transfer the animal from the seller's organisation to the buyer's.

Completing the order writes an :class:`OwnershipTransfer` request in the same transaction
(:func:`request_ownership_transfer`), so the request cannot be lost. A background worker
carries out the due requests (:func:`carry_out_due_transfers`): when repti-animal cannot be
reached it tries again later, waiting longer each time (:func:`retry_delay`); when repti-animal
refuses (the seller no longer holds the animal), the request ends ``refused``. Either end is
an event: ``order.animal_transferred`` or ``order.animal_transfer_refused``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Protocol

import msgspec

from reptidex.domain.commerce.audit import audit
from reptidex.domain.commerce.events import PRODUCER
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.order_model import Order
from reptidex.domain.commerce.ports import AnimalsUnavailable, CommerceUnitOfWork
from reptidex.domain.errors import DomainError, NotFound
from reptidex.domain.events import Outbox, new_event

FIRST_RETRY = dt.timedelta(seconds=5)
"""The wait after the first failed attempt; it doubles after each further one."""
LONGEST_RETRY = dt.timedelta(hours=1)
"""The longest wait between two attempts."""
MAX_ERROR = 500
"""Characters of the last error kept with a request."""


class TransferStatus(enum.StrEnum):
    """Where a request stands."""

    PENDING = "pending"
    DONE = "done"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class OwnershipTransfer:
    """The request to transfer a completed order's animal to its buyer."""

    order_id: uuid.UUID
    listing_id: uuid.UUID
    animal_id: uuid.UUID
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID
    requested_at: dt.datetime
    status: TransferStatus = TransferStatus.PENDING
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None
    finished_at: dt.datetime | None = None


class TransferRefused(DomainError):
    """repti-animal will not transfer the animal (the seller no longer holds it, or the
    order already moved another one): trying again would not help."""


class AnimalHandover(Protocol):
    """repti-animal's transfer of a sold animal, idempotent per order."""

    async def transfer(self, request: OwnershipTransfer) -> None:
        """Move the animal to the buyer; :class:`AnimalsUnavailable` when repti-animal could
        not be reached or answered wrongly (try again), :class:`TransferRefused` when it
        refuses."""
        ...


class OwnershipTransfers(Protocol):
    """The transfer requests, one per completed order."""

    async def add(self, request: OwnershipTransfer) -> None:
        """Keep a new request."""

    async def get(self, order_id: uuid.UUID) -> OwnershipTransfer | None:
        """The order's request, if the transaction may see it."""

    async def due(self, now: dt.datetime, limit: int) -> list[OwnershipTransfer]:
        """Up to ``limit`` pending requests whose next attempt is due, oldest first."""

    async def save(self, request: OwnershipTransfer) -> None:
        """Store a changed request."""


class OwnershipUnitOfWork(Protocol):
    """A transaction of the worker: the requests and the outbox."""

    @property
    def ownership(self) -> OwnershipTransfers:
        """The requests."""

    @property
    def outbox(self) -> Outbox:
        """Where events are staged."""

    async def commit(self) -> None:
        """Make the changes and the staged events durable, together."""


class OwnershipEvent(msgspec.Struct, frozen=True):
    """``order.animal_transferred`` / ``order.animal_transfer_refused``."""

    order_id: str
    animal_id: str
    seller_organisation_id: str
    buyer_organisation_id: str
    attempts: int
    error: str | None = None


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after ``attempts`` failed attempts: 5 s, 10 s, 20 s … at most an hour."""
    delay: dt.timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20)
    return min(delay, LONGEST_RETRY)


def ownership_request(order: Order, animal_id: uuid.UUID, at: dt.datetime) -> OwnershipTransfer:
    """The transfer request of a completed order, due at once."""
    return OwnershipTransfer(
        order_id=order.id,
        listing_id=order.listing_id,
        animal_id=animal_id,
        seller_organisation_id=order.seller_organisation_id,
        buyer_organisation_id=order.buyer_organisation_id,
        requested_at=at,
        next_attempt_at=at,
    )


def _stage(uow: OwnershipUnitOfWork, request: OwnershipTransfer, event_type: str) -> None:
    uow.outbox.add(
        new_event(
            event_type,
            producer=PRODUCER,
            payload=OwnershipEvent(
                str(request.order_id),
                str(request.animal_id),
                str(request.seller_organisation_id),
                str(request.buyer_organisation_id),
                request.attempts,
                request.last_error,
            ),
            organisation_id=request.seller_organisation_id,
            occurred_at=request.finished_at,
        )
    )
    audit(
        uow.outbox,
        "ownership_transfer",
        request.order_id,
        request.status.value,
        organisation_id=request.seller_organisation_id,
        before={"status": TransferStatus.PENDING.value},
        after={
            "status": request.status.value,
            "attempts": request.attempts,
            **({"error": request.last_error} if request.last_error else {}),
        },
    )


async def _attempt(
    open_unit: Callable[[], AbstractAsyncContextManager[OwnershipUnitOfWork]],
    animals: AnimalHandover,
    request: OwnershipTransfer,
    now: dt.datetime,
) -> None:
    attempts = request.attempts + 1
    try:
        await animals.transfer(request)
    except AnimalsUnavailable as error:
        after = replace(
            request,
            attempts=attempts,
            next_attempt_at=now + retry_delay(attempts),
            last_error=str(error)[:MAX_ERROR],
        )
        event_type = None
    except TransferRefused as error:
        after = replace(
            request,
            status=TransferStatus.REFUSED,
            attempts=attempts,
            next_attempt_at=None,
            last_error=str(error)[:MAX_ERROR],
            finished_at=now,
        )
        event_type = "order.animal_transfer_refused"
    else:
        after = replace(
            request,
            status=TransferStatus.DONE,
            attempts=attempts,
            next_attempt_at=None,
            last_error=None,
            finished_at=now,
        )
        event_type = "order.animal_transferred"
    async with open_unit() as uow:
        await uow.ownership.save(after)
        if event_type is not None:
            _stage(uow, after, event_type)
        await uow.commit()


async def carry_out_due_transfers(
    open_unit: Callable[[], AbstractAsyncContextManager[OwnershipUnitOfWork]],
    animals: AnimalHandover,
    now: dt.datetime,
    limit: int = 20,
) -> int:
    """Attempt the due requests (at most ``limit``), each recorded in a transaction of its
    own after repti-animal answered; the number attempted."""
    async with open_unit() as uow:
        due = await uow.ownership.due(now, limit)
    for request in due:
        await _attempt(open_unit, animals, request, now)
    return len(due)


async def show_ownership_transfer(
    uow: CommerceUnitOfWork, actor: Member, order_id: uuid.UUID
) -> OwnershipTransfer:
    """The transfer request of an order the actor's organisation is party to;
    :class:`NotFound` for another's order, or one not completed."""
    order = await uow.orders.get(order_id)
    if order is None or order.party_of(actor.organisation_id) is None:
        raise NotFound(f"No order {order_id} of yours.")
    request = await uow.ownership.get(order_id)
    if request is None:
        raise NotFound(f"Order {order_id} is not completed: its animal is not being transferred.")
    return request
