"""The clutch as evidence: every hatchling of a clutch weighed with its clutch-mates.

Through the API on SQLite and PostgreSQL (the issue's example: a visual Clown proves a
50% het Clown dam het, and the normal-looking siblings are 2/3 het Clown, earlier-registered
ones too, each change saying why, the dam's record untouched but a suggestion made), and the
stored odds against brute-force enumeration over the parents' genotypes (Hypothesis).
"""

from __future__ import annotations

import asyncio
import uuid
from fractions import Fraction
from typing import Any

import httpx
import pytest
from animal_testkit import Breeder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outbox_payloads import staged_payloads
from reptidex.domain.animals import breeding
from reptidex.domain.animals.clutch_evidence import settle_clutch
from reptidex.domain.animals.genetics import hatchling_record, read_record
from reptidex.domain.animals.model import Animal, AnimalSex
from reptidex.domain.errors import Conflict
from reptidex.engine.genetics import Genotype, Sex, cross, load_catalog, parse_genotype

BP = load_catalog("ball_python")


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def staged(breeder: Breeder, kind: str) -> list[dict[str, Any]]:
    """The payloads of ``kind`` in repti-animal's outbox, oldest first."""
    return staged_payloads(breeder.client, kind)


def clutch_of(breeder: Breeder, sire_morph: str, dam_morph: str) -> tuple[Any, Any, Any]:
    sire = breeder.add(name="Zeus", sex="male", morph=sire_morph, hatch_date="2020-05-01")
    dam = breeder.add(name="Hera", sex="female", morph=dam_morph, hatch_date="2020-06-01")
    pair = ok(
        breeder.post("/breeding/pairs", json={"sire_id": sire["id"], "dam_id": dam["id"]}), 201
    )
    clutch = ok(
        breeder.post(
            "/breeding/clutches", json={"pair_id": pair["id"], "laid_on": "2026-04-01", "eggs": 8}
        ),
        201,
    )
    return sire, dam, clutch


def odds(animal: dict[str, Any]) -> dict[str, str]:
    return {h["gene"]: h["probability"] for h in animal["genotype"]["possible_hets"]}


def test_a_visual_clown_proves_the_dam_and_narrows_every_sibling(breeder: Breeder) -> None:
    sire, dam, clutch = clutch_of(breeder, "het Clown", "50% het Clown")
    url = f"/breeding/clutches/{clutch['id']}/hatchlings"
    first = ok(breeder.post(url, json={"hatchlings": [{"morph": "Normal"}]}), 201)
    # one normal-looking hatchling alone: het Clown × 50% het Clown gives 4/7
    assert odds(first[0]) == {"Clown": "4/7"}
    later = ok(
        breeder.post(url, json={"hatchlings": [{"morph": "Clown"}, {"morph": "Normal"}]}), 201
    )
    clown, normal = later
    assert odds(normal) == {"Clown": "2/3"}
    assert clown["genotype"]["phenotype"] == "Clown"
    # the earlier-registered sibling is narrowed too, with why
    earlier = ok(breeder.get(f"/animals/{first[0]['id']}"))
    assert odds(earlier) == {"Clown": "2/3"}
    assert earlier["genotype"]["morph"] == "Normal 66% het Clown"
    # the dam's record is what the breeder typed; the clutch suggests the change
    assert ok(breeder.get(f"/animals/{dam['id']}"))["genotype"]["morph"] == "50% het Clown"
    hatched = staged(breeder, "breeding.hatched")[-1]
    assert sorted(hatched["narrowed_ids"]) == sorted([first[0]["id"], normal["id"]])
    (suggestion,) = hatched["suggestions"]
    assert suggestion["role"] == "dam"
    assert suggestion["animal_id"] == dam["id"]
    assert suggestion["suggestion"] == "mark as proven het Clown"
    assert (suggestion["before"], suggestion["after"]) == ("1/2", "1")
    assert suggestion["proven_by"] == [clown["id"]]
    assert suggestion["morph"] == "Normal het Clown"
    updates = [u for u in staged(breeder, "animal.updated") if u["animal_id"] == first[0]["id"]]
    source = updates[-1]["genotype_source"]
    assert source["kind"] == "clutch"
    assert source["clutch_id"] == clutch["id"]
    assert source["hatchlings"] == 3
    assert (
        f"the dam Hera ({dam['code']}) is proven het Clown by {clown['code']}" in (source["reason"])
    )
    audits = [
        a
        for a in staged(breeder, "audit.recorded")
        if a["resource_id"] == first[0]["id"] and a["action"] == "updated"
    ]
    assert audits[-1]["before"]["possible_hets"] == [["Clown", "4/7"]]
    assert audits[-1]["after"]["possible_hets"] == [["Clown", "2/3"]]
    assert audits[-1]["after"]["genotype_source"] == source
    assert sire["genotype"]["hets"] == ["Clown"]
    # the clutch's evidence, on request: the suggestion stands until the dam's record says it
    evidence = ok(breeder.get(f"/breeding/clutches/{clutch['id']}/evidence"))
    assert (evidence["weighed"], evidence["hatchlings"]) == (True, 3)
    assert evidence["unsettled_ids"] == []
    assert evidence["parents"] == [
        {"role": "dam", "animal_id": dam["id"], "gene": "Clown", "before": "1/2", "after": "1"}
    ]
    assert [s["suggestion"] for s in evidence["suggestions"]] == ["mark as proven het Clown"]
    assert evidence["reason"] == source["reason"]
    ok(breeder.patch(f"/animals/{dam['id']}", json={"morph": evidence["suggestions"][0]["morph"]}))
    after = ok(breeder.get(f"/breeding/clutches/{clutch['id']}/evidence"))
    assert (after["parents"], after["suggestions"], after["unsettled_ids"]) == ([], [], [])


