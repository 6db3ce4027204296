"""repti-media's read model of animals, embedding settings and widget view counts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from fractions import Fraction

from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Date, Integer, String, UniqueConstraint, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import MediaModel
from reptidex.domain.media.embeds import EmbedSettings, PossibleHet, PublicAnimal


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
    hets: Mapped[list[str] | None] = mapped_column(JsonB, default=None)
    """Genes it carries for certain (public animals only; ``media_0009``)."""
    possible_hets: Mapped[list[list[str]] | None] = mapped_column(JsonB, default=None)
    """``[gene, "2/3"]`` pairs, the probability an exact fraction (public animals only)."""
    summary_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)
    """When the summary last changed in repti-animal (an event's time, a listing's
    ``updated_at``): older news is ignored."""
    parents_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)
    """When the parent links last changed, likewise."""
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, default=None)
    """Set when the animal was deleted: a tombstone that nothing brings back."""


class AnimalBackfillRow(MediaModel):
    """A completed backfill of the read model from repti-animal: of every organisation
    (``scope`` ``all``) or of one (its id), with the moment it started (the next pass's
    ``updated_since``)."""

    __tablename__ = "media_animal_backfill"
    __table_args__ = (UniqueConstraint("scope", name="uq_media_animal_backfill_scope"),)

    scope: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC)
    animals: Mapped[int] = mapped_column(Integer, default=0)


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
    if row.deleted_at is not None:
        return None
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
        hets=tuple(row.hets or ()),
        possible_hets=tuple(PossibleHet(g, Fraction(p)) for g, p in row.possible_hets or ()),
    )


class SqlPublicAnimals:
    """The :class:`~reptidex.domain.media.ports.PublicAnimals` read model."""

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

    async def _row(self, animal_id: uuid.UUID) -> PublicAnimalRow:
        """The animal's row, locked for this transaction (made when missing; a concurrent
        first write of the same animal is waited for and read)."""
        statement = select(PublicAnimalRow).where(PublicAnimalRow.id == animal_id)
        locked = statement.with_for_update().execution_options(populate_existing=True)
        found: PublicAnimalRow | None = await self.session.scalar(locked)
        if found is not None:
            return found
        try:
            async with self.session.begin_nested():
                made = PublicAnimalRow(id=animal_id)
                self.session.add(made)
                await self.session.flush()
            return made
        except IntegrityError:
            found = await self.session.scalar(locked)
            assert found is not None
            return found

    async def upsert_summary(self, summary: PublicAnimal, at: dt.datetime | None = None) -> bool:
        """Store the summary as of ``at``, keeping the parents already known; news older
        than the stored summary, or of a deleted animal, is ignored (``False``)."""
        row = await self._row(summary.id)
        if row.deleted_at is not None or _older(at, row.summary_at):
            return False
        row.organisation_id = summary.organisation_id
        row.code, row.name, row.species = summary.code, summary.name, summary.species
        row.sex, row.phenotype, row.status = summary.sex, summary.phenotype, summary.status
        row.visibility = summary.visibility
        row.hets = list(summary.hets)
        row.possible_hets = [[h.gene, str(h.probability)] for h in summary.possible_hets]
        row.summary_at = _latest(at, row.summary_at)
        await self.session.flush()
        return True

    async def set_parents(
        self,
        animal_id: uuid.UUID,
        sire_id: uuid.UUID | None,
        dam_id: uuid.UUID | None,
        at: dt.datetime | None = None,
    ) -> bool:
        """Record the parents as of ``at`` (older news ignored, as for summaries)."""
        row = await self._row(animal_id)
        if row.deleted_at is not None or _older(at, row.parents_at):
            return False
        row.sire_id, row.dam_id = sire_id, dam_id
        row.parents_at = _latest(at, row.parents_at)
        await self.session.flush()
        return True

    async def remove(self, animal_id: uuid.UUID, at: dt.datetime | None = None) -> None:
        """Forget the animal, keeping a tombstone so that no older news brings it back."""
        row = await self._row(animal_id)
        row.deleted_at = at or dt.datetime.now(dt.UTC)
        row.visibility, row.status, row.name, row.code = "private", "", None, ""
        row.hets = row.possible_hets = None
        await self.session.flush()

    async def count(self, organisation_id: uuid.UUID) -> int:
        """How many animals of the organisation the read model holds."""
        total = await self.session.scalar(
            select(func.count()).where(
                PublicAnimalRow.organisation_id == organisation_id,
                PublicAnimalRow.deleted_at.is_(None),
            )
        )
        return int(total or 0)

    async def for_sale(self, organisation_id: uuid.UUID, limit: int) -> list[PublicAnimal]:
        """Public animals of the organisation marked for sale."""
        rows = await self.session.scalars(
            select(PublicAnimalRow)
            .where(
                PublicAnimalRow.organisation_id == organisation_id,
                PublicAnimalRow.visibility == "public",
                PublicAnimalRow.status == "for_sale",
                PublicAnimalRow.deleted_at.is_(None),
            )
            .order_by(PublicAnimalRow.name, PublicAnimalRow.code)
            .limit(limit)
        )
        return [animal for row in rows if (animal := _animal(row)) is not None]


def _older(at: dt.datetime | None, stored: dt.datetime | None) -> bool:
    return at is not None and stored is not None and at < stored


def _latest(at: dt.datetime | None, stored: dt.datetime | None) -> dt.datetime | None:
    return stored if at is None or (stored is not None and stored > at) else at


class SqlAnimalBackfills:
    """The :class:`~reptidex.domain.media.ports.BackfillLedger` on ``media_animal_backfill``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def completed(self, scope: str) -> dt.datetime | None:
        """When the last completed backfill of ``scope`` started (``None``: never)."""
        row = await self.session.scalar(
            select(AnimalBackfillRow).where(AnimalBackfillRow.scope == scope)
        )
        return None if row is None else row.started_at

    async def complete(self, scope: str, started_at: dt.datetime, animals: int) -> None:
        """Record a completed backfill of ``scope``."""
        row = await self.session.scalar(
            select(AnimalBackfillRow).where(AnimalBackfillRow.scope == scope)
        )
        if row is None:
            self.session.add(AnimalBackfillRow(scope=scope, started_at=started_at, animals=animals))
        else:
            row.started_at, row.animals = started_at, animals
        await self.session.flush()


