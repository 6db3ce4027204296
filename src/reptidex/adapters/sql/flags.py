"""repti-core's feature flag tables and the unit of work the flag use cases write through."""

from __future__ import annotations

import uuid

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    delete,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from reptidex.adapters.sql.bases import CoreModel
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.flags import FeatureFlag, FlagOverride, OverrideScope


class FeatureFlagRow(CoreModel):
    """One feature flag."""

    __tablename__ = "feature_flag"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    rollout_percentage: Mapped[int | None] = mapped_column(Integer, default=None)
    entitlement: Mapped[str | None] = mapped_column(String(40), default=None)

    def to_domain(self) -> FeatureFlag:
        """The domain value of this row."""
        return FeatureFlag(
            key=self.key,
            description=self.description,
            enabled=self.enabled,
            rollout_percentage=self.rollout_percentage,
            entitlement=self.entitlement,
        )


class FlagOverrideRow(CoreModel):
    """A flag forced on or off for one organisation or user."""

    __tablename__ = "feature_flag_override"
    __table_args__ = (
        UniqueConstraint("flag_key", "scope", "subject_id", name="uq_feature_flag_override"),
        Index("ix_feature_flag_override_subject", "scope", "subject_id"),
    )

    flag_key: Mapped[str] = mapped_column(
        String(64), ForeignKey("feature_flag.key", ondelete="CASCADE")
    )
    scope: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[uuid.UUID]
    enabled: Mapped[bool] = mapped_column(Boolean)

    def to_domain(self) -> FlagOverride:
        """The domain value of this row."""
        return FlagOverride(
            flag_key=self.flag_key,
            scope=OverrideScope(self.scope),
            subject_id=self.subject_id,
            enabled=self.enabled,
        )


class SqlFlags:
    """:class:`~reptidex.domain.flags.FlagRepository` over one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _row(self, key: str) -> FeatureFlagRow | None:
        found = await self._session.execute(select(FeatureFlagRow).where(FeatureFlagRow.key == key))
        return found.scalar_one_or_none()

    async def all_flags(self) -> list[FeatureFlag]:
        """Every flag, by key."""
        rows = await self._session.scalars(select(FeatureFlagRow).order_by(FeatureFlagRow.key))
        return [row.to_domain() for row in rows]

    async def get(self, key: str) -> FeatureFlag | None:
        """The flag ``key``, if any."""
        row = await self._row(key)
        return row.to_domain() if row else None

    async def save(self, flag: FeatureFlag) -> None:
        """Insert or update ``flag``."""
        row = await self._row(flag.key)
        if row is None:
            row = FeatureFlagRow(key=flag.key)
            self._session.add(row)
        row.description = flag.description
        row.enabled = flag.enabled
        row.rollout_percentage = flag.rollout_percentage
        row.entitlement = flag.entitlement
        await self._session.flush()

    async def delete(self, key: str) -> None:
        """Delete the flag and its overrides (explicitly: not every database cascades)."""
        await self._session.execute(delete(FlagOverrideRow).where(FlagOverrideRow.flag_key == key))
        await self._session.execute(delete(FeatureFlagRow).where(FeatureFlagRow.key == key))

    async def overrides_of(self, key: str) -> list[FlagOverride]:
        """Every override of flag ``key``."""
        rows = await self._session.scalars(
            select(FlagOverrideRow)
            .where(FlagOverrideRow.flag_key == key)
            .order_by(FlagOverrideRow.scope, FlagOverrideRow.subject_id)
        )
        return [row.to_domain() for row in rows]

    async def overrides_for(
        self, *, user_id: uuid.UUID | None, organisation_id: uuid.UUID | None
    ) -> list[FlagOverride]:
        """Every override for that user or that organisation."""
        conditions = []
        if user_id is not None:
            conditions.append(
                (FlagOverrideRow.scope == OverrideScope.USER.value)
                & (FlagOverrideRow.subject_id == user_id)
            )
        if organisation_id is not None:
            conditions.append(
                (FlagOverrideRow.scope == OverrideScope.ORGANISATION.value)
                & (FlagOverrideRow.subject_id == organisation_id)
            )
        if not conditions:
            return []
        rows = await self._session.scalars(select(FlagOverrideRow).where(or_(*conditions)))
        return [row.to_domain() for row in rows]

    async def save_override(self, override: FlagOverride) -> None:
        """Insert or update ``override``."""
        found = await self._session.execute(
            select(FlagOverrideRow).where(
                FlagOverrideRow.flag_key == override.flag_key,
                FlagOverrideRow.scope == override.scope.value,
                FlagOverrideRow.subject_id == override.subject_id,
            )
        )
        row = found.scalar_one_or_none()
        if row is None:
            row = FlagOverrideRow(
                flag_key=override.flag_key,
                scope=override.scope.value,
                subject_id=override.subject_id,
            )
            self._session.add(row)
        row.enabled = override.enabled
        await self._session.flush()

    async def delete_override(self, key: str, scope: OverrideScope, subject_id: uuid.UUID) -> bool:
        """Delete one override; ``False`` when there was none."""
        result = await self._session.execute(
            delete(FlagOverrideRow).where(
                FlagOverrideRow.flag_key == key,
                FlagOverrideRow.scope == scope.value,
                FlagOverrideRow.subject_id == subject_id,
            )
        )
        return bool(getattr(result, "rowcount", 0))


class SqlFlagUnitOfWork(SqlUnitOfWork):
    """:class:`~reptidex.domain.flags.FlagUnitOfWork` on one SQLAlchemy session."""

    flags: SqlFlags
    outbox: SqlOutbox

    def _open(self, session: AsyncSession) -> None:
        self.flags = SqlFlags(session)
        self.outbox = SqlOutbox(session, "core")
