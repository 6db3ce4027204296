"""``POST /genetics/predict`` with a Banana male of unknown phase: the clutch if he is a male
maker and if he is a female maker, beside the marginal outcomes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import pytest
from animal_testkit import Breeder
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.animal.app import create_app
from reptidex.services.kernel.settings import Settings


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    with TestClient(create_app(settings, genetics_per_minute=1000)) as test_client:
        yield test_client


def _predict(client: TestClient[Litestar], **body: object) -> dict[str, Any]:
    response = client.post("/genetics/predict", json={"species": "ball_python", **body})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _looks(outcomes: object) -> dict[tuple[str, str], Fraction]:
    assert isinstance(outcomes, list)
    return {(o["phenotype"], o["sex"]): Fraction(o["probability"]) for o in outcomes}


def test_a_banana_male_of_unknown_phase_gets_both_phases(client: TestClient[Litestar]) -> None:
    body = _predict(client, sire="Banana het Clown", dam="het Clown")
    (split,) = body["maker_phases"]
    assert split["parent"] == "sire"
    assert split["genes"] == ["Banana"]
    assert "one male's real clutch follows one of these two distributions" in split["note"]
    male, female = split["phases"]
    assert (male["maker"], male["probability"]) == ("male maker", "1/2")
    assert (female["maker"], female["probability"]) == ("female maker", "1/2")
    assert male["sire"].startswith("male maker")
    assert female["sire"].startswith("female maker")
    assert _looks(male["outcomes"])[("Banana", "male")] == Fraction(39, 80) * Fraction(3, 4)
    assert _looks(female["outcomes"])[("Banana", "male")] == Fraction(1, 80) * Fraction(3, 4)
    marginal = _looks(body["outcomes"])
    average = {
        key: (_looks(male["outcomes"])[key] + _looks(female["outcomes"])[key]) / 2
        for key in marginal
    }
    assert marginal == average
    for phase in (male, female):
        assert (phase["outcome_count"], phase["omitted_probability"]) == (8, "0")
        written = _predict(client, sire=f"{phase['maker']} Banana het Clown", dam="het Clown")
        assert written["maker_phases"] == []
        assert phase["outcomes"] == written["outcomes"]


def test_no_phases_when_no_parent_has_a_phase_in_doubt(client: TestClient[Litestar]) -> None:
    assert _predict(client, sire="Pastel", dam="Banana")["maker_phases"] == []
    assert _predict(client, sire="male maker Banana", dam="Normal")["maker_phases"] == []


def test_top_lists_each_phase_alike(client: TestClient[Litestar]) -> None:
    body = _predict(client, sire="Banana Pastel Spider het Clown", dam="Pastel het Clown", top=3)
    assert len(body["outcomes"]) == 3
    (split,) = body["maker_phases"]
    for phase in split["phases"]:
        assert len(phase["outcomes"]) == 3
        assert phase["outcome_count"] <= body["outcome_count"]
        listed = sum(Fraction(o["probability"]) for o in phase["outcomes"])
        assert Fraction(phase["omitted_probability"]) == 1 - listed


def test_animals_by_id_get_the_phases_too(sqlite_client: TestClient[Litestar]) -> None:
    breeder = Breeder(sqlite_client, uuid.uuid4())
    sire = breeder.add(sex="male", morph="Banana")
    dam = breeder.add(sex="female", morph="Normal")
    response = breeder.post("/genetics/predict", json={"sire_id": sire["id"], "dam_id": dam["id"]})
    assert response.status_code == 200, response.text
    (split,) = response.json()["maker_phases"]
    assert [p["maker"] for p in split["phases"]] == ["male maker", "female maker"]


def test_the_schema_documents_the_phases(client: TestClient[Litestar]) -> None:
    schema = client.get("/schema/openapi.json").json()
    components = schema["components"]["schemas"]
    view = next(v for k, v in components.items() if k.endswith("PredictionView"))
    described = view["properties"]["maker_phases"]
    assert "male maker" in described["description"]
    split = next(v for k, v in components.items() if k.endswith("MakerSplitView"))
    assert set(split["properties"]) == {"parent", "genes", "note", "phases"}
    phase = next(v for k, v in components.items() if k.endswith("MakerPhaseView"))
    assert {"maker", "probability", "outcomes", "outcome_count"} <= set(phase["properties"])
    operation = schema["paths"]["/genetics/predict"]["post"]
    assert "maker_phases" in operation["description"]
