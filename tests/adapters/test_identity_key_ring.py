"""Core's key ring over an in-memory store: the first key, the cache, the key's age, rotation,
encrypted private keys and the JWKS it publishes. Both clocks are injected; nothing sleeps."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from identity_keys_testkit import (
    LIFETIME,
    START,
    TTL,
    MemoryKeys,
    Ticker,
    WallClock,
    key_ring,
    raw,
    store_key,
)
from structlog.testing import capture_logs

from reptidex.adapters.identity.tokens import KeyRing, public_jwk


async def test_a_fresh_ring_makes_its_first_key_and_stores_it() -> None:
    store = MemoryKeys()
    with capture_logs() as logs:
        key = await key_ring(store, WallClock()).signing_key()
    (row,) = store.rows
    assert isinstance(row.id, uuid.UUID)
    assert row.kid == key.kid
    assert row.algorithm == "EdDSA"
    assert json.loads(row.public_jwk) == public_jwk(key.private_key.public_key())
    assert not row.encrypted
    assert row.private_key.startswith("-----BEGIN PRIVATE KEY-----")
    stored = serialization.load_pem_private_key(row.private_key.encode("ascii"), password=None)
    assert isinstance(stored, Ed25519PrivateKey)
    assert raw(stored) == raw(key.private_key)
    # it signs for the key lifetime, and stays published for the longest token it may sign
    assert row.signs_until == START + LIFETIME
    assert row.published_until == START + LIFETIME + TTL + dt.timedelta(seconds=30)
    assert row.created_at == row.updated_at == START
    assert logs == [
        {
            "event": "signing key created",
            "log_level": "info",
            "kid": key.kid,
            "signs_until": (START + LIFETIME).isoformat(),
        }
    ]


async def test_the_signing_key_is_served_from_memory_for_the_cache_period() -> None:
    store, ticker = MemoryKeys(), Ticker(100.0)
    ring = key_ring(store, WallClock(), ticker, cache_for=10)
    first = await ring.signing_key()
    reads = store.reads
    ticker.now = 110.0
    assert (await ring.signing_key()).kid == first.kid
    assert store.reads == reads
    ticker.now = 110.5
    assert (await ring.signing_key()).kid == first.kid
    assert store.reads == reads + 1
    ticker.now = 120.5
    await ring.signing_key()
    assert store.reads == reads + 1


async def test_the_cache_period_is_a_minute_by_default() -> None:
    store, ticker = MemoryKeys(), Ticker(100.0)
    ring = KeyRing(
        store, WallClock(), key_lifetime=LIFETIME, access_token_ttl=TTL, monotonic=ticker
    )
    await ring.signing_key()
    reads = store.reads
    ticker.now = 160.0
    await ring.signing_key()
    assert store.reads == reads
    ticker.now = 160.5
    await ring.signing_key()
    assert store.reads == reads + 1


async def test_a_key_stops_signing_at_its_signs_until_second() -> None:
    store, clock = MemoryKeys(), WallClock()
    ring = key_ring(store, clock)  # the monotonic clock stands still: only the key's age counts
    first = await ring.signing_key()
    clock.current = START + LIFETIME - dt.timedelta(microseconds=1)
    assert (await ring.signing_key()).kid == first.kid
    clock.current = START + LIFETIME
    second = await ring.signing_key()
    assert second.kid != first.kid
    assert store.row(second.kid).signs_until == START + 2 * LIFETIME
    # the old key stays published: tokens it signed a moment ago are still valid
    assert [key["kid"] for key in (await ring.jwks())["keys"]] == [second.kid, first.kid]


async def test_the_newest_key_that_may_sign_signs() -> None:
    store = MemoryKeys()
    older = store_key(store, created=START - dt.timedelta(days=2), signs_until=START + LIFETIME)
    newer = store_key(store, created=START - dt.timedelta(days=1), signs_until=START + LIFETIME)
    store_key(store, created=START, signs_until=START)  # newest, but signs no longer
    assert (await key_ring(store, WallClock()).signing_key()).kid == newer
    assert newer != older
    assert len(store.rows) == 3


async def test_a_key_that_cannot_be_read_is_passed_over_for_an_older_one() -> None:
    store = MemoryKeys()
    plain = store_key(store, created=START - dt.timedelta(days=2), signs_until=START + LIFETIME)
    sealed = store_key(
        store,
        created=START - dt.timedelta(days=1),
        signs_until=START + LIFETIME,
        secret=b"the secret it was sealed with",
    )
    with capture_logs() as logs:
        assert (await key_ring(store, WallClock()).signing_key()).kid == plain
    assert logs == [
        {
            "event": "signing key is encrypted and no secret is set; not using it",
            "log_level": "warning",
            "kid": sealed,
        }
    ]
    with capture_logs() as logs:
        assert (await key_ring(store, WallClock(), secret="another").signing_key()).kid == plain
    assert logs == [
        {
            "event": "signing key cannot be decrypted with the current secret",
            "log_level": "warning",
            "kid": sealed,
        }
    ]
    opened = await key_ring(
        store, WallClock(), secret="the secret it was sealed with"
    ).signing_key()
    assert opened.kid == sealed
    assert len(store.rows) == 2


async def test_private_keys_are_stored_encrypted_with_the_secret() -> None:
    store = MemoryKeys()
    key = await key_ring(store, WallClock(), secret="a long signing key secret").signing_key()
    (row,) = store.rows
    assert row.encrypted
    assert row.private_key.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    opened = serialization.load_pem_private_key(
        row.private_key.encode("ascii"), password=b"a long signing key secret"
    )
    assert raw(opened) == raw(key.private_key)  # type: ignore[arg-type]
    # another replica with the same secret signs with the same key
    again = await key_ring(store, WallClock(), secret="a long signing key secret").signing_key()
    assert again.kid == key.kid
    assert len(store.rows) == 1


async def test_an_empty_secret_stores_keys_in_the_clear() -> None:
    store = MemoryKeys()
    await key_ring(store, WallClock(), secret="").signing_key()
    (row,) = store.rows
    assert not row.encrypted
    assert row.private_key.startswith("-----BEGIN PRIVATE KEY-----")


async def test_a_key_stored_in_the_clear_still_signs_once_a_secret_is_set() -> None:
    store = MemoryKeys()
    plain = store_key(store, created=START, signs_until=START + LIFETIME)
    assert (await key_ring(store, WallClock(), secret="now a secret").signing_key()).kid == plain
    assert len(store.rows) == 1


async def test_rotation_retires_the_signing_keys_and_signs_with_a_new_one() -> None:
    store, clock = MemoryKeys(), WallClock()
    ring = key_ring(store, clock)
    first = await ring.signing_key()
    retired = store_key(
        store,
        created=START - dt.timedelta(days=40),
        signs_until=START - dt.timedelta(days=10),
        published_until=START + dt.timedelta(days=1),
    )
    clock.advance(seconds=1)
    moment = clock.now()
    new_kid = await ring.rotate()
    assert new_kid not in (first.kid, retired)
    assert (await ring.signing_key()).kid == new_kid
    old = store.row(first.kid)
    assert (old.signs_until, old.updated_at) == (moment, moment)
    assert old.published_until == START + LIFETIME + TTL + dt.timedelta(seconds=30)
    assert store.row(retired).signs_until == START - dt.timedelta(days=10)
    assert store.row(new_kid).signs_until == moment + LIFETIME
    assert [key["kid"] for key in (await ring.jwks())["keys"]] == [new_kid, first.kid, retired]


async def test_rotation_retires_a_key_another_replica_made() -> None:
    store, clock = MemoryKeys(), WallClock()
    ring = key_ring(store, clock)
    first = await ring.signing_key()
    other = store_key(store, created=START + dt.timedelta(seconds=1), signs_until=START + LIFETIME)
    clock.advance(seconds=2)
    new_kid = await ring.rotate()
    assert store.row(other).signs_until == clock.now()
    assert store.row(first.kid).signs_until == clock.now()
    assert (await ring.signing_key()).kid == new_kid


async def test_the_jwks_publishes_every_key_until_its_last_token_has_expired() -> None:
    store, clock, ticker = MemoryKeys(), WallClock(), Ticker()
    ring = key_ring(store, clock, ticker)
    with capture_logs():  # a fresh installation publishes its first key at once
        (first,) = (await ring.jwks())["keys"]
    assert set(first) == {"kty", "crv", "x", "kid", "alg", "use"}
    assert first == json.loads(store.row(first["kid"]).public_jwk)
    clock.advance(seconds=1)
    new_kid = await ring.rotate()
    assert (await ring.jwks())["keys"] == [json.loads(store.row(new_kid).public_jwk), first]
    clock.current = START + LIFETIME + TTL + dt.timedelta(seconds=30) - dt.timedelta(seconds=1)
    ticker.now += 61
    with capture_logs():  # by now a third key signs
        kids = [key["kid"] for key in (await ring.jwks())["keys"]]
    assert kids[1:] == [new_kid, first["kid"]]
    clock.advance(seconds=1)
    ticker.now += 61
    assert [key["kid"] for key in (await ring.jwks())["keys"]][1:] == [new_kid]


async def test_the_jwks_is_read_from_the_store_with_a_key_another_replica_just_made() -> None:
    """Two replicas starting together each make a key; either one's JWKS, asked a moment
    later, publishes both, within its cache period."""
    store, clock, ticker = MemoryKeys(), WallClock(), Ticker()
    ring = key_ring(store, clock, ticker, cache_for=60)
    with capture_logs():
        mine = (await ring.signing_key()).kid
    other = store_key(store, created=START, signs_until=START + LIFETIME)
    ticker.now += 1  # well within the cache period
    assert {key["kid"] for key in (await ring.jwks())["keys"]} == {mine, other}


async def test_a_public_key_is_served_from_memory_and_an_unknown_kid_reloads_at_once() -> None:
    store, clock, ticker = MemoryKeys(), WallClock(), Ticker(100.0)
    ring = key_ring(store, clock, ticker, cache_for=10)
    first = await ring.signing_key()
    reads = store.reads
    found = await ring.public_key(first.kid)
    assert found is not None
    assert raw(found) == raw(first.private_key)
    assert store.reads == reads
    # another replica rotated: the new kid is found at once, in the cache period
    other = key_ring(store, clock)
    clock.advance(seconds=1)
    new_kid = await other.rotate()
    new_key = await other.signing_key()
    reads = store.reads
    found = await ring.public_key(new_kid)
    assert found is not None
    assert raw(found) == raw(new_key.private_key)
    assert store.reads == reads + 1
    assert await ring.public_key("made-up") is None
    assert store.reads == reads + 2
    ticker.now = 110.0
    await ring.public_key(first.kid)
    assert store.reads == reads + 2
    ticker.now = 110.5  # stale: a known kid reloads too
    await ring.public_key(first.kid)
    assert store.reads == reads + 3


async def test_a_published_key_that_is_not_ed25519_is_never_served() -> None:
    store = MemoryKeys()
    foreign = {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA", "kid": "ec"}
    store_key(store, created=START, signs_until=START, jwk=foreign)
    ring = key_ring(store, WallClock())
    assert await ring.public_key("ec") is None
    key = await ring.signing_key()
    assert await ring.public_key(key.kid) is not None
    assert "ec" in [jwk["kid"] for jwk in (await ring.jwks())["keys"]]


async def test_a_ring_that_only_read_keys_makes_one_when_asked_to_sign() -> None:
    store = MemoryKeys()
    old = store_key(store, created=START - dt.timedelta(days=31), signs_until=START)
    ring = key_ring(store, WallClock())
    assert await ring.public_key(old) is not None  # loaded: nothing may sign now
    key = await ring.signing_key()
    assert key.kid != old
    assert len(store.rows) == 2


async def test_the_newest_key_age_is_read_from_the_store_in_seconds() -> None:
    store, clock = MemoryKeys(), WallClock()
    ring = key_ring(store, clock)
    assert await ring.newest_key_age() is None  # no key yet
    await ring.signing_key()  # made at START
    clock.advance(seconds=90.5)
    assert await ring.newest_key_age() == 90.5
    other = key_ring(store, clock)  # another replica rotates: the store, not the cache, tells
    await other.rotate()
    assert await ring.newest_key_age() == 0.0
    clock.current = START - dt.timedelta(seconds=30)  # a clock behind the key's: never negative
    assert await ring.newest_key_age() == 0.0
