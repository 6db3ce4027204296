"""``/lineage`` for service tokens (the view of a caller of no organisation) and the origin of
the lineage's animal (keeper, breeder, clutch of origin), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from animal_testkit import Breeder, transfer

from core_tokens import mint_service_token


def service_headers(service: str = "media") -> dict[str, str]:
    """The headers of a service token as repti-core signs it (no organisation, no role)."""
    return {"Authorization": f"Bearer {mint_service_token(service)}"}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def hatch(breeder: Breeder, sire: str, dam: str, laid_on: str, **hatchling: Any) -> Any:
    """A clutch of ``sire`` × ``dam`` laid on ``laid_on`` and one hatchling of it."""
    clutch = ok(
        breeder.post(
            "/breeding/clutches",
            json={"dam_id": dam, "sire_ids": [sire], "laid_on": laid_on, "eggs": 3},
        ),
        201,
    )
    babies = ok(
        breeder.post(
            f"/breeding/clutches/{clutch['id']}/hatchlings",
            json={"hatchlings": [hatchling], "hatched_on": "2025-05-20"},
        ),
        201,
    )
    return clutch, babies[0]


def test_a_service_sees_the_public_view_only(breeder: Breeder) -> None:
    sire = breeder.add(name="Sire", sex="male", visibility="lineage_only")
    dam = breeder.add(name="Dam", sex="female", morph="het Clown")  # private
    star = breeder.add(
        name="Star", sex="female", sire_id=sire["id"], dam_id=dam["id"], visibility="public"
    )
    secret = breeder.add(name="Secret", sex="male", sire_id=sire["id"])
    client = breeder.client
    body = ok(client.get(f"/lineage/{star['id']}", headers=service_headers()))
    shown = {p["position"]: p["animal"] for p in body["tree"]}
    assert shown[1]["name"] == "Star"
    assert shown[1]["own"] is False
    assert shown[1]["status"] is None  # public fields only, never the owner's
    assert shown[1]["hets"] == []  # what its public profile shows: the hets it has (none)
    assert shown[2]["name"] == "Sire"
    assert shown[2]["own"] is False
    assert shown[2]["hets"] is None  # lineage-only: not what it carries
    assert shown[3]["restricted"] is True
    assert shown[3]["name"] is None
    # the sire's descendants as a service sees them: no private offspring
    seen = client.get(f"/lineage/{sire['id']}", headers=service_headers())
    assert seen.status_code == 404  # lineage-only is not public: no lineage of its own
    # a private or lineage-only root is a 404, word for word an unknown animal's
    unknown = client.get(f"/lineage/{uuid.uuid4()}", headers=service_headers())
    hidden = client.get(f"/lineage/{secret['id']}", headers=service_headers())
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
    # the owner still sees everything
    own = ok(breeder.get(f"/lineage/{star['id']}"))
    assert own["tree"][2]["animal"]["name"] == "Dam"


def test_the_origin_of_a_hatchling_follows_it_when_sold(breeder: Breeder, rival: Breeder) -> None:
    sire = breeder.add(name="Sire", sex="male", morph="Pastel")
    dam = breeder.add(name="Dam", sex="female", morph="Clown")
    clutch, baby = hatch(breeder, sire["id"], dam["id"], "2025-03-14", name="Baby")
    mine = ok(breeder.get(f"/lineage/{baby['id']}"))["origin"]
    assert mine == {
        "origin": "bred",
        "keeper_organisation_id": str(breeder.organisation_id),
        "breeder_organisation_id": str(breeder.organisation_id),
        "clutch": {
            "id": clutch["id"],
            "laid_on": "2025-03-14",
            "organisation_id": str(breeder.organisation_id),
        },
    }
    # sold as a public animal: the buyer keeps it, the seller stays its breeder
    ok(breeder.patch(f"/animals/{baby['id']}", json={"visibility": "public"}))
    transfer(breeder, baby, rival)
    for headers in (rival.headers, service_headers()):
        origin = ok(breeder.client.get(f"/lineage/{baby['id']}", headers=headers))["origin"]
        assert origin["keeper_organisation_id"] == str(rival.organisation_id)
        assert origin["breeder_organisation_id"] == str(breeder.organisation_id)
        assert origin["clutch"]["laid_on"] == "2025-03-14"


def test_bought_and_external_animals_have_no_recorded_breeder(breeder: Breeder) -> None:
    bought = breeder.add(name="Import", sex="male", origin="bought")
    entered = breeder.add(name="Home", sex="female")
    origin = ok(breeder.get(f"/lineage/{bought['id']}"))["origin"]
    assert origin == {
        "origin": "bought",
        "keeper_organisation_id": str(breeder.organisation_id),
        "breeder_organisation_id": None,
        "clutch": None,
    }
    home = ok(breeder.get(f"/lineage/{entered['id']}"))["origin"]
    assert home["breeder_organisation_id"] == str(breeder.organisation_id)
    assert home["clutch"] is None
    # ancestors never carry an origin: only the animal of the lineage
    assert "origin" not in ok(breeder.get(f"/lineage/{bought['id']}"))["tree"][0]["animal"]


def test_the_lineage_is_documented_for_services(breeder: Breeder) -> None:
    schema = breeder.client.get("/schema/openapi.json").json()
    operation = schema["paths"]["/lineage/{animal_id}"]["get"]
    assert "service token" in operation["description"]
    components = schema["components"]["schemas"]
    assert {"OriginView", "ClutchOfOriginView"} <= set(components)
