"""A bounded schemathesis run over repti-community's whole OpenAPI (search, notifications,
forums, advertising) against a real server: valid and invalid requests alike never get a
server error, and every 4xx is problem+json."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from core_tokens import StaticKeys, signed_token
from openapi_fuzz import fuzz_app
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.forums.posting import ForumRules
from reptidex.services.community.app import create_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow

UNLIMITED = ForumRules(
    posts_per_minute=10_000,
    actions_per_minute=10_000,
    new_account_days=7,
    new_account_posts_per_hour=10_000,
)


def test_fuzzed_requests_never_get_a_server_error(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("community", settings.database_url("community"))
    app = create_app(
        settings,
        authenticator=Authenticator(StaticKeys()),
        forum_rules=UNLIMITED,
        notification_senders={},
        stream_lifetime=0.2,
        ad_serve_per_minute=0,
        ad_record_per_minute=0,
    )
    # a platform administrator who is also an organisation's admin reaches every operation
    token = signed_token(
        sub=str(uuid.uuid4()), org=str(uuid.uuid4()), role="admin", platform_admin=True
    )
    paths = app.openapi_schema.paths or {}
    every = len(
        [
            method
            for path, item in paths.items()
            if not path.startswith(("/health", "/metrics"))  # the fuzz leaves these out
            for method in ("get", "put", "post", "delete", "patch")
            if getattr(item, method) is not None
        ]
    )
    operations, calls, failures = fuzz_app(
        app, {"Authorization": f"Bearer {token}"}, max_examples=6
    )
    assert operations == every
    assert calls >= 6 * operations
    assert not failures, "\n".join(failures)
