"""``POST /genetics/predict`` and ``/taxonomy`` with species given by name and morphs that
name a look several genotypes share (a ball python's Blue-Eyed Leucistic)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.animals.collection_csv import read_rows
from reptidex.services.animal.app import create_app
from reptidex.services.kernel.settings import Settings

BEL_NOTE = (
    "The sire morph: 'BEL' is read as Lesser Mojave; a Blue-Eyed Leucistic may also be Super "
    "Lesser, Super Butter, Super Mojave, Super Russo, Lesser Butter, Butter Mojave, Mojave "
    "Russo, Lesser Russo or Butter Russo: write the pairing for another"
)


@pytest.fixture
def client(make_settings: Callable[..., Settings]) -> Iterator[TestClient[Litestar]]:
    settings = make_settings()
    upgrade("animal", settings.database_url("animal"))
    with TestClient(create_app(settings, genetics_per_minute=1000)) as test_client:
        yield test_client


def test_lesser_by_mojave_names_the_blue_eyed_leucistic(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/genetics/predict", json={"species": "ball_python", "sire": "Lesser", "dam": "Mojave"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(o["phenotype"], o["probability"]) for o in body["outcomes"]] == [
        ("Lesser", "1/4"),
        ("Lesser Mojave Blue-Eyed Leucistic (BEL)", "1/4"),
        ("Mojave", "1/4"),
        ("Normal", "1/4"),
    ]
    assert body["notes"] == []


def test_bel_alone_is_answered_with_the_pairing_assumed_and_the_others(
    client: TestClient[Litestar],
) -> None:
    response = client.post(
        "/genetics/predict", json={"species": "ball_python", "sire": "BEL", "dam": "Normal"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sire"] == "Lesser Mojave Blue-Eyed Leucistic (BEL)"
    assert body["notes"] == [BEL_NOTE]
    written = client.post(
        "/genetics/predict",
        json={"species": "ball_python", "sire": "Super Lesser BEL", "dam": "Normal"},
    ).json()
    assert (written["sire"], written["notes"]) == ("Super Lesser Blue-Eyed Leucistic (BEL)", [])
    assert [o["phenotype"] for o in written["outcomes"]] == ["Lesser"]


def test_a_species_may_be_given_by_its_display_name(client: TestClient[Litestar]) -> None:
    for species in ("Ball python", "ball python", "BALL_PYTHON"):
        response = client.post(
            "/genetics/predict", json={"species": species, "sire": "Clown", "dam": "het Clown"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["species"] == "ball_python"
    proof = client.post(
        "/genetics/het-probability",
        json={
            "species": "Ball python",
            "animal": "66% het Clown",
            "mate": "Clown",
            "offspring": ["Normal"],
            "gene": "Clown",
        },
    )
    assert proof.status_code in (200, 201), proof.text
    assert client.get("/taxonomy/species/Ball python").json()["id"] == "ball_python"


def test_an_unknown_species_lists_the_known_ids_and_names(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/genetics/predict", json={"species": "Dragon snake", "sire": "Clown", "dam": "Clown"}
    )
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["species"].startswith(
        "unknown species 'Dragon snake'; known species: ball_python (Ball python), "
    )
    missing = client.get("/taxonomy/species/dragon snake")
    assert missing.status_code == 404
    assert "known species: ball_python (Ball python)" in missing.json()["detail"]


def test_a_collection_row_may_name_its_species_and_is_kept_by_id() -> None:
    (row,) = read_rows("species,morph\nBall python,Pastel\n")
    assert row.problems.errors == {}
    assert row.draft.species == "ball_python"


def test_a_blank_parent_is_refused_not_read_as_normal(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/genetics/predict", json={"species": "Ball python", "sire": "   ", "dam": "Clown"}
    )
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {"sire": "a morph is needed: write 'Normal' for the wild type"}
