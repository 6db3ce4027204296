"""Payloads of the ``config.*`` events (version 1 each)."""

from __future__ import annotations

import uuid

import msgspec


class FlagChanged(msgspec.Struct, frozen=True, kw_only=True):
    """``config.flag_created`` / ``config.flag_updated``: the flag's new definition."""

    key: str
    description: str
    enabled: bool
    rollout_percentage: int | None
    entitlement: str | None


class FlagDeleted(msgspec.Struct, frozen=True, kw_only=True):
    """``config.flag_deleted``."""

    key: str


class OverrideChanged(msgspec.Struct, frozen=True, kw_only=True):
    """``config.override_set`` / ``config.override_removed`` (``enabled`` is ``None`` when removed)."""

    flag_key: str
    scope: str
    subject_id: uuid.UUID
    enabled: bool | None
