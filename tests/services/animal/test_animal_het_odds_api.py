"""``GET /animals/{id}/het-odds`` over HTTP on SQLite and PostgreSQL: the issue's acceptance
family (a grandson turns out visual Clown), against the engine's brute force; tenancy,
contradictions, and the bounds of the work."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from animal_testkit import Breeder, animal_client, transfer

from reptidex.engine.carriers import brute_force_het_odds, carrier_locus, evidence_from_morphs
from reptidex.engine.genetics import load_catalog
from reptidex.engine.pedigree import Animal, Pedigree
from reptidex.services.kernel.settings import Settings

CLOWN = carrier_locus(load_catalog("ball_python"), "Clown")

# the family as the engine's reference sees it: founders GS × GD have Sire and Aunt; Sire ×
# Dam (an outside female) have Grandson, Sib1 and Sib2
REFERENCE = Pedigree(
    [
        Animal("GS"),
        Animal("GD"),
        Animal("Sire", "GS", "GD"),
        Animal("Aunt", "GS", "GD"),
        Animal("Dam"),
        Animal("Grandson", "Sire", "Dam"),
        Animal("Sib1", "Sire", "Dam"),
        Animal("Sib2", "Sire", "Dam"),
    ]
)


def brute_force(grandson: str, **recorded: str) -> dict[str, Fraction]:
    """Every animal's odds of carrying Clown by enumerating every genotype assignment."""
    morphs = {a: "Normal" for a in REFERENCE.ids} | {"Grandson": grandson} | recorded
    result = brute_force_het_odds(REFERENCE, evidence_from_morphs(REFERENCE, CLOWN, morphs))
    return {a: Fraction(result[a].carrier) for a in REFERENCE.ids}


def record_family(breeder: Breeder) -> dict[str, dict[str, Any]]:
    """The three generations, every animal normal-looking (the grandson too, for now); the
    Sire is a Pastel, so that Clown is named only once the grandson shows it."""
    gs = breeder.add(name="GS", sex="male", morph="Normal")
    gd = breeder.add(name="GD", sex="female", morph="Normal")
    sire = breeder.add(name="Sire", sex="male", morph="Pastel", sire_id=gs["id"], dam_id=gd["id"])
    aunt = breeder.add(name="Aunt", sex="female", sire_id=gs["id"], dam_id=gd["id"])
    dam = breeder.add(name="Dam", sex="female", morph="Normal")
    kids = {
        name: breeder.add(name=name, sex=sex, sire_id=sire["id"], dam_id=dam["id"])
        for name, sex in (("Grandson", "male"), ("Sib1", "female"), ("Sib2", "unknown"))
    }
    return {"GS": gs, "GD": gd, "Sire": sire, "Aunt": aunt, "Dam": dam, **kids}


def clown_odds(breeder: Breeder, animal: dict[str, Any]) -> dict[str, Any]:
    response = breeder.get(f"/animals/{animal['id']}/het-odds")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["exact"] is True
    genes: dict[str, dict[str, Any]] = {g["locus"]: g for g in body["genes"]}
    assert "pastel" not in genes  # a Pastel carrier always shows it: no hidden odds
    return genes["clown"]


def test_a_visual_clown_grandson_moves_the_whole_family(breeder: Breeder) -> None:
    family = record_family(breeder)
    body = breeder.get(f"/animals/{family['GS']['id']}/het-odds").json()
    assert body["genes"] == []  # nobody's morph names a recessive yet
    assert body["family_size"] == 8
    # the grandson's morph corrected: he is a visual Clown
    changed = breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Clown"})
    assert changed.status_code == 200, changed.text
    expected = brute_force("Clown")
    before = brute_force("Normal")
    for name, animal in family.items():
        odds = clown_odds(breeder, animal)
        assert Fraction(odds["carrier"]) == expected[name], name
        assert odds["method"] == "junction_tree"
        assert sum(Fraction(g["probability"]) for g in odds["genotypes"]) == 1
        assert odds["proven"] is (expected[name] == 1)
        if name not in ("Grandson", "Sire", "Dam"):
            assert expected[name] > before[name], name  # every relative's odds rose
        assert odds["explanation"], name  # and each says why
    # his parents are proven, his normal-looking siblings 2/3, as breeders know it
    assert expected["Sire"] == expected["Dam"] == 1
    assert expected["Sib1"] == expected["Sib2"] == Fraction(2, 3)
    assert (expected["GS"], expected["Aunt"]) == (Fraction(41, 79), Fraction(40, 79))

    sire = clown_odds(breeder, family["Sire"])
    assert {g["genotype"]: g["probability"] for g in sire["genotypes"]} == {
        "Normal": "0",
        "het Clown": "1",
        "Clown": "0",
    }
    mate = f"Dam ({family['Dam']['code']})"
    assert [r["text"] for r in sire["explanation"]] == [
        f"proven by 1 visual Clown offspring with {mate}"
    ]
    assert sire["explanation"][0]["animal_ids"] == [family["Grandson"]["id"]]
    sib = clown_odds(breeder, family["Sib1"])
    texts = [r["text"] for r in sib["explanation"]]
    assert any("visual Clown" in t and "Grandson" in t for t in texts), texts
    aunt = clown_odds(breeder, family["Aunt"])
    assert aunt["carrier"] == "40/79"
    assert aunt["explanation"], aunt
    assert family["Grandson"]["id"] in {i for r in aunt["explanation"] for i in r["animal_ids"]}
    assert clown_odds(breeder, family["Grandson"])["proven"] is True


