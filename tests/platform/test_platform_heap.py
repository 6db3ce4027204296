"""A started service settles its heap: what start-up left alive is out of the cyclic garbage
collector's sight (checked in a fresh process, since freezing is process-wide)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, gc, sys
    import uvicorn
    from litestar import Litestar, get
    from reptidex.services.runner import PlatformServer

    @get("/")
    async def hello() -> str:
        return "hi"

    async def main(settle):
        config = uvicorn.Config(Litestar([hello]), port=0, log_config=None, lifespan="on")
        server = PlatformServer(config, settle=settle)
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        frozen = gc.get_freeze_count()
        server.should_exit = True
        await task
        print(frozen)

    asyncio.run(main(sys.argv[1] == "settle"))
    """
)


def _frozen(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def test_a_started_server_freezes_what_start_up_left_alive() -> None:
    assert _frozen("settle") > 10_000
    assert _frozen("keep") == 0