def test_one_batch_is_weighed_whole_and_a_lone_look_is_unchanged(breeder: Breeder) -> None:
    _, _, clutch = clutch_of(breeder, "het Clown", "50% het Clown")
    url = f"/breeding/clutches/{clutch['id']}/hatchlings"
    normal, clown = ok(
        breeder.post(url, json={"hatchlings": [{"morph": "Normal"}, {"morph": "Clown"}]}), 201
    )
    assert odds(normal) == {"Clown": "2/3"}
    assert odds(clown) == {}


def test_records_that_cannot_all_be_true_are_a_409_and_write_nothing(breeder: Breeder) -> None:
    _, _, clutch = clutch_of(breeder, "het Clown", "het Clown")
    url = f"/breeding/clutches/{clutch['id']}/hatchlings"
    (first,) = ok(breeder.post(url, json={"hatchlings": [{"morph": "Normal"}]}), 201)
    ok(breeder.patch(f"/animals/{first['id']}", json={"morph": "Pied"}))
    before = ok(breeder.get(f"/breeding/clutches/{clutch['id']}"))["hatched"]
    refused = breeder.post(url, json={"hatchlings": [{"morph": "Clown"}]})
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == [f"animals.{first['id']}"]
    assert ok(breeder.get(f"/breeding/clutches/{clutch['id']}"))["hatched"] == before
    shown = breeder.get(f"/breeding/clutches/{clutch['id']}/evidence")
    assert shown.status_code == 409, shown.text
    assert [e["field"] for e in shown.json()["errors"]] == [f"animals.{first['id']}"]


def test_a_clutch_of_several_sires_is_not_weighed(breeder: Breeder) -> None:
    sires = [breeder.add(sex="male", morph="het Clown", hatch_date="2020-05-01") for _ in "ab"]
    dam = breeder.add(sex="female", morph="50% het Clown", hatch_date="2020-06-01")
    clutch = ok(
        breeder.post(
            "/breeding/clutches",
            json={
                "dam_id": dam["id"],
                "sire_ids": [s["id"] for s in sires],
                "laid_on": "2026-04-01",
                "eggs": 3,
            },
        ),
        201,
    )
    url = f"/breeding/clutches/{clutch['id']}/hatchlings"
    ok(breeder.post(url, json={"hatchlings": [{"morph": "Clown"}, {"morph": "Normal"}]}), 201)
    evidence = ok(breeder.get(f"/breeding/clutches/{clutch['id']}/evidence"))
    assert (evidence["weighed"], evidence["suggestions"]) == (False, [])
    assert staged(breeder, "breeding.hatched")[-1]["suggestions"] == []
    other = Breeder(breeder.client, uuid.uuid4())
    assert other.get(f"/breeding/clutches/{clutch['id']}/evidence").status_code == 404


