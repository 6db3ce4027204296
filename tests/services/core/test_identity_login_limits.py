"""Login limits nobody can turn against the owner: backoff per (address, account) pair, a
ceiling per account that mails one unlock token, and the addresses the owner logged in from.

The use cases run on fakes with a fake clock (the memory limiter follows it); the API runs on
the memory limiter and on a real Redis.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from identity_testkit import (
    OTHER_PASSWORD,
    STRONG_PASSWORD,
    FakeIdentity,
    FakeNotifier,
    fake_identity,
    fast_identity,
    token_in,
)
from litestar import Litestar

from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.errors import InvalidInput, NotAuthenticated, RateLimited
from reptidex.domain.identity import IdentityPolicy, Limit, TokenPurpose
from reptidex.domain.identity.ports import MailMessage
from reptidex.domain.identity.tokens import digest
from reptidex.services.core.app import create_app
from reptidex.services.kernel.logging import configure_logging
from reptidex.services.kernel.settings import Settings

OWNER = "ann@example.org"
HOME = "198.51.100.7"
"""The owner's usual address."""


@pytest.fixture
def identity() -> FakeIdentity:
    return fake_identity()


async def signed_up(identity: FakeIdentity, email: str = OWNER) -> None:
    await identity.accounts.register(email, STRONG_PASSWORD, address=HOME)
    await identity.accounts.verify_email(identity.notifier.last_token("verify_email", email))


async def outcome(identity: FakeIdentity, email: str, password: str, address: str) -> str:
    """What a login attempt answers: ``ok``, ``401`` or ``429 <retry after>``."""
    try:
        await identity.sessions.login(email, password, address=address)
    except NotAuthenticated:
        return "401"
    except RateLimited as limited:
        return f"429 {limited.retry_after}"
    return "ok"


async def guess(identity: FakeIdentity, email: str, address: str, times: int) -> list[str]:
    return [await outcome(identity, email, OTHER_PASSWORD, address) for _ in range(times)]


async def trip_ceiling(identity: FakeIdentity, email: str = OWNER) -> list[str]:
    """50 wrong passwords from 10 addresses, 5 each (no pair reaches its backoff)."""
    answers: list[str] = []
    for n in range(10):
        answers += await guess(identity, email, f"203.0.113.{n}", 5)
    return answers


def unlock_mails(identity: FakeIdentity) -> list[MailMessage]:
    return [m for m in identity.notifier.sent if m.kind == "unlock_account"]


# --- the pair: one address guessing at one account ------------------------------------------


async def test_another_address_cannot_lock_the_owner_out(identity: FakeIdentity) -> None:
    await signed_up(identity)
    attacker = "203.0.113.66"
    assert await guess(identity, OWNER, attacker, 6) == ["401"] * 5 + ["429 60"]
    assert await outcome(identity, OWNER, STRONG_PASSWORD, attacker) == "429 60"  # even right
    assert await outcome(identity, OWNER, STRONG_PASSWORD, HOME) == "ok"
    # Many addresses below the account's ceiling (45 and 5 of 50): the owner still gets in.
    for n in range(8):
        await guess(identity, OWNER, f"192.0.2.{n}", 5)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, HOME) == "ok"
    assert await outcome(identity, OWNER, STRONG_PASSWORD, "100.64.0.1") == "ok"
    assert unlock_mails(identity) == []


async def test_the_pair_backoff_grows_across_tiers(identity: FakeIdentity) -> None:
    await signed_up(identity)
    waits = []
    for pause in (0, 60, 840, 60):  # each time as soon as the wait is over
        identity.clock.advance(seconds=pause)
        answers = await guess(identity, OWNER, "203.0.113.66", 6)
        assert answers[:5] == ["401"] * 5
        waits.append(answers[5])
    # 5 in a minute: the rest of it; 10 in 15 minutes: the rest of those; 20 in an hour.
    assert waits == ["429 60", "429 840", "429 60", "429 2640"]
    identity.clock.advance(seconds=2640)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, "203.0.113.66") == "ok"


async def test_success_starts_the_pair_afresh(identity: FakeIdentity) -> None:
    await signed_up(identity)
    assert await guess(identity, OWNER, HOME, 5) == ["401"] * 5
    identity.clock.advance(seconds=60)
    assert await guess(identity, OWNER, HOME, 4) == ["401"] * 4  # 9 in the 15-minute tier
    assert await outcome(identity, OWNER, STRONG_PASSWORD, HOME) == "ok"
    # Without the reset the 15-minute tier would be over its 10 and ask for 840 s.
    assert await guess(identity, OWNER, HOME, 6) == ["401"] * 5 + ["429 60"]


