"""repti-media's unit of work on SQLAlchemy: every media store and the outbox on one session,
each of its transactions scoped for row-level security on PostgreSQL (``media_0008``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.event import listen
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.media.embeds import (
    SqlAnimalBackfills,
    SqlEmbedSettings,
    SqlEmbedViews,
    SqlPublicAnimals,
)
from reptidex.adapters.sql.media.photos import SqlPhotoSource
from reptidex.adapters.sql.media.renders import SqlRenderStore
from reptidex.adapters.sql.media.repository import SqlFileRepository
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.events.envelope import DomainEvent
from reptidex.domain.media.ports import BlobStore


class SqlMediaUnitOfWork(SqlUnitOfWork):
    """The :class:`~reptidex.domain.media.ports.MediaUnitOfWork` on one session of
    ``sessions``; ``blobs`` holds the bytes of the animals' photos.

    On PostgreSQL every transaction it begins is one of ``organisation_id`` (``None``:
    anonymous, public files alone) and, for a fetch whose signed URL was checked, may read the
    record of ``signed_file``: the settings row-level security reads, made transaction-local
    with bound parameters as each transaction begins (a use case may commit more than once).
    """

    files: SqlFileRepository
    renders: SqlRenderStore
    photos: SqlPhotoSource
    animals: SqlPublicAnimals
    embed_settings: SqlEmbedSettings
    embed_views: SqlEmbedViews
    ledger: SqlAnimalBackfills
    outbox: SqlOutbox

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        blobs: BlobStore,
        organisation_id: uuid.UUID | None = None,
        *,
        signed_file: uuid.UUID | None = None,
    ) -> None:
        super().__init__(sessions)
        self._blobs = blobs
        self._scope = {
            name: str(value)
            for name, value in (
                ("reptidex.organisation_id", organisation_id),
                ("reptidex.signed_file", signed_file),
            )
            if value is not None
        }

    def _open(self, session: AsyncSession) -> None:
        if self._scope and session.bind.dialect.name == "postgresql":
            listen(session.sync_session, "after_begin", self._set_scope)
        self.files = SqlFileRepository(session)
        self.renders = SqlRenderStore(session)
        self.photos = SqlPhotoSource(session, self._blobs)
        self.animals = SqlPublicAnimals(session)
        self.embed_settings = SqlEmbedSettings(session)
        self.embed_views = SqlEmbedViews(session)
        self.ledger = SqlAnimalBackfills(session)
        self.outbox = SqlOutbox(session, "media")

    def stage(self, event: DomainEvent) -> None:
        """Put an event in this transaction's outbox."""
        self.outbox.add(event)

    def _set_scope(self, _session: Any, _transaction: Any, connection: Any) -> None:
        connection.execute(
            select(*(func.set_config(name, value, True) for name, value in self._scope.items()))
        )
