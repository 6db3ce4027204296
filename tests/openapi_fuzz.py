"""A bounded schemathesis probe of one OpenAPI operation against a running server.

Valid and invalid requests alike must never get a server error, and every 4xx must be
problem+json; what breaks that is recorded in ``failures`` for the test to report at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

PROBLEM_JSON = "application/problem+json"


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

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def probe(case: Any) -> None:
        nonlocal calls
        calls += 1
        response = case.call(headers=headers(), timeout=timeout)
        where = (
            f"{case.method} {case.formatted_path} ({mode.value}): "
            f"{response.status_code} {response.text[:200]}"
        )
        content_type = (response.headers.get("content-type") or [""])[0]
        if expected(case, response):
            return
        if response.status_code >= 500:
            failures.append(where)
        elif response.status_code >= 400 and not content_type.startswith(PROBLEM_JSON):
            failures.append(f"not problem+json: {where}")

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid (no parameters or body)
        probe()
    return calls
