"""Run one service, or several in one process, on uvicorn with a graceful shutdown.

The platform installs its own SIGINT/SIGTERM handlers and asks every server to stop; each then
finishes its in-flight requests (up to the shutdown timeout) before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable, Generator, Mapping

import uvicorn
from litestar import Litestar

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.events import share_event_bus
from reptidex.services.kernel.heap import settle_heap
from reptidex.services.kernel.logging import get_logger
from reptidex.services.kernel.settings import Settings
from reptidex.services.kernel.slow_clients import MAX_HEADER_BYTES, header_deadline_protocol
from reptidex.services.registry import APP_FACTORIES

_log = get_logger("reptidex.runner")


class PortInUseError(OSError):
    """A service's port is already taken by another process."""


class PlatformServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the platform, which stops all at once,
    and settles the heap once its app has started (see :func:`settle_heap`)."""

    def __init__(self, config: uvicorn.Config, *, settle: bool = True) -> None:
        super().__init__(config)
        self.settle = settle

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start the app (its lifespan) and listen; then settle what start-up left alive."""
        await super().startup(sockets)
        if self.settle:
            settle_heap()


def migrate(services: list[str], settings: Settings) -> None:
    """Bring each service's database to its newest schema."""
    for name in services:
        upgrade(name, settings.database_url(name))
        _log.info("database ready", service=name, database=_safe_url(settings.database_url(name)))


def _safe_url(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"


def ensure_ports_free(host: str, ports: Mapping[str, int]) -> None:
    """Fail early, naming the service, when one of ``ports`` is taken."""
    for name, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise PortInUseError(
                    f"port {port} for repti-{name} on {host} is not free ({exc.strerror}); "
                    "stop what uses it or choose other ports (--port-base, --port NAME=PORT)"
                ) from exc


def build_apps(services: list[str], settings: Settings) -> dict[str, Litestar]:
    """Create each named service's app; services run together share one event bus."""
    apps = {name: APP_FACTORIES[name](settings) for name in services}
    if len(apps) > 1:
        share_event_bus([kernel_of(app).events for app in apps.values()], settings)
    return apps


def server_config(app: Litestar, host: str, port: int, settings: Settings) -> uvicorn.Config:
    """How uvicorn serves a service. ``proxy_headers`` is off: uvicorn would otherwise take the
    client address from ``X-Forwarded-For`` sent from the loopback, whoever wrote it, and the
    per-address rate limits would believe it; the kernel reads the header itself, from
    ``REPTIDEX_TRUSTED_PROXIES`` only (:mod:`~reptidex.services.kernel.client_address`).
    Slow clients are cut off by the header deadline and the keep-alive timeout (and, in the
    app, the body deadline: :mod:`~reptidex.services.kernel.slow_clients`)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=header_deadline_protocol(settings.header_timeout),
        timeout_keep_alive=max(1, round(settings.keep_alive_timeout)),
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.shutdown_timeout),
        server_header=False,
        proxy_headers=False,
    )


async def serve_apps(
    apps: Mapping[str, Litestar],
    host: str,
    ports: Mapping[str, int],
    settings: Settings,
    on_ready: Callable[[], None] | None = None,
    *,
    settle: bool = True,
    sockets: Mapping[str, socket.socket] | None = None,
) -> None:
    """Serve ``apps`` until SIGINT or SIGTERM, then shut all of them down gracefully.

    ``settle`` (default) settles the heap once each has started (:func:`settle_heap`); a
    process that serves only for a while among other work (a test) passes ``False``.
    ``sockets`` are listening sockets to serve on instead of binding ``host`` and the port
    (worker processes sharing one port)."""
    servers = [
        PlatformServer(server_config(app, host, ports[name], settings), settle=settle)
        for name, app in apps.items()
    ]
    loop = asyncio.get_running_loop()

    def stop() -> None:
        _log.info("stopping: finishing requests in flight")
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)

    async def announce() -> None:
        while not all(server.started for server in servers):
            if any(server.should_exit for server in servers):
                return
            await asyncio.sleep(0.05)
        if on_ready is not None:
            on_ready()

    watcher = asyncio.create_task(announce())
    try:
        await asyncio.gather(
            *(
                server.serve(sockets=[sockets[name]] if sockets and name in sockets else None)
                for name, server in zip(apps, servers, strict=True)
            )
        )
    finally:
        watcher.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
