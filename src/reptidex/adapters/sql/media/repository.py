"""File records on SQLAlchemy."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.media.models import MediaFileRow
from reptidex.domain.media.files import StoredFile, Thumbnail, Visibility


def _record(row: MediaFileRow) -> StoredFile:
    return StoredFile(
        id=row.id,
        organisation_id=row.organisation_id,
        uploaded_by=row.uploaded_by,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        source_sha256=row.source_sha256,
        blob_key=row.blob_key,
        visibility=Visibility(row.visibility),
        created_at=row.created_at,
        animal_id=row.animal_id,
        width=row.width,
        height=row.height,
        thumbnails=tuple(Thumbnail(**item) for item in row.thumbnails or ()),
    )


class SqlFileRepository:
    """The :class:`~reptidex.domain.media.ports.FileRepository` on ``media_file``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, record: StoredFile) -> None:
        """Insert a record."""
        self.session.add(
            MediaFileRow(
                id=record.id,
                created_at=record.created_at,
                updated_at=record.created_at,
                organisation_id=record.organisation_id,
                uploaded_by=record.uploaded_by,
                filename=record.filename,
                content_type=record.content_type,
                size=record.size,
                sha256=record.sha256,
                source_sha256=record.source_sha256,
                blob_key=record.blob_key,
                visibility=record.visibility.value,
                animal_id=record.animal_id,
                width=record.width,
                height=record.height,
                thumbnails=[
                    {
                        "size": t.size,
                        "key": t.key,
                        "content_type": t.content_type,
                        "width": t.width,
                        "height": t.height,
                        "byte_size": t.byte_size,
                        "sha256": t.sha256,
                    }
                    for t in record.thumbnails
                ],
            )
        )
        await self.session.flush()

    async def get(self, file_id: uuid.UUID) -> StoredFile | None:
        """A record by id."""
        row = await self.session.get(MediaFileRow, file_id)
        return None if row is None else _record(row)

    async def find_source(
        self, organisation_id: uuid.UUID, source_sha256: str
    ) -> StoredFile | None:
        """The oldest record of the organisation made from identical uploaded bytes."""
        row = await self.session.scalar(
            select(MediaFileRow)
            .where(
                MediaFileRow.organisation_id == organisation_id,
                MediaFileRow.source_sha256 == source_sha256,
            )
            .order_by(MediaFileRow.created_at)
            .limit(1)
        )
        return None if row is None else _record(row)

    async def remove(self, file_id: uuid.UUID) -> None:
        """Delete a record."""
        await self.session.execute(delete(MediaFileRow).where(MediaFileRow.id == file_id))

    async def count_blob_users(self, blob_key: str) -> int:
        """How many records point at ``blob_key``."""
        count = await self.session.scalar(
            select(func.count()).select_from(MediaFileRow).where(MediaFileRow.blob_key == blob_key)
        )
        return int(count or 0)

    async def latest_public_image(
        self, animal_id: uuid.UUID, organisation_id: uuid.UUID
    ) -> StoredFile | None:
        """The newest public image of the animal uploaded by its organisation."""
        row = await self.session.scalar(
            select(MediaFileRow)
            .where(
                MediaFileRow.animal_id == animal_id,
                MediaFileRow.organisation_id == organisation_id,
                MediaFileRow.visibility == "public",
                MediaFileRow.content_type.like("image/%"),
            )
            .order_by(MediaFileRow.created_at.desc())
            .limit(1)
        )
        return None if row is None else _record(row)
