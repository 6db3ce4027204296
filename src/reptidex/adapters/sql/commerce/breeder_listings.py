"""A breeder's listings by state in SQL, for its inventory: an available listing past its end
counts as expired (a ``CASE`` on the state and the end)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.mapping import listing_of
from reptidex.adapters.sql.commerce.models import ListingRow
from reptidex.domain.commerce.listing_model import Listing, ListingState


def _state_at(now: dt.datetime) -> ColumnElement[str]:
    ended = and_(
        ListingRow.state == ListingState.AVAILABLE.value,
        ListingRow.expires_at.is_not(None),
        ListingRow.expires_at <= now,
    )
    return case((ended, ListingState.EXPIRED.value), else_=ListingRow.state)


class SqlBreederListings:
    """The :class:`~reptidex.domain.commerce.inventory_ports.BreederListings` port."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(
        self, organisation_id: uuid.UUID, states: Collection[ListingState], now: dt.datetime
    ) -> dict[ListingState, int]:
        """How many of the organisation's listings are in each of ``states`` now."""
        state = _state_at(now).label("state")
        shown = (
            select(state)
            .where(ListingRow.organisation_id == organisation_id)
            .subquery()  # grouped outside: PostgreSQL would not match two bound ``now``s
        )
        rows = await self.session.execute(
            select(shown.c.state, func.count())
            .where(shown.c.state.in_([s.value for s in states]))
            .group_by(shown.c.state)
        )
        return {ListingState(name): int(count) for name, count in rows}

    async def in_state(
        self,
        organisation_id: uuid.UUID,
        state: ListingState,
        now: dt.datetime,
        limit: int,
        offset: int,
    ) -> list[Listing]:
        """A page of the organisation's listings in ``state`` now, last changed first."""
        rows = await self.session.scalars(
            select(ListingRow)
            .where(ListingRow.organisation_id == organisation_id, _state_at(now) == state.value)
            .order_by(ListingRow.updated_at.desc(), ListingRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [listing_of(r) for r in rows]
