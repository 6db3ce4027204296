"""``PUT /animals/{animal_id}/sales/{order_id}``: repti-commerce hands a sold animal to its
buyer (service token of repti-commerce only)."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, Response, put
from litestar.params import FromPath, JSONBody

from reptidex.domain.animals.sale_transfer import transfer_sold_animal
from reptidex.services.animal.access import SECURITY, OnDemandUnitsOfWork
from reptidex.services.animal.schemas import animal_view
from reptidex.services.animal.transfers import TransferView, transfer_view
from reptidex.services.kernel.auth import requires_service


class SaleTransferRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The two parties of a completed marketplace order."""

    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID


class SaleController(Controller):
    """Transfers that carry out marketplace sales."""

    path = "/animals"
    tags = ("animals",)
    security = SECURITY

    @put(
        "/{animal_id:uuid}/sales/{order_id:uuid}",
        guards=[requires_service("commerce")],
        summary="Transfer a sold animal to its buyer (repti-commerce only)",
        description="Called by repti-commerce once an order completes, with its service token: "
        "the animal moves from the seller's organisation to the buyer's as an accepted "
        "transfer offer moves it, without an offer since the order is the parties' agreement "
        "(logs follow, lineage shared, the seller keeps a read-only snapshot) and "
        "`animal.transferred` is emitted; a pending transfer offer of the animal is "
        "withdrawn (`animal.transfer_withdrawn`). Idempotent per "
        "order: 201 when the transfer is made, 200 with the same transfer on a repeat; 404 "
        "when the seller does not hold the animal; 409 when the order already moved another "
        "animal or went to another buyer.",
        status_code=201,
    )
    async def transfer_sold(
        self,
        units: OnDemandUnitsOfWork,
        animal_id: FromPath[uuid.UUID],
        order_id: FromPath[uuid.UUID],
        data: JSONBody[SaleTransferRequest],
    ) -> Response[TransferView]:
        """Carry out a sale's transfer."""
        async with units.open(data.seller_organisation_id) as uow:
            animal = await uow.animals.get(data.seller_organisation_id, animal_id)
            snapshot = None if animal is None else msgspec.to_builtins(animal_view(animal))
            transfer, made = await transfer_sold_animal(
                uow,
                order_id,
                animal_id,
                data.seller_organisation_id,
                data.buyer_organisation_id,
                snapshot,
            )
        return Response(transfer_view(transfer), status_code=201 if made else 200)
