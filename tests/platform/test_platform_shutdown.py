"""A stop signal lets requests in flight finish before the servers close."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Callable

import httpx
from litestar import get

from platform_process import free_port
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings
from reptidex.services.runner import serve_apps


@get("/slow")
async def slow() -> dict[str, str]:
    await asyncio.sleep(0.5)
    return {"finished": "yes"}


async def test_sigterm_finishes_requests_in_flight(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("ops", settings.database_url("ops"))
    app = create_service_app(build_kernel(service_spec("ops"), settings), [slow])
    port = free_port()
    ready = asyncio.Event()
    server = asyncio.create_task(
        serve_apps(
            {"ops": app}, "127.0.0.1", {"ops": port}, settings, on_ready=ready.set, settle=False
        )
    )
    await asyncio.wait_for(ready.wait(), 10)
    async with httpx.AsyncClient() as client:
        request = asyncio.create_task(client.get(f"http://127.0.0.1:{port}/slow"))
        await asyncio.sleep(0.2)  # the request is now being handled
        os.kill(os.getpid(), signal.SIGTERM)
        response = await asyncio.wait_for(request, 10)
    await asyncio.wait_for(server, 15)
    assert response.status_code == 200
    assert response.json() == {"finished": "yes"}
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the server has closed its port"
