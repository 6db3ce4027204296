"""Feature flag evaluation, the roll-out hash (with Hypothesis properties), and the flag use
cases with an in-memory unit of work: overrides, entitlements, cache and ``config.*`` events."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from flags_testkit import MemoryFlagStore
from hypothesis import given, settings
from hypothesis import strategies as st

from reptidex.domain.audit import AUDIT_EVENT, record_of
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.domain.events import new_event
from reptidex.domain.flags import (
    Caller,
    FeatureFlag,
    FeatureFlags,
    FlagCache,
    FlagOverride,
    OverrideScope,
    Reason,
    evaluate,
    in_rollout,
    rollout_bucket,
)

USER = uuid.UUID("00000000-0000-4000-8000-000000000001")
ORG = uuid.UUID("00000000-0000-4000-8000-0000000000aa")
keys = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)


# -- the roll-out hash ----------------------------------------------------------------------


@given(key=keys, subject=st.uuids())
def test_bucket_is_stable_and_in_range(key: str, subject: uuid.UUID) -> None:
    bucket = rollout_bucket(key, str(subject))
    assert 0 <= bucket < 100
    assert bucket == rollout_bucket(key, str(subject))


@given(key=keys, subject=st.uuids(), low=st.integers(0, 100), high=st.integers(0, 100))
def test_raising_the_percentage_never_drops_a_subject(
    key: str, subject: uuid.UUID, low: int, high: int
) -> None:
    low, high = min(low, high), max(low, high)
    if in_rollout(key, str(subject), low):
        assert in_rollout(key, str(subject), high)


@given(key=keys, subject=st.uuids())
def test_zero_is_nobody_and_hundred_is_everybody(key: str, subject: uuid.UUID) -> None:
    assert not in_rollout(key, str(subject), 0)
    assert in_rollout(key, str(subject), 100)


@settings(max_examples=20, deadline=None)
@given(key=keys, percentage=st.integers(5, 95))
def test_roughly_the_asked_share_of_subjects_is_in(key: str, percentage: int) -> None:
    subjects = [str(uuid.UUID(int=n)) for n in range(4000)]
    share = sum(in_rollout(key, s, percentage) for s in subjects) / len(subjects) * 100
    assert abs(share - percentage) < 4  # binomial sd at n=4000 is at most 0.8 points


def test_buckets_are_roughly_uniform() -> None:
    counts = Counter(rollout_bucket("uniform", str(uuid.UUID(int=n))) for n in range(20_000))
    assert set(counts) == set(range(100))
    # chi-square with 99 degrees of freedom: 99.9th percentile is about 148
    expected = 200
    chi_square = sum((counts[b] - expected) ** 2 / expected for b in range(100))
    assert chi_square < 148


def test_flags_bucket_a_subject_independently() -> None:
    subject = str(USER)
    assert len({rollout_bucket(f"flag_{n}", subject) for n in range(50)}) > 20


# -- evaluation -----------------------------------------------------------------------------


def override(scope: OverrideScope, subject: uuid.UUID, enabled: bool) -> FlagOverride:
    return FlagOverride(flag_key="beta", scope=scope, subject_id=subject, enabled=enabled)


def test_precedence_user_then_organisation_then_entitlement_then_rollout_then_default() -> None:
    caller = Caller(user_id=USER, organisation_id=ORG, entitlements=frozenset())
    flag = FeatureFlag(key="beta", enabled=True, entitlement="api_access")
    assert evaluate(flag, [], caller).reason is Reason.NOT_ENTITLED
    assert not evaluate(flag, [], caller).enabled
    org_on = override(OverrideScope.ORGANISATION, ORG, True)
    assert evaluate(flag, [org_on], caller).reason is Reason.ORGANISATION_OVERRIDE
    user_off = override(OverrideScope.USER, USER, False)
    result = evaluate(flag, [org_on, user_off], caller)
    assert (result.enabled, result.reason) == (False, Reason.USER_OVERRIDE)
    someone_else = override(OverrideScope.USER, uuid.uuid4(), False)
    assert evaluate(flag, [org_on, someone_else], caller).enabled

    entitled = Caller(user_id=USER, organisation_id=ORG, entitlements=frozenset({"api_access"}))
    assert evaluate(flag, [], entitled).reason is Reason.DEFAULT
    rolled = FeatureFlag(key="beta", rollout_percentage=100)
    assert evaluate(rolled, [], entitled).reason is Reason.ROLLOUT
    assert evaluate(rolled, [], entitled).enabled
    assert not evaluate(rolled, [], Caller()).enabled  # nobody to bucket


def test_anonymous_callers_get_defaults() -> None:
    assert evaluate(FeatureFlag(key="on", enabled=True), [], Caller()).enabled


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"key": "Bad Key"}, "key"),
        ({"key": "ok", "rollout_percentage": 101}, "rollout_percentage"),
        ({"key": "ok", "entitlement": "unlimited_snakes"}, "entitlement"),
        ({"key": "ok", "description": "x" * 501}, "description"),
    ],
)
def test_invalid_flags_are_refused_with_field_errors(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        FeatureFlag(**changes)  # type: ignore[arg-type]
    assert field in raised.value.field_errors


# -- use cases ------------------------------------------------------------------------------


@pytest.fixture
def store() -> MemoryFlagStore:
    return MemoryFlagStore()


@pytest.fixture
def flags(store: MemoryFlagStore) -> FeatureFlags:
    return FeatureFlags(store.unit_of_work, FlagCache(ttl=60))


async def test_managing_flags_emits_config_events(
    flags: FeatureFlags, store: MemoryFlagStore
) -> None:
    await flags.create_flag(FeatureFlag(key="beta", description="new chart"), actor_id=USER)
    with pytest.raises(Conflict):
        await flags.create_flag(FeatureFlag(key="beta"), actor_id=USER)
    updated = await flags.update_flag("beta", {"rollout_percentage": 30}, actor_id=USER)
    assert updated.rollout_percentage == 30
    assert updated.description == "new chart"
    with pytest.raises(InvalidInput):
        await flags.update_flag("beta", {"rollout_percentage": -1}, actor_id=USER)
    with pytest.raises(InvalidInput):
        await flags.update_flag("beta", {"key": "other"}, actor_id=USER)
    with pytest.raises(NotFound):
        await flags.update_flag("nope", {"enabled": True}, actor_id=USER)
    await flags.set_override(override(OverrideScope.ORGANISATION, ORG, True), actor_id=USER)
    flag, overrides = await flags.get_flag("beta")
    assert flag.key == "beta"
    assert len(overrides) == 1
    await flags.remove_override("beta", OverrideScope.ORGANISATION, ORG, actor_id=USER)
    with pytest.raises(NotFound):
        await flags.remove_override("beta", OverrideScope.ORGANISATION, ORG, actor_id=USER)
    await flags.delete_flag("beta", actor_id=USER)
    with pytest.raises(NotFound):
        await flags.delete_flag("beta", actor_id=USER)
    config = [e for e in store.events if e.type != AUDIT_EVENT]
    assert [e.type for e in config] == [
        "config.flag_created",
        "config.flag_updated",
        "config.override_set",
        "config.override_removed",
        "config.flag_deleted",
    ]
    assert config[2].organisation_id == ORG
    assert all(e.actor_id == USER for e in config)


async def test_managing_flags_is_audited(flags: FeatureFlags, store: MemoryFlagStore) -> None:
    await flags.create_flag(FeatureFlag(key="beta"), actor_id=USER)
    await flags.update_flag("beta", {"enabled": True}, actor_id=USER)
    await flags.set_override(override(OverrideScope.ORGANISATION, ORG, False), actor_id=USER)
    await flags.remove_override("beta", OverrideScope.ORGANISATION, ORG, actor_id=USER)
    await flags.delete_flag("beta", actor_id=USER)
    records = [record_of(e) for e in store.events if e.type == AUDIT_EVENT]
    assert [(r.resource_kind, r.action) for r in records] == [
        ("feature_flag", "created"),
        ("feature_flag", "updated"),
        ("feature_flag_override", "override_set"),
        ("feature_flag_override", "override_removed"),
        ("feature_flag", "deleted"),
    ]
    assert all(r.actor_id == USER and r.service == "core" for r in records)
    assert records[1].resource_id == "beta"
    assert (records[1].before, records[1].after) == ({"enabled": False}, {"enabled": True})
    assert records[2].organisation_id == ORG
    assert records[2].after["enabled"] is False


async def test_an_override_of_a_missing_flag_is_not_found(flags: FeatureFlags) -> None:
    with pytest.raises(NotFound):
        await flags.set_override(override(OverrideScope.USER, USER, True), actor_id=None)


async def test_reads_are_cached_and_changes_invalidate(
    flags: FeatureFlags, store: MemoryFlagStore
) -> None:
    caller = Caller(user_id=USER, organisation_id=ORG)
    await flags.create_flag(FeatureFlag(key="beta"), actor_id=None)
    assert [e.enabled for e in await flags.evaluate_for(caller)] == [False]
    reads = store.reads
    await flags.evaluate_for(caller)
    assert store.reads == reads  # served from the cache
    await flags.set_override(override(OverrideScope.USER, USER, True), actor_id=None)
    assert [e.enabled for e in await flags.evaluate_for(caller)] == [True]


async def test_the_cache_expires_and_forgets_on_config_events() -> None:
    now = [0.0]
    cache = FlagCache(ttl=10, clock=lambda: now[0])
    loads = []

    async def load() -> int:
        loads.append(1)
        return len(loads)

    assert await cache.get("k", load) == 1
    assert await cache.get("k", load) == 1
    now[0] = 11
    assert await cache.get("k", load) == 2
    await cache.on_config_event(new_event("billing.invoice_paid", producer="core"))
    assert await cache.get("k", load) == 2
    await cache.on_config_event(new_event("config.flag_updated", producer="core"))
    assert await cache.get("k", load) == 3
    assert cache.hits == 2
