"""Ad credits, sponsored slots, impressions, clicks and reports through the API, on SQLite and
PostgreSQL: credits come from repti-core's purchase event once per payment; slots go to
running, targeted campaigns with budget, pacing and credits left, marked sponsored; an
impression is charged once per viewer and slot, never to the advertiser itself, and stops
when the budget is spent; a report sums each day."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from ads_testkit import (
    NOON,
    Advertiser,
    Clock,
    FakeListings,
    ads_client,
    campaign_body,
    outbox_events,
    publish,
    purchase_event,
)
from litestar import Litestar
from litestar.testing import TestClient

from reptidex.services.kernel.settings import Settings


def _start(advertiser: Advertiser, **fields: Any) -> dict[str, Any]:
    response = advertiser.post("/ads/campaigns", json=campaign_body(**fields))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _serve(client: TestClient[Litestar], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/ads/serve", params=params)
    assert response.status_code == 200, response.text
    slots: list[dict[str, Any]] = response.json()["slots"]
    return slots


def _viewer(client: TestClient[Litestar]) -> Advertiser:
    return Advertiser(client, uuid.uuid4())


def _record(viewer: Advertiser, kind: str, token: str) -> str:
    response = viewer.post(f"/ads/{kind}", json={"token": token})
    assert response.status_code == 200, response.text
    outcome: str = response.json()["outcome"]
    return outcome


def _balance(advertiser: Advertiser) -> int:
    balances = advertiser.get("/ads/credits").json()["balances"]
    return int(balances[0]["balance_millis"]) if balances else 0


def test_credits_come_once_per_paid_purchase(
    advertiser: Advertiser, any_client: TestClient[Litestar]
) -> None:
    assert advertiser.get("/ads/credits").json() == {"balances": []}
    event = purchase_event(advertiser.organisation_id, 2500, payment_ref="pi_1")
    publish(any_client, event)
    publish(any_client, event)  # a redelivery
    publish(any_client, purchase_event(advertiser.organisation_id, 2500, payment_ref="pi_1"))
    publish(any_client, purchase_event(advertiser.organisation_id, 500, payment_ref="pi_2"))
    shown = advertiser.get("/ads/credits").json()["balances"]
    assert shown == [{"currency": "EUR", "balance": 3000, "balance_millis": 3_000_000}]
    added = [p for kind, p in outbox_events(any_client) if kind == "community.ad_credits_added"]
    assert [(a["payment_ref"], a["balance_millis"]) for a in added] == [
        ("pi_1", 2_500_000),
        ("pi_2", 3_000_000),
    ]
    audits = [p for kind, p in outbox_events(any_client) if kind == "audit.recorded"]
    assert [(a["resource_kind"], a["action"]) for a in audits] == [("ad_credits", "credited")] * 2
    rival = Advertiser(any_client, uuid.uuid4())
    assert rival.get("/ads/credits").json() == {"balances": []}


def test_slots_go_to_running_targeted_campaigns_with_credits(
    advertiser: Advertiser, listings: FakeListings, any_client: TestClient[Litestar]
) -> None:
    listing = listings.add(advertiser.organisation_id)
    campaign = _start(
        advertiser,
        boost="listings",
        listing_ids=[str(listing)],
        targeting={"species": ["ball_python"], "genes": ["clown", "pastel"]},
    )
    context = {"species": "ball_python", "genes": ["pastel", "enchi"]}
    assert _serve(any_client, **context) == []  # no credits yet
    publish(any_client, purchase_event(advertiser.organisation_id, 1000))
    [slot] = _serve(any_client, **context)
    assert slot["sponsored"] is True
    assert (slot["campaign_id"], slot["listing_id"]) == (campaign["id"], str(listing))
    assert (slot["boost"], slot["organisation_id"]) == ("listings", str(advertiser.organisation_id))
    assert slot["impression_token"] != slot["click_token"]
    assert _serve(any_client, species="ball_python", genes=["enchi"]) == []
    assert _serve(any_client, species="corn_snake", genes=["pastel"]) == []
    assert _serve(any_client) == []
    own = any_client.get("/ads/serve", params=context, headers=advertiser.headers)
    assert own.json()["slots"] == []
    advertiser.patch(f"/ads/campaigns/{campaign['id']}", json={"status": "paused"})
    assert _serve(any_client, **context) == []


def test_slots_are_ordered_by_bid_and_bounded(
    any_client: TestClient[Litestar],
) -> None:
    bidders = [_viewer(any_client) for _ in range(3)]
    for cpm, bidder in zip((100, 300, 200), bidders, strict=True):
        _start(bidder, cpm=cpm)
        publish(any_client, purchase_event(bidder.organisation_id, 1000))
    slots = _serve(any_client, slots=5)
    assert [s["slot"] for s in slots] == [0, 1, 2]
    assert [s["organisation_id"] for s in slots] == [
        str(bidders[1].organisation_id),
        str(bidders[2].organisation_id),
        str(bidders[0].organisation_id),
    ]
    assert len(_serve(any_client)) == 2
    assert any_client.get("/ads/serve", params={"slots": 6}).status_code == 422
    too_many = {"genes": [f"g{i}" for i in range(21)]}
    assert any_client.get("/ads/serve", params=too_many).status_code in (400, 422)


def test_impressions_and_clicks_are_filtered_charged_and_reported(
    advertiser: Advertiser, any_client: TestClient[Litestar], clock: Clock
) -> None:
    campaign = _start(advertiser, cpm=250)
    publish(any_client, purchase_event(advertiser.organisation_id, 1000))
    [slot] = _serve(any_client)
    viewer = _viewer(any_client)
    assert _record(viewer, "impressions", slot["impression_token"]) == "counted"
    assert _record(viewer, "impressions", slot["impression_token"]) == "duplicate"
    assert _record(advertiser, "impressions", slot["impression_token"]) == "self"
    assert _record(_viewer(any_client), "impressions", slot["impression_token"]) == "counted"
    assert _record(viewer, "clicks", slot["click_token"]) == "counted"
    assert _record(viewer, "clicks", slot["click_token"]) == "duplicate"
    assert _record(advertiser, "clicks", slot["click_token"]) == "self"
    wrong_kind = viewer.post("/ads/clicks", json={"token": slot["impression_token"]})
    assert wrong_kind.status_code == 422
    forged = slot["impression_token"][:-3] + (
        "AAA" if slot["impression_token"][-3:] != "AAA" else "BBB"
    )
    assert viewer.post("/ads/impressions", json={"token": forged}).status_code == 422
    assert viewer.post("/ads/impressions", json={"token": "x" * 601}).status_code == 422
    assert viewer.post("/ads/impressions", json={}).status_code == 422
    anonymous = any_client.post("/ads/impressions", json={"token": slot["impression_token"]})
    assert anonymous.json()["outcome"] == "counted"  # anonymous viewers count by address
    clock.now = NOON + dt.timedelta(minutes=16)
    assert _record(_viewer(any_client), "impressions", slot["impression_token"]) == "expired"
    assert _record(_viewer(any_client), "clicks", slot["click_token"]) == "counted"

    shown = advertiser.get(f"/ads/campaigns/{campaign['id']}").json()
    assert (shown["spent_millis"], shown["spent"]) == (750, 0)
    metrics = any_client.get("/metrics").text
    for line in (
        'reptidex_ad_slots_served_total{service="community"} 1.0',
        'reptidex_ad_recordings_total{kind="impression",outcome="counted",service="community"} 3.0',
        'reptidex_ad_recordings_total{kind="impression",outcome="duplicate",service="community"} 1.0',
        'reptidex_ad_recordings_total{kind="click",outcome="self",service="community"} 1.0',
    ):
        assert line in metrics, line
    assert _balance(advertiser) == 1_000_000 - 750
    report = advertiser.get(
        f"/ads/campaigns/{campaign['id']}/report", {"since": "2026-12-05", "until": "2026-12-06"}
    ).json()
    assert [
        (d["day"], d["impressions"], d["clicks"], d["spent_millis"]) for d in report["days"]
    ] == [
        ("2026-12-05", 0, 0, 0),
        ("2026-12-06", 3, 2, 750),
    ]
    assert (report["impressions"], report["clicks"], report["ctr"]) == (3, 2, 0.6667)
    csv_report = advertiser.get(
        f"/ads/campaigns/{campaign['id']}/report.csv",
        {"since": "2026-12-06", "until": "2026-12-06"},
    )
    assert csv_report.headers["content-type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(csv_report.text))) == [
        ["day", "impressions", "clicks", "spent", "spent_millis", "ctr"],
        ["2026-12-06", "3", "2", "0", "750", "0.6667"],
    ]
    path = f"/ads/campaigns/{campaign['id']}/report"
    assert advertiser.get(path, {"since": "2026-12-07", "until": "2026-12-06"}).status_code == 422
    assert advertiser.get(path, {"since": "2025-01-01", "until": "2026-12-06"}).status_code == 422
    assert (
        advertiser.get(f"{path}.csv", {"since": "2026-12-07", "until": "2026-12-06"}).status_code
        == 422
    )


def test_pacing_spreads_the_day_and_impressions_stop_when_the_budget_is_spent(
    advertiser: Advertiser, any_client: TestClient[Litestar], clock: Clock
) -> None:
    # one cent a day and in all: five impressions at 200 millis; by noon pacing allows
    # half the day's budget and the burst of one impression, 700 millis: three
    campaign = _start(advertiser, daily_budget=1, total_budget=1, cpm=200)
    publish(any_client, purchase_event(advertiser.organisation_id, 1000))

    def impressions() -> list[str]:
        outcomes = []
        for _ in range(8):
            slots = _serve(any_client)
            token = slots[0]["impression_token"] if slots else last_token
            outcomes.append(_record(_viewer(any_client), "impressions", token))
        return outcomes

    last_token = _serve(any_client)[0]["impression_token"]
    assert impressions() == ["counted"] * 3 + ["pacing"] * 5
    assert _serve(any_client) == []  # pacing holds it back until later in the day
    clock.now = NOON.replace(hour=23, minute=59)
    last_token = _serve(any_client)[0]["impression_token"]
    assert impressions() == ["counted"] * 2 + ["budget"] * 6
    assert _serve(any_client) == []
    shown = advertiser.get(f"/ads/campaigns/{campaign['id']}").json()
    assert (shown["spent_millis"], shown["spent"]) == (1000, 1)
    assert _balance(advertiser) == 1_000_000 - 1000
    below = advertiser.patch(f"/ads/campaigns/{campaign['id']}", json={"status": "paused"})
    assert below.status_code == 200
    more = advertiser.patch(
        f"/ads/campaigns/{campaign['id']}", json={"total_budget": 2, "daily_budget": 2}
    )
    assert more.json()["total_budget"] == 2


def test_credits_bound_spend(advertiser: Advertiser, any_client: TestClient[Litestar]) -> None:
    _start(advertiser, cpm=400)
    publish(any_client, purchase_event(advertiser.organisation_id, 1))  # 1000 millis
    token = _serve(any_client)[0]["impression_token"]
    outcomes = [_record(_viewer(any_client), "impressions", token) for _ in range(4)]
    assert outcomes == ["counted", "counted", "credits", "credits"]
    assert _balance(advertiser) == 200
    assert _serve(any_client) == []


@pytest.mark.parametrize("kind", ["serve", "record"])
def test_public_endpoints_are_rate_limited_per_address(
    make_settings: Callable[..., Settings], kind: str
) -> None:
    limits = {"serve_per_minute": 2} if kind == "serve" else {"record_per_minute": 2}
    with ads_client(make_settings(), FakeListings(), Clock(), **limits) as client:
        if kind == "serve":
            answers = [client.get("/ads/serve").status_code for _ in range(3)]
        else:
            answers = [
                client.post("/ads/clicks", json={"token": "a.b"}).status_code for _ in range(3)
            ]
    assert answers[2] == 429
    assert answers[:2] == ([200, 200] if kind == "serve" else [422, 422])
