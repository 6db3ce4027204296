"""``GET /audit/logs``: records delivered on the bus are read back filtered and paged by an
organisation's owners (their organisation only) and platform administrators (everything);
anyone else gets 403; exports stream as CSV and JSON Lines (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from ops_testkit import bearer, change, mint_token, ops_client

from reptidex.domain.events import DomainEvent
from reptidex.services.kernel.app import kernel_of
from reptidex.services.kernel.settings import Settings

ALPHA, BETA = uuid.uuid4(), uuid.uuid4()
ANN, BOB = uuid.uuid4(), uuid.uuid4()
OWNER = bearer(mint_token(ALPHA, "owner", user_id=ANN))
ADMIN = bearer(mint_token(platform_admin=True))


@pytest.fixture(params=["sqlite", "postgres"])
def client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[TestClient[Litestar]]:
    """repti-ops with six records delivered: four of alpha, one of beta, one of no
    organisation (an account's change)."""
    overrides = {}
    if request.param == "postgres":
        overrides["ops_database_url"] = request.getfixturevalue("postgres_database")
    with ops_client(make_settings(**overrides)) as test_client:
        events = [
            change(ALPHA, actor_id=ANN, resource_id="a1", action="created"),
            change(ALPHA, actor_id=ANN, resource_id="a1", before={"morph": "Pastel"},
                   after={"morph": "Pastel het Clown"}),
            change(ALPHA, actor_id=BOB, kind="clutch", resource_id="c1", action="created"),
            change(BETA, actor_id=BOB, resource_id="b1", action="created"),
            change(None, actor_id=BOB, kind="user", resource_id=str(BOB), service="core",
                   action="password_changed"),
            change(ALPHA, actor_id=ANN, resource_id="=HYPERLINK(1)", action="deleted"),
        ]  # fmt: skip
        deliver(test_client, events)
        yield test_client


def deliver(client: TestClient[Litestar], events: list[DomainEvent]) -> None:
    """Publish ``events`` on repti-ops' bus and wait until it has stored them."""
    bus = kernel_of(client.app).events.bus
    with client.portal() as portal:
        for event in events:
            portal.call(bus.publish, event)
    deadline = time.monotonic() + 10
    while client.get("/audit/logs", headers=ADMIN).json()["total"] < len(events):
        assert time.monotonic() < deadline, "the records were not stored"
        time.sleep(0.05)


def test_an_owner_reads_their_organisation_only(client: TestClient[Litestar]) -> None:
    page = client.get("/audit/logs", headers=OWNER).json()
    assert page["total"] == 4
    assert {r["organisation_id"] for r in page["items"]} == {str(ALPHA)}
    assert [r["seq"] for r in page["items"]] == sorted(
        (r["seq"] for r in page["items"]), reverse=True
    )
    genotype = next(r for r in page["items"] if "morph" in r["before"])
    assert (genotype["before"], genotype["after"]) == (
        {"morph": "Pastel"},
        {"morph": "Pastel het Clown"},
    )
    assert genotype["request_id"] == "req-1"
    assert len(genotype["hash"]) == 64
    # asking for another organisation is refused, not quietly narrowed
    other = client.get("/audit/logs", headers=OWNER, params={"organisation_id": str(BETA)})
    assert other.status_code == 403
    assert other.headers["content-type"].startswith("application/problem+json")


def test_filters_and_pages(client: TestClient[Litestar]) -> None:
    def total(**params: str) -> int:
        answer = client.get("/audit/logs", headers=ADMIN, params=params)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["total"])

    assert total() == 6
    assert total(organisation_id=str(ALPHA)) == 4
    assert total(actor_id=str(BOB)) == 3
    assert total(resource_kind="animal", resource_id="a1") == 2
    assert total(action="created") == 3
    assert total(service="core") == 1
    assert total(since="2000-01-01T00:00:00Z", until="2030-01-01T00:00:00") == 6
    assert total(until="2000-01-01T00:00:00Z") == 0
    page = client.get("/audit/logs", headers=ADMIN, params={"limit": 2, "offset": 1}).json()
    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (2, 6, 2, 1)
    past_the_end = client.get("/audit/logs", headers=ADMIN, params={"offset": 10}).json()
    assert (past_the_end["items"], past_the_end["total"]) == ([], 6)
    assert [r["seq"] for r in page["items"]] == [5, 4]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "501"},
        {"offset": "-1"},
        {"since": "yesterday"},
        {"organisation_id": "not-a-uuid"},
        {"format": "xml"},
        {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    ],
)
def test_a_bad_query_is_a_problem_not_a_crash(
    client: TestClient[Litestar], params: dict[str, str]
) -> None:
    answer = client.get("/audit/logs", headers=ADMIN, params=params)
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "params", [{"since": "0001-01-01T00:00:00Z"}, {"until": "9999-12-31T23:59:59"}]
)
def test_an_implausible_instant_is_a_422_naming_it(
    client: TestClient[Litestar], params: dict[str, str]
) -> None:
    answer = client.get("/audit/logs", headers=ADMIN, params=params)
    assert answer.status_code == 422, answer.text
    assert [error["field"] for error in answer.json()["errors"]] == list(params)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (bearer(mint_token(ALPHA, "admin")), 403),
        (bearer(mint_token(ALPHA, "member")), 403),
        (bearer(mint_token(ALPHA, "viewer")), 403),
        (bearer(mint_token(None, None)), 403),
        (bearer(mint_token(service="animal")), 403),
    ],
)
def test_only_owners_and_platform_admins_read(
    client: TestClient[Litestar], headers: dict[str, str], status: int
) -> None:
    for params in ({}, {"format": "csv"}):
        answer = client.get("/audit/logs", headers=headers, params=params)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_exports_stream_csv_and_json_lines(client: TestClient[Litestar]) -> None:
    as_csv = client.get("/audit/logs", headers=OWNER, params={"format": "csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 4
    assert {r["organisation_id"] for r in rows} == {str(ALPHA)}
    assert json.loads(rows[2]["after"]) == {"morph": "Pastel het Clown"}
    assert rows[0]["resource_id"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet

    by_accept = client.get("/audit/logs", headers={**ADMIN, "Accept": "application/jsonl"})
    assert by_accept.headers["content-type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in by_accept.text.splitlines()]
    assert [r["seq"] for r in lines] == [6, 5, 4, 3, 2, 1]
    assert lines[1]["withheld"] == []
    assert by_accept.text.endswith("\n")
