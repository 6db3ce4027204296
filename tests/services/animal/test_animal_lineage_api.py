"""``/lineage`` over HTTP on SQLite and PostgreSQL: one query, the engine's answers, privacy."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from animal_testkit import Breeder, animal_components
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event, update

from reptidex.adapters.sql.animal.models import AnimalRow
from reptidex.adapters.sql.animal.pedigree_mirror import _statements
from reptidex.services.kernel.app import kernel_of


def inbred_family(breeder: Breeder) -> dict[str, dict[str, object]]:
    """S × D gave a son B and a daughter G; B × G gave K (F = 1/4)."""
    s = breeder.add(name="S", sex="male", morph="het Clown")
    d = breeder.add(name="D", sex="female", morph="Pastel")
    b = breeder.add(name="B", sex="male", sire_id=s["id"], dam_id=d["id"])
    g = breeder.add(name="G", sex="female", sire_id=s["id"], dam_id=d["id"])
    k = breeder.add(name="K", sex="female", sire_id=b["id"], dam_id=g["id"])
    return {"S": s, "D": d, "B": b, "G": g, "K": k}


def test_lineage_is_the_engines_tree(breeder: Breeder) -> None:
    family = inbred_family(breeder)
    response = breeder.get(f"/lineage/{family['K']['id']}", params={"generations": 3})
    assert response.status_code == 200, response.text
    body = response.json()
    by_position = {
        p["position"]: (p["animal"]["name"], p["line"], p["repeat_of"]) for p in body["tree"]
    }
    assert by_position == {
        1: ("K", "", None),
        2: ("B", "S", None),
        3: ("G", "D", None),
        4: ("S", "SS", None),
        5: ("D", "SD", None),
        6: ("S", "DS", 4),
        7: ("D", "DD", 5),
    }
    assert set(body["repeated_ancestors"]) == {family["S"]["id"], family["D"]["id"]}
    assert body["inbreeding"]["coefficient"] == 0.25
    assert body["inbreeding"]["generations"] == 2
    assert body["completeness"] == [1.0, 1.0, 0.0]
    assert body["animal"]["own"] is True
    assert body["descendants"] == []
    founder = breeder.get(f"/lineage/{family['S']['id']}").json()
    assert founder["inbreeding"] == {
        "coefficient": 0.0,
        "generations": 0,
        "equivalent_generations": 0.0,
    }
    assert sorted((d["generation"], d["animal"]["name"]) for d in founder["descendants"]) == [
        (1, "B"),
        (1, "G"),
        (2, "K"),
    ]


def test_lineage_is_one_query(breeder: Breeder) -> None:
    # the het odds upkeep reads families in the background on the same engine: held off here
    animal_components(breeder.client.app).het_odds_upkeep.delay = dt.timedelta(hours=1)
    family = inbred_family(breeder)
    engine = kernel_of(breeder.client.app).engine.sync_engine
    statements: list[str] = []

    # the pedigree mirror loads, in the background on the same engine, the layer this request
    # asks for: its reads are not the request's
    mirror = {" ".join(sql.split()) for sql in _statements(engine.dialect).values()}

    def count(statement: str) -> None:
        # count reads of the animal table; the event relay polling the outbox on the same
        # engine does not query animals
        if " ".join(statement.split()) in mirror:
            return
        if "animal_het_odds" in statement:
            return  # the events of the family's records asking for its het odds upkeep
        if re.search(r"\bFROM animal\b", statement) and "outbox_message" not in statement:
            statements.append(statement)

    def on_cursor(conn: object, cursor: object, statement: str, *args: object) -> None:
        count(statement)

    def on_query(query: Any) -> None:
        count(query.query)

    def on_checkout(dbapi_connection: Any, *args: object) -> None:
        # on PostgreSQL the lineage runs on asyncpg itself, past SQLAlchemy's cursor events
        driver = getattr(dbapi_connection, "driver_connection", None)
        if driver is not None and hasattr(driver, "add_query_logger"):
            driver.add_query_logger(on_query)
            loggers.append(driver)

    loggers: list[Any] = []
    event.listen(engine, "before_cursor_execute", on_cursor)
    event.listen(engine.pool, "checkout", on_checkout)
    try:
        response = breeder.get(f"/lineage/{family['K']['id']}", params={"generations": 20})
    finally:
        event.remove(engine, "before_cursor_execute", on_cursor)
        event.remove(engine.pool, "checkout", on_checkout)
        for driver in loggers:
            driver.remove_query_logger(on_query)
    assert response.status_code == 200
    assert len(statements) == 1, statements
    assert "RECURSIVE" in statements[0].upper()


def test_lineage_bounds_and_strangers(breeder: Breeder, rival: Breeder) -> None:
    family = inbred_family(breeder)
    kid = family["K"]["id"]
    for bad in (0, 21):
        response = breeder.get(f"/lineage/{kid}", params={"generations": bad})
        assert response.status_code == 422
    assert breeder.get(f"/lineage/{uuid.uuid4()}").status_code == 404
    assert rival.get(f"/lineage/{kid}").status_code == 404
    assert breeder.client.get(f"/lineage/{kid}").status_code == 401


def test_other_organisations_animals_show_only_public_fields(
    breeder: Breeder, rival: Breeder, any_client: TestClient[Litestar]
) -> None:
    family = inbred_family(breeder)
    # the grandparents now belong to another organisation (as after a sale): S shares its
    # lineage, D is private
    breeder.patch(f"/animals/{family['S']['id']}", json={"visibility": "lineage_only"})
    engine = kernel_of(any_client.app).engine

    async def move() -> None:
        async with engine.begin() as connection:
            await connection.execute(
                update(AnimalRow)
                .where(AnimalRow.id.in_([uuid.UUID(str(family[n]["id"])) for n in ("S", "D")]))
                .values(organisation_id=rival.organisation_id)
            )

    with any_client.portal() as portal:
        portal.call(move)
    body = breeder.get(f"/lineage/{family['K']['id']}", params={"generations": 2}).json()
    shown = {p["position"]: p["animal"] for p in body["tree"]}
    assert shown[4]["name"] == "S"
    assert shown[4]["own"] is False
    assert shown[4]["hets"] is None
    assert shown[4]["status"] is None
    assert shown[5] == {
        "restricted": True,
        "own": False,
        "id": None,
        "code": None,
        "name": None,
        "species": None,
        "sex": None,
        "phenotype": None,
        "hatch_date": None,
        "hets": None,
        "possible_hets": None,
        "status": None,
    }
    assert body["inbreeding"]["coefficient"] == 0.25
    # the new owner sees the lineage of S, without the breeder's private kids
    seen = rival.get(f"/lineage/{family['S']['id']}").json()
    assert seen["descendants"] == []


def test_another_organisations_public_animal_shows_what_it_carries(
    breeder: Breeder, rival: Breeder, any_client: TestClient[Litestar]
) -> None:
    """As its public profile does: hets and possible hets (a lineage-only one shows none)."""
    family = inbred_family(breeder)
    breeder.patch(
        f"/animals/{family['S']['id']}",
        json={"visibility": "public", "morph": "het Clown 66% het Pied"},
    )
    engine = kernel_of(any_client.app).engine

    async def move() -> None:
        async with engine.begin() as connection:
            await connection.execute(
                update(AnimalRow)
                .where(AnimalRow.id == uuid.UUID(str(family["S"]["id"])))
                .values(organisation_id=rival.organisation_id)
            )

    with any_client.portal() as portal:
        portal.call(move)
    body = breeder.get(f"/lineage/{family['K']['id']}", params={"generations": 2}).json()
    shown = {p["position"]: p["animal"] for p in body["tree"]}
    assert (shown[4]["name"], shown[4]["own"]) == ("S", False)
    assert shown[4]["hets"] == ["Clown"]
    assert shown[4]["possible_hets"] == ["2/3 Piebald"]
    assert shown[4]["status"] is None  # still only what the public profile shows


def test_a_parent_change_changes_the_lineage(breeder: Breeder) -> None:
    family = inbred_family(breeder)
    response = breeder.patch(
        f"/animals/{family['K']['id']}",
        json={"dam_id": None, "external_dam": {"name": "Wild-caught", "morph": "Normal"}},
    )
    assert response.status_code == 200, response.text
    body = breeder.get(f"/lineage/{family['K']['id']}").json()
    assert body["inbreeding"]["coefficient"] == 0.0
    assert [p["position"] for p in body["tree"]] == [1, 2, 4, 5]
