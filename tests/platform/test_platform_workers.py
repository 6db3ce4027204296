"""``reptidex serve SERVICE --workers N``: N processes answer on one port, a dead worker is
replaced, SIGTERM stops them all gracefully, and SQLite is refused with a reason."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from platform_process import REPTIDEX, clean_environment, free_port


def children(pid: int) -> list[int]:
    """The worker processes of ``pid`` (Linux /proc; not multiprocessing's resource tracker)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    found = []
    for child in path.read_text().split() if path.exists() else ():
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in command:
            found.append(int(child))
    return found


def wait_for(condition: object, message: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_workers_share_a_port_are_replaced_and_stop_together(
    tmp_path: Path, postgres_database: str
) -> None:
    port = free_port()
    environ = clean_environment(
        tmp_path,
        {
            "REPTIDEX_ANIMAL_DATABASE_URL": postgres_database,
            "REPTIDEX_DATABASE_OWNER_ALLOWED": "true",  # the test's superuser database
        },
    )
    log = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(
        [*REPTIDEX, "serve", "animal", "--port", str(port), "--workers", "2"],
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: healthy(port) and len(children(process.pid)) == 2, "not ready")
        workers = set(children(process.pid))
        victim = max(workers)
        os.kill(victim, signal.SIGKILL)
        wait_for(
            lambda: (
                victim not in children(process.pid)
                and len(children(process.pid)) == len(workers)
                and healthy(port)
            ),
            "the dead worker was not replaced",
        )
        for _ in range(20):  # both workers answer on the one port
            assert healthy(port)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert not healthy(port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.seek(0)
        text = log.read()
        log.close()
    assert "a worker died" in text


def test_workers_refuse_sqlite(tmp_path: Path) -> None:
    done = subprocess.run(
        [*REPTIDEX, "serve", "animal", "--port", str(free_port()), "--workers", "2"],
        env=clean_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "needs PostgreSQL" in done.stderr
