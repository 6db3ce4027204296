"""Rendered charts and certificates kept in the media database, by cache key."""

from __future__ import annotations

from sqlalchemy import LargeBinary, String, Text, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import MediaModel
from reptidex.domain.media.rendering import CachedRender


class RenderRow(MediaModel):
    """One render. ``members`` lists the animals the chart shows between bars (``|a|b|``), so
    an event about any of them finds it with a plain LIKE on SQLite and PostgreSQL."""

    __tablename__ = "media_render"

    cache_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    animal_id: Mapped[str] = mapped_column(String(36), index=True)
    format: Mapped[str] = mapped_column(String(8))
    lineage_version: Mapped[str] = mapped_column(String(64))
    members: Mapped[str] = mapped_column(Text)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class SqlRenderStore:
    """The :class:`~reptidex.domain.media.ports.RenderStore` on ``media_render``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> CachedRender | None:
        """A stored render."""
        row = await self.session.scalar(select(RenderRow).where(RenderRow.cache_key == key))
        if row is None:
            return None
        return CachedRender(
            row.cache_key,
            row.kind,
            row.animal_id,
            row.format,
            row.content,
            row.lineage_version,
            tuple(m for m in row.members.split("|") if m),
        )

    async def put(self, render: CachedRender) -> None:
        """Keep a render. When a concurrent request stored the same key first, its row (the
        same drawing of the same lineage version) is kept."""
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    delete(RenderRow).where(RenderRow.cache_key == render.key)
                )
                self.session.add(
                    RenderRow(
                        cache_key=render.key,
                        kind=render.kind,
                        animal_id=render.animal_id,
                        format=render.format,
                        lineage_version=render.lineage_version,
                        members="|" + "|".join(render.members) + "|",
                        content=render.content,
                    )
                )
                await self.session.flush()
        except IntegrityError:
            pass

    async def invalidate(self, animal_id: str) -> int:
        """Drop the renders showing ``animal_id``."""
        result = await self.session.execute(
            delete(RenderRow).where(
                or_(RenderRow.animal_id == animal_id, RenderRow.members.like(f"%|{animal_id}|%"))
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
