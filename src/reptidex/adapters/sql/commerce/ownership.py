"""Requests to transfer sold animals to their buyers, in SQL: one row per completed order.

The worker that carries them out sets ``reptidex.worker`` to ``ownership_transfer`` in its
transactions (:meth:`SqlOwnershipTransfers.bind_worker`): on PostgreSQL that is what lets it
read and update every organisation's requests; anyone else sees only the orders they are
party to.
"""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Index, Integer, String, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommerceModel
from reptidex.domain.commerce.ownership import OwnershipTransfer, TransferStatus

WORKER = "ownership_transfer"
"""The value of ``reptidex.worker`` that row-level security lets see every request."""


class OwnershipTransferRow(CommerceModel):
    """A request to transfer a completed order's animal to its buyer."""

    __tablename__ = "ownership_transfer"
    __table_args__ = (Index("ix_ownership_transfer_due", "status", "next_attempt_at"),)

    order_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    listing_id: Mapped[uuid.UUID] = mapped_column()
    animal_id: Mapped[uuid.UUID] = mapped_column()
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column()
    buyer_organisation_id: Mapped[uuid.UUID] = mapped_column()
    requested_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )


def _request(row: OwnershipTransferRow) -> OwnershipTransfer:
    return OwnershipTransfer(
        order_id=row.order_id,
        listing_id=row.listing_id,
        animal_id=row.animal_id,
        seller_organisation_id=row.seller_organisation_id,
        buyer_organisation_id=row.buyer_organisation_id,
        requested_at=row.requested_at,
        status=TransferStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        finished_at=row.finished_at,
    )


def _fill(row: OwnershipTransferRow, request: OwnershipTransfer) -> None:
    row.status = request.status.value
    row.attempts = request.attempts
    row.next_attempt_at = request.next_attempt_at
    row.last_error = request.last_error
    row.finished_at = request.finished_at


class SqlOwnershipTransfers:
    """The :class:`~reptidex.domain.commerce.ownership.OwnershipTransfers` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def bind_worker(self) -> None:
        """Let this transaction see every organisation's requests (PostgreSQL; no-op on
        SQLite)."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT set_config('reptidex.worker', :worker, true)"), {"worker": WORKER}
            )

    async def add(self, request: OwnershipTransfer) -> None:
        """Keep a new request."""
        row = OwnershipTransferRow(
            order_id=request.order_id,
            listing_id=request.listing_id,
            animal_id=request.animal_id,
            seller_organisation_id=request.seller_organisation_id,
            buyer_organisation_id=request.buyer_organisation_id,
            requested_at=request.requested_at,
        )
        _fill(row, request)
        self.session.add(row)
        await self.session.flush()

    async def _row(self, order_id: uuid.UUID) -> OwnershipTransferRow | None:
        row: OwnershipTransferRow | None = await self.session.scalar(
            select(OwnershipTransferRow).where(OwnershipTransferRow.order_id == order_id)
        )
        return row

    async def get(self, order_id: uuid.UUID) -> OwnershipTransfer | None:
        """The order's request, if the transaction may see it."""
        row = await self._row(order_id)
        return None if row is None else _request(row)

    async def due(self, now: dt.datetime, limit: int) -> list[OwnershipTransfer]:
        """Up to ``limit`` pending requests due by ``now``, oldest first."""
        rows = await self.session.scalars(
            select(OwnershipTransferRow)
            .where(
                OwnershipTransferRow.status == TransferStatus.PENDING.value,
                OwnershipTransferRow.next_attempt_at <= now,
            )
            .order_by(OwnershipTransferRow.requested_at, OwnershipTransferRow.id)
            .limit(limit)
        )
        return [_request(r) for r in rows]

    async def save(self, request: OwnershipTransfer) -> None:
        """Store a changed request."""
        row = await self._row(request.order_id)
        if row is None:  # pragma: no cover - requests are never deleted
            raise LookupError(f"no transfer request of order {request.order_id}")
        _fill(row, request)
        await self.session.flush()
