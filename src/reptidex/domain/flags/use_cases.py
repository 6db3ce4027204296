"""Feature flag use cases: evaluate the caller's flags (cached), and manage flags and overrides."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable

import msgspec

from reptidex.domain.audit import record_change, snapshot
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.domain.events import new_event
from reptidex.domain.flags.cache import FlagCache
from reptidex.domain.flags.events import FlagChanged, FlagDeleted, OverrideChanged
from reptidex.domain.flags.model import (
    Caller,
    Evaluation,
    FeatureFlag,
    FlagOverride,
    OverrideScope,
    evaluate,
)
from reptidex.domain.flags.ports import FlagUnitOfWork

PRODUCER = "core"
_CHANGEABLE = frozenset({"description", "enabled", "rollout_percentage", "entitlement"})


def _flag_changed(flag: FeatureFlag) -> FlagChanged:
    return FlagChanged(
        key=flag.key,
        description=flag.description,
        enabled=flag.enabled,
        rollout_percentage=flag.rollout_percentage,
        entitlement=flag.entitlement,
    )


async def _existing_flag(uow: FlagUnitOfWork, key: str) -> FeatureFlag:
    flag = await uow.flags.get(key)
    if flag is None:
        raise NotFound(f"there is no feature flag {key!r}")
    return flag


def _stage(
    uow: FlagUnitOfWork,
    event_type: str,
    payload: msgspec.Struct,
    *,
    actor_id: uuid.UUID | None,
    organisation_id: uuid.UUID | None = None,
) -> None:
    uow.outbox.add(
        new_event(
            event_type,
            producer=PRODUCER,
            actor_id=actor_id,
            organisation_id=organisation_id,
            payload=payload,
        )
    )


def _audit_flag(
    uow: FlagUnitOfWork,
    action: str,
    key: str,
    *,
    before: FeatureFlag | None,
    after: FeatureFlag | None,
    actor_id: uuid.UUID | None,
) -> None:
    """Stage the audit record of a change to the flag ``key`` (its key is the resource id)."""
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="feature_flag",
        resource_id=key,
        action=action,
        actor_id=actor_id,
        organisation_id=None,
        before=None if before is None else snapshot(before, drop={"key"}),
        after=None if after is None else snapshot(after, drop={"key"}),
    )


def _audit_override(
    uow: FlagUnitOfWork,
    action: str,
    key: str,
    scope: OverrideScope,
    subject_id: uuid.UUID,
    enabled: bool | None,
    *,
    actor_id: uuid.UUID | None,
) -> None:
    """Stage the audit record of an override set (``enabled``) or removed (``None``), in the
    organisation's trail when it forces the flag for an organisation."""
    override = {"flag_key": key, "scope": scope.value, "subject_id": str(subject_id)}
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="feature_flag_override",
        resource_id=f"{key}:{scope.value}:{subject_id}",
        action=action,
        actor_id=actor_id,
        organisation_id=subject_id if scope is OverrideScope.ORGANISATION else None,
        before=override if enabled is None else None,
        after=None if enabled is None else {**override, "enabled": enabled},
    )


