"""Served as the platform serves them, the services take the client address from the socket:
an ``X-Forwarded-For`` written by a caller on the loopback (uvicorn believes the loopback by
default) is not believed without ``REPTIDEX_TRUSTED_PROXIES``, so it cannot buy a fresh
budget of the per-address rate limits."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable

import httpx

from platform_process import free_port
from reptidex.adapters.identity.passwords import Argon2PasswordHasher
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.animal.app import create_app as create_animal_app
from reptidex.services.core.app import create_app as create_core_app
from reptidex.services.core.identity import IdentityOverrides
from reptidex.services.kernel.settings import Settings
from reptidex.services.runner import serve_apps

PASSWORD = "a long and unusual passphrase 7"


async def test_forwarded_addresses_from_the_loopback_buy_no_fresh_budget(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    assert settings.trusted_proxies == ()
    for name in ("core", "animal"):
        upgrade(name, settings.database_url(name))
    fast = Argon2PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    apps = {
        "core": create_core_app(settings, identity=IdentityOverrides(hasher=fast)),
        "animal": create_animal_app(settings, genetics_per_minute=2),
    }
    ports = {name: free_port() for name in apps}
    ready = asyncio.Event()
    server = asyncio.create_task(
        serve_apps(apps, "127.0.0.1", ports, settings, on_ready=ready.set, settle=False)
    )
    try:
        await asyncio.wait_for(ready.wait(), 20)
        async with httpx.AsyncClient(timeout=30) as client:
            predictions = [
                (
                    await client.post(
                        f"http://127.0.0.1:{ports['animal']}/genetics/predict",
                        json={"species": "corn_snake", "sire": "Amel", "dam": "Amel"},
                        headers={"X-Forwarded-For": f"203.0.113.{n}"},
                    )
                ).status_code
                for n in range(1, 4)
            ]
            registrations = [
                (
                    await client.post(
                        f"http://127.0.0.1:{ports['core']}/auth/register",
                        json={"email": f"keeper{n}@example.org", "password": PASSWORD},
                        headers={"X-Forwarded-For": f"198.51.100.{n}"},
                    )
                ).status_code
                for n in range(1, 12)
            ]
    finally:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(server, 20)
    assert predictions == [200, 200, 429]
    assert registrations == [202] * 10 + [429]
