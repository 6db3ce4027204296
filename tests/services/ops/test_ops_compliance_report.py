"""``GET /audit/reports/personal-data``: per actor, the resources holding personal data they
changed or read in a period, with the records behind them; bounds, authorization (admins all,
owners their organisation, anyone else 403), a subject user, paging and CSV (SQLite and
PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from ops_testkit import bearer, change, mint_token, ops_client
from test_ops_audit_api import deliver

from reptidex.services.kernel.settings import Settings

ALPHA, BETA = uuid.uuid4(), uuid.uuid4()
ANN, BOB, CAROL, ADMIN_USER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ADMIN = bearer(mint_token(platform_admin=True, user_id=ADMIN_USER))
OWNER = bearer(mint_token(ALPHA, "owner", user_id=ANN))
MEMBER = bearer(mint_token(ALPHA, "member", user_id=BOB))
SINCE = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
UNTIL = SINCE + dt.timedelta(days=1)
PERIOD = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}


def at(hours: float) -> dt.datetime:
    return SINCE + dt.timedelta(hours=hours)


@pytest.fixture(params=["sqlite", "postgres"])
def client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[TestClient[Litestar]]:
    """repti-ops with a seeded trail: six records about personal data in the period, and
    records outside it or about no personal data."""
    overrides = {}
    if request.param == "postgres":
        overrides["ops_database_url"] = request.getfixturevalue("postgres_database")
    with ops_client(make_settings(**overrides)) as test_client:
        events = [
            # in the period, about personal data
            change(None, actor_id=ANN, kind="user", resource_id=str(ANN), service="core",
                   before={"display_name": "Ann"}, after={"display_name": "Ann K"},
                   occurred_at=SINCE),
            change(None, actor_id=ADMIN_USER, kind="user", resource_id=str(ANN), service="core",
                   action="accessed", before={"x": 0},
                   after={"read": ["email"], "purpose": "admin_user_search"}, occurred_at=at(1)),
            change(None, actor_id=BOB, kind="user", resource_id=str(BOB), service="core",
                   before={"email": "bob@old.example"}, after={"email": "bob@new.example"},
                   occurred_at=at(2)),
            change(ALPHA, actor_id=ANN, kind="listing", resource_id="l1", service="commerce",
                   action="created", after={"title": "Pastel", "created_by": str(ANN)},
                   occurred_at=at(3)),
            change(ALPHA, actor_id=BOB, kind="membership", resource_id="m1", service="core",
                   action="created", after={"user_id": str(CAROL), "role": "member"},
                   occurred_at=at(5)),
            change(BETA, actor_id=BOB, kind="order", resource_id="o1", service="commerce",
                   action="place", after={"buyer_user_id": str(ANN), "state": "placed"},
                   occurred_at=at(6)),
            # in the period, about no personal data
            change(ALPHA, actor_id=ANN, kind="listing", resource_id="l1", service="commerce",
                   before={"price_amount": 100}, after={"price_amount": 90}, occurred_at=at(4)),
            change(ALPHA, actor_id=ANN, kind="animal", resource_id="a1", occurred_at=at(4)),
            # outside the period
            change(None, actor_id=ANN, kind="user", resource_id=str(ANN), service="core",
                   occurred_at=SINCE - dt.timedelta(seconds=1)),
            change(None, actor_id=ANN, kind="user", resource_id=str(ANN), service="core",
                   occurred_at=UNTIL),
        ]  # fmt: skip
        deliver(test_client, events)
        yield test_client


def report(client: TestClient[Litestar], headers: dict[str, str], **params: Any) -> Any:
    response = client.get(
        "/audit/reports/personal-data", headers=headers, params={**PERIOD, **params}
    )
    assert response.status_code == 200, response.text
    return response.json()


def activity(body: Any) -> dict[str | None, tuple[int, int, list[tuple[str, str, int, int]]]]:
    return {
        actor["actor_id"]: (
            actor["changed"],
            actor["accessed"],
            [
                (r["resource_kind"], r["resource_id"], r["changed"], r["accessed"])
                for r in actor["resources"]
            ],
        )
        for actor in body["actors"]
    }


def test_an_administrator_reads_who_changed_or_read_personal_data(
    client: TestClient[Litestar],
) -> None:
    body = report(client, ADMIN)
    assert activity(body) == {
        str(BOB): (3, 0, [("order", "o1", 1, 0), ("membership", "m1", 1, 0),
                          ("user", str(BOB), 1, 0)]),  # by service, kind and id
        str(ANN): (2, 0, [("listing", "l1", 1, 0), ("user", str(ANN), 1, 0)]),
        str(ADMIN_USER): (0, 1, [("user", str(ANN), 0, 1)]),
    }  # fmt: skip
    assert body["actors"][0]["actor_id"] == str(BOB)  # most active first
    records = body["records"]
    assert records["total"] == 6
    times = [r["occurred_at"] for r in records["items"]]
    assert times == sorted(times, reverse=True)
    assert times[-1].startswith("2026-03-01T00:00:00")  # `since` is inclusive, `until` not
    assert {r["resource_kind"] for r in records["items"]} == {"user", "listing", "membership",
                                                             "order"}  # fmt: skip
    listing = next(r for r in body["actors"][1]["resources"] if r["resource_kind"] == "listing")
    assert listing["first_at"] == listing["last_at"]


def test_the_period_bounds_the_report(client: TestClient[Litestar]) -> None:
    narrow = report(client, ADMIN, since=at(2).isoformat(), until=at(5).isoformat())
    assert narrow["records"]["total"] == 2  # bob's address, ann's listing (at 5 h excluded)
    naive = report(client, ADMIN, since="2026-03-01T02:00:00", until="2026-03-01T05:00:00")
    assert naive["records"]["total"] == 2  # no zone: UTC
    empty = report(client, ADMIN, since="2025-01-01T00:00:00Z", until="2025-02-01T00:00:00Z")
    assert (empty["actors"], empty["records"]["total"], empty["records"]["items"]) == ([], 0, [])
    backwards = client.get(
        "/audit/reports/personal-data",
        headers=ADMIN,
        params={"since": UNTIL.isoformat(), "until": SINCE.isoformat()},
    )
    assert backwards.status_code == 422
    assert backwards.headers["content-type"].startswith("application/problem+json")
    missing = client.get(
        "/audit/reports/personal-data", headers=ADMIN, params={"since": SINCE.isoformat()}
    )
    assert missing.status_code == 400
    wrong = client.get(
        "/audit/reports/personal-data", headers=ADMIN, params={**PERIOD, "user_id": "ann"}
    )
    assert wrong.status_code == 422  # a field error, never a 500


def test_records_about_one_user(client: TestClient[Litestar]) -> None:
    body = report(client, ADMIN, user_id=str(ANN))
    kinds = sorted((r["resource_kind"], r["action"]) for r in body["records"]["items"])
    assert kinds == [("listing", "created"), ("order", "place"), ("user", "accessed"),
                     ("user", "updated")]  # fmt: skip
    assert set(activity(body)) == {str(ANN), str(BOB), str(ADMIN_USER)}
    carol = report(client, ADMIN, user_id=str(CAROL))
    assert activity(carol) == {str(BOB): (1, 0, [("membership", "m1", 1, 0)])}


def test_an_owner_reads_their_organisation_only(client: TestClient[Litestar]) -> None:
    body = report(client, OWNER)
    assert activity(body) == {
        str(ANN): (1, 0, [("listing", "l1", 1, 0)]),
        str(BOB): (1, 0, [("membership", "m1", 1, 0)]),
    }
    assert {r["organisation_id"] for r in body["records"]["items"]} == {str(ALPHA)}
    other = client.get(
        "/audit/reports/personal-data",
        headers=OWNER,
        params={**PERIOD, "organisation_id": str(BETA)},
    )
    assert other.status_code == 403


def test_anyone_else_is_refused(client: TestClient[Litestar]) -> None:
    path = "/audit/reports/personal-data"
    assert client.get(path, headers=MEMBER, params=PERIOD).status_code == 403
    service = bearer(mint_token(service="commerce"))
    assert client.get(path, headers=service, params=PERIOD).status_code == 403
    anonymous = client.get(path, params=PERIOD)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")


def test_records_are_paged(client: TestClient[Litestar]) -> None:
    everything = report(client, ADMIN)["records"]["items"]
    page = report(client, ADMIN, limit=2, offset=1)["records"]
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 1)
    assert [r["id"] for r in page["items"]] == [r["id"] for r in everything[1:3]]
    assert len(report(client, ADMIN, user_id=str(ANN), offset=3)["records"]["items"]) == 1


def test_csv_has_a_line_per_actor_and_resource(client: TestClient[Litestar]) -> None:
    response = client.get(
        "/audit/reports/personal-data", headers=ADMIN, params={**PERIOD, "format": "csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6
    access = next(r for r in rows if r["actor_id"] == str(ADMIN_USER))
    assert (access["service"], access["resource_kind"], access["resource_id"]) == (
        "core",
        "user",
        str(ANN),
    )
    assert (access["changed"], access["accessed"]) == ("0", "1")
    assert access["first_at"].startswith("2026-03-01T01:00:00")
    accepted = client.get(
        "/audit/reports/personal-data", headers={**ADMIN, "Accept": "text/csv"}, params=PERIOD
    )
    assert accepted.text == response.text
    refused = client.get(
        "/audit/reports/personal-data", headers=MEMBER, params={**PERIOD, "format": "csv"}
    )
    assert refused.status_code == 403
