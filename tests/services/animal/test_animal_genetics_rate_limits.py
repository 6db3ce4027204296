"""The public genetics endpoints' limit: keyed by the real client address (``X-Forwarded-For``
believed from ``REPTIDEX_TRUSTED_PROXIES`` only), counted in Redis when it answers and in
memory when it does not (never a 500)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from reptidex.adapters.rate_limits import FallbackRateLimiter
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.animal.app import create_app as create_animal_app
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings

PREDICT = {"species": "corn_snake", "sire": "Amel", "dam": "Amel"}
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
"""A Redis URL nothing listens on (connections are refused at once)."""


async def _predict(app: object, peer: str, forwarded: str | None = None) -> int:
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))  # type: ignore[arg-type]  # Litestar types ASGI more narrowly than httpx
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://animal") as client:
        response = await client.post("/genetics/predict", json=PREDICT, headers=headers)
    return response.status_code


async def test_behind_a_trusted_proxy_each_client_has_its_own_genetics_budget(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(trusted_proxies="10.0.0.0/8")
    upgrade("animal", settings.database_url("animal"))
    app = create_animal_app(settings, genetics_per_minute=2)
    async with app.lifespan():
        # Two clients behind one load balancer (10.0.0.5): each gets the whole budget.
        first = [await _predict(app, "10.0.0.5", "203.0.113.7") for _ in range(3)]
        second = await _predict(app, "10.0.0.5", "198.51.100.23")
    assert first == [200, 200, 429]
    assert second == 200


async def test_forwarded_addresses_from_an_untrusted_peer_share_its_budget(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(trusted_proxies="10.0.0.0/8")
    upgrade("animal", settings.database_url("animal"))
    app = create_animal_app(settings, genetics_per_minute=2)
    async with app.lifespan():
        statuses = [await _predict(app, "192.0.2.44", f"203.0.113.{n}") for n in range(1, 4)]
    assert statuses == [200, 200, 429]


async def test_with_redis_away_genetics_is_limited_in_memory_and_answers(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(redis_url=UNREACHABLE_REDIS, event_bus="memory")
    upgrade("animal", settings.database_url("animal"))
    app = create_animal_app(settings, genetics_per_minute=2)
    async with app.lifespan():
        statuses = [await _predict(app, "192.0.2.1") for _ in range(3)]
    assert statuses == [200, 200, 429]
    limiter = kernel_of(app).rate_limiter
    assert isinstance(limiter, FallbackRateLimiter)
    assert limiter.in_memory