async def test_the_limits_are_configurable() -> None:
    policy = IdentityPolicy(
        login_failures_per_pair=(Limit(attempts=2, window=30),),
        login_failures_per_account=Limit(attempts=3, window=600),
    )
    identity = fake_identity(policy)
    await signed_up(identity)
    assert await guess(identity, OWNER, "203.0.113.1", 3) == ["401", "401", "429 30"]
    assert await guess(identity, OWNER, "203.0.113.2", 2) == ["401", "429 600"]
    assert len(unlock_mails(identity)) == 1


# --- the account's ceiling and the unlock mail ----------------------------------------------


async def test_the_ceiling_mails_one_unlock_token(identity: FakeIdentity) -> None:
    await signed_up(identity)
    assert await trip_ceiling(identity) == ["401"] * 50
    (mail,) = unlock_mails(identity)
    assert mail.to.value == OWNER
    assert STRONG_PASSWORD not in mail.body
    assert OTHER_PASSWORD not in mail.body
    assert "paused for up to 60 minutes" in mail.body
    assert "within 60 minutes" in mail.body
    token = token_in(mail.body)
    (stored,) = [
        t
        for t in identity.store.one_time_tokens.values()
        if t.purpose is TokenPurpose.UNLOCK_ACCOUNT
    ]
    assert stored.token_digest == digest(token)  # kept hashed
    assert stored.expires_at - stored.created_at == IdentityPolicy().unlock_ttl
    assert identity.store.event_types().count("auth.login_locked") == 1
    # Now every address waits, the right password too, and nobody is mailed again.
    identity.clock.advance(minutes=10)
    for address in ("203.0.113.1", "192.0.2.99", HOME):
        assert await outcome(identity, OWNER, STRONG_PASSWORD, address) == "429 3000"
        assert await outcome(identity, OWNER, OTHER_PASSWORD, address) == "429 3000"
    assert len(unlock_mails(identity)) == 1
    with pytest.raises(RateLimited) as caught:
        await identity.sessions.login(OWNER, STRONG_PASSWORD, address=HOME)
    assert "POST /auth/unlock" in caught.value.detail
    # The ceiling lifts by itself at the end of its hour.
    identity.clock.advance(minutes=50)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, "192.0.2.99") == "ok"


async def test_the_unlock_token_works_once(identity: FakeIdentity) -> None:
    await signed_up(identity)
    await trip_ceiling(identity)
    token = identity.notifier.last_token("unlock_account", OWNER)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, "192.0.2.99") == "429 3600"
    await identity.sessions.unlock(token)
    assert identity.store.event_types()[-1] == "auth.account_unlocked"
    assert await outcome(identity, OWNER, STRONG_PASSWORD, "192.0.2.99") == "ok"
    with pytest.raises(InvalidInput) as second:
        await identity.sessions.unlock(token)
    assert second.value.field_errors == {"token": second.value.detail}
    with pytest.raises(InvalidInput):
        await identity.sessions.unlock("not-a-token-we-ever-sent")


async def test_unlocking_lifts_the_ceiling_not_a_guessers_backoff(identity: FakeIdentity) -> None:
    await signed_up(identity)
    await guess(identity, OWNER, "203.0.113.66", 5)  # this pair now backs off
    for n in range(9):
        await guess(identity, OWNER, f"192.0.2.{n}", 5)
    await identity.sessions.unlock(identity.notifier.last_token("unlock_account", OWNER))
    assert await outcome(identity, OWNER, STRONG_PASSWORD, "203.0.113.66") == "429 60"
    assert await outcome(identity, OWNER, STRONG_PASSWORD, "100.64.0.1") == "ok"


async def test_an_expired_unlock_token_is_refused(identity: FakeIdentity) -> None:
    await signed_up(identity)
    await trip_ceiling(identity)
    token = identity.notifier.last_token("unlock_account", OWNER)
    identity.clock.advance(minutes=59)
    await identity.sessions.unlock(token)  # still in time
    await trip_ceiling(identity)  # the ceiling starts afresh, and its trip mails anew
    assert len(unlock_mails(identity)) == 2
    token = identity.notifier.last_token("unlock_account", OWNER)
    identity.clock.advance(minutes=60)
    with pytest.raises(InvalidInput):
        await identity.sessions.unlock(token)


