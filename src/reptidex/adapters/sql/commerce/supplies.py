"""Supplies in SQL: a seller's stock items with their counts (``available``, ``reserved``,
``sold``, each ``CHECK (... >= 0)``). The counts move with reservations through the database's
triggers on ``supply_reservation`` (:mod:`~reptidex.adapters.sql.commerce.reservations`,
migration ``commerce_0011``); a seller's own stock change locks the row, so that no
reservation moves the counts between reading and writing them."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CommerceModel
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.supply_model import Stock, StockChange, Supply, SupplyKind
from reptidex.domain.errors import Conflict


class SupplyRow(CommerceModel):
    """A seller's stock item and its counts."""

    __tablename__ = "supply"
    __table_args__ = (
        UniqueConstraint("organisation_id", "sku", name="uq_supply_organisation_sku"),
        CheckConstraint("available >= 0", name="available"),
        CheckConstraint("reserved >= 0", name="reserved"),
        CheckConstraint("sold >= 0", name="sold"),
        Index("ix_supply_organisation_kind", "organisation_id", "kind"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    sku: Mapped[str | None] = mapped_column(String(64), default=None)
    unit_price_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    available: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer)
    sold: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


def supply_of(row: SupplyRow) -> Supply:
    """The domain supply of a row."""
    return Supply(
        id=row.id,
        organisation_id=row.organisation_id,
        name=row.name,
        kind=SupplyKind(row.kind),
        unit_price=Money.of(row.unit_price_amount, row.currency),
        sku=row.sku,
        stock=Stock(row.available, row.reserved, row.sold),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


SKU_TAKEN = "You have another supply with this SKU."


class SqlSupplies:
    """The :class:`~reptidex.domain.commerce.inventory_ports.Supplies` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, supply_id: uuid.UUID) -> Supply | None:
        """The supply, if there is one."""
        row = await self.session.get(SupplyRow, supply_id, populate_existing=True)
        return None if row is None else supply_of(row)

    async def add(self, supply: Supply) -> Supply:
        """Store a new supply; :class:`Conflict` when the seller has its SKU already."""
        row = SupplyRow(
            id=supply.id,
            organisation_id=supply.organisation_id,
            name=supply.name,
            kind=supply.kind.value,
            sku=supply.sku,
            unit_price_amount=supply.unit_price.amount,
            currency=supply.unit_price.currency.code,
            available=supply.stock.available,
            reserved=supply.stock.reserved,
            sold=supply.stock.sold,
            created_by=supply.created_by,
        )
        if supply.created_at is not None:
            row.created_at = row.updated_at = supply.created_at
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict(SKU_TAKEN, field_errors={"sku": "unique among yours"}) from None
        return supply_of(row)

    async def describe(self, supply: Supply) -> None:
        """Store the supply's name, kind, SKU and unit price."""
        statement = (
            update(SupplyRow)
            .where(SupplyRow.id == supply.id)
            .values(
                name=supply.name,
                kind=supply.kind.value,
                sku=supply.sku,
                unit_price_amount=supply.unit_price.amount,
                currency=supply.unit_price.currency.code,
                updated_at=supply.updated_at or dt.datetime.now(dt.UTC),
            )
            .execution_options(synchronize_session=False)
        )
        try:
            await self.session.execute(statement)
        except IntegrityError:
            raise Conflict(SKU_TAKEN, field_errors={"sku": "unique among yours"}) from None

    async def change_stock(
        self, supply_id: uuid.UUID, change: StockChange
    ) -> tuple[Stock, Stock] | None:
        """Apply ``change`` to the counts read under a row lock (PostgreSQL), written only if
        they still are what was read (SQLite, which has one writer at a time)."""
        found = (
            await self.session.execute(
                select(SupplyRow.available, SupplyRow.reserved, SupplyRow.sold)
                .where(SupplyRow.id == supply_id)
                .with_for_update()
            )
        ).one_or_none()
        if found is None:
            return None
        was = Stock(*found)
        after = change.apply(was)
        if after is None:
            return None
        result = await self.session.execute(
            update(SupplyRow)
            .where(
                SupplyRow.id == supply_id,
                SupplyRow.available == was.available,
                SupplyRow.reserved == was.reserved,
            )
            .values(available=after.available, updated_at=dt.datetime.now(dt.UTC))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("The stock changed meanwhile; try again.")
        return was, after

    async def remove(self, supply_id: uuid.UUID) -> bool:
        """Delete the supply unless units of it are reserved."""
        result = await self.session.execute(
            delete(SupplyRow)
            .where(SupplyRow.id == supply_id, SupplyRow.reserved == 0)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def of_organisation(
        self, organisation_id: uuid.UUID, kind: SupplyKind | None, limit: int, offset: int
    ) -> tuple[list[Supply], int]:
        """A page of the organisation's supplies by name, and the total."""
        filters = [SupplyRow.organisation_id == organisation_id]
        if kind is not None:
            filters.append(SupplyRow.kind == kind.value)
        total = await self.session.scalar(
            select(func.count()).select_from(SupplyRow).where(*filters)
        )
        rows = await self.session.scalars(
            select(SupplyRow)
            .where(*filters)
            .order_by(SupplyRow.name, SupplyRow.id)
            .limit(limit)
            .offset(offset)
            .execution_options(populate_existing=True)
        )
        return [supply_of(r) for r in rows], int(total or 0)


async def stock_of(session: AsyncSession, supply_id: uuid.UUID) -> Stock:
    """The supply's counts as they are now."""
    found = (
        await session.execute(
            select(SupplyRow.available, SupplyRow.reserved, SupplyRow.sold).where(
                SupplyRow.id == supply_id
            )
        )
    ).one()
    return Stock(*found)
