"""Payloads of the events repti-media stages in its outbox (version 1)."""

from __future__ import annotations

import msgspec

PRODUCER = "media"


class FileUploaded(msgspec.Struct, frozen=True):
    """``file.uploaded``: a file was stored (``deduplicated`` when its bytes were there already)."""

    file_id: str
    content_type: str
    size: int
    sha256: str
    visibility: str
    animal_id: str | None
    deduplicated: bool


class FileDeleted(msgspec.Struct, frozen=True):
    """``file.deleted``: a file record was removed (``bytes_removed`` when no other used them)."""

    file_id: str
    sha256: str
    bytes_removed: bool


class RenderCompleted(msgspec.Struct, frozen=True):
    """``render.completed``: a chart or certificate was rendered afresh (not from the cache)."""

    kind: str
    animal_id: str
    format: str
    size: int
    lineage_version: str
    milliseconds: float


class EmbedViewed(msgspec.Struct, frozen=True):
    """``embed.viewed``: a widget was shown on a breeder's or a third-party page."""

    widget: str
    subject_id: str
    mode: str
    referrer_host: str | None
