"""A bounded schemathesis run over repti-media's OpenAPI against a real server: valid and invalid
requests alike never get a server error, and every 4xx is problem+json."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from media_testkit import FakeLineageSource, MediaServer, media_token

from openapi_fuzz import fuzz_service
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow


def test_fuzzed_requests_never_get_a_server_error(make_settings: Callable[..., Settings]) -> None:
    organisation = uuid.uuid4()
    headers = {"Authorization": f"Bearer {media_token(organisation, 'admin')}"}
    with MediaServer(make_settings(), lineage=FakeLineageSource(3)) as media:
        operations, calls, failures = fuzz_service(
            f"{media.url}/schema/openapi.json", headers, max_examples=12
        )
    assert operations >= 14
    assert calls >= 10 * operations
    assert not failures, "\n".join(failures)
