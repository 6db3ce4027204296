"""Idempotency keys in SQL: one row per organisation and key."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.models import IdempotencyKeyRow
from reptidex.domain.commerce.ports import KeptRequest
from reptidex.domain.errors import Conflict


class SqlIdempotencyKeys:
    """The :class:`~reptidex.domain.commerce.ports.IdempotencyKeys` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: uuid.UUID, key: str) -> KeptRequest | None:
        """The request kept under the organisation's key, if any."""
        row = await self.session.scalar(
            select(IdempotencyKeyRow).where(
                IdempotencyKeyRow.organisation_id == organisation_id,
                IdempotencyKeyRow.key == key,
            )
        )
        return None if row is None else KeptRequest(row.key, row.fingerprint, row.order_id)

    async def keep(self, organisation_id: uuid.UUID, request: KeptRequest) -> None:
        """Keep a request; :class:`Conflict` when a request running at the same time took the
        key (it waits for that one on PostgreSQL)."""
        self.session.add(
            IdempotencyKeyRow(
                organisation_id=organisation_id,
                key=request.key,
                fingerprint=request.fingerprint,
                order_id=request.order_id,
            )
        )
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict(
                "A request with this Idempotency-Key is being handled; repeat it to get its order."
            ) from None
