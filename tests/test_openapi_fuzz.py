"""The OpenAPI fuzz harness itself: it reports server errors and plain-text 4xx, and an
operation that received no request, rather than passing quietly."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from litestar import Litestar, get
from litestar.params import FromPath, FromQuery
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from openapi_fuzz import fuzz_operation
from reptidex.services.kernel.problems import EXCEPTION_HANDLERS


@get("/count")
async def count(n: FromQuery[int]) -> dict[str, int]:
    """Fails for every number but zero, as a bug would."""
    if n != 0:
        raise RuntimeError("not zero")
    return {"n": n}


@get("/plain")
async def plain() -> dict[str, str]:
    """Takes no input at all."""
    return {"ok": "yes"}


@get("/names/{name:str}")
async def named(name: FromPath[str]) -> dict[str, str]:
    """Takes any text in its path."""
    return {"name": name}


def operations(**options: Any) -> dict[str, Any]:
    """The app's operations by path, served in-process."""
    app = Litestar([count, plain, named], **options)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    found = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operation = result.ok()
        found[operation.path] = operation
    return found


def fuzz(operation: Any, mode: GenerationMode, failures: list[str]) -> int:
    return fuzz_operation(operation, mode, dict, failures, max_examples=30, timeout=5)


def test_server_errors_and_plain_text_client_errors_are_reported() -> None:
    found = operations()  # Litestar's own error bodies: not problem+json
    failures: list[str] = []
    assert fuzz(found["/count"], GenerationMode.POSITIVE, failures) == 30
    assert any(" 500 " in f for f in failures), failures
    failures.clear()
    assert fuzz(found["/count"], GenerationMode.NEGATIVE, failures) > 0
    assert any(f.startswith("not problem+json") for f in failures), failures


def test_with_problem_json_only_server_errors_remain() -> None:
    found = operations(exception_handlers=EXCEPTION_HANDLERS)
    failures: list[str] = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        fuzz(found["/count"], mode, failures)
    assert any(" 500 " in f for f in failures), failures
    assert not any(f.startswith("not problem+json") for f in failures), failures


def test_an_operation_that_takes_nothing_checkable_needs_no_invalid_request() -> None:
    found = operations(exception_handlers=EXCEPTION_HANDLERS)
    failures: list[str] = []
    assert fuzz(found["/plain"], GenerationMode.POSITIVE, failures) == 1
    assert fuzz(found["/plain"], GenerationMode.NEGATIVE, failures) == 0
    assert fuzz(found["/names/{name}"], GenerationMode.POSITIVE, failures) > 0
    assert fuzz(found["/names/{name}"], GenerationMode.NEGATIVE, failures) == 0
    assert failures == []


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_an_operation_that_received_nothing_is_a_failure(
    mode: GenerationMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    operation = operations(exception_handlers=EXCEPTION_HANDLERS)["/count"]
    monkeypatch.setattr(
        operation, "as_strategy", lambda **_: st.nothing(), raising=False
    )  # a schema from which no request can be drawn
    failures: list[str] = []
    assert fuzz(operation, mode, failures) == 0
    assert failures == [f"GET /count ({mode.value}): no request could be generated"]
