"""Token expiry, not-before and clock-skew leeway, judged against an injected clock.

Every time is pinned to the second, so a leeway counted in the wrong unit, or a boundary off
by one, fails here instead of being absorbed by a slow machine.
"""

from __future__ import annotations

import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from reptidex.adapters.identity.tokens import (
    ALGORITHM,
    AUDIENCE,
    DEFAULT_LEEWAY,
    ISSUER,
    TOKEN_TYPE,
    InvalidToken,
    TokenVerifier,
)

ISSUED = 4_000_000_000  # a fixed moment (2096), far from the real clock
LIFETIME = 600


class OneKey:
    """A key source holding one public key under kid ``k``."""

    def __init__(self, key: Ed25519PublicKey) -> None:
        self.key = key

    async def public_key(self, kid: str, issued_at: float | None = None) -> Ed25519PublicKey | None:
        return self.key if kid == "k" else None


class Clock:
    """Seconds since the epoch, set by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def token(key: Ed25519PrivateKey, **times: Any) -> str:
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": ISSUED,
        "nbf": ISSUED,
        "exp": ISSUED + LIFETIME,
        "jti": uuid.uuid4().hex,
    } | times
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": "k", "typ": TOKEN_TYPE})


def verifier(key: Ed25519PrivateKey, clock: Clock, **options: Any) -> TokenVerifier:
    return TokenVerifier(OneKey(key.public_key()), clock=clock, **options)


async def test_the_default_leeway_is_thirty_seconds() -> None:
    assert DEFAULT_LEEWAY == 30
    assert TokenVerifier(OneKey(Ed25519PrivateKey.generate().public_key())).leeway == 30


async def test_an_expired_token_is_honoured_for_the_leeway_in_seconds_and_no_longer(
    private_key: Ed25519PrivateKey,
) -> None:
    clock = Clock(0)
    check = verifier(private_key, clock)  # the default leeway: 30 s
    expires = ISSUED + LIFETIME
    signed = token(private_key)
    for now in (expires - 1, expires, expires + DEFAULT_LEEWAY - 1):
        clock.now = now
        claims = await check.verify(signed)
        assert int(claims.expires_at.timestamp()) == expires
    for now in (expires + DEFAULT_LEEWAY, expires + DEFAULT_LEEWAY + 1, expires + 31 * 60):
        clock.now = now
        with pytest.raises(InvalidToken, match="expired"):
            await check.verify(signed)


async def test_without_leeway_a_token_expires_at_its_exp_second(
    private_key: Ed25519PrivateKey,
) -> None:
    clock = Clock(ISSUED + LIFETIME - 0.001)
    check = verifier(private_key, clock, leeway=0)
    signed = token(private_key)
    await check.verify(signed)
    clock.now = ISSUED + LIFETIME  # RFC 7519: on or after exp, the token is not accepted
    with pytest.raises(InvalidToken, match="expired"):
        await check.verify(signed)


async def test_a_token_is_not_accepted_before_its_nbf_less_the_leeway(
    private_key: Ed25519PrivateKey,
) -> None:
    clock = Clock(0)
    check = verifier(private_key, clock, leeway=5)
    starts = ISSUED + 100
    signed = token(private_key, nbf=starts)
    for now in (starts - 6, starts - 5.5):
        clock.now = now
        with pytest.raises(InvalidToken, match="not yet valid"):
            await check.verify(signed)
    for now in (starts - 5, starts - 4, starts, starts + 1):
        clock.now = now
        assert (await check.verify(signed)).subject


async def test_the_leeway_is_read_in_seconds_in_both_directions(
    private_key: Ed25519PrivateKey,
) -> None:
    """A leeway read as minutes (or milliseconds) moves both boundaries by far more than 1 s."""
    clock = Clock(0)
    check = verifier(private_key, clock, leeway=120)
    signed = token(private_key, nbf=ISSUED, exp=ISSUED + LIFETIME)
    cases = [
        (ISSUED - 121, "not yet valid"),
        (ISSUED - 119, None),
        (ISSUED + LIFETIME + 119, None),
        (ISSUED + LIFETIME + 121, "expired"),
    ]
    for now, refused in cases:
        clock.now = now
        if refused is None:
            await check.verify(signed)
        else:
            with pytest.raises(InvalidToken, match=refused):
                await check.verify(signed)


async def test_the_system_clock_is_not_consulted(private_key: Ed25519PrivateKey) -> None:
    """A token long expired by the wall clock is valid at the injected moment, and back."""
    signed = token(private_key, iat=1_000, nbf=1_000, exp=2_000)
    assert (await verifier(private_key, Clock(1_500), leeway=0).verify(signed)).subject
    fresh = token(private_key)  # valid around ISSUED, decades from now
    with pytest.raises(InvalidToken, match="not yet valid"):
        await verifier(private_key, Clock(1_500), leeway=0).verify(fresh)


@pytest.mark.parametrize("claim", ["exp", "nbf"])
async def test_a_time_that_is_not_a_number_is_refused(
    private_key: Ed25519PrivateKey, claim: str
) -> None:
    signed = token(private_key, **{claim: "soon"})
    with pytest.raises(InvalidToken, match=rf"\({claim}\) must be an integer"):
        await verifier(private_key, Clock(ISSUED)).verify(signed)
