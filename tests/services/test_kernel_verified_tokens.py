"""The authenticator's memory of verified tokens: one signature check per token, never past
the token's expiry, bounded, and refused tokens are never remembered."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from reptidex.adapters.identity.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE
from reptidex.domain.errors import NotAuthenticated
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.verified_tokens import VerifiedTokens


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_until_the_ttl_or_the_expiry_whichever_comes_first() -> None:
    clock = Clock()
    memory = VerifiedTokens[str](ttl=60, clock=clock)
    memory.keep("short", "a", expires_at=1_010.0)
    memory.keep("long", "b", expires_at=5_000.0)
    clock.now = 1_009.9
    assert (memory.get("short"), memory.get("long")) == ("a", "b")
    clock.now = 1_010.0
    assert memory.get("short") is None
    clock.now = 1_059.9
    assert memory.get("long") == "b"
    clock.now = 1_060.0
    assert memory.get("long") is None
    assert len(memory) == 0


def test_an_expired_token_is_not_kept() -> None:
    memory = VerifiedTokens[str](clock=Clock())
    memory.keep("old", "a", expires_at=999.0)
    memory.keep("expiring-now", "a", expires_at=1_000.0)
    assert memory.get("old") is None
    assert len(memory) == 0


def test_the_least_recently_used_token_goes_first() -> None:
    memory = VerifiedTokens[str](size=2, clock=Clock())
    memory.keep("a", "A", expires_at=2_000)
    memory.keep("b", "B", expires_at=2_000)
    assert memory.get("a") == "A"  # now b is the least recently used
    memory.keep("c", "C", expires_at=2_000)
    assert (memory.get("a"), memory.get("b"), memory.get("c")) == ("A", None, "C")


def test_bad_bounds_are_refused() -> None:
    message = "^size must be at least 1 and ttl positive$"
    with pytest.raises(ValueError, match=message):
        VerifiedTokens[str](size=0)
    with pytest.raises(ValueError, match=message):
        VerifiedTokens[str](ttl=0)


def test_the_smallest_bounds_work() -> None:
    clock = Clock()
    memory = VerifiedTokens[str](size=1, ttl=0.5, clock=clock)
    memory.keep("a", "A", expires_at=2_000)
    memory.keep("b", "B", expires_at=2_000)
    assert (memory.get("a"), memory.get("b")) == (None, "B")
    clock.now += 0.5
    assert memory.get("b") is None


class CountingKeys:
    """One Ed25519 key under kid ``k``, counting how often the verifier asks for it."""

    def __init__(self, key: Ed25519PublicKey) -> None:
        self.key = key
        self.asked = 0

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        self.asked += 1
        return self.key if kid == "k" else None


def _token(key: Ed25519PrivateKey, *, expires_in: int, now: int | None = None) -> str:
    now = int(time.time()) if now is None else now
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "exp": now + expires_in,
        "jti": uuid.uuid4().hex,
        "org": str(uuid.uuid4()),
        "role": "member",
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": "k", "typ": TOKEN_TYPE})


async def test_a_token_is_verified_once_then_remembered() -> None:
    private = Ed25519PrivateKey.generate()
    keys = CountingKeys(private.public_key())
    authenticator = Authenticator(keys, leeway=0)
    token = _token(private, expires_in=600)
    first = await authenticator.verify(token)
    again = await authenticator.verify(token)
    assert again == first
    assert keys.asked == 1


async def test_a_refused_token_is_checked_every_time() -> None:
    private = Ed25519PrivateKey.generate()
    keys = CountingKeys(Ed25519PrivateKey.generate().public_key())  # not the signer's key
    authenticator = Authenticator(keys, leeway=0)
    token = _token(private, expires_in=600)
    for _ in range(2):
        with pytest.raises(NotAuthenticated, match="signature"):
            await authenticator.verify(token)
    assert keys.asked == 2
    assert len(authenticator.verified) == 0


async def test_a_remembered_token_still_stops_at_its_expiry() -> None:
    private = Ed25519PrivateKey.generate()
    clock = Clock()
    keys = CountingKeys(private.public_key())
    authenticator = Authenticator(keys, leeway=0, clock=clock)
    token = _token(private, expires_in=1, now=1_000)
    clock.now = 1_000.999
    await authenticator.verify(token)
    assert len(authenticator.verified) == 1
    clock.now = 1_001.0
    with pytest.raises(NotAuthenticated, match="expired"):
        await authenticator.verify(token)
    assert keys.asked == 2  # the memory let it go, and the verifier refused it


async def test_a_remembered_token_lives_through_the_leeway_and_no_longer() -> None:
    private = Ed25519PrivateKey.generate()
    clock = Clock()
    keys = CountingKeys(private.public_key())
    authenticator = Authenticator(keys, leeway=30, clock=clock)
    token = _token(private, expires_in=60, now=1_000)
    await authenticator.verify(token)
    clock.now = 1_060 + 29
    await authenticator.verify(token)
    clock.now = 1_060 + 30
    with pytest.raises(NotAuthenticated, match="expired"):
        await authenticator.verify(token)
