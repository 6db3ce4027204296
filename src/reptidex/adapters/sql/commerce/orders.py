"""Orders and their history in SQL."""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.mapping import order_columns, order_of
from reptidex.adapters.sql.commerce.models import OrderRow, OrderStepRow
from reptidex.adapters.sql.commerce.versioned import compare_and_set
from reptidex.domain.commerce.order_model import (
    ACTIVE_STATES,
    Order,
    OrderAction,
    OrderState,
    OrderStep,
    Party,
)
from reptidex.domain.errors import Conflict


class SqlOrders:
    """The :class:`~reptidex.domain.commerce.ports.Orders` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, order_id: uuid.UUID) -> Order | None:
        """The order, if the transaction may see it."""
        row = await self.session.get(OrderRow, order_id, populate_existing=True)
        if row is None:
            return None
        return order_of(row)

    async def add(self, order: Order) -> Order:
        """Store a new order; :class:`Conflict` when its listing has an active order already
        (the unique index of active orders; a racing transaction waits for the first)."""
        row = OrderRow(id=order.id, version=order.version, **order_columns(order))
        row.created_at = row.updated_at = order.placed_at
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict("Another order holds this listing.") from None
        return order_of(row)

    async def update(self, order: Order) -> Order:
        """Store a changed order if nobody changed it since it was read."""
        version = await compare_and_set(
            self.session, OrderRow, order.id, order.version, order_columns(order), "order"
        )
        return dataclasses.replace(order, version=version)

    async def record(self, step: OrderStep) -> None:
        """Keep a step (with the order's parties, which row-level security reads)."""
        order = await self.session.get(OrderRow, step.order_id)
        assert order is not None  # the step's order was just stored in this transaction
        self.session.add(
            OrderStepRow(
                order_id=step.order_id,
                seller_organisation_id=order.seller_organisation_id,
                buyer_organisation_id=order.buyer_organisation_id,
                action=step.action.value,
                from_state=None if step.from_state is None else step.from_state.value,
                to_state=step.to_state.value,
                party=step.party.value,
                organisation_id=step.organisation_id,
                user_id=step.user_id,
                at=step.at,
                note=step.note,
                created_at=step.at,
                updated_at=step.at,
            )
        )
        await self.session.flush()

    async def history(self, order_id: uuid.UUID) -> list[OrderStep]:
        """The order's steps, oldest first."""
        rows = await self.session.scalars(
            select(OrderStepRow)
            .where(OrderStepRow.order_id == order_id)
            .order_by(OrderStepRow.at, OrderStepRow.created_at)
        )
        return [
            OrderStep(
                order_id=r.order_id,
                action=OrderAction(r.action),
                from_state=None if r.from_state is None else OrderState(r.from_state),
                to_state=OrderState(r.to_state),
                party=Party(r.party),
                organisation_id=r.organisation_id,
                user_id=r.user_id,
                at=r.at,
                note=r.note,
            )
            for r in rows
        ]

    async def active_for_listing(self, listing_id: uuid.UUID) -> Order | None:
        """The listing's active order, if the transaction sees one."""
        row = await self.session.scalar(
            select(OrderRow).where(
                OrderRow.listing_id == listing_id,
                OrderRow.state.in_([s.value for s in ACTIVE_STATES]),
            )
        )
        return None if row is None else order_of(row)

    async def of_organisation(
        self,
        organisation_id: uuid.UUID,
        party: Party | None,
        state: OrderState | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Order], int]:
        """A page of the organisation's orders, newest first, and the total."""
        sides = {
            Party.BUYER: OrderRow.buyer_organisation_id == organisation_id,
            Party.SELLER: OrderRow.seller_organisation_id == organisation_id,
        }
        filters: list[ColumnElement[bool]] = [
            sides[party] if party is not None else or_(*sides.values())
        ]
        if state is not None:
            filters.append(OrderRow.state == state.value)
        total = await self.session.scalar(
            select(func.count()).select_from(OrderRow).where(*filters)
        )
        rows = await self.session.scalars(
            select(OrderRow)
            .where(*filters)
            .order_by(OrderRow.placed_at.desc(), OrderRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [order_of(r) for r in rows], int(total or 0)
