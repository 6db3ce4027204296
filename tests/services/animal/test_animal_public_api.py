"""repti-animal's public endpoints: taxonomy and genetics over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.engine.genetics import cross_morphs, load_catalog
from reptidex.services.animal.app import create_app
from reptidex.services.kernel.settings import Settings


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    with TestClient(create_app(settings, genetics_per_minute=1000)) as test_client:
        yield test_client


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_species_are_listed_with_paging(client: TestClient[Litestar]) -> None:
    body = client.get("/taxonomy/species").json()
    ids = [s["id"] for s in body["items"]]
    assert "ball_python" in ids
    assert body["total"] == len(ids)
    second = client.get("/taxonomy/species", params={"limit": 1, "offset": 1}).json()
    assert [s["id"] for s in second["items"]] == ids[1:2]
    bp = client.get("/taxonomy/species/ball_python").json()
    assert bp["sex_system"] == "XY"
    assert any(c["name"] == "Bumblebee" for c in bp["combos"])


def test_genes_of_a_species(client: TestClient[Litestar]) -> None:
    body = client.get("/taxonomy/species/ball_python/genes", params={"limit": 500}).json()
    assert body["total"] == len(load_catalog("ball_python").alleles())
    pied = next(g for g in body["items"] if g["name"] == "Piebald")
    assert pied["inheritance"] == "recessive"
    assert "pied" in [a.lower() for a in pied["aliases"]]
    spider = next(g for g in body["items"] if g["name"] == "Spider")
    assert spider["health"], "the Spider wobble is a health note"
    found = client.get(
        "/taxonomy/species/ball_python/genes", params={"q": "pied", "inheritance": "recessive"}
    ).json()
    assert [g["name"] for g in found["items"]] == ["Piebald"]


def test_unknown_species_and_bad_paging_are_problems(client: TestClient[Litestar]) -> None:
    problem(client.get("/taxonomy/species/dragonfly/genes"), 404)
    problem(client.get("/taxonomy/species", params={"limit": 0}), 422)
    problem(client.get("/taxonomy/species/ball_python/genes", params={"inheritance": "x"}), 422)


def test_predict_returns_the_engine_contract(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/genetics/predict",
        json={
            "species": "ball_python",
            "sire": "Pastel Spider het Clown",
            "dam": "Pastel het Clown",
        },
    )
    assert response.status_code == 200, response.text
    expected = cross_morphs(
        load_catalog("ball_python"), "Pastel Spider het Clown", "Pastel het Clown"
    ).to_dict()
    listed: dict[str, object] = {
        "clutch": None,
        "outcome_count": 12,
        "omitted_probability": "0",
        "notes": [],
        "maker_phases": [],  # no sex-linked gene of unknown phase
    }
    assert response.json() | {"clutch": None} == expected | listed


def test_predict_echoes_each_parent_as_read_and_notes_a_second_reading(
    client: TestClient[Litestar],
) -> None:
    """'het Clown Pied' is a double het as breeders write it, never silently a visual Pied:
    the answer names each parent as read and says what else the words could have meant."""
    response = client.post(
        "/genetics/predict",
        json={"species": "ball_python", "sire": "Pastel Spider het Clown, Pied", "dam": "Clown"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["sire"], body["dam"]) == ("Bumblebee het Clown het Piebald", "Clown")
    assert body["notes"] == [
        "The sire morph: 'Piebald' after 'het Clown' is read as het Piebald, not a visual "
        "Piebald: write 'Piebald het Clown' for a visual Piebald"
    ]
    assert not any("Piebald" in o["traits"] for o in body["outcomes"])


def test_predict_viable_only_and_clutch_odds(client: TestClient[Litestar]) -> None:
    body = client.post(
        "/genetics/predict",
        json={
            "species": "ball_python",
            "sire": "Spider",
            "dam": "Spider",
            "viable_only": True,
            "clutch_size": 6,
        },
    ).json()
    assert body["viable_only"] is True
    assert all(not o["lethal"] for o in body["outcomes"])
    spider = next(c for c in body["clutch"] if c["phenotype"] == "Spider")
    assert spider["eggs"] == 6
    assert spider["probability"] == str(1 - (1 - __import__("fractions").Fraction(2, 3)) ** 6)


def test_clutch_odds_condition_on_a_possible_het_parent(client: TestClient[Litestar]) -> None:
    body = client.post(
        "/genetics/predict",
        json={
            "species": "ball_python",
            "sire": "50% het Clown",
            "dam": "het Clown",
            "clutch_size": 6,
        },
    ).json()
    clown = next(c for c in body["clutch"] if c["phenotype"] == "Clown")
    assert clown["probability"] == "3367/8192"


def test_bad_morph_is_a_422_naming_the_word(client: TestClient[Litestar]) -> None:
    body = problem(
        client.post(
            "/genetics/predict", json={"species": "ball_python", "sire": "Pastle", "dam": "Clown"}
        ),
        422,
    )
    errors = {e["field"]: e["message"] for e in body["errors"]}
    assert "pastle" in errors["sire"]
    assert "Pastel" in errors["sire"]


@pytest.mark.parametrize(
    "payload",
    [
        {"species": "ball_python", "sire": "Clown"},
        {"species": "unicorn", "sire": "Clown", "dam": "Clown"},
        {"species": "ball_python", "sire": "", "dam": "Clown"},
        {"species": "ball_python", "sire": "Clown", "dam": "Clown", "clutch_size": 0},
        {"species": "ball_python", "sire": "Clown", "dam": "Clown", "colour": "red"},
        {"species": "ball_python", "sire": "Clown", "dam": "Clown", "sire_id": "x"},
    ],
)
def test_bad_predict_requests_are_4xx_problems(
    client: TestClient[Litestar], payload: dict[str, object]
) -> None:
    response = client.post("/genetics/predict", json=payload)
    problem(response, 422)


def test_het_probability_proves_out(client: TestClient[Litestar]) -> None:
    body = client.post(
        "/genetics/het-probability",
        json={
            "species": "ball_python",
            "animal": "66% het Clown",
            "mate": "Clown",
            "gene": "Clown",
            "offspring": ["Normal"] * 6,
        },
    ).json()
    assert (body["prior"], body["posterior"], body["offspring"]) == ("2/3", "1/33", 6)


def test_het_probability_rejects_impossible_offspring(client: TestClient[Litestar]) -> None:
    payload = {
        "species": "ball_python",
        "animal": "Normal",
        "mate": "Normal",
        "gene": "Clown",
        "offspring": ["Clown"],
    }
    problem(client.post("/genetics/het-probability", json=payload), 422)
    payload |= {"gene": "Glitter", "offspring": ["Normal"]}
    problem(client.post("/genetics/het-probability", json=payload), 422)


def test_genetics_is_rate_limited_per_address(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    payload = {"species": "corn_snake", "sire": "Amel", "dam": "Amel"}
    with TestClient(create_app(settings, genetics_per_minute=2)) as client:
        assert client.post("/genetics/predict", json=payload).status_code == 200
        assert client.post("/genetics/predict", json=payload).status_code == 200
        body = problem(client.post("/genetics/predict", json=payload), 429)
        assert body["detail"]


async def test_rate_limit_in_redis(redis_url: str) -> None:
    import redis.asyncio as aioredis

    from reptidex.adapters.rate_limits import FallbackRateLimiter
    from reptidex.domain.errors import RateLimited
    from reptidex.services.kernel.client_address import ClientAddresses
    from reptidex.services.kernel.rate_limits import AddressLimit

    client = aioredis.from_url(redis_url)
    try:
        limiter = FallbackRateLimiter(client)
        limit = AddressLimit(f"genetics-test-{uuid.uuid4().hex}", 2, limiter, ClientAddresses())
        await limit.check_address("203.0.113.7")
        await limit.check_address("203.0.113.7")
        with pytest.raises(RateLimited) as refused:
            await limit.check_address("203.0.113.7")
        assert 1 <= refused.value.retry_after <= 60
        assert not limiter.in_memory
    finally:
        await client.aclose()


def test_openapi_documents_every_endpoint(client: TestClient[Litestar]) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    schema = response.json()
    mine = ("/taxonomy", "/genetics", "/animals", "/lineage", "/breeding")
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.startswith(mine)
        for method, operation in methods.items()
    ]
    assert len(operations) == 43
    for path, method, operation in operations:
        assert operation.get("summary"), (path, method)
        assert operation.get("description"), (path, method)
    private = schema["paths"]["/animals"]["get"]
    assert private["security"] == [{"bearer": []}]
    assert "security" not in schema["paths"]["/genetics/predict"]["post"]
