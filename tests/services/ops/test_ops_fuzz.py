"""A bounded schemathesis run over repti-ops' OpenAPI against a real server: valid and
invalid requests alike never get a server error, and every 4xx is problem+json."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from ops_testkit import StaticKeys, bearer, mint_token

from openapi_fuzz import fuzz_service
from platform_process import free_port
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture
def ops_url(make_settings: Callable[..., Settings]) -> Iterator[str]:
    """repti-ops served by uvicorn on a free port, in a thread with its own event loop."""
    settings = make_settings()
    upgrade("ops", settings.database_url("ops"))
    app = create_app(settings, authenticator=Authenticator(StaticKeys()))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "repti-ops did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_fuzzed_requests_never_get_a_server_error(ops_url: str) -> None:
    headers = bearer(mint_token(platform_admin=True))
    operations, calls, failures = fuzz_service(
        f"{ops_url}/schema/openapi.json", headers, max_examples=20
    )
    assert operations >= 1
    assert calls >= 20 * operations
    assert not failures, "\n".join(failures)