# --- the stored odds against brute force -------------------------------------------------

GENES = ("Clown", "Piebald", "Spider", "Pastel")
PARENT = st.sampled_from(["", "het {}", "50% het {}", "66% het {}", "{}"])
DOMINANT = st.sampled_from(["", "Spider", "Pastel", "Pastel Spider"])
"""Spider: a super Spider dies in the egg, so the hatchlings' likelihoods are of living ones."""


def _morph(parts: list[str], dominant: str) -> str:
    words = [p.format(g) for p, g in zip(parts, GENES, strict=False) if p]
    return " ".join([dominant, *words]).strip() or "Normal"


def _animal(morph: str, sex: AnimalSex, **fields: Any) -> Animal:
    return Animal(
        id=uuid.uuid4(),
        organisation_id=uuid.UUID(int=0),
        code=f"A-{uuid.uuid4().hex[:6]}",
        name=None,
        species="ball_python",
        sex=sex,
        genotype=fields.pop("genotype", None) or read_record(BP, morph, sex.genetic, field="m"),
        **fields,
    )


def _evidence(genotype: Genotype, look: frozenset[str], hets: frozenset[str]) -> bool:
    (traits,) = genotype.phenotypes()
    return frozenset(traits) == look and all(genotype.carrier_probability(h) == 1 for h in hets)


def _brute_force(
    sire: Genotype, dam: Genotype, mates: list[tuple[frozenset[str], frozenset[str]]]
) -> tuple[list[dict[str, Fraction]], dict[str, Fraction]]:
    """Each hatchling's odds of carrying each gene, and the dam's, by enumerating the
    parents' whole genotypes and their offspring."""
    total = Fraction(0)
    carried = [dict.fromkeys(GENES, Fraction(0)) for _ in mates]
    dam_carries = dict.fromkeys(GENES, Fraction(0))
    for s, ws in sire.possibilities():
        for d, wd in dam.possibilities():
            offspring = list(cross(s, d, viable_only=True).genotypes())
            fits = []
            weight = ws * wd
            for look, hets in mates:
                fit = [(g, p) for g, p in offspring if _evidence(g, look, hets)]
                share = sum((p for _, p in fit), Fraction(0))
                weight *= share
                fits.append((fit, share))
            if not weight:
                continue
            total += weight
            for gene in GENES:
                dam_carries[gene] += weight * d.carrier_probability(gene)
            for i, (fit, share) in enumerate(fits):
                for gene in GENES:
                    inside = sum((p for g, p in fit if g.carrier_probability(gene)), Fraction(0))
                    carried[i][gene] += weight * inside / share
    return (
        [{g: p / total for g, p in c.items()} for c in carried],
        {g: p / total for g, p in dam_carries.items()},
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sire_parts=st.lists(PARENT, min_size=2, max_size=2),
    dam_parts=st.lists(PARENT, min_size=2, max_size=2),
    sire_dominant=DOMINANT,
    dam_dominant=DOMINANT,
    picks=st.lists(st.integers(min_value=0, max_value=63), min_size=1, max_size=5),
)
def test_stored_odds_equal_brute_force_over_the_parents(
    sire_parts: list[str],
    dam_parts: list[str],
    sire_dominant: str,
    dam_dominant: str,
    picks: list[int],
) -> None:
    sire = _animal(_morph(sire_parts, sire_dominant), AnimalSex.MALE)
    dam = _animal(_morph(dam_parts, dam_dominant), AnimalSex.FEMALE)
    sire_g = sire.genotype.genotype(BP, Sex.MALE)
    dam_g = dam.genotype.genotype(BP, Sex.FEMALE)
    looks = sorted({o.phenotype for o in cross(sire_g, dam_g, viable_only=True).outcomes()})
    hatchlings = []
    for pick in picks:
        look = looks[pick % len(looks)]
        record = hatchling_record(BP, sire_g, dam_g, look, None)
        hatchlings.append(
            _animal(look, AnimalSex.UNKNOWN, genotype=record, sire_id=sire.id, dam_id=dam.id)
        )
    settled = settle_clutch(BP, sire, dam, hatchlings)
    stored = [settled.records.get(a.id, a.genotype) for a in hatchlings]
    mates = [(frozenset(a.genotype.traits), frozenset(a.genotype.hets)) for a in hatchlings]
    expected, dam_after = _brute_force(sire_g, dam_g, mates)
    for record, want in zip(stored, expected, strict=True):
        genotype = record.genotype(BP, None)
        assert {g: genotype.carrier_probability(g) for g in GENES} == want
    # a dam's possible het the clutch settles is suggested, and only then
    suggested = {s.gene for s in settled.settled if s.role == "dam"}
    settles = {g for g in GENES if 0 < dam_g.carrier_probability(g) < 1 and dam_after[g] in (0, 1)}
    assert suggested == settles