def test_a_lab_result_imported_counts(breeder: Breeder) -> None:
    family = record_family(breeder)
    breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Clown"})
    lab = {"lab": "Reptigen", "report_id": "R-1", "test": "Clown"}
    imported = breeder.patch(
        f"/animals/{family['Aunt']['id']}",
        json={"morph": "het Clown", "genotype_source": lab, "expected_morph": "Normal"},
    )
    assert imported.status_code == 200, imported.text
    expected = brute_force("Clown", Aunt="het Clown")
    for name in ("GS", "GD", "Aunt", "Sib1"):
        odds = clown_odds(breeder, family[name])
        assert Fraction(odds["carrier"]) == expected[name], name
    aunt = clown_odds(breeder, family["Aunt"])
    assert aunt["proven"] is True
    assert aunt["explanation"][0]["text"] == "proven by its own record"
    assert expected["GS"] > brute_force("Clown")["GS"]


def test_a_new_hatchling_is_counted(breeder: Breeder) -> None:
    family = record_family(breeder)
    breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Clown"})
    assert clown_odds(breeder, family["GS"])["carrier"] == "41/79"
    # another normal-looking hatchling of Sire x Dam changes nothing of the grandparents:
    # Sire and Dam are proven already
    extra = breeder.add(sire_id=family["Sire"]["id"], dam_id=family["Dam"]["id"])
    assert clown_odds(breeder, extra)["carrier"] == "2/3"
    # a visual Clown of the Aunt with an outside normal male proves the Aunt
    mate = breeder.add(name="Mate", sex="male")
    breeder.add(morph="Clown", sire_id=mate["id"], dam_id=family["Aunt"]["id"])
    aunt = clown_odds(breeder, family["Aunt"])
    assert aunt["proven"] is True
    assert aunt["carrier"] == "1"


def test_tenancy_and_roles(breeder: Breeder, rival: Breeder) -> None:
    family = record_family(breeder)
    url = f"/animals/{family['Sire']['id']}/het-odds"
    stranger = rival.get(url)
    assert stranger.status_code == 404, stranger.text
    assert stranger.headers["content-type"].startswith("application/problem+json")
    assert rival.get(f"/animals/{uuid.uuid4()}/het-odds").status_code == 404
    viewer = Breeder(breeder.client, breeder.organisation_id, role="viewer")
    assert viewer.get(url).status_code == 200
    assert breeder.client.get(url).status_code == 401


def test_a_bought_animals_shared_ancestry_counts_and_private_relatives_do_not(
    breeder: Breeder, rival: Breeder
) -> None:
    check_shared_ancestry(breeder, rival)


def test_the_family_is_read_under_row_level_security(
    make_settings: Callable[..., Settings], app_role_url: str
) -> None:
    # the service connected as a non-owner role: the policies bind the family's statement
    with animal_client(make_settings(animal_database_url=app_role_url)) as client:
        check_shared_ancestry(Breeder(client, uuid.uuid4()), Breeder(client, uuid.uuid4()))


def check_shared_ancestry(breeder: Breeder, rival: Breeder) -> None:
    """A bought animal's ancestry shared by its seller is part of its family; the seller's
    private animals are not."""
    # the rival bred Kid from a visual Clown sire and sells it with its ancestry shared
    # (Zeus and Hera become lineage-only); Kid's full sibling stays private to the rival
    zeus = rival.add(name="Zeus", sex="male", morph="Clown")
    hera = rival.add(name="Hera", sex="female")
    kid = rival.add(name="Kid", sex="female", sire_id=zeus["id"], dam_id=hera["id"])
    hidden = rival.add(name="Hidden", sire_id=zeus["id"], dam_id=hera["id"], morph="Clown")
    transfer(rival, kid, breeder, share_lineage=True)
    body = breeder.get(f"/animals/{kid['id']}/het-odds").json()
    assert body["family_size"] == 3  # Kid, Zeus, Hera: not the rival's private Hidden
    assert hidden["id"] not in str(body)
    (clown,) = body["genes"]
    assert clown["proven"] is True
    assert [r["animal_ids"] for r in clown["explanation"]] == [[zeus["id"]]]
    assert clown["explanation"][0]["text"].startswith("proven by its sire Zeus")


def test_contradicting_records_are_a_conflict_naming_them(breeder: Breeder) -> None:
    sire = breeder.add(name="Zeus", sex="male", morph="Clown")
    dam = breeder.add(name="Hera", sex="female", morph="Clown")
    kid = breeder.add(name="Kid", sire_id=sire["id"], dam_id=dam["id"], morph="Clown")
    assert clown_odds(breeder, kid)["proven"] is True
    breeder.patch(f"/animals/{kid['id']}", json={"morph": "Normal"})
    response = breeder.get(f"/animals/{dam['id']}/het-odds")
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert "Clown" in problem["detail"]
    assert "Kid" in problem["detail"]
    named = {e["field"] for e in problem["errors"]}
    assert named == {f"animals.{a['id']}" for a in (sire, dam, kid)}


def test_the_operation_is_documented(breeder: Breeder) -> None:
    schema = breeder.client.get("/schema/openapi.json").json()
    operation = schema["paths"]["/animals/{animal_id}/het-odds"]["get"]
    assert {"200", "404", "409", "422"} <= set(operation["responses"])
    assert "HetOddsView" in str(operation["responses"]["200"])
    assert operation["responses"]["409"]["content"].keys() == {"application/problem+json"}
