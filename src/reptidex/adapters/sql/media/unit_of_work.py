"""repti-media's unit of work on SQLAlchemy: every media store and the outbox on one session."""

from __future__ import annotations

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
    ``sessions``; ``blobs`` holds the bytes of the animals' photos."""

    files: SqlFileRepository
    renders: SqlRenderStore
    photos: SqlPhotoSource
    animals: SqlPublicAnimals
    embed_settings: SqlEmbedSettings
    embed_views: SqlEmbedViews
    ledger: SqlAnimalBackfills
    outbox: SqlOutbox

    def __init__(self, sessions: async_sessionmaker[AsyncSession], blobs: BlobStore) -> None:
        super().__init__(sessions)
        self._blobs = blobs

    def _open(self, session: AsyncSession) -> None:
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
