"""A marketplace sale's transfer: repti-commerce asks, once per order, for the sold animal to
move from the seller's organisation to the buyer's.

The request may come again (commerce retries until it hears an answer), so the transfer is
kept under the order's reference: a repeat returns the first transfer instead of moving the
animal twice. The transfer itself is :func:`~reptidex.domain.animals.transfer.transfer_animal`
(logs follow, lineage stays linked and shared, the seller keeps a read-only snapshot). Buyer
and seller agreed through their order, so no offer is needed; a pending transfer offer of the
animal is withdrawn in the same transaction (the paid order wins).
"""

from __future__ import annotations

import uuid
from typing import Any

from reptidex.domain.animals.ports import TransferOfferUnitOfWork
from reptidex.domain.animals.transfer import Transfer, transfer_animal
from reptidex.domain.animals.transfer_offers import withdraw_for_sale
from reptidex.domain.animals.use_cases import Actor
from reptidex.domain.errors import Conflict


def sale_reference(order_id: uuid.UUID) -> str:
    """The transfer reference of a marketplace order."""
    return f"order:{order_id}"


async def transfer_sold_animal(
    uow: TransferOfferUnitOfWork,
    order_id: uuid.UUID,
    animal_id: uuid.UUID,
    seller_organisation_id: uuid.UUID,
    buyer_organisation_id: uuid.UUID,
    snapshot: dict[str, Any] | None = None,
) -> tuple[Transfer, bool]:
    """Transfer the animal of a completed order to its buyer, once: ``(transfer, made now)``.

    ``uow`` is scoped to the seller's organisation. A repeat of the order returns its
    transfer; :class:`Conflict` when the order's transfer was of another animal or buyer;
    :class:`~reptidex.domain.errors.NotFound` when the seller no longer holds the animal. The
    animal's pending transfer offer, if any, is withdrawn.
    """
    reference = sale_reference(order_id)
    kept = await uow.transfers.by_reference(reference)
    if kept is not None:
        if (kept.animal_id, kept.from_organisation_id, kept.to_organisation_id) != (
            animal_id,
            seller_organisation_id,
            buyer_organisation_id,
        ):
            raise Conflict(f"Order {order_id} already transferred another animal or buyer.")
        return kept, False
    seller = Actor(organisation_id=seller_organisation_id)
    await withdraw_for_sale(uow, seller, animal_id)
    transfer = await transfer_animal(
        uow,
        seller,
        animal_id,
        buyer_organisation_id,
        snapshot=snapshot,
        reference=reference,
    )
    return transfer, True
