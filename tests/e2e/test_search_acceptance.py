"""Issue 15's search, as new users try it: `reptidex up` as a real process, HTTP only, and
`reptidex search reindex` as a command.

A breeder makes a Pastel het Clown public and lists it; another user searches "pastle het
clown" on repti-community and finds both, with facets; the breeder makes the animal private
and it disappears from the results. The reindex rebuilds the index from repti-animal and
repti-commerce (with repti-community's service token from repti-core), with progress.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_commerce_acceptance import keeper, ok

from platform_process import clean_environment, free_port_block, running_platform

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, dict[str, str]]]:
    tmp_path = tmp_path_factory.mktemp("search-acceptance")
    environ = clean_environment(tmp_path / "data", {"REPTIDEX_LOG_LEVEL": "WARNING"})
    base = free_port_block()
    with running_platform(base, environ, tmp_path / "platform.log"):
        yield base, environ


def eventually(check: Callable[[], Any], within: float = 10.0) -> Any:
    """``check()``'s first true answer, asked until ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_a_public_animal_is_found_until_it_is_made_private(
    platform: tuple[int, dict[str, str]],
) -> None:
    base, environ = platform
    data_dir = Path(environ["REPTIDEX_DATA_DIR"])
    breeder = keeper(base, data_dir, "breeder")
    animal = httpx.Client(base_url=f"http://127.0.0.1:{base + 1}", timeout=15)
    commerce = httpx.Client(base_url=f"http://127.0.0.1:{base + 2}", timeout=15)
    community = httpx.Client(base_url=f"http://127.0.0.1:{base + 4}", timeout=15)

    sunny = ok(
        animal.post(
            "/animals",
            json={"species": "ball_python", "sex": "female", "morph": "Pastel het Clown",
                  "name": "Sunny", "visibility": "public"},
            headers=breeder,
        ),
        201,
    )  # fmt: skip
    listing = ok(
        commerce.post(
            "/marketplace/listings",
            json={"animal_id": sunny["id"], "title": "Pastel het Clown female",
                  "price": {"amount": 35000, "currency": "EUR"}, "country": "de",
                  "publish": True},
            headers=breeder,
        ),
        201,
    )  # fmt: skip

    def found() -> dict[str, Any] | None:
        body = ok(community.get("/search", params={"q": "pastle het clown"}))
        kinds = {(i["kind"], i["id"]) for i in body["items"]}
        wanted = {("animal", sunny["id"]), ("listing", listing["id"])}
        return body if wanted <= kinds else None

    body = eventually(found)
    assert body, "the animal and its listing were not found"
    assert {"value": "DE", "count": 1} in body["facets"]["country"]
    assert {"value": "250-500 EUR", "count": 1} in body["facets"]["price_band"]

    # the reindex reads both services back and keeps them
    rebuilt = subprocess.run(
        [sys.executable, "-m", "reptidex", "search", "reindex"],
        env={**environ, **{f"REPTIDEX_{name.upper()}_URL": f"http://127.0.0.1:{base + i}"
                           for i, name in enumerate(("core", "animal", "commerce"))}},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "animal: 1 read" in rebuilt.stderr
    assert "listing: 1 read" in rebuilt.stderr
    assert "search index rebuilt" in rebuilt.stdout
    assert found()

    ok(animal.patch(f"/animals/{sunny['id']}", json={"visibility": "private"}, headers=breeder))

    def animal_gone() -> bool:
        body = ok(community.get("/search", params={"q": "sunny"}))
        return all(i["kind"] != "animal" for i in body["items"])

    assert eventually(animal_gone), "the private animal is still found"
