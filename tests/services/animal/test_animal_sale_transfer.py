"""A marketplace sale's transfer on in-memory fakes: made once per order (a repeat returns
it), refused when the order's reference already moved another animal or went elsewhere."""

from __future__ import annotations

import uuid

import pytest
from test_animal_transfer_use_case import ACTOR, FakeTransferUnitOfWork, add

from reptidex.domain.animals.sale_transfer import sale_reference, transfer_sold_animal
from reptidex.domain.errors import Conflict, NotFound

BUYER = uuid.uuid4()


async def test_a_sale_moves_the_animal_once() -> None:
    uow = FakeTransferUnitOfWork()
    animal = await add(uow, code="S1")
    order = uuid.uuid4()
    first, made = await transfer_sold_animal(uow, order, animal.id, ACTOR.organisation_id, BUYER)
    assert made
    assert (first.reference, first.to_organisation_id) == (sale_reference(order), BUYER)
    assert uow.animals.rows[animal.id].organisation_id == BUYER
    again, made_again = await transfer_sold_animal(
        uow, order, animal.id, ACTOR.organisation_id, BUYER
    )
    assert (again, made_again) == (first, False)
    assert len(uow.transfers.records) == 1


async def test_an_order_reference_is_not_reused_for_another_animal_or_buyer() -> None:
    uow = FakeTransferUnitOfWork()
    animal = await add(uow, code="S1")
    other = await add(uow, code="S2")
    order = uuid.uuid4()
    await transfer_sold_animal(uow, order, animal.id, ACTOR.organisation_id, BUYER)
    with pytest.raises(Conflict):
        await transfer_sold_animal(uow, order, other.id, ACTOR.organisation_id, BUYER)
    with pytest.raises(Conflict):
        await transfer_sold_animal(uow, order, animal.id, ACTOR.organisation_id, uuid.uuid4())
    # a new order of the animal, which the seller no longer holds
    with pytest.raises(NotFound):
        await transfer_sold_animal(uow, uuid.uuid4(), animal.id, ACTOR.organisation_id, BUYER)
