"""An in-memory unit of work for the feature flag tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from memory_outbox import MemoryOutbox

from reptidex.domain.events import DomainEvent
from reptidex.domain.flags import FeatureFlag, FlagOverride, OverrideScope


@dataclass
class MemoryFlagStore:
    flags: dict[str, FeatureFlag] = field(default_factory=dict)
    overrides: dict[tuple[str, OverrideScope, uuid.UUID], FlagOverride] = field(
        default_factory=dict
    )
    events: list[DomainEvent] = field(default_factory=list)
    reads: int = 0

    def unit_of_work(self) -> MemoryFlagUnitOfWork:
        return MemoryFlagUnitOfWork(self)


class MemoryFlags:
    def __init__(self, store: MemoryFlagStore) -> None:
        self._store = store
        self.flags = dict(store.flags)
        self.overrides = dict(store.overrides)

    async def all_flags(self) -> list[FeatureFlag]:
        self._store.reads += 1
        return [self.flags[key] for key in sorted(self.flags)]

    async def get(self, key: str) -> FeatureFlag | None:
        return self.flags.get(key)

    async def save(self, flag: FeatureFlag) -> None:
        self.flags[flag.key] = flag

    async def delete(self, key: str) -> None:
        self.flags.pop(key, None)
        for found in [k for k in self.overrides if k[0] == key]:
            del self.overrides[found]

    async def overrides_of(self, key: str) -> list[FlagOverride]:
        return [o for k, o in self.overrides.items() if k[0] == key]

    async def overrides_for(
        self, *, user_id: uuid.UUID | None, organisation_id: uuid.UUID | None
    ) -> list[FlagOverride]:
        self._store.reads += 1
        return [
            o
            for o in self.overrides.values()
            if (o.scope is OverrideScope.USER and o.subject_id == user_id)
            or (o.scope is OverrideScope.ORGANISATION and o.subject_id == organisation_id)
        ]

    async def save_override(self, override: FlagOverride) -> None:
        self.overrides[(override.flag_key, override.scope, override.subject_id)] = override

    async def delete_override(self, key: str, scope: OverrideScope, subject_id: uuid.UUID) -> bool:
        return self.overrides.pop((key, scope, subject_id), None) is not None


class MemoryFlagUnitOfWork:
    def __init__(self, store: MemoryFlagStore) -> None:
        self._store = store

    async def __aenter__(self) -> Self:
        self.flags = MemoryFlags(self._store)
        self.outbox = MemoryOutbox()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self._store.flags = dict(self.flags.flags)
        self._store.overrides = dict(self.flags.overrides)
        self._store.events.extend(self.outbox.staged)
