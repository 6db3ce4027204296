"""``GET /orders/{id}/animal-transfer``: where the transfer of a completed order's animal to
its buyer stands."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec
from litestar import Controller, get
from litestar.params import FromPath

from reptidex.domain.commerce.ownership import OwnershipTransfer, show_ownership_transfer
from reptidex.services.commerce.access import READ, SECURITY, CallerMember, UnitOfWork


class OwnershipTransferView(msgspec.Struct, frozen=True):
    """The transfer of a completed order's animal: ``pending`` (repti-animal not reached yet;
    tried again after ``next_attempt_at``), ``done`` or ``refused`` (with ``last_error``)."""

    order_id: uuid.UUID
    animal_id: uuid.UUID
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID
    status: Literal["pending", "done", "refused"]
    attempts: int
    requested_at: dt.datetime
    next_attempt_at: dt.datetime | None
    last_error: str | None
    finished_at: dt.datetime | None


def ownership_transfer_view(request: OwnershipTransfer) -> OwnershipTransferView:
    """The view of a transfer request."""
    return OwnershipTransferView(
        order_id=request.order_id,
        animal_id=request.animal_id,
        seller_organisation_id=request.seller_organisation_id,
        buyer_organisation_id=request.buyer_organisation_id,
        status=request.status.value,
        attempts=request.attempts,
        requested_at=request.requested_at,
        next_attempt_at=request.next_attempt_at,
        last_error=request.last_error,
        finished_at=request.finished_at,
    )


class OwnershipTransferController(Controller):
    """The animal of a completed order, on its way to the buyer."""

    path = "/orders"
    tags = ("orders",)
    security = SECURITY

    @get(
        "/{order_id:uuid}/animal-transfer",
        guards=READ,
        summary="Where the transfer of the order's animal to the buyer stands",
        description="Once an order completes, repti-commerce asks repti-animal to transfer the "
        "animal (its logs and lineage follow; the seller keeps a read-only snapshot) to the "
        "buyer's organisation, and tries again while repti-animal cannot be reached. 404 for "
        "an order the caller is no party to, or one not completed.",
    )
    async def animal_transfer(
        self, member: CallerMember, uow: UnitOfWork, order_id: FromPath[uuid.UUID]
    ) -> OwnershipTransferView:
        """The order's transfer request."""
        return ownership_transfer_view(await show_ownership_transfer(uow, member, order_id))
