"""A bounded schemathesis run over repti-media's OpenAPI against a real server: valid and invalid
requests alike never get a server error, and every 4xx is problem+json."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from media_testkit import FakeLineageSource, MediaServer, media_token
from schemathesis import GenerationMode

from reptidex.services.kernel.settings import Settings

pytestmark = pytest.mark.slow
PROBLEM_JSON = "application/problem+json"


def _fuzz(
    operation: Any, mode: GenerationMode, headers: dict[str, str], failures: list[str]
) -> int:
    calls = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def probe(case: Any) -> None:
        nonlocal calls
        calls += 1
        response = case.call(headers=headers, timeout=30)
        where = f"{case.method} {case.formatted_path} ({mode.value}): {response.status_code} {response.text[:200]}"
        content_type = (response.headers.get("content-type") or [""])[0]
        if response.status_code >= 500:
            failures.append(where)
        elif response.status_code >= 400 and not content_type.startswith(PROBLEM_JSON):
            failures.append(f"not problem+json: {where}")

    with contextlib.suppress(Unsatisfiable):
        probe()
    return calls


def test_fuzzed_requests_never_get_a_server_error(make_settings: Callable[..., Settings]) -> None:
    organisation = uuid.uuid4()
    headers = {"Authorization": f"Bearer {media_token(organisation, 'admin')}"}
    with MediaServer(make_settings(), lineage=FakeLineageSource(3)) as media:
        schema = schemathesis.openapi.from_url(f"{media.url}/schema/openapi.json")
        failures: list[str] = []
        operations = calls = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path.startswith(("/health", "/metrics")):
                continue
            operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                calls += _fuzz(operation, mode, headers, failures)
    assert operations >= 14
    assert calls >= 10 * operations
    assert not failures, "\n".join(failures)
