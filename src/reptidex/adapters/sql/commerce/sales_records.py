"""The seller's sales as reports read them: completed orders with what they sold (their
listing's animal), and the listings' outcomes."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.models import ListingRow, OrderRow, OrderStepRow
from reptidex.domain.commerce.listing_model import ListingState
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.order_model import OrderAction, OrderState
from reptidex.domain.commerce.reports import Sale, SellThrough


class SqlSalesRecords:
    """The :class:`~reptidex.domain.commerce.reports.SalesRecords` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sales(
        self, seller: uuid.UUID, start: dt.datetime, end: dt.datetime, limit: int
    ) -> list[Sale]:
        """The seller's orders completed in ``[start, end)``, oldest first."""
        rows = await self.session.execute(
            select(
                OrderStepRow.at, OrderRow, ListingRow.title, ListingRow.species, ListingRow.animal
            )
            .join(OrderRow, OrderRow.id == OrderStepRow.order_id)
            .join(ListingRow, ListingRow.id == OrderRow.listing_id)
            .where(
                OrderStepRow.seller_organisation_id == seller,
                OrderStepRow.action == OrderAction.COMPLETE.value,
                OrderStepRow.at >= start,
                OrderStepRow.at < end,
                OrderRow.state == OrderState.COMPLETED.value,
            )
            .order_by(OrderStepRow.at, OrderRow.id)
            .limit(limit)
        )
        return [
            Sale(
                order_id=order.id,
                completed_at=at,
                listing_id=order.listing_id,
                title=title,
                species=species,
                morph=str(animal.get("morph", "")),
                price=Money.of(order.price_amount, order.currency),
                platform_fee=Money.of(order.platform_fee_amount, order.currency),
            )
            for at, order, title, species, animal in rows
        ]

    async def sell_through(
        self, seller: uuid.UUID, start: dt.datetime, end: dt.datetime
    ) -> SellThrough:
        """Of the seller's listings created in ``[start, end)`` and published, how many sold."""
        sold = func.count().filter(ListingRow.state == ListingState.SOLD.value)
        listed, sold_count = (
            await self.session.execute(
                select(func.count(), sold).where(
                    ListingRow.organisation_id == seller,
                    ListingRow.created_at >= start,
                    ListingRow.created_at < end,
                    ListingRow.state != ListingState.DRAFT.value,
                )
            )
        ).one()
        return SellThrough(int(listed), int(sold_count))
