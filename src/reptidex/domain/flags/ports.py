"""Ports of feature flags: where flags and overrides are kept."""

from __future__ import annotations

import uuid
from typing import Protocol

from reptidex.domain.events import OutboxUnitOfWork
from reptidex.domain.flags.model import FeatureFlag, FlagOverride, OverrideScope


class FlagRepository(Protocol):
    """Flags and their overrides."""

    async def all_flags(self) -> list[FeatureFlag]:
        """Every flag, by key."""
        ...

    async def get(self, key: str) -> FeatureFlag | None:
        """The flag ``key``, if it exists."""
        ...

    async def save(self, flag: FeatureFlag) -> None:
        """Insert or update ``flag``."""
        ...

    async def delete(self, key: str) -> None:
        """Delete the flag ``key`` and its overrides."""
        ...

    async def overrides_of(self, key: str) -> list[FlagOverride]:
        """Every override of flag ``key``."""
        ...

    async def overrides_for(
        self, *, user_id: uuid.UUID | None, organisation_id: uuid.UUID | None
    ) -> list[FlagOverride]:
        """Every override for that user or that organisation."""
        ...

    async def save_override(self, override: FlagOverride) -> None:
        """Insert or update ``override``."""
        ...

    async def delete_override(self, key: str, scope: OverrideScope, subject_id: uuid.UUID) -> bool:
        """Delete one override; ``False`` when there was none."""
        ...


class FlagUnitOfWork(OutboxUnitOfWork, Protocol):
    """One transaction over flags and the outbox."""

    @property
    def flags(self) -> FlagRepository:
        """Flags and overrides, in this transaction."""
        ...
