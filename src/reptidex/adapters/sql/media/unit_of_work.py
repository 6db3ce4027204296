"""The media use cases' unit of work: one session, every media repository on it, the outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.media.embeds import SqlEmbedSettings, SqlEmbedViews, SqlPublicAnimals
from reptidex.adapters.sql.media.photos import SqlPhotoSource
from reptidex.adapters.sql.media.renders import SqlRenderStore
from reptidex.adapters.sql.media.repository import SqlFileRepository
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.events.envelope import DomainEvent
from reptidex.domain.media.blobs import BlobStore


class SqlMediaUnitOfWork:
    """One transaction of repti-media: file records, stored renders, the copy of public
    animals, embedding rules and view counts, animals' photos (read through ``blobs``) and
    the outbox. The use case commits it; what it did not commit is rolled back when the
    session closes."""

    def __init__(self, session: AsyncSession, blobs: BlobStore) -> None:
        self.session = session
        self.files = SqlFileRepository(session)
        self.renders = SqlRenderStore(session)
        self.public_animals = SqlPublicAnimals(session)
        self.embed_settings = SqlEmbedSettings(session)
        self.embed_views = SqlEmbedViews(session)
        self.photos = SqlPhotoSource(session, blobs)
        self.outbox = SqlOutbox(session, "media")

    def stage(self, event: DomainEvent) -> None:
        """Put an event in this transaction's outbox."""
        self.outbox.add(event)

    async def commit(self) -> None:
        """Commit the changes and the staged events together."""
        await self.session.commit()
