"""Rate limits on login and registration: the counters (memory and real Redis) and the API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
import redis.asyncio as aioredis
from identity_testkit import OTHER_PASSWORD, STRONG_PASSWORD, fast_identity, register_and_verify
from litestar.testing import AsyncTestClient, TestClient

from reptidex.adapters.rate_limits import (
    FallbackRateLimiter,
    MemoryRateLimiter,
    RedisRateLimiter,
)
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.core.app import create_app
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_memory_counter_windows() -> None:
    ticker = Ticker()
    limiter = MemoryRateLimiter(ticker)
    assert [await limiter.hit("k", 2, 60) for _ in range(2)] == [None, None]
    assert await limiter.exceeded("k", 2, 60) == 60
    assert await limiter.hit("k", 2, 60) == 60
    ticker.now += 59.5
    assert await limiter.hit("k", 2, 60) == 1
    ticker.now += 1
    assert await limiter.exceeded("k", 2, 60) is None  # a new window
    assert await limiter.hit("k", 2, 60) is None
    await limiter.reset("k")
    assert await limiter.exceeded("k", 1, 60) is None


@pytest.mark.redis
async def test_redis_counter_windows(redis_url: str) -> None:
    client = aioredis.from_url(redis_url)
    try:
        limiter = RedisRateLimiter(client)
        assert [await limiter.hit("login:account:ann@example.org", 2, 60) for _ in range(2)] == [
            None,
            None,
        ]
        assert 0 < (await limiter.exceeded("login:account:ann@example.org", 2, 60) or 0) <= 60
        assert 0 < (await limiter.hit("login:account:ann@example.org", 2, 60) or 0) <= 60
        # Shared by replicas: a second limiter on the same Redis sees the same count.
        assert await RedisRateLimiter(client).exceeded("login:account:ann@example.org", 2, 60)
        keys = [key.decode() async for key in client.scan_iter("reptidex:ratelimit:*")]
        assert len(keys) == 1
        assert "ann" not in keys[0]  # no address in the clear
        assert 0 < await client.ttl(keys[0]) <= 60
        await limiter.reset("login:account:ann@example.org")
        assert await limiter.exceeded("login:account:ann@example.org", 2, 60) is None
        await limiter.hit("short", 1, 1)
        assert await client.ttl(keys[0]) == -2  # reset deleted it
    finally:
        await client.aclose()


async def _login_is_limited(settings: Settings) -> None:
    upgrade("core", settings.database_url("core"))
    app = create_app(settings, identity=fast_identity())
    async with AsyncTestClient(app) as client:
        response = await client.post(
            "/auth/register", json={"email": "ann@example.org", "password": STRONG_PASSWORD}
        )
        assert response.status_code == 202
        for email in ("ann@example.org", "nobody@example.org"):
            for _ in range(5):
                response = await client.post(
                    "/auth/login", json={"email": email, "password": OTHER_PASSWORD}
                )
                assert response.status_code == 401
            # Even the right password waits now; an unknown account answers exactly alike.
            response = await client.post(
                "/auth/login", json={"email": email, "password": STRONG_PASSWORD}
            )
            assert response.status_code == 429, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert 0 < int(response.headers["retry-after"]) <= 900


def test_login_rate_limit_in_memory(make_settings: Callable[..., Settings]) -> None:
    asyncio.run(_login_is_limited(make_settings()))


@pytest.mark.redis
async def test_login_rate_limit_in_redis(
    make_settings: Callable[..., Settings], redis_url: str
) -> None:
    await _login_is_limited(make_settings(redis_url=redis_url, event_bus="memory"))
    client = aioredis.from_url(redis_url)
    try:
        assert [key async for key in client.scan_iter("reptidex:ratelimit:*")]
    finally:
        await client.aclose()


async def test_registration_is_limited_per_address(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("core", settings.database_url("core"))
    async with AsyncTestClient(create_app(settings, identity=fast_identity())) as client:
        statuses = [
            (
                await client.post(
                    "/auth/register",
                    json={"email": f"keeper{n}@example.org", "password": STRONG_PASSWORD},
                )
            ).status_code
            for n in range(11)
        ]
    assert statuses == [202] * 10 + [429]


def test_limits_do_not_stop_a_verified_user_after_success(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    upgrade("core", settings.database_url("core"))
    with TestClient(create_app(settings, identity=fast_identity())) as client:
        register_and_verify(client, settings.data_dir, "ann@example.org")
        for _ in range(4):
            wrong = {"email": "ann@example.org", "password": OTHER_PASSWORD}
            assert client.post("/auth/login", json=wrong).status_code == 401
            right = {"email": "ann@example.org", "password": STRONG_PASSWORD}
            assert client.post("/auth/login", json=right).status_code == 200


async def test_with_redis_away_login_is_limited_in_memory_and_answers(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(redis_url="redis://127.0.0.1:1/0", event_bus="memory")  # nobody
    upgrade("core", settings.database_url("core"))
    app = create_app(settings, identity=fast_identity())
    transport = httpx.ASGITransport(app=app, client=("192.0.2.2", 50000))  # type: ignore[arg-type]  # Litestar types ASGI more narrowly than httpx
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://c") as c:
        registered = await c.post(
            "/auth/register", json={"email": "ann@example.org", "password": STRONG_PASSWORD}
        )
        wrong = {"email": "ann@example.org", "password": OTHER_PASSWORD}
        statuses = [(await c.post("/auth/login", json=wrong)).status_code for _ in range(6)]
    assert registered.status_code == 202, registered.text
    assert statuses == [401] * 5 + [429]
    limiter = kernel_of(app).rate_limiter
    assert isinstance(limiter, FallbackRateLimiter)
    assert limiter.in_memory


async def test_service_token_is_limited_per_address(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("core", settings.database_url("core"))
    app = create_app(settings, identity=fast_identity())
    wrong = {"service": "animal", "secret": "w" * 32}
    async with AsyncTestClient(app) as client:
        statuses = [
            (await client.post("/auth/service-token", json=wrong)).status_code for _ in range(20)
        ]
        refused = await client.post("/auth/service-token", json=wrong)
    assert statuses == [401] * 20
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["status"] == 429
    assert 0 < int(refused.headers["retry-after"]) <= 60
