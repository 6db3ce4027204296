"""A bounded schemathesis probe of one OpenAPI operation against a running server.

Valid and invalid requests alike must never get a server error, and every 4xx must be
problem+json; what breaks that is recorded in ``failures`` for the test to report at once. So is
an operation that got no request at all: only an operation that takes nothing a request could
get wrong (no body, no parameters but path text of any kind) may receive no invalid request.

Each run draws new cases from a random seed, named in every failure; set
``TEST_FUZZ_SEED`` to that number to send the same requests again.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from threaded_server import served

PROBLEM_JSON = "application/problem+json"
FUZZ_SEED = int(os.environ.get("TEST_FUZZ_SEED") or secrets.randbits(32))
"""The seed of this run's cases."""


def can_be_invalid(operation: Any) -> bool:
    """Whether a request to ``operation`` can get something wrong: it has a body, a query,
    header or cookie parameter, or a path parameter that not every text fits."""
    if any(len(getattr(operation, part)) for part in ("query", "headers", "cookies", "body")):
        return True
    return any(p.definition.get("schema") != {"type": "string"} for p in operation.path_parameters)


def fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    headers: Callable[[], dict[str, str]],
    failures: list[str],
    *,
    max_examples: int,
    timeout: float,
    expected: Callable[[Any, Any], bool] = lambda case, response: False,
) -> int:
    """Send up to ``max_examples`` generated requests; return how many were sent.

    ``headers`` is asked for each request; a response that ``expected(case, response)`` accepts
    is not checked.
    """
    calls = 0
    replay = f"TEST_FUZZ_SEED={FUZZ_SEED}"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(FUZZ_SEED)
    def probe(case: Any) -> None:
        nonlocal calls
        calls += 1
        response = case.call(headers=headers(), timeout=timeout)
        where = (
            f"{case.method} {case.formatted_path} ({mode.value}, {replay}): "
            f"{response.status_code} {response.text[:200]}"
        )
        content_type = (response.headers.get("content-type") or [""])[0]
        if expected(case, response):
            return
        if response.status_code >= 500:
            failures.append(where)
        elif response.status_code >= 400 and not content_type.startswith(PROBLEM_JSON):
            failures.append(f"not problem+json: {where}")

    try:
        probe()
    except Unsatisfiable:
        if mode is GenerationMode.NEGATIVE and not can_be_invalid(operation):
            return 0  # nothing to make invalid
        failures.append(f"{operation.label} ({mode.value}): no request could be generated")
        return calls
    if calls == 0:
        failures.append(f"{operation.label} ({mode.value}): no request was sent")
    return calls


def fuzz_service(
    schema_url: str,
    headers: dict[str, str],
    *,
    max_examples: int,
    timeout: float = 30,
) -> tuple[int, int, list[str]]:
    """Fuzz every operation of a service's OpenAPI document but health and metrics, with valid
    and invalid requests; return how many operations and requests there were, and the
    failures."""
    schema = schemathesis.openapi.from_url(schema_url)
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
                operation,
                mode,
                lambda: headers,
                failures,
                max_examples=max_examples,
                timeout=timeout,
            )
    return operations, calls, failures


def fuzz_app(
    app: Litestar, headers: dict[str, str], *, max_examples: int
) -> tuple[int, int, list[str]]:
    """:func:`fuzz_service` over ``app`` served by a real server for the run."""
    with served(app) as url:
        return fuzz_service(f"{url}/schema/openapi.json", headers, max_examples=max_examples)
