"""A bounded schemathesis run over repti-media's OpenAPI against a real server: valid and invalid
requests alike never get a server error, and every 4xx is problem+json."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import schemathesis
from media_testkit import FakeLineageSource, MediaServer, media_token
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from openapi_fuzz import fuzz_operation
from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow


def test_fuzzed_requests_never_get_a_server_error(make_settings: Callable[..., Settings]) -> None:
    organisation = uuid.uuid4()
    headers = {"Authorization": f"Bearer {media_token(organisation, 'admin')}"}
    with MediaServer(make_settings(), lineage=FakeLineageSource(3)) as media:
        schema = schemathesis.openapi.from_url(f"{media.url}/schema/openapi.json")
        failures: list[str] = []
        operations = calls = 0
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # the schema's own fault, not the server's
            operation = result.ok()
            if operation.path.startswith(("/health", "/metrics")):
                continue
            operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                calls += fuzz_operation(
                    operation, mode, lambda: headers, failures, max_examples=12, timeout=30
                )
    assert operations >= 14
    assert calls >= 10 * operations
    assert not failures, "\n".join(failures)
