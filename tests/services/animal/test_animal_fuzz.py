"""A bounded schemathesis run over repti-animal's OpenAPI against a real server: valid and
invalid requests alike never get a server error, and every 4xx is problem+json."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
import uvicorn
from animal_testkit import StaticKeys, mint_token

from openapi_fuzz import fuzz_service
from platform_process import free_port
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.animal.app import create_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def animal_url(make_settings: Callable[..., Settings]) -> Iterator[str]:
    """repti-animal served by uvicorn on a free port, in a thread with its own event loop."""
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    app = create_app(settings, genetics_per_minute=0, authenticator=Authenticator(StaticKeys()))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "repti-animal did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_fuzzed_requests_never_get_a_server_error(animal_url: str) -> None:
    headers = {"Authorization": f"Bearer {mint_token(uuid.uuid4(), 'admin')}"}
    operations, calls, failures = fuzz_service(
        f"{animal_url}/schema/openapi.json", headers, max_examples=8
    )
    assert operations >= 33
    assert calls >= 12 * operations
    assert not failures, "\n".join(failures)
