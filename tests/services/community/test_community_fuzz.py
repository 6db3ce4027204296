"""A bounded schemathesis run over repti-community's OpenAPI against a real server: valid and
invalid requests alike never get a server error, and every 4xx is problem+json."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core_tokens import StaticKeys
from openapi_fuzz import fuzz_app
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.community.app import create_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow


def test_fuzzed_requests_never_get_a_server_error(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("community", settings.database_url("community"))
    app = create_app(settings, authenticator=Authenticator(StaticKeys()))
    operations, calls, failures = fuzz_app(app, {}, max_examples=20)
    assert operations >= 2
    assert calls >= 20 * operations
    assert not failures, "\n".join(failures)
