"""``GET /community/analytics`` and ``/community/analytics/organisation`` through the app on
SQLite and PostgreSQL: searches counted by their normalised words, searches without results,
the organisations a search showed, forum activity, who may read which report, bounded ranges,
and the figures on ``/metrics``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from community_testkit import animal_event, listing_event, publish, search
from litestar import Litestar
from litestar.testing import TestClient

from core_tokens import StaticKeys, signed_token
from reptidex.adapters.sql.migrations import upgrade
from reptidex.services.community.app import create_app
from reptidex.services.community.wiring import CommunityComponents
from reptidex.services.kernel.app import components_of
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.settings import Settings

PLATFORM, ORGANISATION = "/community/analytics", "/community/analytics/organisation"
ALPHA, BETA = uuid.uuid4(), uuid.uuid4()


@pytest.fixture(params=["sqlite", "postgres"])
def client(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> Iterator[TestClient[Litestar]]:
    """repti-community on a migrated database; its analytics written only when a test asks."""
    overrides = {}
    if request.param == "postgres":
        overrides["community_database_url"] = request.getfixturevalue("postgres_database")
    settings = make_settings(**overrides)
    upgrade("community", settings.database_url("community"))
    app = create_app(
        settings, authenticator=Authenticator(StaticKeys()), engagement_interval=3600.0
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _keep(client: TestClient[Litestar]) -> None:
    """Write the process's tally now (as the worker does every interval)."""
    client.blocking_portal.call(components_of(client.app, CommunityComponents).engagement.keep)


def _headers(**claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {signed_token(**claims)}"}


ADMIN = _headers(platform_admin=True)


def _around_today() -> dict[str, str]:
    today = dt.datetime.now(dt.UTC).date()
    return {
        "since": (today - dt.timedelta(days=1)).isoformat(),
        "until": (today + dt.timedelta(days=1)).isoformat(),
    }


def _get(client: TestClient[Litestar], url: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(url, params=_around_today(), headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_searches_are_reported_platform_wide_and_per_organisation(
    client: TestClient[Litestar],
) -> None:
    publish(client, listing_event(uuid.uuid4(), ALPHA, kind="listing.created"))
    publish(client, animal_event(uuid.uuid4(), BETA, kind="animal.created", name="Moonbeam"))
    for query in ("Banana spider", "banana  SPIDER!", "banana spider", "moonbeam"):
        search(client, q=query)
    assert search(client, q="zzqx", country="ZZ")["total"] == 0
    search(client, q="banana spider", offset=20)  # a later page is not another search
    _keep(client)

    body = _get(client, PLATFORM, ADMIN)
    assert [(d["searches"], d["without_results"]) for d in body["searches"]] == [(5, 1)]
    assert body["popular_searches"][:3] == [
        {"query": "banana spider", "searches": 3, "without_results": 0},
        {"query": "moonbeam", "searches": 1, "without_results": 0},
        {"query": "zzqx", "searches": 1, "without_results": 1},
    ]
    assert body["searches_without_results"] == [
        {"query": "zzqx", "searches": 1, "without_results": 1}
    ]

    alpha = _get(client, ORGANISATION, _headers(org=str(ALPHA), role="admin"))
    assert [d["searches"] for d in alpha["shown_in_searches"]] == [3]
    assert alpha["queries"] == [{"query": "banana spider", "searches": 3}]
    beta = _get(client, ORGANISATION, _headers(org=str(BETA), role="owner"))
    assert [d["searches"] for d in beta["shown_in_searches"]] == [1]
    assert beta["queries"] == []  # searched once: not listed to the organisation
    other = _get(client, ORGANISATION, _headers(org=str(uuid.uuid4()), role="owner"))
    assert other["shown_in_searches"] == []
    assert other["queries"] == []

    # written twice, the counts add up
    search(client, q="banana spider")
    _keep(client)
    body = _get(client, PLATFORM, ADMIN)
    assert body["searches"][0]["searches"] == 6
    assert body["popular_searches"][0]["searches"] == 4

    metrics = client.get("/metrics").text
    assert 'reptidex_community_searches_total{service="community"} 6.0' in metrics
    assert 'reptidex_community_searches_without_results_total{service="community"} 1.0' in metrics


def test_forum_activity_is_reported_per_day(client: TestClient[Litestar]) -> None:
    admin_id, member_id = uuid.uuid4(), uuid.uuid4()
    admin = _headers(sub=str(admin_id), platform_admin=True)
    member = _headers(sub=str(member_id))
    made = client.post(
        "/community/forums",
        json={"slug": "ball-pythons", "name": "Ball pythons", "public": True, "position": 0},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    thread = client.post(
        "/community/forums/ball-pythons/threads",
        json={"title": "Pastel pairing", "body": "Hi"},
        headers=admin,
    )
    assert thread.status_code == 201, thread.text
    for body in ("First", "Second"):
        reply = client.post(
            f"/community/forums/threads/{thread.json()['thread']['id']}/posts",
            json={"body": body},
            headers=member,
        )
        assert reply.status_code == 201, reply.text
    _keep(client)

    forums = _get(client, PLATFORM, ADMIN)["forums"]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert forums["days"] == [
        {"day": today, "threads": 1, "posts": 3, "replies": 2, "active_members": 2}
    ]
    assert forums["active_members"] == 2
    metrics = client.get("/metrics").text
    assert 'reptidex_forum_replies_today{service="community"} 2.0' in metrics
    assert 'reptidex_forum_active_members_today{service="community"} 2.0' in metrics


@pytest.mark.parametrize(
    ("url", "claims", "status"),
    [
        (PLATFORM, None, 401),
        (PLATFORM, {"org": str(ALPHA), "role": "owner"}, 403),
        (PLATFORM, {"sub": "service:commerce"}, 403),
        (PLATFORM, {"sub": "service:ops"}, 200),
        (ORGANISATION, None, 401),
        (ORGANISATION, {"org": str(ALPHA), "role": "member"}, 403),
        (ORGANISATION, {"org": str(ALPHA), "role": "viewer"}, 403),
        (ORGANISATION, {}, 403),
        (ORGANISATION, {"org": str(ALPHA), "role": "admin"}, 200),
    ],
)
def test_who_may_read_which_report(
    client: TestClient[Litestar], url: str, claims: dict[str, str] | None, status: int
) -> None:
    headers = {} if claims is None else _headers(**claims)
    assert client.get(url, headers=headers).status_code == status


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-01-01", "until": "2026-12-31"},
        {"since": "2026-12-06", "until": "2026-12-05"},
        {"top": "0"},
        {"top": "51"},
        {"since": "yesterday"},
    ],
)
def test_ranges_and_lists_are_bounded(client: TestClient[Litestar], params: dict[str, str]) -> None:
    response = client.get(PLATFORM, params=params, headers=ADMIN)
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "params", [{"since": "0001-01-01", "until": "0001-01-02"}, {"until": "9999-12-31"}]
)
def test_implausible_days_are_a_422_naming_them(
    client: TestClient[Litestar], params: dict[str, str]
) -> None:
    response = client.get(PLATFORM, params=params, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert {error["field"] for error in response.json()["errors"]} <= set(params)
    assert "not a plausible date" in response.text