async def test_a_new_unlock_token_replaces_the_old_one(identity: FakeIdentity) -> None:
    await signed_up(identity)
    await guess(identity, OWNER, "192.0.2.1", 1)  # the ceiling's hour starts here
    identity.clock.advance(minutes=50)
    for n in range(9):
        await guess(identity, OWNER, f"203.0.113.{n}", 5)
    assert await guess(identity, OWNER, "203.0.113.9", 5) == ["401"] * 4 + ["429 600"]
    (first_mail,) = unlock_mails(identity)
    assert "paused for up to 10 minutes" in first_mail.body
    first = token_in(first_mail.body)
    identity.clock.advance(minutes=11)  # the hour is over, the first token is not
    await trip_ceiling(identity)
    second = identity.notifier.last_token("unlock_account", OWNER)
    assert first != second
    with pytest.raises(InvalidInput):
        await identity.sessions.unlock(first)
    await identity.sessions.unlock(second)


# --- the addresses the owner logged in from -------------------------------------------------


async def test_a_recent_login_address_passes_the_ceiling(identity: FakeIdentity) -> None:
    await signed_up(identity)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, HOME) == "ok"
    await trip_ceiling(identity)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, HOME) == "ok"
    assert await outcome(identity, OWNER, STRONG_PASSWORD, "100.64.0.1") == "429 3600"
    # From home a wrong password is checked (and counted) like any other: no oracle.
    assert await guess(identity, OWNER, HOME, 6) == ["401"] * 5 + ["429 60"]
    assert len(unlock_mails(identity)) == 1  # more failures past the ceiling mail nobody
    # Logging in does not lift the ceiling for other addresses.
    assert await outcome(identity, OWNER, STRONG_PASSWORD, "100.64.0.1") == "429 3600"


async def test_a_login_address_is_known_for_a_while_only() -> None:
    identity = fake_identity(IdentityPolicy(login_known_address_ttl=dt.timedelta(minutes=10)))
    await signed_up(identity)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, HOME) == "ok"
    identity.clock.advance(minutes=9)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, HOME) == "ok"  # 10 more minutes
    identity.clock.advance(minutes=9)
    await trip_ceiling(identity)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, HOME) == "ok"
    identity.clock.advance(minutes=11)
    assert await outcome(identity, OWNER, STRONG_PASSWORD, HOME) == "429 2940"


# --- unknown accounts -----------------------------------------------------------------------


class CountingHasher:
    """Counts the password checks: each attempt must cost the same, account or not."""

    def __init__(self, identity: FakeIdentity) -> None:
        self.checks = 0
        self._verify = identity.hasher.verify
        identity.hasher.verify = self.verify  # type: ignore[method-assign]

    async def verify(self, password_hash: str, password: str) -> bool:
        self.checks += 1
        return await self._verify(password_hash, password)


async def test_unknown_accounts_answer_alike(identity: FakeIdentity) -> None:
    await signed_up(identity)
    counting = CountingHasher(identity)
    journeys: dict[str, tuple[list[str], list[str], int]] = {}
    for email in (OWNER, "nobody@example.org"):
        identity.clock.advance(hours=2)
        counting.checks = 0
        answers = await guess(identity, email, "203.0.113.66", 6)
        answers += await trip_ceiling(identity, email)
        answers += await guess(identity, email, "100.64.0.1", 2)
        details = []
        for password in (OTHER_PASSWORD, STRONG_PASSWORD):
            with pytest.raises(RateLimited) as caught:
                await identity.sessions.login(email, password, address="100.64.0.2")
            details.append(caught.value.detail)
        journeys[email] = (answers, details, counting.checks)
    assert journeys[OWNER] == journeys["nobody@example.org"]
    answers, _, checks = journeys[OWNER]
    assert checks == answers.count("401") == 5 + 45  # refused attempts check no password
    assert len(unlock_mails(identity)) == 1  # the owner's; nobody mails a missing account


# --- over HTTP ------------------------------------------------------------------------------


async def mail_of(notifier: FakeNotifier, kind: str, count: int = 1) -> list[MailMessage]:
    """The ``kind`` mails, once core's dispatcher has sent ``count`` of them."""
    for _ in range(250):
        found = [m for m in notifier.sent if m.kind == kind]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {kind} mail")


