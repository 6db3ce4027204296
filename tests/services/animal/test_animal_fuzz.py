"""A bounded schemathesis run over repti-animal's OpenAPI against a real server: valid and
invalid requests alike never get a server error, and every 4xx is problem+json."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from animal_testkit import Organisations

from core_tokens import StaticKeys, mint_token
from openapi_fuzz import fuzz_app
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.animal.app import create_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow


def test_fuzzed_requests_never_get_a_server_error(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    app = create_app(
        settings,
        genetics_per_minute=0,
        authenticator=Authenticator(StaticKeys()),
        organisations=Organisations(),
    )
    headers = {"Authorization": f"Bearer {mint_token(uuid.uuid4(), 'admin')}"}
    operations, calls, failures = fuzz_app(app, headers, max_examples=8)
    assert operations == 47  # every operation but health and metrics
    assert calls >= 12 * operations
    assert not failures, "\n".join(failures)