class FeatureFlags:
    """The feature flag application service of repti-core."""

    def __init__(self, unit_of_work: Callable[[], FlagUnitOfWork], cache: FlagCache) -> None:
        self._unit_of_work = unit_of_work
        self._cache = cache

    # -- reading --------------------------------------------------------------------------

    async def _all_flags(self) -> list[FeatureFlag]:
        async with self._unit_of_work() as uow:
            return await uow.flags.all_flags()

    async def _overrides_for(self, caller: Caller) -> list[FlagOverride]:
        async with self._unit_of_work() as uow:
            return await uow.flags.overrides_for(
                user_id=caller.user_id, organisation_id=caller.organisation_id
            )

    async def evaluate_for(self, caller: Caller) -> list[Evaluation]:
        """Every flag's value for ``caller``, by key (reads go through the cache)."""
        flags = await self._cache.get("flags", self._all_flags)
        overrides = await self._cache.get(
            ("overrides", caller.user_id, caller.organisation_id),
            lambda: self._overrides_for(caller),
        )
        return [evaluate(flag, overrides, caller) for flag in flags]

    async def list_flags(self) -> list[FeatureFlag]:
        """Every flag (uncached: for administrators)."""
        return await self._all_flags()

    async def get_flag(self, key: str) -> tuple[FeatureFlag, list[FlagOverride]]:
        """The flag ``key`` and its overrides.

        Raises:
            NotFound: when there is no such flag.
        """
        async with self._unit_of_work() as uow:
            flag = await _existing_flag(uow, key)
            return flag, await uow.flags.overrides_of(key)

    # -- managing -------------------------------------------------------------------------

    async def create_flag(self, flag: FeatureFlag, *, actor_id: uuid.UUID | None) -> FeatureFlag:
        """Create ``flag``.

        Raises:
            Conflict: when a flag with that key exists.
        """
        async with self._unit_of_work() as uow:
            if await uow.flags.get(flag.key) is not None:
                raise Conflict(f"the feature flag {flag.key!r} exists already")
            await uow.flags.save(flag)
            _stage(uow, "config.flag_created", _flag_changed(flag), actor_id=actor_id)
            _audit_flag(uow, "created", flag.key, before=None, after=flag, actor_id=actor_id)
            await uow.commit()
        self._cache.invalidate()
        return flag

    async def update_flag(
        self, key: str, changes: dict[str, object], *, actor_id: uuid.UUID | None
    ) -> FeatureFlag:
        """Change some of ``description``, ``enabled``, ``rollout_percentage``, ``entitlement``.

        Raises:
            NotFound: when there is no such flag.
            InvalidInput: when a change is unknown or makes the flag invalid.
        """
        unknown = set(changes) - _CHANGEABLE
        if unknown:
            raise InvalidInput(
                "those fields cannot be changed",
                field_errors={name: "not a changeable field" for name in sorted(unknown)},
            )
        async with self._unit_of_work() as uow:
            current = await _existing_flag(uow, key)
            updated = dataclasses.replace(current, **changes)  # type: ignore[arg-type]
            await uow.flags.save(updated)
            _stage(uow, "config.flag_updated", _flag_changed(updated), actor_id=actor_id)
            _audit_flag(uow, "updated", key, before=current, after=updated, actor_id=actor_id)
            await uow.commit()
        self._cache.invalidate()
        return updated

    async def delete_flag(self, key: str, *, actor_id: uuid.UUID | None) -> None:
        """Delete the flag ``key`` and its overrides.

        Raises:
            NotFound: when there is no such flag.
        """
        async with self._unit_of_work() as uow:
            current = await _existing_flag(uow, key)
            await uow.flags.delete(key)
            _stage(uow, "config.flag_deleted", FlagDeleted(key=key), actor_id=actor_id)
            _audit_flag(uow, "deleted", key, before=current, after=None, actor_id=actor_id)
            await uow.commit()
        self._cache.invalidate()

    async def set_override(
        self, override: FlagOverride, *, actor_id: uuid.UUID | None
    ) -> FlagOverride:
        """Force a flag on or off for one organisation or user.

        Raises:
            NotFound: when there is no such flag.
        """
        async with self._unit_of_work() as uow:
            await _existing_flag(uow, override.flag_key)
            await uow.flags.save_override(override)
            _stage(
                uow,
                "config.override_set",
                OverrideChanged(
                    flag_key=override.flag_key,
                    scope=override.scope.value,
                    subject_id=override.subject_id,
                    enabled=override.enabled,
                ),
                actor_id=actor_id,
                organisation_id=override.subject_id
                if override.scope is OverrideScope.ORGANISATION
                else None,
            )
            _audit_override(
                uow,
                "override_set",
                override.flag_key,
                override.scope,
                override.subject_id,
                override.enabled,
                actor_id=actor_id,
            )
            await uow.commit()
        self._cache.invalidate()
        return override

    async def remove_override(
        self,
        key: str,
        scope: OverrideScope,
        subject_id: uuid.UUID,
        *,
        actor_id: uuid.UUID | None,
    ) -> None:
        """Remove one override.

        Raises:
            NotFound: when there is no such override.
        """
        async with self._unit_of_work() as uow:
            if not await uow.flags.delete_override(key, scope, subject_id):
                raise NotFound(f"there is no {scope.value} override of {key!r} for {subject_id}")
            _stage(
                uow,
                "config.override_removed",
                OverrideChanged(
                    flag_key=key, scope=scope.value, subject_id=subject_id, enabled=None
                ),
                actor_id=actor_id,
                organisation_id=subject_id if scope is OverrideScope.ORGANISATION else None,
            )
            _audit_override(
                uow, "override_removed", key, scope, subject_id, None, actor_id=actor_id
            )
            await uow.commit()
        self._cache.invalidate()
