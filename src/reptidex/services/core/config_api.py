"""HTTP side of feature flags: the caller's evaluated flags, and flag management for the
platform's administrators (users granted with ``reptidex admin grant EMAIL``, and the repti-ops
admin dashboard with its service token)."""

from __future__ import annotations

import uuid
from typing import Annotated, TypeAlias

import msgspec
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from reptidex.domain.billing import FREE_PLAN, PLANS, Billing, Entitlements
from reptidex.domain.flags import (
    Caller,
    FeatureFlag,
    FeatureFlags,
    FlagOverride,
    OverrideScope,
)
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import (
    BEARER,
    OPTIONAL_BEARER,
    CurrentPrincipal,
    OptionalPrincipal,
    requires_platform_admin,
)

FLAG_ADMINS = ("ops",)
"""Services whose tokens may manage flags (repti-ops hosts the platform admin dashboard)."""

Percentage = Annotated[int, msgspec.Meta(ge=0, le=100)]
Description = Annotated[str, msgspec.Meta(max_length=500)]
EntitlementName = Annotated[str, msgspec.Meta(max_length=40)]

BillingDep: TypeAlias = Injected[Billing]
FlagsDep: TypeAlias = Injected[FeatureFlags]


class FeatureValue(msgspec.Struct, frozen=True):
    """One flag's value for the caller and the rule that decided it."""

    enabled: bool
    reason: str


class FeaturesResponse(msgspec.Struct, frozen=True):
    """The caller's plan, its entitlements, and every flag evaluated for the caller."""

    plan: str
    entitlements: Entitlements
    features: dict[str, FeatureValue]


class FlagBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new flag."""

    key: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    description: Description = ""
    enabled: bool = False
    rollout_percentage: Percentage | None = None
    entitlement: EntitlementName | None = None


class FlagChanges(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Some of a flag's fields; those left out keep their value (``null`` clears an optional)."""

    description: Description | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    rollout_percentage: Percentage | msgspec.UnsetType | None = msgspec.UNSET
    entitlement: EntitlementName | msgspec.UnsetType | None = msgspec.UNSET


class FlagView(msgspec.Struct, frozen=True):
    """A flag as administrators see it."""

    key: str
    description: str
    enabled: bool
    rollout_percentage: int | None
    entitlement: str | None

    @classmethod
    def of(cls, flag: FeatureFlag) -> FlagView:
        """The view of ``flag``."""
        return cls(
            key=flag.key,
            description=flag.description,
            enabled=flag.enabled,
            rollout_percentage=flag.rollout_percentage,
            entitlement=flag.entitlement,
        )


class OverrideView(msgspec.Struct, frozen=True):
    """An override of a flag."""

    scope: str
    subject_id: uuid.UUID
    enabled: bool


class FlagDetail(msgspec.Struct, frozen=True):
    """A flag and its overrides."""

    flag: FlagView
    overrides: list[OverrideView]


class OverrideBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The value forced for the subject."""

    enabled: bool


class FeaturesController(Controller):
    """The caller's evaluated feature flags."""

    path = "/config"
    tags = ("configuration",)

    @get(
        "/features",
        summary="The caller's evaluated feature flags",
        description="Without a token, the flags' defaults and the free plan; with one "
        "(verified: 401 if it fails), the flags as they apply to the caller and the plan of "
        "the caller's organisation.",
        security=OPTIONAL_BEARER,
    )
    async def features(
        self, flags: FlagsDep, billing: BillingDep, optional_principal: OptionalPrincipal
    ) -> FeaturesResponse:
        """Every flag for the caller (defaults for an anonymous caller), with the plan's
        entitlements feeding the flags that require one."""
        principal = optional_principal
        organisation_id = principal.organisation_id if principal else None
        plan = await billing.entitled_plan(organisation_id) if organisation_id else PLANS[FREE_PLAN]
        caller = Caller(
            user_id=principal.user_id if principal else None,
            organisation_id=organisation_id,
            entitlements=plan.entitlements.grants(),
        )
        evaluations = await flags.evaluate_for(caller)
        return FeaturesResponse(
            plan=plan.code,
            entitlements=plan.entitlements,
            features={e.key: FeatureValue(e.enabled, e.reason.value) for e in evaluations},
        )