def test_a_hatchling_the_parents_cannot_give_is_named() -> None:
    sire = _animal("het Clown", AnimalSex.MALE)
    dam = _animal("het Clown", AnimalSex.FEMALE)
    pied = _animal("Pied", AnimalSex.UNKNOWN, sire_id=sire.id, dam_id=dam.id)
    with pytest.raises(Conflict) as refused:
        settle_clutch(BP, sire, dam, [pied])
    assert list(refused.value.field_errors) == [f"animals.{pied.id}"]


def test_a_hatchling_of_a_visual_parent_stays_as_it_was() -> None:
    sire = _animal("Clown", AnimalSex.MALE)
    dam = _animal("het Clown", AnimalSex.FEMALE)
    sire_g, dam_g = (a.genotype.genotype(BP, s) for a, s in ((sire, Sex.MALE), (dam, Sex.FEMALE)))
    kid = _animal(
        "Normal",
        AnimalSex.UNKNOWN,
        genotype=hatchling_record(BP, sire_g, dam_g, "Normal", None),
        sire_id=sire.id,
        dam_id=dam.id,
    )
    assert settle_clutch(BP, sire, dam, [kid]).records == {}
    assert parse_genotype(BP, "het Clown").carrier_probability("Clown") == 1


def test_a_lab_proven_het_sibling_is_evidence_and_stays_proven() -> None:
    sire = _animal("Normal", AnimalSex.MALE)
    dam = _animal("50% het Clown", AnimalSex.FEMALE)
    sire_g, dam_g = sire.genotype.genotype(BP, Sex.MALE), dam.genotype.genotype(BP, Sex.FEMALE)
    lab = _animal("het Clown", AnimalSex.FEMALE, sire_id=sire.id, dam_id=dam.id)
    kid = _animal(
        "Normal",
        AnimalSex.UNKNOWN,
        genotype=hatchling_record(BP, sire_g, dam_g, "Normal", None),
        sire_id=sire.id,
        dam_id=dam.id,
    )
    assert [(h.gene, str(h.probability)) for h in kid.genotype.possible_hets] == [("Clown", "1/4")]
    settled = settle_clutch(BP, sire, dam, [lab, kid])
    assert lab.id not in settled.records  # its lab's het is kept, not widened to odds
    narrowed = settled.records[kid.id]
    assert [(h.gene, str(h.probability)) for h in narrowed.possible_hets] == [("Clown", "1/2")]
    (proof,) = settled.settled
    assert (proof.role, proof.suggestion, proof.proven_by) == (
        "dam",
        "mark as proven het Clown",
        (lab.id,),
    )


def test_the_weighing_runs_off_the_event_loop(
    breeder: Breeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop: list[bool] = []

    def spying(real: Any) -> Any:
        def work(*args: Any) -> Any:
            try:
                asyncio.get_running_loop()
                on_loop.append(True)
            except RuntimeError:
                on_loop.append(False)
            return real(*args)

        return work

    for name in ("settle_clutch", "_hatchling_records"):
        monkeypatch.setattr(breeding, name, spying(getattr(breeding, name)))
    _, _, clutch = clutch_of(breeder, "het Clown", "50% het Clown")
    url = f"/breeding/clutches/{clutch['id']}/hatchlings"
    ok(breeder.post(url, json={"hatchlings": [{"morph": "Clown"}]}), 201)
    ok(breeder.get(f"/breeding/clutches/{clutch['id']}/evidence"))
    assert on_loop == [False, False, False]
