"""repti-media's personal data about a user (GDPR): the files they uploaded. The files belong
to their organisation's records (animal photos, documents), so an erasure keeps them and
removes the uploader's id.

On PostgreSQL each transaction sets ``reptidex.worker`` to ``personal_data`` (``media_0008``):
row-level security lets it read every organisation's records and forget their uploaders."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.media.models import MediaFileRow

WORKER = "personal_data"
"""The value of ``reptidex.worker`` under which row-level security lets the port work."""


async def _as_port(session: AsyncSession) -> None:
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.set_config("reptidex.worker", WORKER, True)))


class SqlMediaPersonalData:
    """The :class:`~reptidex.domain.privacy.ports.PersonalDataHolder` of repti-media."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """The records of the files the user uploaded (not their bytes)."""
        async with self._sessions() as session, session.begin():
            await _as_port(session)
            rows = await session.scalars(
                select(MediaFileRow)
                .where(MediaFileRow.uploaded_by == user_id)
                .order_by(MediaFileRow.created_at)
            )
            return {
                "uploads": [
                    {
                        "id": str(row.id),
                        "organisation_id": str(row.organisation_id),
                        "filename": row.filename,
                        "content_type": row.content_type,
                        "size": row.size,
                        "sha256": row.sha256,
                        "visibility": row.visibility,
                        "animal_id": str(row.animal_id) if row.animal_id else None,
                        "uploaded_at": row.created_at.isoformat(),
                    }
                    for row in rows
                ]
            }

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Forget who uploaded the user's files (the files stay their organisation's)."""
        async with self._sessions() as session, session.begin():
            await _as_port(session)
            result = await session.execute(
                update(MediaFileRow)
                .where(MediaFileRow.uploaded_by == user_id)
                .values(uploaded_by=None, updated_at=dt.datetime.now(dt.UTC))
            )
            return {"uploads_unattributed": result.rowcount or 0}  # type: ignore[attr-defined]
