"""A bounded schemathesis run over repti-ops' OpenAPI against a real server: valid and
invalid requests alike never get a server error, and every 4xx is problem+json."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from ops_testkit import bearer, mint_token

from core_tokens import StaticKeys
from openapi_fuzz import fuzz_app
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings
from reptidex.services.ops.app import create_app

pytestmark = pytest.mark.slow


def test_fuzzed_requests_never_get_a_server_error(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("ops", settings.database_url("ops"))
    app = create_app(settings, authenticator=Authenticator(StaticKeys()))
    headers = bearer(mint_token(platform_admin=True))
    operations, calls, failures = fuzz_app(app, headers, max_examples=20)
    assert operations >= 1
    assert calls >= 20 * operations
    assert not failures, "\n".join(failures)


def test_an_organisation_owners_fuzzed_requests_never_get_a_server_error(
    make_settings: Callable[..., Settings],
) -> None:
    """As an owner of an organisation, so the integrations' endpoints do their work (a
    platform administrator has no organisation to configure labs or webhooks for)."""
    settings = make_settings()
    upgrade("ops", settings.database_url("ops"))
    app = create_app(settings, authenticator=Authenticator(StaticKeys()))
    headers = bearer(mint_token(uuid.uuid4(), "owner"))
    operations, calls, failures = fuzz_app(app, headers, max_examples=20)
    assert operations >= 1
    assert calls >= 20 * operations
    assert not failures, "\n".join(failures)
