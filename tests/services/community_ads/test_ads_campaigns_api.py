"""``/ads/campaigns`` on SQLite and PostgreSQL: an organisation's members start, read, pause,
resume and edit its campaigns; viewers read; other organisations find nothing; bad input is a
clear 4xx and writes nothing; each change stages its event and its audit record."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from ads_testkit import Advertiser, FakeListings, campaign_body, outbox_events
from litestar import Litestar
from litestar.testing import TestClient


def _start(advertiser: Advertiser, **fields: Any) -> dict[str, Any]:
    response = advertiser.post("/ads/campaigns", json=campaign_body(**fields))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_member_starts_a_listings_campaign_with_its_event_and_audit_record(
    advertiser: Advertiser, listings: FakeListings, any_client: TestClient[Litestar]
) -> None:
    listing = listings.add(advertiser.organisation_id)
    created = _start(
        advertiser,
        boost="listings",
        listing_ids=[str(listing)],
        targeting={"species": ["ball_python"], "genes": ["clown"], "countries": ["DE"]},
    )
    assert created["organisation_id"] == str(advertiser.organisation_id)
    assert (created["status"], created["spent"], created["spent_millis"]) == ("active", 0, 0)
    assert created["listing_ids"] == [str(listing)]
    assert created["targeting"] == {
        "species": ["ball_python"],
        "genes": ["clown"],
        "countries": ["DE"],
    }
    shown = advertiser.get(f"/ads/campaigns/{created['id']}")
    assert shown.status_code == 200
    assert shown.json() == created
    kinds = [kind for kind, _ in outbox_events(any_client)]
    assert kinds == ["community.ad_campaign_created", "audit.recorded"]
    audit = outbox_events(any_client)[1][1]
    assert (audit["resource_kind"], audit["action"]) == ("ad_campaign", "created")


def test_a_listing_of_another_organisation_cannot_be_boosted(
    advertiser: Advertiser, rival: Advertiser, listings: FakeListings
) -> None:
    theirs = listings.add(rival.organisation_id)
    body = campaign_body(boost="listings", listing_ids=[str(theirs)])
    response = advertiser.post("/ads/campaigns", json=body)
    assert response.status_code == 422
    assert "listing_ids" in response.text
    missing = campaign_body(boost="listings", listing_ids=[str(uuid.uuid4())])
    assert advertiser.post("/ads/campaigns", json=missing).status_code == 422
    assert advertiser.get("/ads/campaigns").json()["total"] == 0


@pytest.mark.parametrize(
    ("fields", "status", "named"),
    [
        ({"starts_on": "2026-12-20", "ends_on": "2026-12-10"}, 422, "ends_on"),
        ({"starts_on": "2026-01-01", "ends_on": "2027-06-01"}, 422, "ends_on"),
        ({"starts_on": "2026-11-01", "ends_on": "2026-11-30"}, 422, "ends_on"),
        ({"starts_on": "0001-01-01"}, 422, "starts_on"),
        ({"ends_on": "9999-12-31"}, 422, "ends_on"),
        ({"daily_budget": 0}, 422, "daily_budget"),
        ({"daily_budget": 6000, "total_budget": 5000}, 422, "total_budget"),
        ({"total_budget": 10**12}, 422, "total_budget"),
        ({"cpm": 0}, 422, "cpm"),
        ({"daily_budget": 1, "cpm": 1001}, 422, "cpm"),
        ({"currency": "XYZ"}, 422, "currency"),
        ({"targeting": {"species": [f"s{i}" for i in range(21)]}}, 422, "species"),
        ({"targeting": {"countries": ["Germany"]}}, 422, "countries"),
        ({"targeting": {"genes": ["clown", "clown"]}}, 422, "genes"),
        ({"boost": "listings"}, 422, "listing_ids"),
        ({"listing_ids": [str(uuid.uuid4())]}, 422, "listing_ids"),
        ({"name": ""}, 422, "name"),
        ({"surprise": 1}, 422, "surprise"),
    ],
)
def test_bad_campaigns_are_refused_and_nothing_is_written(
    advertiser: Advertiser, fields: dict[str, Any], status: int, named: str
) -> None:
    response = advertiser.post("/ads/campaigns", json=campaign_body(**fields))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert named in response.text
    assert advertiser.get("/ads/campaigns").json()["total"] == 0


def test_who_may_do_what(
    advertiser: Advertiser, rival: Advertiser, any_client: TestClient[Litestar]
) -> None:
    created = _start(advertiser)
    path = f"/ads/campaigns/{created['id']}"
    assert any_client.post("/ads/campaigns", json=campaign_body()).status_code == 401
    assert any_client.get("/ads/campaigns").status_code == 401
    viewer = advertiser.as_role("viewer")
    assert viewer.post("/ads/campaigns", json=campaign_body()).status_code == 403
    assert viewer.patch(path, json={"status": "paused"}).status_code == 403
    assert viewer.get(path).status_code == 200
    assert viewer.get("/ads/campaigns").json()["total"] == 1
    assert viewer.get(f"{path}/report").status_code == 200
    assert rival.get(path).status_code == 404
    assert rival.patch(path, json={"status": "paused"}).status_code == 404
    assert rival.get(f"{path}/report").status_code == 404
    assert rival.get(f"{path}/report.csv").status_code == 404
    assert viewer.get(f"{path}/report.csv").status_code == 200
    assert rival.get("/ads/campaigns").json()["total"] == 0
    assert advertiser.get(path).json()["status"] == "active"


def test_pause_resume_and_edit(advertiser: Advertiser, any_client: TestClient[Litestar]) -> None:
    created = _start(advertiser)
    path = f"/ads/campaigns/{created['id']}"
    paused = advertiser.patch(path, json={"status": "paused"})
    assert paused.status_code == 200
    assert paused.json()["status"] == "paused"
    assert advertiser.get("/ads/campaigns", {"status": "paused"}).json()["total"] == 1
    assert advertiser.get("/ads/campaigns", {"status": "active"}).json()["total"] == 0
    edited = advertiser.patch(
        path,
        json={"status": "active", "daily_budget": 2000, "total_budget": 9000, "cpm": 300,
              "targeting": {"genes": ["pastel"]}},
    ).json()  # fmt: skip
    assert (edited["status"], edited["daily_budget"], edited["cpm"]) == ("active", 2000, 300)
    assert edited["targeting"]["genes"] == ["pastel"]
    assert edited["version"] == 3
    bad = advertiser.patch(path, json={"daily_budget": 10_000})
    assert bad.status_code == 422
    assert "total_budget" in bad.text
    assert advertiser.patch(path, json={"ends_on": "2026-11-01"}).status_code == 422
    assert advertiser.get(path).json() == edited
    updates = [
        p for kind, p in outbox_events(any_client) if kind == "community.ad_campaign_updated"
    ]
    assert [u["changed"] for u in updates] == [
        ["status"],
        ["status", "daily_budget_amount", "total_budget_amount", "cpm", "genes"],
    ]
    assert updates[0]["before"] == {"status": "active"}
    assert updates[0]["after"] == {"status": "paused"}
    audits = [p for kind, p in outbox_events(any_client) if kind == "audit.recorded"]
    assert [a["action"] for a in audits] == ["created", "updated", "updated"]


def test_campaigns_are_paged_newest_first(advertiser: Advertiser) -> None:
    names = [_start(advertiser, name=f"Campaign {i}")["name"] for i in range(5)]
    first = advertiser.get("/ads/campaigns", {"limit": 2}).json()
    second = advertiser.get("/ads/campaigns", {"limit": 2, "offset": 2}).json()
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    shown = [c["name"] for c in first["items"] + second["items"]]
    assert len(set(shown)) == 4
    assert set(shown) <= set(names)
    assert advertiser.get("/ads/campaigns", {"limit": 101}).status_code == 422
