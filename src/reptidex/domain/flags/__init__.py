"""Feature flags: defaults, per-organisation and per-user overrides, stable percentage roll-outs,
and plan entitlements feeding them."""

from reptidex.domain.flags.cache import FlagCache
from reptidex.domain.flags.model import (
    ENTITLEMENTS,
    Caller,
    Evaluation,
    FeatureFlag,
    FlagOverride,
    OverrideScope,
    Reason,
    evaluate,
)
from reptidex.domain.flags.ports import FlagRepository, FlagUnitOfWork
from reptidex.domain.flags.rollout import in_rollout, rollout_bucket
from reptidex.domain.flags.use_cases import FeatureFlags

__all__ = [
    "ENTITLEMENTS",
    "Caller",
    "Evaluation",
    "FeatureFlag",
    "FeatureFlags",
    "FlagCache",
    "FlagOverride",
    "FlagRepository",
    "FlagUnitOfWork",
    "OverrideScope",
    "Reason",
    "evaluate",
    "in_rollout",
    "rollout_bucket",
]
