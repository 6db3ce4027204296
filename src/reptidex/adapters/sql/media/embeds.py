"""repti-media's read model of animals, embedding settings and widget view counts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from advanced_alchemy.types import JsonB
from sqlalchemy import Date, Integer, String, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import MediaModel
from reptidex.domain.media.embeds import EmbedSettings, PublicAnimal


class PublicAnimalRow(MediaModel):
    """repti-media's copy of an animal's summary and parents (from repti-animal's events).

    The primary key is the animal's own id."""

    __tablename__ = "media_public_animal"

    organisation_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    code: Mapped[str] = mapped_column(String(60), default="")
    name: Mapped[str | None] = mapped_column(String(120), default=None)
    species: Mapped[str] = mapped_column(String(60), default="")
    sex: Mapped[str] = mapped_column(String(10), default="unknown")
    phenotype: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(12), default="")
    visibility: Mapped[str] = mapped_column(String(14), default="private")
    sire_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    dam_id: Mapped[uuid.UUID | None] = mapped_column(default=None)


class EmbedSettingsRow(MediaModel):
    """An organisation's allowed origins for widgets."""

    __tablename__ = "media_embed_settings"

    organisation_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    allowed_origins: Mapped[list[str]] = mapped_column(JsonB, default=list)


class EmbedViewRow(MediaModel):
    """Views of one widget of one subject on one day."""

    __tablename__ = "media_embed_view"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id", "widget", "subject_id", "day", name="uq_media_embed_view"
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column()
    widget: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[uuid.UUID] = mapped_column()
    day: Mapped[dt.date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0)


def _animal(row: PublicAnimalRow) -> PublicAnimal | None:
    if row.organisation_id is None:  # parents known, summary not yet
        return PublicAnimal(
            row.id,
            uuid.UUID(int=0),
            "",
            None,
            "",
            "unknown",
            "",
            "",
            "private",
            row.sire_id,
            row.dam_id,
        )
    return PublicAnimal(
        id=row.id,
        organisation_id=row.organisation_id,
        code=row.code,
        name=row.name,
        species=row.species,
        sex=row.sex,
        phenotype=row.phenotype,
        status=row.status,
        visibility=row.visibility,
        sire_id=row.sire_id,
        dam_id=row.dam_id,
    )


class SqlPublicAnimals:
    """The :class:`~reptidex.domain.media.embeds.PublicAnimals` read model."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, animal_id: uuid.UUID) -> PublicAnimal | None:
        """An animal by id."""
        row = await self.session.get(PublicAnimalRow, animal_id)
        return None if row is None else _animal(row)

    async def many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PublicAnimal]:
        """Animals by id."""
        if not ids:
            return {}
        rows = await self.session.scalars(
            select(PublicAnimalRow).where(PublicAnimalRow.id.in_(ids))
        )
        return {row.id: animal for row in rows if (animal := _animal(row)) is not None}

    async def upsert_summary(self, summary: PublicAnimal) -> None:
        """Store the summary, keeping the parents already known."""
        values: dict[str, Any] = {
            "organisation_id": summary.organisation_id,
            "code": summary.code,
            "name": summary.name,
            "species": summary.species,
            "sex": summary.sex,
            "phenotype": summary.phenotype,
            "status": summary.status,
            "visibility": summary.visibility,
        }
        row = await self.session.get(PublicAnimalRow, summary.id)
        if row is None:
            self.session.add(PublicAnimalRow(id=summary.id, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        await self.session.flush()

    async def set_parents(
        self, animal_id: uuid.UUID, sire_id: uuid.UUID | None, dam_id: uuid.UUID | None
    ) -> None:
        """Record the parents."""
        row = await self.session.get(PublicAnimalRow, animal_id)
        if row is None:
            self.session.add(PublicAnimalRow(id=animal_id, sire_id=sire_id, dam_id=dam_id))
        else:
            row.sire_id, row.dam_id = sire_id, dam_id
        await self.session.flush()

    async def remove(self, animal_id: uuid.UUID) -> None:
        """Forget the animal."""
        row = await self.session.get(PublicAnimalRow, animal_id)
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()

    async def for_sale(self, organisation_id: uuid.UUID, limit: int) -> list[PublicAnimal]:
        """Public animals of the organisation marked for sale."""
        rows = await self.session.scalars(
            select(PublicAnimalRow)
            .where(
                PublicAnimalRow.organisation_id == organisation_id,
                PublicAnimalRow.visibility == "public",
                PublicAnimalRow.status == "for_sale",
            )
            .order_by(PublicAnimalRow.name, PublicAnimalRow.code)
            .limit(limit)
        )
        return [animal for row in rows if (animal := _animal(row)) is not None]


class SqlEmbedSettings:
    """Organisations' embedding settings."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: uuid.UUID) -> EmbedSettings:
        """The organisation's settings (none stored: any site)."""
        row = await self.session.scalar(
            select(EmbedSettingsRow).where(EmbedSettingsRow.organisation_id == organisation_id)
        )
        return EmbedSettings(organisation_id, tuple(row.allowed_origins) if row else ())

    async def put(self, settings: EmbedSettings) -> None:
        """Store the settings."""
        row = await self.session.scalar(
            select(EmbedSettingsRow).where(
                EmbedSettingsRow.organisation_id == settings.organisation_id
            )
        )
        if row is None:
            self.session.add(
                EmbedSettingsRow(
                    organisation_id=settings.organisation_id,
                    allowed_origins=list(settings.allowed_origins),
                )
            )
        else:
            row.allowed_origins = list(settings.allowed_origins)
        await self.session.flush()


class SqlEmbedViews:
    """Daily view counters of widgets."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(
        self, organisation_id: uuid.UUID, widget: str, subject_id: uuid.UUID, day: dt.date
    ) -> None:
        """Add one view: an UPDATE, else an INSERT in a savepoint; when a concurrent first view
        of the day inserted the row meanwhile, the UPDATE is tried again."""
        key = (
            EmbedViewRow.organisation_id == organisation_id,
            EmbedViewRow.widget == widget,
            EmbedViewRow.subject_id == subject_id,
            EmbedViewRow.day == day,
        )
        for _ in range(3):
            result = await self.session.execute(
                update(EmbedViewRow).where(*key).values(views=EmbedViewRow.views + 1)
            )
            if getattr(result, "rowcount", 0):
                return
            try:
                async with self.session.begin_nested():
                    self.session.add(
                        EmbedViewRow(
                            organisation_id=organisation_id,
                            widget=widget,
                            subject_id=subject_id,
                            day=day,
                            views=1,
                        )
                    )
                    await self.session.flush()
                return
            except IntegrityError:
                continue

    async def totals(
        self, organisation_id: uuid.UUID, since: dt.date
    ) -> list[tuple[str, uuid.UUID, int]]:
        """Views per widget and subject since a day, most viewed first."""
        from sqlalchemy import func

        rows = await self.session.execute(
            select(EmbedViewRow.widget, EmbedViewRow.subject_id, func.sum(EmbedViewRow.views))
            .where(EmbedViewRow.organisation_id == organisation_id, EmbedViewRow.day >= since)
            .group_by(EmbedViewRow.widget, EmbedViewRow.subject_id)
            .order_by(func.sum(EmbedViewRow.views).desc())
        )
        return [(widget, subject, int(total)) for widget, subject, total in rows]