def client_at(app: Litestar, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))  # type: ignore[arg-type]  # Litestar types ASGI more narrowly than httpx
    return httpx.AsyncClient(transport=transport, base_url="http://core")


@pytest.fixture
def captured_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("INFO", "json", stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().handlers[:] = []


async def _lockout_over_http(settings: Settings, log: io.StringIO) -> None:
    upgrade("core", settings.database_url("core"))
    notifier = FakeNotifier()
    policy = IdentityPolicy(login_failures_per_account=Limit(attempts=6, window=3600))
    app = create_app(settings, identity=fast_identity(notifier=notifier, policy=policy))
    wrong = {"email": OWNER, "password": OTHER_PASSWORD}
    right = {"email": OWNER, "password": STRONG_PASSWORD}
    async with app.lifespan():
        async with client_at(app, HOME) as home:
            registered = await home.post("/auth/register", json=right)
            assert registered.status_code == 202, registered.text
            (verify,) = await mail_of(notifier, "verify_email")
            token = token_in(verify.body)
            assert (await home.post("/auth/verify-email", json={"token": token})).is_success
            # The owner's own typos: the right password waits a minute, no more.
            statuses = [(await home.post("/auth/login", json=wrong)).status_code for _ in range(5)]
            assert statuses == [401] * 5
            refused = await home.post("/auth/login", json=right)
            assert refused.status_code == 429, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert 0 < int(refused.headers["retry-after"]) <= 60
        async with client_at(app, "203.0.113.66") as attacker:
            tripping = await attacker.post("/auth/login", json=wrong)
            assert tripping.status_code == 401  # the sixth failure of the account: its ceiling
            locked = await attacker.post("/auth/login", json=right)
        assert locked.status_code == 429
        assert locked.json()["status"] == 429
        assert 3500 < int(locked.headers["retry-after"]) <= 3600
        (mail,) = await mail_of(notifier, "unlock_account")
        unlock = token_in(mail.body)
        async with client_at(app, "100.64.0.1") as travelling:
            assert (await travelling.post("/auth/login", json=right)).status_code == 429
            unlocked = await travelling.post("/auth/unlock", json={"token": unlock})
            assert unlocked.status_code == 204, unlocked.text
            assert (await travelling.post("/auth/login", json=right)).status_code == 200
            again = await travelling.post("/auth/unlock", json={"token": unlock})
            assert again.status_code == 422
            assert again.headers["content-type"].startswith("application/problem+json")
            assert again.json()["errors"][0]["field"] == "token"
        await asyncio.sleep(0.1)
        assert len([m for m in notifier.sent if m.kind == "unlock_account"]) == 1
    logged = log.getvalue()
    assert '"path": "/auth/unlock"' in logged
    assert [line for line in logged.splitlines() if unlock in line] == []
    assert STRONG_PASSWORD not in logged


async def test_lockout_over_http_in_memory(
    make_settings: Callable[..., Settings], captured_log: io.StringIO
) -> None:
    await _lockout_over_http(make_settings(), captured_log)


@pytest.mark.redis
async def test_lockout_over_http_in_redis(
    make_settings: Callable[..., Settings], redis_url: str, captured_log: io.StringIO
) -> None:
    await _lockout_over_http(make_settings(redis_url=redis_url, event_bus="memory"), captured_log)
    client: Any = aioredis.from_url(redis_url)
    try:
        keys = [key.decode() async for key in client.scan_iter("reptidex:ratelimit:*")]
        assert keys
        assert not [key for key in keys if "example.org" in key or "203.0.113" in key]
    finally:
        await client.aclose()


async def test_the_refusals_say_how_long_to_wait(identity: FakeIdentity) -> None:
    await signed_up(identity)
    await guess(identity, OWNER, "203.0.113.66", 5)
    with pytest.raises(RateLimited) as pair:
        await identity.sessions.login(OWNER, OTHER_PASSWORD, address="203.0.113.66")
    assert pair.value.detail == (
        "Too many failed logins from this address; try again in 60 seconds."
    )
    await trip_ceiling(identity)
    with pytest.raises(RateLimited) as account:
        await identity.sessions.login(OWNER, STRONG_PASSWORD, address="192.0.2.99")
    assert account.value.detail == (
        f"Too many failed logins for this account; try again in {account.value.retry_after} "
        "seconds, or use the unlock token mailed to its owner (POST /auth/unlock)."
    )
