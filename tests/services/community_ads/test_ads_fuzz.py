"""A bounded schemathesis run over repti-community's OpenAPI (advertising) against a real
server: valid and invalid requests alike never get a server error, and every 4xx is
problem+json."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from ads_testkit import Clock, FakeListings
from litestar import Litestar

from core_tokens import StaticKeys, mint_token
from openapi_fuzz import fuzz_app
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.community.app import create_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow


def _app(settings: Settings, listings: FakeListings) -> Litestar:
    upgrade("community", settings.database_url("community"))
    return create_app(
        settings,
        authenticator=Authenticator(StaticKeys()),
        ad_listings=listings,
        ad_clock=Clock(),
        ad_serve_per_minute=0,
        ad_record_per_minute=0,
    )


def test_fuzzed_requests_never_get_a_server_error(make_settings: Callable[..., Settings]) -> None:
    organisation = uuid.uuid4()
    listings = FakeListings()
    for _ in range(3):
        listings.add(organisation)
    headers = {"Authorization": f"Bearer {mint_token(organisation, 'admin')}"}
    operations, calls, failures = fuzz_app(_app(make_settings(), listings), headers, max_examples=8)
    assert operations == 10
    assert calls >= 12 * operations
    assert not failures, "\n".join(failures)