class SqlBackfillStore:
    """:class:`~reptidex.domain.media.ports.BackfillStore` on a session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.animals = SqlPublicAnimals(session)
        self.ledger = SqlAnimalBackfills(session)

    async def commit(self) -> None:
        """Commit the session."""
        await self.session.commit()


@asynccontextmanager
async def backfill_transaction(engine: AsyncEngine) -> AsyncIterator[SqlBackfillStore]:
    """A session of its own on ``engine`` for a backfill step (rolled back unless committed)."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        yield SqlBackfillStore(session)


class SqlEmbedSettings:
    """The :class:`~reptidex.domain.media.ports.EmbedSettingsStore` on ``media_embed_settings``."""

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
    """The :class:`~reptidex.domain.media.ports.EmbedViews` on ``media_embed_view``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(
        self, organisation_id: uuid.UUID, widget: str, subject_id: uuid.UUID, day: dt.date
    ) -> None:
        """Add one view: an UPDATE, else an INSERT in a savepoint; when a concurrent first view
        of the day inserted the row meanwhile, the UPDATE is tried again. On PostgreSQL the
        transaction may then count views of ``organisation_id`` alone (``media_0008``)."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                select(func.set_config("reptidex.widget_views_of", str(organisation_id), True))
            )
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
        rows = await self.session.execute(
            select(EmbedViewRow.widget, EmbedViewRow.subject_id, func.sum(EmbedViewRow.views))
            .where(EmbedViewRow.organisation_id == organisation_id, EmbedViewRow.day >= since)
            .group_by(EmbedViewRow.widget, EmbedViewRow.subject_id)
            .order_by(func.sum(EmbedViewRow.views).desc())
        )
        return [(widget, subject, int(total)) for widget, subject, total in rows]
