"""The listings past their end, for the expiry worker, in SQL. Its transactions set
``reptidex.worker`` to ``listing_expiry`` (:meth:`SqlEndedListings.bind_worker`): on
PostgreSQL that lets it read every organisation's available and hidden listings and move them
to ``expired``, and nothing else (migration ``commerce_0007``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.mapping import listing_of
from reptidex.adapters.sql.commerce.models import ListingRow
from reptidex.domain.commerce.listing_expiry import EXPIRABLE
from reptidex.domain.commerce.listing_model import Listing

WORKER = "listing_expiry"
"""The value of ``reptidex.worker`` that row-level security lets expire listings."""


class SqlEndedListings:
    """The :class:`~reptidex.domain.commerce.listing_expiry.EndedListings` port on a session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def bind_worker(self) -> None:
        """Act as the expiry worker in this transaction (PostgreSQL; no-op on SQLite)."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT set_config('reptidex.worker', :worker, true)"), {"worker": WORKER}
            )

    async def ended(self, now: dt.datetime, limit: int) -> list[Listing]:
        """Up to ``limit`` available or hidden listings ended by ``now``, earliest end first."""
        rows = await self.session.scalars(
            select(ListingRow)
            .where(
                ListingRow.state.in_([s.value for s in EXPIRABLE]),
                ListingRow.expires_at.is_not(None),
                ListingRow.expires_at <= now,
            )
            .order_by(ListingRow.expires_at, ListingRow.id)
            .limit(limit)
        )
        return [listing_of(r) for r in rows]
