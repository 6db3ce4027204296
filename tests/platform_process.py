"""`reptidex up` as a real process, for the tests that drive the whole platform over HTTP.

A block of free ports, an environment without the caller's ``REPTIDEX_*`` settings, the start,
the wait until all six services and the web application answer ``/health``, and the stop.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import httpx
import pytest

REPTIDEX = [sys.executable, "-m", "reptidex"]
SERVICE_COUNT = 6
WEB_OFFSET = SERVICE_COUNT
"""repti-web listens just after the six (``--port web=base+6``), inside the block of free ports."""


def free_port() -> int:
    """A port that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_port_block(size: int = SERVICE_COUNT + 1) -> int:
    """A port such that it and the next ``size - 1`` are free right now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + size > 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                sock.bind(("127.0.0.1", port))
                sockets.append(sock)
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return base
    raise RuntimeError("no block of free ports")


def clean_environment(data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without ``REPTIDEX_*``, then JSON logs into ``data_dir``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REPTIDEX_")}
    environ.update({"REPTIDEX_DATA_DIR": str(data_dir), "REPTIDEX_LOG_FORMAT": "json"})
    environ.update(extra or {})
    return environ


def start_up(
    base: int, environ: dict[str, str], *, stdout: int | IO[str], stderr: int | IO[str]
) -> subprocess.Popen[str]:
    """``reptidex up --port-base base`` in the background (repti-web on ``base + 6``)."""
    return subprocess.Popen(
        [*REPTIDEX, "up", "--port-base", str(base), "--port", f"web={base + WEB_OFFSET}"],
        env=environ,
        stdout=stdout,
        stderr=stderr,
        text=True,
    )


def wait_until_ready(process: subprocess.Popen[str], base: int, *, within: float) -> bool:
    """Whether every service answered ``/health`` with 200 before ``within`` seconds passed."""
    deadline = time.monotonic() + within
    ready = False
    while time.monotonic() < deadline and process.poll() is None:
        try:
            ready = all(
                httpx.get(f"http://127.0.0.1:{base + i}/health", timeout=1).status_code == 200
                for i in range(SERVICE_COUNT + 1)
            )
        except httpx.HTTPError:
            ready = False
        if ready:
            break
        time.sleep(0.3)
    return ready


@contextlib.contextmanager
def running_platform(
    base: int, environ: dict[str, str], log_path: Path, *, within: float = 90
) -> Iterator[subprocess.Popen[str]]:
    """A ready `reptidex up` logging to ``log_path``; the test fails with the log if it is not.

    On exit the platform is asked to stop and, after 30 seconds, killed.
    """
    with log_path.open("w+") as log:
        process = start_up(base, environ, stdout=log, stderr=subprocess.STDOUT)
        if not wait_until_ready(process, base, within=within):
            process.kill()
            process.wait()
            log.seek(0)
            pytest.fail(f"reptidex up did not become ready:\n{log.read()[-4000:]}")
        yield process
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
