"""An app served by a real uvicorn server for a test that needs HTTP over a socket (a fuzzer,
racing clients): on a free port, in a thread with its own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn
from litestar import Litestar

from platform_process import free_port


@contextlib.contextmanager
def served(app: Litestar, port: int | None = None) -> Iterator[str]:
    """``app`` served until the block ends (on ``port``, default a free one); its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, f"the app on port {port} did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        loop.close()
