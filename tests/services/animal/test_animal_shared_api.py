"""``GET /public/animals``: the animals other organisations may see, page by page, for
services (on SQLite, PostgreSQL, and PostgreSQL under row-level security)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from animal_testkit import Breeder
from litestar.testing import TestClient
from test_animal_lineage_origin import ok, service_headers


def pages(client: TestClient[Any], **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of the listing, following ``next_after``."""
    found: list[list[dict[str, Any]]] = []
    after = None
    while True:
        query = {**params, **({"after": after} if after else {})}
        body = ok(client.get("/public/animals", params=query, headers=service_headers()))
        found.append(body["items"])
        after = body["next_after"]
        if after is None:
            return found


def check_listing(client: TestClient[Any], alpha: Breeder, beta: Breeder) -> None:
    sire = alpha.add(name="Sire", sex="male", visibility="lineage_only", morph="het Clown")
    alpha.add(name="Hidden", sex="female", notes="secret")
    star = alpha.add(name="Star", sex="female", sire_id=sire["id"], visibility="public")
    other = beta.add(name="Other", sex="male", visibility="public", status="for_sale")
    listed = pages(client, limit=2)
    assert [len(page) for page in listed] == [2, 1]  # a full last page would add an empty one
    items = [a for page in listed for a in page]
    assert [a["id"] for a in items] == sorted(
        (sire["id"], star["id"], other["id"]), key=lambda i: uuid.UUID(i)
    )
    by_name = {a["name"]: a for a in items}
    assert set(by_name) == {"Sire", "Star", "Other"}  # never a private animal
    assert by_name["Star"]["sire_id"] == sire["id"]
    assert by_name["Other"]["status"] == "for_sale"
    assert "notes" not in by_name["Star"]
    assert "hets" not in by_name["Sire"]
    only_beta = pages(client, organisation_id=str(beta.organisation_id))
    assert [a["name"] for page in only_beta for a in page] == ["Other"]
    later = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    ok(alpha.patch(f"/animals/{star['id']}", json={"name": "Star II"}))
    changed = pages(client, updated_since=later.isoformat())
    assert [a["name"] for page in changed for a in page] == ["Star II"]


def test_services_page_through_shared_animals(breeder: Breeder, rival: Breeder) -> None:
    check_listing(breeder.client, breeder, rival)


def test_public_animals_are_listed_with_what_they_carry(breeder: Breeder) -> None:
    # repti-media's widgets show it, as the public profile does; a lineage-only animal's
    # genetics stay unlisted
    breeder.add(name="Quiet", visibility="lineage_only", morph="Pastel 66% het Clown")
    breeder.add(name="Shown", visibility="public", morph="Pastel het Albino 66% het Clown")
    breeder.add(name="Plain", visibility="public", morph="Pastel")
    items = {a["name"]: a for page in pages(breeder.client) for a in page}
    shown = items["Shown"]
    assert shown["hets"] == ["Albino"]
    assert shown["possible_hets"] == [{"gene": "Clown", "probability": "2/3", "percent": 66.6667}]
    assert (items["Plain"]["hets"], items["Plain"]["possible_hets"]) == ([], [])
    assert "hets" not in items["Quiet"]
    assert "possible_hets" not in items["Quiet"]


def test_the_listing_is_for_services_only(breeder: Breeder) -> None:
    client = breeder.client
    anonymous = client.get("/public/animals")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert breeder.get("/public/animals").status_code == 403
    for bad in ({"limit": 0}, {"limit": 501}, {"after": "nope"}, {"updated_since": "yesterday"}):
        response = client.get("/public/animals", params=bad, headers=service_headers())
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    naive = client.get(
        "/public/animals",
        params={"updated_since": "2026-01-01T00:00:00"},
        headers=service_headers(),
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "updated_since"
    operation = client.get("/schema/openapi.json").json()["paths"]["/public/animals"]["get"]
    assert "service tokens only" in operation["description"]
