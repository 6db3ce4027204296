"""``/animals`` over HTTP, on SQLite and on real PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from animal_testkit import Breeder
from sqlalchemy import create_engine, text

from reptidex.services.kernel.app import kernel_of


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def field_errors(body: dict[str, object]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in body.get("errors") or []}  # type: ignore[attr-defined]


def test_add_and_show_an_animal(breeder: Breeder) -> None:
    zeus = breeder.add(name="Zeus", sex="male", morph="pastel spider 66% het pied", tags=["proven"])
    assert zeus["code"].startswith("BP-")
    genotype = zeus["genotype"]
    assert genotype["phenotype"] == "Bumblebee"
    assert genotype["possible_hets"] == [
        {"gene": "Piebald", "probability": "2/3", "percent": 66.6667}
    ]
    shown = breeder.get(f"/animals/{zeus['id']}").json()
    shown.pop("het_odds")  # the page adds the kept het odds (test_animal_het_odds_kept.py)
    assert shown == zeus


def test_codes_follow_the_template(breeder: Breeder) -> None:
    assert breeder.get("/animals/id-code-template").json()["template"]
    response = breeder.put("/animals/id-code-template", json={"template": "RX{sex}-{seq:3}"})
    assert response.status_code == 200, response.text
    first = breeder.add(sex="female")
    second = breeder.add(sex="male")
    assert (first["code"], second["code"]) == ("RXF-001", "RXM-002")
    problem(breeder.put("/animals/id-code-template", json={"template": "{name}"}), 422)
    problem(breeder.put("/animals/id-code-template", json={"template": "RX"}), 422)
    taken = problem(
        breeder.post("/animals", json={"species": "ball_python", "code": "RXF-001"}), 409
    )
    assert "RXF-001" in str(taken["detail"])
    # a hand-chosen code that the template would produce next is skipped, not duplicated
    breeder.add(code="RXU-003")
    assert breeder.add()["code"] == "RXU-004"


def test_bad_morph_names_the_word(breeder: Breeder) -> None:
    body = problem(
        breeder.post("/animals", json={"species": "ball_python", "morph": "Pastle"}), 422
    )
    assert "pastle" in field_errors(body)["morph"]
    body = problem(breeder.post("/animals", json={"species": "dragon", "morph": "Normal"}), 422)
    assert "species" in field_errors(body)


def test_an_animal_of_unknown_sex_is_recorded_with_a_sex_linked_gene(breeder: Breeder) -> None:
    kid = breeder.add(morph="Banana het Clown")
    genotype = kid["genotype"]
    assert kid["sex"] == "unknown"
    assert (genotype["phenotype"], genotype["hets"]) == ("Banana", ["Clown"])
    assert genotype["awaits_sex"] is True
    shown = breeder.get(f"/animals/{kid['id']}").json()
    shown.pop("het_odds")  # the page adds the kept het odds (test_animal_het_odds_kept.py)
    assert shown == kid
    found = breeder.get("/animals", params={"gene": "banana"}).json()["items"]
    assert [a["id"] for a in found] == [kid["id"]]
    # a prediction needs the sex: a 422 naming the field, never a 500
    dam = breeder.add(sex="female", morph="Clown")
    pairing = {"sire_id": kid["id"], "dam_id": dam["id"]}
    body = problem(breeder.post("/genetics/predict", json=pairing), 422)
    assert "no recorded sex" in field_errors(body)["sire_id"]
    # once the sex is set, the genotype of that sex is the record
    response = breeder.patch(f"/animals/{kid['id']}", json={"sex": "male"})
    assert response.status_code == 200, response.text
    male = response.json()["genotype"]
    assert (male["phenotype"], male["hets"], male["awaits_sex"]) == ("Banana", ["Clown"], False)
    predicted = breeder.post("/genetics/predict", json=pairing)
    assert predicted.status_code == 200, predicted.text
    assert breeder.add(sex="female", morph="Banana")["genotype"]["awaits_sex"] is False


def test_an_unreadable_morph_is_named_once(breeder: Breeder) -> None:
    for sex in ("unknown", "male"):
        body = problem(
            breeder.post(
                "/animals", json={"species": "ball_python", "morph": "Banana Pastle", "sex": sex}
            ),
            422,
        )
        assert "pastle" in field_errors(body)["morph"]
        assert str(body["detail"]).startswith("The morph cannot be read: unknown word 'pastle'")
        assert "morph morph" not in str(body)


def test_parents_are_validated(breeder: Breeder) -> None:
    sire = breeder.add(sex="male", morph="Clown")
    dam = breeder.add(sex="female", morph="het Clown", hatch_date="2020-05-01")
    kid = breeder.add(sire_id=sire["id"], dam_id=dam["id"], hatch_date="2024-06-01")
    assert (kid["sire_id"], kid["dam_id"]) == (sire["id"], dam["id"])
    errors = field_errors(
        problem(
            breeder.post("/animals", json={"species": "ball_python", "sire_id": dam["id"]}), 422
        )
    )
    assert "must be male" in errors["sire_id"]
    errors = field_errors(
        problem(
            breeder.post("/animals", json={"species": "ball_python", "dam_id": str(uuid.uuid4())}),
            422,
        )
    )
    assert "no such animal" in errors["dam_id"]
    corn = breeder.add(species="corn_snake", sex="female")
    errors = field_errors(
        problem(
            breeder.post("/animals", json={"species": "ball_python", "dam_id": corn["id"]}), 422
        )
    )
    assert "corn_snake" in errors["dam_id"]
    # a parent hatched after its offspring
    body = problem(
        breeder.post(
            "/animals",
            json={"species": "ball_python", "dam_id": dam["id"], "hatch_date": "2019-01-01"},
        ),
        422,
    )
    assert "parents" in field_errors(body)


def test_an_animal_cannot_become_its_own_ancestor(breeder: Breeder) -> None:
    grandsire = breeder.add(sex="male")
    son = breeder.add(sex="male", sire_id=grandsire["id"])
    grandson = breeder.add(sex="male", sire_id=son["id"])
    body = problem(
        breeder.patch(f"/animals/{grandsire['id']}", json={"sire_id": grandson["id"]}), 422
    )
    assert "cycle" in str(body["detail"]).lower() or "ancestor" in str(body["detail"]).lower()
    problem(breeder.patch(f"/animals/{son['id']}", json={"sire_id": son["id"]}), 422)
    unchanged = breeder.get(f"/animals/{grandsire['id']}").json()
    assert unchanged["sire_id"] is None


def test_patch_changes_and_rereads(breeder: Breeder) -> None:
    animal = breeder.add(sex="female", morph="Pastel", notes="calm")
    changed = breeder.patch(
        f"/animals/{animal['id']}",
        json={"morph": "Pastel Clown", "notes": None, "status": "holdback"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["genotype"]["phenotype"] == "Pastel Clown"
    assert body["notes"] is None
    assert body["status"] == "holdback"
    problem(breeder.patch(f"/animals/{animal['id']}", json={"species": "corn_snake"}), 422)
    problem(breeder.patch(f"/animals/{animal['id']}", json={"status": "lost"}), 422)


def test_delete_refuses_a_parent(breeder: Breeder) -> None:
    sire = breeder.add(sex="male")
    kid = breeder.add(sire_id=sire["id"])
    problem(breeder.delete(f"/animals/{sire['id']}"), 409)
    assert breeder.delete(f"/animals/{kid['id']}").status_code == 204
    assert breeder.delete(f"/animals/{sire['id']}").status_code == 204
    problem(breeder.get(f"/animals/{sire['id']}"), 404)


def test_list_filters_sorts_and_pages(breeder: Breeder) -> None:
    breeder.add(name="Aurora", sex="female", morph="Pastel het Pied", tags=["keeper"])
    breeder.add(name="Boreas", sex="male", morph="Bumblebee", status="for_sale")
    breeder.add(name="Cirrus", sex="male", morph="Clown 50% het Pied", notes="Great feeder")
    breeder.add(name="Draco", species="corn_snake", sex="male", morph="Amel")

    def names(**params: object) -> list[str]:
        response = breeder.get("/animals", params={"sort": "name", **params})
        assert response.status_code == 200, response.text
        return [a["name"] for a in response.json()["items"]]

    assert names() == ["Aurora", "Boreas", "Cirrus", "Draco"]
    assert names(order="desc", limit=2) == ["Draco", "Cirrus"]
    page = breeder.get("/animals", params={"sort": "name", "limit": 2, "offset": 2}).json()
    assert ([a["name"] for a in page["items"]], page["total"]) == (["Cirrus", "Draco"], 4)
    assert names(species="ball_python", sex="male") == ["Boreas", "Cirrus"]
    assert names(status="for_sale") == ["Boreas"]
    assert names(gene="pied") == ["Aurora", "Cirrus"]
    assert names(gene=["pied", "clown"]) == ["Cirrus"]
    assert names(species="ball_python", morph="Pastel") == ["Aurora", "Boreas"]
    assert names(tag="keeper") == ["Aurora"]
    assert names(q="feeder") == ["Cirrus"]
    assert names(q="100%_") == []
    problem(breeder.get("/animals", params={"gene": "glitter"}), 422)
    problem(breeder.get("/animals", params={"morph": "Pastel"}), 422)
    problem(breeder.get("/animals", params={"sort": "weight"}), 422)
    problem(breeder.get("/animals", params={"limit": 501}), 422)


def test_organisations_do_not_see_each_other(breeder: Breeder, rival: Breeder) -> None:
    mine = breeder.add(sex="male")
    assert rival.get("/animals").json()["total"] == 0
    problem(rival.get(f"/animals/{mine['id']}"), 404)
    problem(rival.patch(f"/animals/{mine['id']}", json={"name": "Stolen"}), 404)
    problem(rival.delete(f"/animals/{mine['id']}"), 404)
    body = problem(
        rival.post("/animals", json={"species": "ball_python", "sire_id": mine["id"]}), 422
    )
    assert "sire_id" in field_errors(body)


def test_tokens_and_roles_are_enforced(breeder: Breeder) -> None:
    problem(breeder.client.get("/animals"), 401)
    problem(breeder.client.get("/animals", headers={"Authorization": "Bearer nonsense"}), 401)
    viewer = Breeder(breeder.client, breeder.organisation_id, "viewer")
    assert viewer.get("/animals").status_code == 200
    problem(viewer.post("/animals", json={"species": "ball_python"}), 403)


def test_changes_stage_events_in_the_outbox(sqlite_client: object) -> None:
    from litestar.testing import TestClient

    assert isinstance(sqlite_client, TestClient)
    breeder = Breeder(sqlite_client, uuid.uuid4())
    sire = breeder.add(sex="male")
    kid = breeder.add(sire_id=sire["id"])
    breeder.patch(f"/animals/{kid['id']}", json={"sire_id": None})
    breeder.delete(f"/animals/{kid['id']}")
    problem(breeder.post("/animals", json={"species": "ball_python", "morph": "Pastle"}), 422)
    url = kernel_of(sqlite_client.app).settings.database_url("animal").replace("+aiosqlite", "")
    with create_engine(url).connect() as connection:
        kinds = [
            r[0]
            for r in connection.execute(
                text(
                    "SELECT event_type FROM outbox_message WHERE event_type != 'audit.recorded' ORDER BY occurred_at"
                )
            )
        ]
    assert kinds == [
        "animal.created",
        "animal.created",
        "lineage.changed",
        "animal.updated",
        "lineage.changed",
        "animal.deleted",
    ]


@pytest.mark.parametrize("path", ["/animals/not-a-uuid"])
def test_bad_ids_are_4xx(breeder: Breeder, path: str) -> None:
    response = breeder.get(path)
    assert response.status_code == 404, response.status_code


def test_predict_from_animal_ids(breeder: Breeder, rival: Breeder) -> None:
    sire = breeder.add(sex="male", morph="Pastel 66% het Clown")
    dam = breeder.add(sex="female", morph="Clown")
    payload = {"sire_id": sire["id"], "dam_id": dam["id"], "clutch_size": 4}
    response = breeder.post("/genetics/predict", json=payload)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["species"] == "ball_python"
    assert body["sire"] == "Pastel 66% het Clown"
    clown = next(o for o in body["outcomes"] if o["phenotype"] == "Clown")
    assert clown["probability"] == "1/6"
    assert len(body["clutch"]) == len(body["outcomes"])
    problem(breeder.client.post("/genetics/predict", json=payload), 401)
    problem(rival.post("/genetics/predict", json=payload), 422)
    swapped = {"sire_id": dam["id"], "dam_id": sire["id"]}
    assert set(field_errors(problem(breeder.post("/genetics/predict", json=swapped), 422))) == {
        "sire_id",
        "dam_id",
    }
    problem(breeder.post("/genetics/predict", json={"sire_id": sire["id"]}), 422)


def test_public_profiles_need_no_token(breeder: Breeder) -> None:
    shown = breeder.add(
        name="Star",
        sex="male",
        morph="Pastel 66% het Clown",
        visibility="public",
        notes="secret notes",
        tags=["vip"],
    )
    hidden = breeder.add(name="Hidden", visibility="lineage_only")
    response = breeder.client.get(f"/public/animals/{shown['id']}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["phenotype"], body["possible_hets"][0]["gene"]) == (
        "Star",
        "Pastel",
        "Clown",
    )
    assert "notes" not in body
    assert "tags" not in body
    assert "sire_id" not in body
    problem(breeder.client.get(f"/public/animals/{hidden['id']}"), 404)
    problem(breeder.client.get(f"/public/animals/{uuid.uuid4()}"), 404)
