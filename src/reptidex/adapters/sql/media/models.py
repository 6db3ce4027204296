"""repti-media's tables: file records (the bytes live in the blob store)."""

from __future__ import annotations

import uuid
from typing import Any

from advanced_alchemy.types import JsonB
from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import MediaModel


class MediaFileRow(MediaModel):
    """One uploaded file of an organisation; records of identical uploads share ``blob_key``."""

    __tablename__ = "media_file"
    __table_args__ = (
        Index("ix_media_file_organisation_source", "organisation_id", "source_sha256"),
        Index("ix_media_file_blob_key", "blob_key"),
        Index("ix_media_file_animal_id", "animal_id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    source_sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(300))
    visibility: Mapped[str] = mapped_column(String(10))
    animal_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    thumbnails: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