class FlagAdminController(Controller):
    """Flag management for platform administrators."""

    path = "/config/flags"
    tags = ("configuration",)
    security = BEARER
    guards = (requires_platform_admin(*FLAG_ADMINS),)

    @get("/", summary="Every feature flag")
    async def list_flags(self, flags: FlagsDep) -> list[FlagView]:
        """Every flag, by key."""
        return [FlagView.of(flag) for flag in await flags.list_flags()]

    @post("/", summary="Create a feature flag", status_code=HTTP_201_CREATED)
    async def create_flag(
        self, data: JSONBody[FlagBody], flags: FlagsDep, principal: CurrentPrincipal
    ) -> FlagView:
        """Create a flag (409 when the key is taken)."""
        flag = FeatureFlag(
            key=data.key,
            description=data.description,
            enabled=data.enabled,
            rollout_percentage=data.rollout_percentage,
            entitlement=data.entitlement,
        )
        return FlagView.of(await flags.create_flag(flag, actor_id=principal.user_id))

    @get("/{key:str}", summary="A feature flag and its overrides")
    async def get_flag(self, key: FromPath[str], flags: FlagsDep) -> FlagDetail:
        """The flag ``key`` with every override."""
        flag, overrides = await flags.get_flag(key)
        return FlagDetail(
            flag=FlagView.of(flag),
            overrides=[OverrideView(o.scope.value, o.subject_id, o.enabled) for o in overrides],
        )

    @patch("/{key:str}", summary="Change a feature flag")
    async def update_flag(
        self,
        key: FromPath[str],
        data: JSONBody[FlagChanges],
        flags: FlagsDep,
        principal: CurrentPrincipal,
    ) -> FlagView:
        """Change the fields given."""
        changes = {
            name: value
            for name in FlagChanges.__struct_fields__
            if (value := getattr(data, name)) is not msgspec.UNSET
        }
        return FlagView.of(await flags.update_flag(key, changes, actor_id=principal.user_id))

    @delete("/{key:str}", summary="Delete a feature flag", status_code=HTTP_204_NO_CONTENT)
    async def delete_flag(
        self, key: FromPath[str], flags: FlagsDep, principal: CurrentPrincipal
    ) -> None:
        """Delete the flag and its overrides."""
        await flags.delete_flag(key, actor_id=principal.user_id)

    @put(
        "/{key:str}/overrides/{subject_kind:str}/{subject_id:uuid}",
        summary="Force a flag for an organisation or a user",
    )
    async def set_override(
        self,
        key: FromPath[str],
        subject_kind: FromPath[OverrideScope],
        subject_id: FromPath[uuid.UUID],
        data: JSONBody[OverrideBody],
        flags: FlagsDep,
        principal: CurrentPrincipal,
    ) -> OverrideView:
        """Set the override (``subject_kind`` is ``organisation`` or ``user``)."""
        override = FlagOverride(
            flag_key=key, scope=subject_kind, subject_id=subject_id, enabled=data.enabled
        )
        await flags.set_override(override, actor_id=principal.user_id)
        return OverrideView(subject_kind.value, subject_id, data.enabled)

    @delete(
        "/{key:str}/overrides/{subject_kind:str}/{subject_id:uuid}",
        summary="Remove an override",
        status_code=HTTP_204_NO_CONTENT,
    )
    async def remove_override(
        self,
        key: FromPath[str],
        subject_kind: FromPath[OverrideScope],
        subject_id: FromPath[uuid.UUID],
        flags: FlagsDep,
        principal: CurrentPrincipal,
    ) -> None:
        """Remove the override."""
        await flags.remove_override(key, subject_kind, subject_id, actor_id=principal.user_id)
