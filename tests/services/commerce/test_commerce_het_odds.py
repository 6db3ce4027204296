"""Listings show their animal's pedigree carrier odds (``animal.het_odds.changed``): kept per
animal, newest computation wins, shown on the listing, its search and its kept document in
place of the seller's typed possible hets; an unreadable payload changes nothing. On fakes,
then through the service's own consumer on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from fractions import Fraction
from typing import Any

import pytest
from commerce_fakes import FakeUnitOfWork, Store
from commerce_testkit import Trader
from litestar import Litestar
from litestar.testing import TestClient
from test_commerce_animal_follow import publish
from test_commerce_use_cases import NOW, SELLER, run

from reptidex.domain.commerce.het_odds_follow import follow_het_odds
from reptidex.domain.commerce.listing_model import AnimalSnapshot, Listing, PossibleHet
from reptidex.domain.commerce.listings import ListingDraft, create_listing
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.pedigree_odds import (
    PedigreeHet,
    PedigreeOdds,
    shown_hets,
    shown_possible_hets,
)
from reptidex.domain.events.envelope import DomainEvent, new_event

EARLIER = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def gene(name: str, carrier: str, proven: bool = False) -> dict[str, Any]:
    return {
        "locus": name.lower(),
        "name": name,
        "carrier": carrier,
        "percent": round(float(Fraction(carrier)) * 100, 1),
        "proven": proven,
    }


def het_odds_event(
    organisation: uuid.UUID,
    animal_id: object,
    genes: list[dict[str, Any]],
    at: dt.datetime = LATER,
    /,
    **payload: Any,
) -> DomainEvent:
    body = {
        "animal_id": str(animal_id),
        "organisation_id": str(organisation),
        "species": "ball_python",
        "genes": genes,
        **payload,
    }
    return new_event(
        "animal.het_odds.changed",
        producer="animal",
        payload=body,
        organisation_id=organisation,
        occurred_at=at,
    )


def pied_listing(store: Store) -> Listing:
    """A Pastel het Clown the seller lists as 50% het Pied."""
    animal = AnimalSnapshot(
        uuid.uuid4(), "ball_python", "male", None, "Pastel het Clown 50% het Pied", "Pastel",
        traits=("Pastel",), hets=("Clown",),
        possible_hets=(PossibleHet("Pied", Fraction(1, 2)), PossibleHet("Ghost", Fraction(1, 2))),
    )  # fmt: skip
    draft = ListingDraft(animal.animal_id, "Pastel", Money.of(100, "EUR"), "de", publish=True)
    return run(create_listing(FakeUnitOfWork(store), SELLER, animal, draft, now=NOW))


def follow(store: Store, event: DomainEvent) -> Listing | None:
    uow = FakeUnitOfWork(store)
    changed = run(follow_het_odds(uow.listings, uow.het_odds, uow.outbox, event))
    run(uow.commit())
    return changed


def test_the_posterior_replaces_the_typed_possible_het() -> None:
    store = Store()
    listing = pied_listing(store)
    event = het_odds_event(
        SELLER.organisation_id,
        listing.animal.animal_id,
        [gene("Pied", "2/3"), gene("Clown", "1/2")],
    )
    changed = follow(store, event)
    assert changed is not None
    animal = store.listings[listing.id].animal
    assert animal.pedigree_odds == PedigreeOdds(
        LATER,
        (
            PedigreeHet("pied", "Pied", Fraction(2, 3)),
            PedigreeHet("clown", "Clown", Fraction(1, 2)),
        ),
    )
    # the seller's certain het Clown stays; Ghost, which the posterior does not name, too
    assert shown_hets(animal) == ("Clown",)
    assert shown_possible_hets(animal) == (
        PossibleHet("Ghost", Fraction(1, 2)),
        PossibleHet("Pied", Fraction(2, 3), "pedigree"),
    )
    assert [e.type for e in store.events][-1] == "listing.updated"
    assert store.events[-1].payload["after"] == {
        "pedigree_odds": [
            {"locus": "pied", "gene": "Pied", "probability": "2/3", "proven": False},
            {"locus": "clown", "gene": "Clown", "probability": "1/2", "proven": False},
        ]
    }
    assert store.events[-1].payload["before"] == {"pedigree_odds": None}
    assert [r.action for r in store.audit][-1] == "updated"


def test_proven_certain_and_ruled_out_genes() -> None:
    store = Store()
    listing = pied_listing(store)
    genes = [gene("Pied", "1", proven=True), gene("Ghost", "0"), gene("Lavender", "1")]
    follow(store, het_odds_event(SELLER.organisation_id, listing.animal.animal_id, genes))
    animal = store.listings[listing.id].animal
    assert shown_hets(animal) == ("Clown", "Pied", "Lavender")
    assert shown_possible_hets(animal) == ()
    assert animal.pedigree_odds is not None
    labels = [g.label for g in animal.pedigree_odds.genes]
    assert labels == ["het Pied (proven)", "not het Ghost", "het Lavender"]


def test_an_older_computation_never_replaces_a_newer_one() -> None:
    store = Store()
    listing = pied_listing(store)
    animal_id = listing.animal.animal_id
    newer = het_odds_event(SELLER.organisation_id, animal_id, [gene("Pied", "2/3")], LATER)
    older = het_odds_event(SELLER.organisation_id, animal_id, [gene("Pied", "1/4")], EARLIER)
    assert follow(store, newer) is not None
    events = len(store.events)
    assert follow(store, older) is None
    assert follow(store, newer) is None  # the same computation again
    odds = store.listings[listing.id].animal.pedigree_odds
    assert odds is not None
    assert odds.genes[0].probability == Fraction(2, 3)
    assert store.het_odds[(SELLER.organisation_id, animal_id)].computed_at == LATER
    assert len(store.events) == events


def test_odds_no_longer_kept_leave_the_typed_ones() -> None:
    store = Store()
    listing = pied_listing(store)
    animal_id = listing.animal.animal_id
    first = het_odds_event(SELLER.organisation_id, animal_id, [], EARLIER)
    assert follow(store, first) is None  # nothing kept yet, nothing shown: no change
    assert store.het_odds[(SELLER.organisation_id, animal_id)].genes == ()
    follow(store, het_odds_event(SELLER.organisation_id, animal_id, [gene("Pied", "2/3")]))
    later = LATER + dt.timedelta(hours=1)
    assert follow(store, het_odds_event(SELLER.organisation_id, animal_id, [], later))
    animal = store.listings[listing.id].animal
    assert animal.pedigree_odds is None
    assert shown_possible_hets(animal) == listing.animal.possible_hets
    assert store.events[-1].payload["after"] == {"pedigree_odds": None}
    # a listing made now takes no odds either
    fresh = AnimalSnapshot(animal_id, "ball_python", "male", None, "Normal", "Normal")
    draft = ListingDraft(animal_id, "Normal", Money.of(100, "EUR"), "de", publish=True)
    other = Store(het_odds=dict(store.het_odds))
    made = run(create_listing(FakeUnitOfWork(other), SELLER, fresh, draft, now=NOW))
    assert made.animal.pedigree_odds is None


def test_odds_kept_before_the_listing_come_with_it() -> None:
    store = Store()
    animal_id = uuid.uuid4()
    assert (
        follow(store, het_odds_event(SELLER.organisation_id, animal_id, [gene("Pied", "2/3")]))
        is None
    )
    assert store.events == []  # no listing yet: kept only
    assert (SELLER.organisation_id, animal_id) in store.het_odds
    animal = AnimalSnapshot(animal_id, "ball_python", "male", None, "Normal", "Normal")
    draft = ListingDraft(animal_id, "Normal", Money.of(100, "EUR"), "de", publish=True)
    listing = run(create_listing(FakeUnitOfWork(store), SELLER, animal, draft, now=NOW))
    assert shown_possible_hets(listing.animal) == (PossibleHet("Pied", Fraction(2, 3), "pedigree"),)
    other = Store()  # another organisation's kept odds are not this seller's
    follow(other, het_odds_event(uuid.uuid4(), animal_id, [gene("Pied", "2/3")]))
    fresh = run(create_listing(FakeUnitOfWork(other), SELLER, animal, draft, now=NOW))
    assert fresh.animal.pedigree_odds is None


UNREADABLE: list[dict[str, Any]] = [
    {"genes": "Pied"},
    {"genes": [gene("Pied", "2/3"), gene("pied", "1/3")]},
    {"genes": [{**gene("Pied", "2/3"), "carrier": "3/2"}]},
    {"genes": [{**gene("Pied", "2/3"), "carrier": "-1/2"}]},
    {"genes": [{**gene("Pied", "2/3"), "carrier": "two thirds"}]},
    {"genes": [{**gene("Pied", "2/3"), "carrier": "1/0"}]},
    {"genes": [{**gene("Pied", "2/3"), "carrier": True}]},
    {"genes": [{**gene("Pied", "2/3"), "carrier": None}]},
    {"genes": [{**gene("Pied", "2/3"), "proven": "yes"}]},
    {"genes": [{**gene("Pied", "2/3"), "name": ""}]},
    {"genes": [{**gene("Pied", "2/3"), "locus": None}]},
    {"genes": ["Pied"]},
    {"animal_id": "not-an-id"},
    {"species": ""},
    {"organisation_id": str(uuid.uuid4())},
    {"organisation_id": 7},
]


@pytest.mark.parametrize("payload", UNREADABLE)
def test_an_unreadable_payload_changes_nothing(payload: dict[str, Any]) -> None:
    store = Store()
    listing = pied_listing(store)
    events = len(store.events)
    fields = {"genes": [gene("Pied", "2/3")], **payload}
    genes = fields.pop("genes")
    event = het_odds_event(SELLER.organisation_id, listing.animal.animal_id, genes, **fields)
    assert follow(store, event) is None
    assert store.het_odds == {}
    assert store.listings[listing.id].animal.pedigree_odds is None
    assert len(store.events) == events


def test_decimal_carriers_and_other_events() -> None:
    store = Store()
    listing = pied_listing(store)
    animal_id = listing.animal.animal_id
    event = het_odds_event(SELLER.organisation_id, animal_id, [gene("Pied", "0.5")])
    other = new_event(
        "animal.updated", producer="animal", payload=event.payload,
        organisation_id=SELLER.organisation_id,
    )  # fmt: skip
    assert follow(store, other) is None
    assert follow(store, event) is not None
    odds = store.listings[listing.id].animal.pedigree_odds
    assert odds is not None
    assert odds.genes[0].probability == Fraction(1, 2)


# through the service


def _listing(seller: Trader, listing: dict[str, Any]) -> dict[str, Any]:
    found = seller.get(f"/marketplace/listings/{listing['id']}")
    assert found.status_code == 200, found.text
    value: dict[str, Any] = found.json()
    return value


def _found(client: TestClient[Litestar], **params: str) -> list[str]:
    response = client.get("/marketplace/listings", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_the_listing_its_search_and_document_show_the_posterior(
    any_client: TestClient[Litestar], seller: Trader
) -> None:
    """A sibling of a visual Clown listed as "50% het Clown" whose posterior is 2/3; and a
    proven het Pied."""
    listing = seller.list_animal(
        morph="Pastel 50% het Clown", traits=("Pastel",), hets=(), possible_hets=(("Clown", "1/2"),)
    )
    animal_id = listing["animal"]["animal_id"]
    assert _found(any_client, gene="pied", zygosity="het") == []
    before = any_client.get("/marketplace/listings").json()["items"]  # documents kept
    assert before[0]["animal"]["possible_hets"][0]["probability"] == "1/2"
    genes = [gene("Clown", "2/3"), gene("Pied", "1", proven=True)]
    publish(any_client, het_odds_event(seller.organisation_id, animal_id, genes))
    # a stale computation and an unreadable payload change nothing (and fail nothing)
    stale = het_odds_event(seller.organisation_id, animal_id, [gene("Clown", "1/4")], EARLIER)
    publish(any_client, stale)
    publish(any_client, het_odds_event(seller.organisation_id, animal_id, [{"name": "Clown"}]))
    animal = _listing(seller, listing)["animal"]
    assert animal["possible_hets"] == [
        {
            "gene": "Clown",
            "probability": "2/3",
            "percent": 66.6667,
            "label": "66% het Clown",
            "source": "pedigree",
        }
    ]
    assert animal["hets"] == ["Pied"]
    assert animal["pedigree_odds"]["genes"] == [
        {
            "locus": "clown",
            "gene": "Clown",
            "probability": "2/3",
            "percent": 66.7,
            "proven": False,
            "label": "66% het Clown",
        },
        {
            "locus": "pied",
            "gene": "Pied",
            "probability": "1",
            "percent": 100.0,
            "proven": True,
            "label": "het Pied (proven)",
        },
    ]
    searched = any_client.get("/marketplace/listings").json()["items"]
    assert searched[0]["animal"] == animal  # the kept document was written again
    assert _found(any_client, gene="pied", zygosity="het") == [listing["id"]]
    assert _found(any_client, gene="clown", zygosity="possible_het") == [listing["id"]]
    assert _found(any_client, gene="clown", zygosity="het") == []
