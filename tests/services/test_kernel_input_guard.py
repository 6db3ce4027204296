"""Every service answers input it cannot store or decode with a 400 problem, never a 500: NUL
characters in a JSON body, a form, the query string or the path, and JSON nested too deep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.kernel.input_guard import MAX_JSON_DEPTH
from reptidex.services.kernel.settings import Settings
from reptidex.services.registry import APP_FACTORIES

PROBLEM = "application/problem+json"


@post("/test-echo", status_code=200)
async def echo(data: JSONBody[Any]) -> Any:
    return data


@get("/test-echo/{word:str}")
async def echo_word(word: FromPath[str], q: FromQuery[str] = "") -> dict[str, str]:
    return {"word": word, "q": q}


@pytest.fixture(params=sorted(APP_FACTORIES))
def client(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> Any:
    settings = make_settings()
    upgrade(request.param, settings.database_url(request.param))
    app: Litestar = APP_FACTORIES[request.param](settings)
    app.register(echo)
    app.register(echo_word)
    with TestClient(app) as test_client:
        yield test_client


def _refused(response: Any, where: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert where in response.json()["detail"]


def test_ordinary_input_passes(client: TestClient[Litestar]) -> None:
    document = {"name": "Pastel \\u0000 (a backslash)", "deep": [[[{"a": 1}]]]}
    assert client.post("/test-echo", json=document).json() == document
    assert client.get("/test-echo/clown?q=het%20pied").json() == {"word": "clown", "q": "het pied"}


@pytest.mark.parametrize(
    "document",
    [
        {"name": "A\u0000n"},
        {"tags": ["ok", "bad\u0000"]},
        {"nested": {"key\u0000": 1}},
    ],
)
def test_a_nul_character_in_a_json_body_is_refused(
    client: TestClient[Litestar], document: dict[str, Any]
) -> None:
    _refused(client.post("/test-echo", json=document), "JSON body")


def test_a_nul_character_in_the_query_path_or_form_is_refused(
    client: TestClient[Litestar],
) -> None:
    _refused(client.get("/test-echo/clown?q=a%00b"), "query string")
    _refused(client.get("/test-echo/a%00b"), "path")
    form = client.post(
        "/test-echo",
        content=b"name=a%00b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _refused(form, "form")


def test_json_nested_too_deep_is_refused(client: TestClient[Litestar]) -> None:
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    response = client.post(
        "/test-echo", content=at_limit, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        body = "[" * depth + "]" * depth
        response = client.post(
            "/test-echo", content=body, headers={"content-type": "application/json"}
        )
        _refused(response, "nested more than")
