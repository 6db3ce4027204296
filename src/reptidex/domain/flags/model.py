"""Feature flags, their overrides, and how a flag is evaluated for one caller."""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from reptidex.domain.errors import InvalidInput
from reptidex.domain.flags.rollout import in_rollout

FLAG_KEY = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
ENTITLEMENTS = frozenset({"certificate_printing", "api_access"})
"""The yes/no plan entitlements a flag may require (see :mod:`reptidex.domain.billing.plans`)."""


class OverrideScope(enum.StrEnum):
    """Who an override is for; a user's override wins over their organisation's."""

    ORGANISATION = "organisation"
    USER = "user"


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureFlag:
    """A switch for a feature.

    ``enabled`` is the default. ``rollout_percentage`` (0–100), when set, turns the flag on for
    that share of subjects instead, chosen by a stable hash. ``entitlement``, when set, keeps the
    flag off for organisations whose plan does not grant it.
    """

    key: str
    description: str = ""
    enabled: bool = False
    rollout_percentage: int | None = None
    entitlement: str | None = None

    def __post_init__(self) -> None:
        errors = {}
        if not FLAG_KEY.fullmatch(self.key):
            errors["key"] = (
                "1–64 characters: lower-case letters, digits, '_', '.', '-'; a letter first"
            )
        if self.rollout_percentage is not None and not 0 <= self.rollout_percentage <= 100:
            errors["rollout_percentage"] = "must be between 0 and 100"
        if self.entitlement is not None and self.entitlement not in ENTITLEMENTS:
            errors["entitlement"] = f"must be one of {', '.join(sorted(ENTITLEMENTS))}"
        if len(self.description) > 500:
            errors["description"] = "at most 500 characters"
        if errors:
            raise InvalidInput("the feature flag is not valid", field_errors=errors)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagOverride:
    """A flag forced on or off for one organisation or one user."""

    flag_key: str
    scope: OverrideScope
    subject_id: uuid.UUID
    enabled: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Who flags are evaluated for: a user, their active organisation and its entitlements."""

    user_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    entitlements: frozenset[str] = field(default_factory=frozenset)

    @property
    def rollout_subject(self) -> str | None:
        """The id a roll-out buckets: the user, else the organisation."""
        subject = self.user_id or self.organisation_id
        return str(subject) if subject else None


class Reason(enum.StrEnum):
    """Why a flag came out on or off for a caller (for support and debugging)."""

    USER_OVERRIDE = "user_override"
    ORGANISATION_OVERRIDE = "organisation_override"
    NOT_ENTITLED = "not_entitled"
    ROLLOUT = "rollout"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One flag's value for one caller and the rule that decided it."""

    key: str
    enabled: bool
    reason: Reason


def evaluate(flag: FeatureFlag, overrides: Iterable[FlagOverride], caller: Caller) -> Evaluation:
    """Evaluate ``flag`` for ``caller``.

    Precedence: the user's override, then the organisation's override, then the plan
    entitlement (off if not granted), then the roll-out percentage, then the default.

    >>> flag = FeatureFlag(key="beta", enabled=False)
    >>> evaluate(flag, [], Caller()).enabled
    False
    """
    by_scope: dict[OverrideScope, FlagOverride] = {}
    for override in overrides:
        if override.flag_key != flag.key:
            continue
        if override.scope is OverrideScope.USER and override.subject_id == caller.user_id:
            by_scope[OverrideScope.USER] = override
        elif (
            override.scope is OverrideScope.ORGANISATION
            and override.subject_id == caller.organisation_id
        ):
            by_scope[OverrideScope.ORGANISATION] = override
    if OverrideScope.USER in by_scope:
        return Evaluation(flag.key, by_scope[OverrideScope.USER].enabled, Reason.USER_OVERRIDE)
    if OverrideScope.ORGANISATION in by_scope:
        return Evaluation(
            flag.key, by_scope[OverrideScope.ORGANISATION].enabled, Reason.ORGANISATION_OVERRIDE
        )
    if flag.entitlement is not None and flag.entitlement not in caller.entitlements:
        return Evaluation(flag.key, False, Reason.NOT_ENTITLED)
    if flag.rollout_percentage is not None:
        subject = caller.rollout_subject
        enabled = subject is not None and in_rollout(flag.key, subject, flag.rollout_percentage)
        return Evaluation(flag.key, enabled, Reason.ROLLOUT)
    return Evaluation(flag.key, flag.enabled, Reason.DEFAULT)
