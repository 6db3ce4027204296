"""Reservations of supplies in SQL.

The database moves a supply's counts with its reservations (triggers of migration
``commerce_0011``, on SQLite and PostgreSQL alike): inserting a held reservation takes its
units in one conditional update (``available = available - quantity ... WHERE available >=
quantity``) and refuses the insert, with ``insufficient_stock``, when fewer are available;
moving a held reservation to ``confirmed`` makes its units sold, to ``released`` or
``expired`` available again; a settled reservation never moves again. On PostgreSQL a row
lock orders racing buyers, each re-checking what is left. The expiry worker's transactions set
``reptidex.worker`` to ``inventory_expiry`` (:meth:`SqlDueReservations.bind_worker`).
"""

from __future__ import annotations

import datetime as dt
import uuid

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ColumnElement,
    Index,
    Integer,
    String,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommerceModel
from reptidex.adapters.sql.commerce.supplies import stock_of
from reptidex.domain.commerce.inventory_ports import Side
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.supply_model import Reservation, ReservationStatus, Stock

INSUFFICIENT_STOCK = "insufficient_stock"
"""What the database's trigger says when a reservation asks for more than is available."""
WORKER = "inventory_expiry"
"""The value of ``reptidex.worker`` that row-level security lets expire reservations."""


class ReservationRow(CommerceModel):
    """Units of a supply held for a buyer, and how the hold ended."""

    __tablename__ = "supply_reservation"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("buyer_organisation_id <> seller_organisation_id", name="parties"),
        Index("ix_supply_reservation_status_expires_at", "status", "expires_at"),
        Index("ix_supply_reservation_seller", "seller_organisation_id"),
        Index("ix_supply_reservation_buyer", "buyer_organisation_id"),
    )

    supply_id: Mapped[uuid.UUID] = mapped_column()
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column()
    buyer_organisation_id: Mapped[uuid.UUID] = mapped_column()
    buyer_user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    supply_name: Mapped[str] = mapped_column(String(200))
    unit_price_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    reserved_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    settled_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    settled_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


def reservation_of(row: ReservationRow) -> Reservation:
    """The domain reservation of a row."""
    return Reservation(
        id=row.id,
        supply_id=row.supply_id,
        seller_organisation_id=row.seller_organisation_id,
        buyer_organisation_id=row.buyer_organisation_id,
        supply_name=row.supply_name,
        unit_price=Money.of(row.unit_price_amount, row.currency),
        quantity=row.quantity,
        status=ReservationStatus(row.status),
        reserved_at=row.reserved_at,
        expires_at=row.expires_at,
        buyer_user_id=row.buyer_user_id,
        settled_at=row.settled_at,
        settled_by=row.settled_by,
    )


class SqlReservations:
    """The :class:`~reptidex.domain.commerce.inventory_ports.Reservations` port on a session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hold(self, reservation: Reservation) -> Stock | None:
        """Insert the reservation (its trigger takes the units); ``None`` when the trigger
        finds too few available."""
        values = {
            "id": reservation.id,
            "supply_id": reservation.supply_id,
            "seller_organisation_id": reservation.seller_organisation_id,
            "buyer_organisation_id": reservation.buyer_organisation_id,
            "buyer_user_id": reservation.buyer_user_id,
            "supply_name": reservation.supply_name,
            "unit_price_amount": reservation.unit_price.amount,
            "currency": reservation.unit_price.currency.code,
            "quantity": reservation.quantity,
            "status": reservation.status.value,
            "reserved_at": reservation.reserved_at,
            "expires_at": reservation.expires_at,
            "created_at": reservation.reserved_at,
            "updated_at": reservation.reserved_at,
        }
        try:
            await self.session.execute(insert(ReservationRow).values(**values))
        except IntegrityError as error:
            if INSUFFICIENT_STOCK in str(error.orig):
                return None
            raise
        return await stock_of(self.session, reservation.supply_id)

    async def settle(
        self,
        reservation: Reservation,
        status: ReservationStatus,
        at: dt.datetime,
        by: uuid.UUID | None,
    ) -> Stock | None:
        """Move the reservation from held to ``status`` (its trigger moves the units)."""
        result = await self.session.execute(
            update(ReservationRow)
            .where(
                ReservationRow.id == reservation.id,
                ReservationRow.status == ReservationStatus.HELD.value,
            )
            .values(status=status.value, settled_at=at, settled_by=by, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await stock_of(self.session, reservation.supply_id)

    async def get(self, reservation_id: uuid.UUID) -> Reservation | None:
        """The reservation, if the transaction may see it."""
        row = await self.session.get(ReservationRow, reservation_id, populate_existing=True)
        return None if row is None else reservation_of(row)

    async def of_organisation(
        self,
        organisation_id: uuid.UUID,
        side: Side | None,
        status: ReservationStatus | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Reservation], int]:
        """A page of the organisation's reservations, newest first, and the total."""
        sides = {
            "buyer": ReservationRow.buyer_organisation_id == organisation_id,
            "seller": ReservationRow.seller_organisation_id == organisation_id,
        }
        filters: list[ColumnElement[bool]] = [
            sides[side] if side is not None else or_(*sides.values())
        ]
        if status is not None:
            filters.append(ReservationRow.status == status.value)
        total = await self.session.scalar(
            select(func.count()).select_from(ReservationRow).where(*filters)
        )
        rows = await self.session.scalars(
            select(ReservationRow)
            .where(*filters)
            .order_by(ReservationRow.reserved_at.desc(), ReservationRow.id)
            .limit(limit)
            .offset(offset)
            .execution_options(populate_existing=True)
        )
        return [reservation_of(r) for r in rows], int(total or 0)


class SqlDueReservations:
    """The :class:`~reptidex.domain.commerce.inventory_ports.DueReservations` port."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def bind_worker(self) -> None:
        """Act as the expiry worker in this transaction (PostgreSQL; no-op on SQLite)."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT set_config('reptidex.worker', :worker, true)"), {"worker": WORKER}
            )

    async def due(self, now: dt.datetime, limit: int) -> list[Reservation]:
        """Up to ``limit`` held reservations ended by ``now``, earliest end first."""
        rows = await self.session.scalars(
            select(ReservationRow)
            .where(
                ReservationRow.status == ReservationStatus.HELD.value,
                ReservationRow.expires_at <= now,
            )
            .order_by(ReservationRow.expires_at, ReservationRow.id)
            .limit(limit)
        )
        return [reservation_of(r) for r in rows]
