""":class:`~reptidex.domain.animals.ports.TransferOffers` in SQL.

On PostgreSQL, row-level security (migration ``animal_0010``) shows a transaction the offers
its organisation sent or received, lets the sender insert and withdraw, the receiver accept or
decline, and a transaction that sets ``reptidex.worker`` to ``transfer_offer_expiry``
(:meth:`SqlTransferOffers.bind_worker`) read the pending offers and expire them; the
application role may update an offer's status and decision time only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.models import TransferOfferRow
from reptidex.domain.animals.transfer_offers import OfferedAnimal, OfferStatus, TransferOffer
from reptidex.domain.errors import Conflict

EXPIRY_WORKER = "transfer_offer_expiry"
"""The value of ``reptidex.worker`` that row-level security lets expire offers."""


class SqlTransferOffers:
    """:class:`~reptidex.domain.animals.ports.TransferOffers` on a session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def bind_worker(self) -> None:
        """Act as the expiry worker in this transaction (PostgreSQL; no-op on SQLite)."""
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(
                text("SELECT set_config('reptidex.worker', :worker, true)"),
                {"worker": EXPIRY_WORKER},
            )

    async def add(self, offer: TransferOffer) -> None:
        """Store a new offer; :class:`Conflict` when the animal has a pending one already."""
        row = TransferOfferRow(
            id=offer.id,
            animal_id=offer.animal_id,
            from_organisation_id=offer.from_organisation_id,
            to_organisation_id=offer.to_organisation_id,
            animal=_animal_json(offer.animal),
            share_lineage=offer.share_lineage,
            offered_at=offer.offered_at,
            expires_at=offer.expires_at,
            status=offer.status.value,
            decided_at=offer.decided_at,
        )
        try:
            async with self._session.begin_nested():
                self._session.add(row)
                await self._session.flush()
        except IntegrityError:
            raise Conflict("The animal is already offered to another organisation.") from None

    async def get(self, offer_id: uuid.UUID) -> TransferOffer | None:
        """The offer, if the transaction may see it."""
        row = await self._session.scalar(
            select(TransferOfferRow).where(TransferOfferRow.id == offer_id)
        )
        return None if row is None else _offer(row)

    async def pending_for(self, animal_id: uuid.UUID) -> TransferOffer | None:
        """The animal's pending offer, if any."""
        row = await self._session.scalar(
            select(TransferOfferRow).where(
                TransferOfferRow.animal_id == animal_id,
                TransferOfferRow.status == OfferStatus.PENDING.value,
            )
        )
        return None if row is None else _offer(row)

    async def involving(
        self,
        organisation_id: uuid.UUID,
        *,
        incoming: bool | None = None,
        status: OfferStatus | None = None,
    ) -> list[TransferOffer]:
        """The organisation's offers, received or sent, newest first."""
        received = TransferOfferRow.to_organisation_id == organisation_id
        sent = TransferOfferRow.from_organisation_id == organisation_id
        statement: Select[tuple[TransferOfferRow]] = select(TransferOfferRow).where(
            or_(received, sent) if incoming is None else received if incoming else sent
        )
        if status is not None:
            statement = statement.where(TransferOfferRow.status == status.value)
        rows = await self._session.scalars(
            statement.order_by(TransferOfferRow.offered_at.desc(), TransferOfferRow.id)
        )
        return [_offer(r) for r in rows]

    async def settle(self, offer: TransferOffer) -> bool:
        """Store the offer's status and decision time if it is still pending."""
        result: Any = await self._session.execute(
            update(TransferOfferRow)
            .where(
                TransferOfferRow.id == offer.id,
                TransferOfferRow.status == OfferStatus.PENDING.value,
            )
            .values(
                status=offer.status.value,
                decided_at=offer.decided_at,
                updated_at=dt.datetime.now(dt.UTC),
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)

    async def due(self, now: dt.datetime, limit: int) -> list[TransferOffer]:
        """Pending offers ended by ``now``, earliest end first."""
        rows = await self._session.scalars(
            select(TransferOfferRow)
            .where(
                TransferOfferRow.status == OfferStatus.PENDING.value,
                TransferOfferRow.expires_at <= now,
            )
            .order_by(TransferOfferRow.expires_at, TransferOfferRow.id)
            .limit(limit)
        )
        return [_offer(r) for r in rows]


def _animal_json(animal: OfferedAnimal) -> dict[str, Any]:
    return {
        "code": animal.code,
        "name": animal.name,
        "species": animal.species,
        "sex": animal.sex,
        "morph": animal.morph,
        "hatch_date": None if animal.hatch_date is None else animal.hatch_date.isoformat(),
    }


def _offer(row: TransferOfferRow) -> TransferOffer:
    shown = row.animal
    hatched = shown.get("hatch_date")
    return TransferOffer(
        row.id,
        row.animal_id,
        row.from_organisation_id,
        row.to_organisation_id,
        OfferedAnimal(
            shown["code"],
            shown.get("name"),
            shown["species"],
            shown["sex"],
            shown["morph"],
            None if hatched is None else dt.date.fromisoformat(hatched),
        ),
        row.share_lineage,
        row.offered_at,
        row.expires_at,
        OfferStatus(row.status),
        row.decided_at,
    )
