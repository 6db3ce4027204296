"""repti-commerce's personal data about a user (GDPR): the listings they created, the orders
they placed and the steps they took on orders, the supplies they added and the reservations
they made. Listings, orders, supplies and reservations belong to organisations and orders are
the ledger's records, so an erasure keeps them and puts repti-ops' pseudonym where the user's
id was.

On PostgreSQL each transaction sets ``reptidex.worker`` to ``personal_data`` (migrations
``commerce_0010`` and ``commerce_0011``): row-level security lets it read and pseudonymise
across organisations."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.commerce.models import ListingRow, OrderRow, OrderStepRow
from reptidex.adapters.sql.commerce.reservations import ReservationRow
from reptidex.adapters.sql.commerce.supplies import SupplyRow

WORKER = "personal_data"
"""The value of ``reptidex.worker`` under which row-level security lets the port work."""


_NAMING_USERS: tuple[tuple[str, Any], ...] = (
    ("listings", ListingRow.created_by),
    ("orders", OrderRow.buyer_user_id),
    ("order_steps", OrderStepRow.user_id),
    ("supplies", SupplyRow.created_by),
    # a reservation's trigger moves no stock for a change that leaves its status alone
    ("supply_reservations", ReservationRow.buyer_user_id),
)
"""Each kind of record that names a user, by the column that names them."""


async def _as_port(session: AsyncSession) -> None:
    if session.bind.dialect.name == "postgresql":
        await session.execute(
            text("SELECT set_config('reptidex.worker', :worker, true)"), {"worker": WORKER}
        )


class SqlCommercePersonalData:
    """The :class:`~reptidex.domain.privacy.ports.PersonalDataHolder` of repti-commerce."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """The user's listings, orders, order steps, supplies and reservations."""
        async with self._sessions() as session, session.begin():
            await _as_port(session)
            listings = await session.scalars(
                select(ListingRow)
                .where(ListingRow.created_by == user_id)
                .order_by(ListingRow.created_at, ListingRow.id)
            )
            listed = [
                {
                    "id": str(row.id),
                    "organisation_id": str(row.organisation_id),
                    "animal_id": str(row.animal_id),
                    "title": row.title,
                    "state": row.state,
                    "price": {"amount": row.price_amount, "currency": row.currency},
                    "created_at": row.created_at.isoformat(),
                }
                for row in listings
            ]
            orders = await session.scalars(
                select(OrderRow)
                .where(OrderRow.buyer_user_id == user_id)
                .order_by(OrderRow.placed_at, OrderRow.id)
            )
            ordered = [
                {
                    "id": str(row.id),
                    "listing_id": str(row.listing_id),
                    "buyer_organisation_id": str(row.buyer_organisation_id),
                    "seller_organisation_id": str(row.seller_organisation_id),
                    "price": {"amount": row.price_amount, "currency": row.currency},
                    "state": row.state,
                    "note": row.note,
                    "placed_at": row.placed_at.isoformat(),
                }
                for row in orders
            ]
            steps = await session.scalars(
                select(OrderStepRow)
                .where(OrderStepRow.user_id == user_id)
                .order_by(OrderStepRow.at, OrderStepRow.id)
            )
            taken = [
                {
                    "order_id": str(row.order_id),
                    "action": row.action,
                    "organisation_id": str(row.organisation_id),
                    "at": row.at.isoformat(),
                    "note": row.note,
                }
                for row in steps
            ]
            supplies = await session.scalars(
                select(SupplyRow)
                .where(SupplyRow.created_by == user_id)
                .order_by(SupplyRow.created_at, SupplyRow.id)
            )
            added = [
                {
                    "id": str(row.id),
                    "organisation_id": str(row.organisation_id),
                    "name": row.name,
                    "kind": row.kind,
                    "unit_price": {"amount": row.unit_price_amount, "currency": row.currency},
                    "created_at": row.created_at.isoformat(),
                }
                for row in supplies
            ]
            reservations = await session.scalars(
                select(ReservationRow)
                .where(ReservationRow.buyer_user_id == user_id)
                .order_by(ReservationRow.reserved_at, ReservationRow.id)
            )
            held = [
                {
                    "id": str(row.id),
                    "supply_id": str(row.supply_id),
                    "supply_name": row.supply_name,
                    "buyer_organisation_id": str(row.buyer_organisation_id),
                    "seller_organisation_id": str(row.seller_organisation_id),
                    "quantity": row.quantity,
                    "unit_price": {"amount": row.unit_price_amount, "currency": row.currency},
                    "status": row.status,
                    "reserved_at": row.reserved_at.isoformat(),
                }
                for row in reservations
            ]
        return {
            "listings": listed,
            "orders": ordered,
            "order_steps": taken,
            "supplies": added,
            "supply_reservations": held,
        }

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Put ``pseudonym`` where the user's id was; the records stay their organisations'."""
        now = dt.datetime.now(dt.UTC)
        erased: dict[str, int] = {}
        async with self._sessions() as session, session.begin():
            await _as_port(session)
            for kind, column in _NAMING_USERS:
                values: dict[str, Any] = {column.key: pseudonym}
                if kind != "order_steps":  # a step is never changed: it has no updated_at
                    values["updated_at"] = now
                result = await session.execute(
                    update(column.class_).where(column == user_id).values(values)
                )
                erased[f"{kind}_pseudonymised"] = result.rowcount or 0  # type: ignore[attr-defined]
        return erased
