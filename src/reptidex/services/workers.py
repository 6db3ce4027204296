"""Several processes of one service on one port, so that a service uses every core.

``reptidex serve SERVICE --workers N`` starts N worker processes; each builds the service's
app and listens on the same address with ``SO_REUSEPORT``, and the kernel spreads incoming
connections over them. The parent only supervises:

- SIGINT or SIGTERM is passed on to every worker, each of which finishes its requests in
  flight (the platform's graceful shutdown), and the parent waits for all of them;
- a worker that dies is started again; one that keeps dying within seconds of its start
  (three times in a row) stops the whole service with an error, rather than looping.

Workers share nothing in memory: PostgreSQL is required (SQLite is one file for one
process), and whatever a service keeps per process must stay right across processes (the
lineage cache is kept exact by PostgreSQL's change notices, rate limits by Redis when set).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

from reptidex.adapters.sql.engine import is_sqlite
from reptidex.services.kernel.logging import configure_logging, get_logger
from reptidex.services.kernel.settings import Settings

_log = get_logger("reptidex.workers")

QUICK_DEATH = 10.0
"""A worker that dies this many seconds after its start or sooner died quickly."""
QUICK_DEATHS = 3
"""Quick deaths in a row that stop the service."""


class WorkersRefused(ValueError):
    """Several workers cannot run with these settings."""


def check_workers(service: str, settings: Settings, workers: int) -> None:
    """Refuse what several workers cannot do, saying why."""
    if workers < 1:
        raise WorkersRefused("--workers must be at least 1")
    if workers > 1 and is_sqlite(settings.database_url(service)):
        raise WorkersRefused(
            f"--workers {workers} needs PostgreSQL: repti-{service} is on SQLite, one file "
            f"for one process (set REPTIDEX_{service.upper()}_DATABASE_URL)"
        )


def shared_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` that other processes may bind too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # a response written in two parts must not wait for the client's delayed ACK (Nagle)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def run_worker(service: str, settings: Settings, host: str, port: int) -> None:
    """One worker process: build the service and serve on the shared port until stopped."""
    from reptidex.services.runner import build_apps, serve_apps

    configure_logging(settings.log_level, settings.log_format)
    sock = shared_port_socket(host, port)
    apps = build_apps([service], settings)
    asyncio.run(serve_apps(apps, host, {service: port}, settings, sockets={service: sock}))


def supervise(service: str, settings: Settings, host: str, port: int, workers: int) -> int:
    """Run ``workers`` processes of ``service`` until SIGINT/SIGTERM; the exit status."""
    check_workers(service, settings, workers)
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> tuple[BaseProcess, float]:
        process = context.Process(
            target=run_worker, args=(service, settings, host, port), name=f"repti-{service}"
        )
        process.start()
        return process, time.monotonic()

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            _log.info("stopping the workers", signal=signal.Signals(signum).name)
        stopping = True
        for process, _ in running:
            if process.is_alive() and process.pid is not None:
                process.terminate()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    running = [start() for _ in range(workers)]
    _log.info("workers started", service=service, workers=workers, port=port)
    quick_deaths = 0
    status = 0
    try:
        while running:
            multiprocessing.connection.wait([p.sentinel for p, _ in running], timeout=1.0)
            for index, (process, started) in enumerate(running):
                if stopping or process.is_alive():
                    continue
                process.join()
                lived = time.monotonic() - started
                quick_deaths = quick_deaths + 1 if lived <= QUICK_DEATH else 0
                _log.warning("a worker died", exitcode=process.exitcode, seconds=round(lived, 1))
                if quick_deaths >= QUICK_DEATHS:
                    _log.error("workers keep dying at start; stopping", service=service)
                    status = 1
                    stop(signal.SIGTERM, None)
                else:
                    running[index] = start()
            if stopping:  # wait only for the workers still finishing their requests
                running = [(p, started) for p, started in running if p.is_alive()]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
