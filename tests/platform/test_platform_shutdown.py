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


async def refuses_connections(port: int) -> bool:
    """Whether nothing listens on ``port`` any more."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def test_sigterm_finishes_requests_in_flight(make_settings: Callable[..., Settings]) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    @get("/slow")
    async def slow() -> dict[str, str]:
        started.set()
        await release.wait()
        return {"finished": "yes"}

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
        await asyncio.wait_for(started.wait(), 10)  # the request is being handled
        os.kill(os.getpid(), signal.SIGTERM)
        # the server stops listening while the request is still open
        deadline = asyncio.get_running_loop().time() + 10
        while not await refuses_connections(port):
            assert asyncio.get_running_loop().time() < deadline, "the server kept listening"
            await asyncio.sleep(0.02)
        # and, however long the request takes, the server waits for it to finish
        finished, _ = await asyncio.wait({server}, timeout=0.5)
        assert not finished, "the server stopped with a request in flight"
        assert not request.done()
        release.set()
        response = await asyncio.wait_for(request, 10)
    await asyncio.wait_for(server, 15)
    assert response.status_code == 200
    assert response.json() == {"finished": "yes"}
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the server has closed its port"
