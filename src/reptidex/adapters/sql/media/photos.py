"""Animals' photos for charts: the newest image of each animal the caller may see."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.media.embeds import PublicAnimalRow
from reptidex.adapters.sql.media.models import MediaFileRow
from reptidex.domain.media.ports import BlobStore

PHOTO_SIZE = 128


class SqlPhotoSource:
    """The :class:`~reptidex.domain.media.ports.PhotoSource` on ``media_file`` and the blob
    store. A photo's reference is the blob key of its 128 px thumbnail, which names its bytes.
    Photos count only when uploaded by the animal's own organisation."""

    def __init__(self, session: AsyncSession, blobs: BlobStore) -> None:
        self.session = session
        self.blobs = blobs

    async def photos(
        self, animal_ids: tuple[str, ...], organisation_id: uuid.UUID | None
    ) -> Mapping[str, str]:
        """The newest image per animal: the caller's organisation's files, or public ones."""
        ids = []
        for value in animal_ids:
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                continue
        if not ids:
            return {}
        visible = MediaFileRow.visibility == "public"
        if organisation_id is not None:
            visible = or_(visible, MediaFileRow.organisation_id == organisation_id)
        # Only the animal's own organisation's photos (per repti-media's copy of the animals),
        # so nobody can put a picture into another breeder's chart.
        rows = await self.session.scalars(
            select(MediaFileRow)
            .join(
                PublicAnimalRow,
                (PublicAnimalRow.id == MediaFileRow.animal_id)
                & (PublicAnimalRow.organisation_id == MediaFileRow.organisation_id),
            )
            .where(
                MediaFileRow.animal_id.in_(ids),
                MediaFileRow.content_type.like("image/%"),
                visible,
            )
            .order_by(MediaFileRow.created_at.desc())
        )
        found: dict[str, str] = {}
        for row in rows:
            animal = str(row.animal_id)
            if animal in found:
                continue
            thumbnail = next((t for t in row.thumbnails if t.get("size") == PHOTO_SIZE), None)
            found[animal] = str(thumbnail["key"]) if thumbnail else row.blob_key
        return found

    async def read(self, reference: str) -> bytes:
        """The photo's bytes."""
        return await self.blobs.read(reference)
