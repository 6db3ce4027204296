"""The six services' OpenAPI documents list every operation's 4xx answers as problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reptidex.services.kernel.catalog import SERVICE_NAMES
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}


def _document(settings: Settings, service: str) -> dict[str, Any]:
    document: dict[str, Any] = APP_FACTORIES[service](settings).openapi_schema.to_schema()
    return document


def _expected(path: str, operation: dict[str, Any]) -> set[str]:
    expected = {"400"}
    if operation.get("security"):
        expected |= {"401", "403"}
    if "{" in path:
        expected.add("404")
    if "requestBody" in operation:
        expected |= {"413", "422"}
    if operation.get("parameters"):
        expected.add("422")
    return expected


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_operation_documents_its_4xx_as_problems(
    make_settings: Callable[..., Settings], service: str
) -> None:
    document = _document(make_settings(), service)
    schema = document["components"]["schemas"]["ProblemDetails"]
    assert {"type", "title", "status"} <= set(schema["required"])
    wrong: list[str] = []
    operations = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            operations += 1
            responses = operation["responses"]
            listed = {status for status in responses if status.startswith("4")}
            missing = _expected(path, operation) - listed
            if missing:
                wrong.append(f"{method.upper()} {path}: no {sorted(missing)}")
            for status in sorted(listed):
                if responses[status].get("content") != PROBLEM:
                    wrong.append(f"{method.upper()} {path}: {status} is not problem+json")
    assert operations > 3
    assert not wrong, "\n".join(wrong)


def test_the_operations_endpoints_document_their_refusal(
    make_settings: Callable[..., Settings],
) -> None:
    paths = _document(make_settings(), "ops")["paths"]
    assert "403" in paths["/metrics"]["get"]["responses"]
    assert "403" in paths["/health/deep"]["get"]["responses"]
    assert "403" not in paths["/health"]["get"]["responses"]
