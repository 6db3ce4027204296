"""Every animal's het odds kept up to date in the background, over HTTP on SQLite and
PostgreSQL: the issue's acceptance family (a grandson turns out visual Clown, a hatchling is
recorded) against the engine's brute force, shown on the animal's page and in the listing,
served by ``/het-odds`` when up to date; ``animal.het_odds.changed`` for each animal whose
odds changed; a family whose records contradict each other keeps no odds and says why."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from animal_testkit import Breeder, animal_components, transfer
from test_animal_het_odds_api import brute_force, record_family
from test_animal_lineage_origin import hatch

from outbox_payloads import staged_payloads
from reptidex.domain.animals.het_odds import HetOddsLimits


@pytest.fixture(autouse=True)
def no_delay(breeder: Breeder) -> None:
    """The upkeep computes a request as soon as it is made (the service waits 2 s)."""
    animal_components(breeder.client.app).het_odds_upkeep.delay = dt.timedelta(0)


def eventually(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Wait until ``check()`` holds (the relay, the consumer and the worker run in the
    background)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def kept(breeder: Breeder, animal: dict[str, Any]) -> dict[str, Any] | None:
    """The animal page's ``het_odds``."""
    response = breeder.get(f"/animals/{animal['id']}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] | None = response.json()["het_odds"]
    return found


def kept_clown(breeder: Breeder, animal: dict[str, Any]) -> dict[str, Any] | None:
    odds = kept(breeder, animal)
    if odds is None or not odds["up_to_date"]:
        return None
    genes = {g["locus"]: g for g in odds["genes"]}
    return genes.get("clown")


def settled_on(
    breeder: Breeder, family: dict[str, dict[str, Any]], expected: dict[str, Fraction]
) -> dict[str, dict[str, Any]]:
    """Wait until every animal's kept Clown odds are ``expected``; they, by name."""
    found: dict[str, dict[str, Any]] = {}

    def all_kept() -> bool:
        for name, animal in family.items():
            clown = kept_clown(breeder, animal)
            if clown is None or Fraction(clown["carrier"]) != expected[name]:
                return False
            found[name] = clown
        return True

    eventually(all_kept, f"kept odds {expected}")
    return found


def test_the_acceptance_family_keeps_its_odds(breeder: Breeder) -> None:
    family = record_family(breeder)
    for animal in family.values():
        eventually(
            lambda a=animal: (kept(breeder, a) or {}).get("status") == "computed",  # type: ignore[misc]
            "computed",
        )
        assert kept(breeder, animal)["genes"] == []  # type: ignore[index]  # no recessive named
    # the grandson's morph corrected: he is a visual Clown
    changed = breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Clown"})
    assert changed.status_code == 200, changed.text
    expected = brute_force("Clown")
    odds = settled_on(breeder, family, expected)
    assert expected["Sire"] == expected["Dam"] == 1
    assert expected["Sib1"] == expected["Sib2"] == Fraction(2, 3)
    assert (expected["GS"], expected["Aunt"]) == (Fraction(41, 79), Fraction(40, 79))
    for name, clown in odds.items():
        assert clown["proven"] is (expected[name] == 1), name
        assert clown["exact"] is True
        assert clown["method"] == "junction_tree"
        assert sum(Fraction(g["probability"]) for g in clown["genotypes"]) == 1
        assert clown["explanation"], name  # each page says why
    assert odds["Sire"]["summary"] == "proven het Clown"
    assert odds["Grandson"]["summary"] == "proven het Clown"
    assert odds["Sib1"]["summary"] == "66% het Clown"
    assert (odds["Sib1"]["carrier"], odds["Sib1"]["carrier_percent"]) == ("2/3", 66.7)
    assert odds["Aunt"]["summary"] == "50% het Clown"
    mate = f"Dam ({family['Dam']['code']})"
    assert [r["text"] for r in odds["Sire"]["explanation"]] == [
        f"proven by 1 visual Clown offspring with {mate}"
    ]
    assert odds["Sire"]["explanation"][0]["animal_ids"] == [family["Grandson"]["id"]]
    # /het-odds serves the kept odds, up to date with every record
    body = breeder.get(f"/animals/{family['Aunt']['id']}/het-odds").json()
    assert body["source"] == "kept"
    assert body["computed_at"] is not None
    assert {g["locus"]: g["carrier"] for g in body["genes"]} == {"clown": "40/79"}
    # the listing shows them in short
    listed = breeder.get("/animals", params={"limit": 100}).json()["items"]
    summaries = {a["name"]: [g["summary"] for g in a["het_odds"]] for a in listed}
    assert summaries["Dam"] == ["proven het Clown"]
    assert summaries["Sib2"] == ["66% het Clown"]

    # a hatchling recorded from a clutch of Sire x Dam: normal-looking, 2/3 het like its
    # siblings
    _, baby = hatch(breeder, family["Sire"]["id"], family["Dam"]["id"], "2025-02-02")
    eventually(lambda: kept_clown(breeder, baby) is not None, "the hatchling's odds")
    assert kept_clown(breeder, baby)["carrier"] == "2/3"  # type: ignore[index]
    # a visual Clown of the Aunt with an outside male recorded: the Aunt is proven, her
    # parents' odds rise by what brute force gives
    outside = breeder.add(name="Mate", sex="male")
    breeder.add(
        name="Aunt's kid", morph="Clown", sire_id=outside["id"], dam_id=family["Aunt"]["id"]
    )
    after = brute_force("Clown", Aunt="het Clown")
    settled_on(breeder, {"Aunt": family["Aunt"], "GS": family["GS"], "GD": family["GD"]}, after)
    assert kept_clown(breeder, family["Aunt"])["summary"] == "proven het Clown"  # type: ignore[index]
    assert after["GS"] > expected["GS"]


def test_a_change_publishes_the_changed_odds(breeder: Breeder) -> None:
    family = record_family(breeder)
    breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Clown"})
    settled_on(breeder, family, brute_force("Clown"))

    def payloads() -> list[dict[str, Any]]:
        return staged_payloads(breeder.client, "animal.het_odds.changed")

    eventually(lambda: len(payloads()) >= len(family), "one event per animal")
    latest = {p["animal_id"]: p for p in payloads()}
    assert set(latest) == {a["id"] for a in family.values()}
    sib = latest[family["Sib1"]["id"]]
    assert sib == {
        "animal_id": family["Sib1"]["id"],
        "organisation_id": str(breeder.organisation_id),
        "species": "ball_python",
        "genes": [
            {"locus": "clown", "name": "Clown", "carrier": "2/3", "percent": 66.7, "proven": False}
        ],
    }
    assert latest[family["Sire"]["id"]]["genes"][0]["proven"] is True
    assert latest[family["Sire"]["id"]]["genes"][0]["percent"] == 100.0
    # a change that moves no odds publishes nothing more for the animals it leaves alone
    count = len(payloads())
    breeder.patch(f"/animals/{family['GS']['id']}", json={"name": "Grandsire"})
    eventually(lambda: (kept(breeder, family["GS"]) or {}).get("up_to_date") is True, "recomputed")
    time.sleep(0.3)
    assert len(payloads()) == count


def test_a_morph_corrected_back_lowers_the_odds_again(breeder: Breeder) -> None:
    family = record_family(breeder)
    breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Clown"})
    settled_on(breeder, family, brute_force("Clown"))
    breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Pastel"})
    # nobody's morph names Clown any more: no Clown odds are kept
    for animal in family.values():
        eventually(
            lambda a=animal: (  # type: ignore[misc]
                (odds := kept(breeder, a)) is not None
                and odds["up_to_date"]
                and odds["genes"] == []
            ),
            "no Clown odds",
        )
    payloads = staged_payloads(breeder.client, "animal.het_odds.changed")
    assert {p["animal_id"]: p["genes"] for p in payloads}[family["Sire"]["id"]] == []


def test_contradicting_records_keep_no_odds_and_say_why(breeder: Breeder) -> None:
    sire = breeder.add(name="Zeus", sex="male", morph="Clown")
    dam = breeder.add(name="Hera", sex="female", morph="Clown")
    kid = breeder.add(name="Kid", sire_id=sire["id"], dam_id=dam["id"], morph="Clown")
    eventually(lambda: kept_clown(breeder, kid) is not None, "kept")
    breeder.patch(f"/animals/{kid['id']}", json={"morph": "Normal"})

    def refused() -> bool:
        odds = kept(breeder, dam)
        return odds is not None and odds["status"] == "contradiction"

    eventually(refused, "the contradiction kept")
    odds = kept(breeder, dam)
    assert odds is not None
    assert odds["genes"] == []
    assert "Kid" in odds["note"]
    assert "Clown" in odds["note"]
    assert breeder.get(f"/animals/{dam['id']}/het-odds").status_code == 409


def test_another_organisation_sees_none_of_it(breeder: Breeder, rival: Breeder) -> None:
    family = record_family(breeder)
    breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Clown"})
    settled_on(breeder, family, brute_force("Clown"))
    assert rival.get(f"/animals/{family['Sire']['id']}").status_code == 404
    assert rival.get("/animals").json()["items"] == []
    stranger = uuid.uuid4()
    assert rival.get(f"/animals/{stranger}").status_code == 404


def test_the_pages_are_documented(breeder: Breeder) -> None:
    schema = breeder.client.get("/schema/openapi.json").json()
    shown = schema["paths"]["/animals/{animal_id}"]["get"]["responses"]["200"]
    assert "AnimalDetailView" in str(shown)
    components = schema["components"]["schemas"]
    assert "KeptHetOddsView" in components
    assert "HetOddsSummaryView" in components
    assert "source" in components["HetOddsView"]["properties"]


def test_a_family_too_large_keeps_no_odds_and_says_why(breeder: Breeder) -> None:
    upkeep = animal_components(breeder.client.app).het_odds_upkeep
    upkeep.limits = HetOddsLimits(family_animals=3)
    family = record_family(breeder)
    breeder.patch(f"/animals/{family['Grandson']['id']}", json={"morph": "Clown"})

    def refused() -> bool:
        odds = kept(breeder, family["Sire"])
        return odds is not None and odds["status"] == "too_large" and odds["up_to_date"]

    eventually(refused, "the family refused as too large")
    odds = kept(breeder, family["Sire"])
    assert odds is not None
    assert odds["genes"] == []
    assert "more than 3 recorded animals" in odds["note"]


def test_a_bought_animal_gets_the_buyers_odds(breeder: Breeder, rival: Breeder) -> None:
    zeus = rival.add(name="Zeus", sex="male", morph="Clown")
    hera = rival.add(name="Hera", sex="female")
    kid = rival.add(name="Kid", sex="female", sire_id=zeus["id"], dam_id=hera["id"])
    eventually(lambda: kept_clown(rival, kid) is not None, "the seller's odds")
    transfer(rival, kid, breeder, share_lineage=True)
    # the seller's kept odds went with the sale; the buyer's are computed from its view
    eventually(lambda: kept_clown(breeder, kid) is not None, "the buyer's odds")
    clown = kept_clown(breeder, kid)
    assert clown is not None
    assert clown["proven"] is True
    assert clown["explanation"][0]["text"].startswith("proven by its sire Zeus")


def test_the_seller_takes_in_the_buyers_records_without_asking(
    breeder: Breeder, rival: Breeder
) -> None:
    zeus = rival.add(name="Zeus", sex="male")
    hera = rival.add(name="Hera", sex="female")
    kid = rival.add(name="Kid", sex="female", sire_id=zeus["id"], dam_id=hera["id"])
    eventually(lambda: (kept(rival, zeus) or {}).get("status") == "computed", "computed")
    assert kept(rival, zeus)["genes"] == []  # type: ignore[index]
    transfer(rival, kid, breeder, share_lineage=True)
    # the buyer shows Kid and her visual Clown daughter to everyone
    assert breeder.patch(f"/animals/{kid['id']}", json={"visibility": "public"}).status_code == 200
    mate = breeder.add(name="Mate", sex="male")
    breeder.add(
        name="Daughter", morph="Clown", sire_id=mate["id"], dam_id=kid["id"], visibility="public"
    )
    eventually(lambda: (kept_clown(breeder, kid) or {}).get("proven") is True, "Kid proven")
    # the buyer's change asked for the seller's animals too: its kept odds follow, unasked,
    # and agree with its answer on request
    eventually(lambda: kept_clown(rival, zeus) is not None, "the seller's kept odds")
    clown = kept_clown(rival, zeus)
    assert clown is not None
    assert Fraction(clown["carrier"]) > 0
    answer = rival.get(f"/animals/{zeus['id']}/het-odds").json()
    assert answer["source"] == "kept"
    assert answer["genes"][0]["carrier"] == clown["carrier"]
    # asking is still possible (a writer of the animal's organisation only)
    viewer = Breeder(rival.client, rival.organisation_id, role="viewer")
    assert viewer.post(f"/animals/{zeus['id']}/het-odds/refresh").status_code == 403
    assert breeder.post(f"/animals/{zeus['id']}/het-odds/refresh").status_code == 404
    asked = rival.post(f"/animals/{zeus['id']}/het-odds/refresh")
    assert asked.status_code == 202, asked.text
    assert asked.json()["up_to_date"] is False
    eventually(
        lambda: rival.get(f"/animals/{zeus['id']}/het-odds").json()["source"] == "kept", "kept"
    )
    assert kept_clown(rival, zeus)["carrier"] == clown["carrier"]  # type: ignore[index]
    # the buyer learnt nothing of the seller's animals on the way
    assert breeder.get(f"/animals/{zeus['id']}").status_code == 404
