"""``/orders``: placing orders (idempotently), moving them through their states, their ledger."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from reptidex.domain.commerce.order_model import OrderAction, OrderState, Party
from reptidex.domain.commerce.orders import (
    MAX_KEY_LENGTH,
    OrderRequest,
    act_on_order,
    list_orders,
    order_ledger,
    place_order_once,
    show_order,
)
from reptidex.domain.commerce.transactions import refund_order_offline
from reptidex.services.commerce.access import (
    READ,
    SECURITY,
    WRITE,
    CallerMember,
    OnDemandUnits,
    Terms,
    UnitOfWork,
)
from reptidex.services.commerce.listings import Limit, Offset
from reptidex.services.commerce.payment_access import PaymentUnitsDependency
from reptidex.services.commerce.schemas import (
    LedgerView,
    OrderCreate,
    OrderPage,
    OrderStateName,
    OrderView,
    StepNote,
    ledger_view,
    order_view,
)

IdempotencyKey = Annotated[
    str,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="A key of the client's choosing: the same key returns the same order.",
    ),
]

_STEP_RESPONSES = {
    403: ResponseSpec(None, description="The other party's step"),
    404: ResponseSpec(None, description="No order of the caller's organisation"),
    409: ResponseSpec(None, description="The order's state does not allow it"),
}


async def _step(
    member: CallerMember,
    uow: UnitOfWork,
    order_id: uuid.UUID,
    action: OrderAction,
    data: StepNote | None,
) -> OrderView:
    note = None if data is None else data.note
    order = await act_on_order(uow, member, order_id, action, note=note)
    return order_view(order)


class OrderController(Controller):
    """Orders between a buyer's and a seller's organisations."""

    path = "/orders"
    tags = ("orders",)
    security = SECURITY

    @post(
        "/",
        guards=WRITE,
        status_code=201,
        summary="Order a listing",
        description="Order an available listing of another organisation, at its price: the "
        "listing goes on hold and the order is `pending`. Idempotent by the `Idempotency-Key` "
        "header: the first request makes the order (201), a repeat with the same key and "
        "body returns it (200); the same key with another body is a 422. 409 when the "
        "listing is not available (on hold, sold, ended) or another buyer's order came "
        "first (requests with the same key at the same time all get the one order). Emits "
        "`order.placed` and `listing.state_changed`.",
        responses={200: ResponseSpec(OrderView, description="The order this key made before")},
    )
    async def place(
        self,
        member: CallerMember,
        units: OnDemandUnits,
        terms: Terms,
        idempotency_key: IdempotencyKey,
        data: JSONBody[OrderCreate],
    ) -> Response[OrderView]:
        """Place an order."""
        placed = await place_order_once(
            lambda: units.open(member.organisation_id),
            member,
            OrderRequest(data.listing_id, data.note),
            idempotency_key,
            fee_basis_points=terms.fee_basis_points,
        )
        return Response(order_view(placed.order), status_code=201 if placed.created else 200)

    @get(
        "/",
        guards=READ,
        summary="List your orders",
        description="The orders the caller's organisation bought (`role=buyer`), sold "
        "(`role=seller`) or either, optionally in one `state`, newest first; paged.",
    )
    async def list_orders(
        self,
        member: CallerMember,
        uow: UnitOfWork,
        role: Annotated[Literal["buyer", "seller"] | None, QueryParameter()] = None,
        order_state: Annotated[
            OrderStateName | None, QueryParameter(name="state", description="Only this state")
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> OrderPage:
        """The caller's orders."""
        orders, total = await list_orders(
            uow,
            member,
            Party(role) if role else None,
            OrderState(order_state) if order_state else None,
            limit,
            offset,
        )
        return OrderPage([order_view(o) for o in orders], total, limit, offset)

    @get(
        "/{order_id:uuid}",
        guards=READ,
        summary="Show an order",
        description="An order the caller's organisation is party to, with its history (who "
        "did what, when); 404 for anyone else.",
    )
    async def show(
        self, member: CallerMember, uow: UnitOfWork, order_id: FromPath[uuid.UUID]
    ) -> OrderView:
        """One order with its history."""
        record = await show_order(uow, member, order_id)
        return order_view(record.order, record.history)

    @get(
        "/{order_id:uuid}/ledger",
        guards=READ,
        summary="Show an order's ledger",
        description="The order's postings (payment, platform fee, refunds), each a balanced "
        "set of entries in integer minor units, and their sum per currency (always zero).",
    )
    async def ledger(
        self, member: CallerMember, uow: UnitOfWork, order_id: FromPath[uuid.UUID]
    ) -> LedgerView:
        """An order's ledger."""
        return ledger_view(await order_ledger(uow, member, order_id))

    @post(
        "/{order_id:uuid}/paid",
        guards=WRITE,
        status_code=200,
        summary="Record the payment (seller)",
        description="The seller records that the buyer paid (an offline sale): `pending` → "
        "`paid`. Posts the payment (buyer → seller) and the platform's fee (seller → "
        "platform) to the ledger. Emits `order.paid`.",
        responses=_STEP_RESPONSES,
    )
    async def mark_paid(
        self,
        member: CallerMember,
        uow: UnitOfWork,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[StepNote | None] = None,
    ) -> OrderView:
        """Record the payment."""
        return await _step(member, uow, order_id, OrderAction.MARK_PAID, data)

    @post(
        "/{order_id:uuid}/handed-over",
        guards=WRITE,
        status_code=200,
        summary="Hand the animal over (seller)",
        description="The seller shipped or handed over the animal: `paid` → `handed_over`. "
        "Emits `order.handed_over`.",
        responses=_STEP_RESPONSES,
    )
    async def hand_over(
        self,
        member: CallerMember,
        uow: UnitOfWork,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[StepNote | None] = None,
    ) -> OrderView:
        """Hand over."""
        return await _step(member, uow, order_id, OrderAction.HAND_OVER, data)

    @post(
        "/{order_id:uuid}/completed",
        guards=WRITE,
        status_code=200,
        summary="Confirm receipt (buyer)",
        description="The buyer confirms they received the animal: `handed_over` → "
        "`completed`; the listing is sold. Emits `order.completed` and "
        "`listing.state_changed`.",
        responses=_STEP_RESPONSES,
    )
    async def complete(
        self,
        member: CallerMember,
        uow: UnitOfWork,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[StepNote | None] = None,
    ) -> OrderView:
        """Confirm receipt."""
        return await _step(member, uow, order_id, OrderAction.COMPLETE, data)

    @post(
        "/{order_id:uuid}/cancel",
        guards=WRITE,
        status_code=200,
        summary="Cancel an order (either party)",
        description="Either party cancels a `pending` order; the listing is available again. "
        "A paid order is refunded instead. Emits `order.cancelled` and "
        "`listing.state_changed`.",
        responses=_STEP_RESPONSES,
    )
    async def cancel(
        self,
        member: CallerMember,
        uow: UnitOfWork,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[StepNote | None] = None,
    ) -> OrderView:
        """Cancel."""
        return await _step(member, uow, order_id, OrderAction.CANCEL, data)

    @post(
        "/{order_id:uuid}/refund",
        guards=WRITE,
        status_code=200,
        summary="Refund an order (seller)",
        description="The seller refunds a `paid` or `handed_over` order (paid back offline): "
        "the ledger gets the reversing postings and the listing is available again. 409 "
        "while a provider holds the order's money: refund that payment "
        "(`POST /transactions/{payment_id}/refunds`) instead. Emits `order.refunded` and "
        "`listing.state_changed`.",
        responses=_STEP_RESPONSES,
    )
    async def refund(
        self,
        member: CallerMember,
        payment_units: PaymentUnitsDependency,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[StepNote | None] = None,
    ) -> OrderView:
        """Refund."""
        note = None if data is None else data.note
        order = await refund_order_offline(payment_units.open, member, order_id, note=note)
        return order_view(order)
