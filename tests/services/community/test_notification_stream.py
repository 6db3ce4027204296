"""The live stream (``GET /notifications/stream``) read as a browser reads it: over a real
socket, each notification arriving as a Server-Sent Event while the stream is open, another
user's never, and a reconnect with ``Last-Event-ID`` missing nothing."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from notification_testkit import community_app, community_settings, service_token, user_token

from reptidex.adapters.sql.migrations import upgrade
from threaded_server import served


@pytest.fixture(params=["sqlite", "postgres"])
def base_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'community.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_database")
    upgrade("community", url)
    with served(community_app(community_settings(url, tmp_path / "data"))) as base:
        yield base


def _send(base: str, user: uuid.UUID, title: str) -> str:
    answer = httpx.post(
        f"{base}/notifications/send",
        json={
            "user_ids": [str(user)],
            "kind": "announcement",
            "parameters": {"title": title, "body": "..."},
        },
        headers=service_token(),
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["items"][0]["notification_id"])


def _next_event(lines: Iterator[str]) -> dict[str, Any]:
    """The next ``notification`` event of the stream: its id and data."""
    event: dict[str, Any] = {}
    for line in lines:
        if line.startswith("id: "):
            event["id"] = line[4:]
        elif line.startswith("event: "):
            event["event"] = line[7:]
        elif line.startswith("data: "):
            event["data"] = json.loads(line[6:])
        elif line == "" and event.get("event") == "notification":
            return event
    raise AssertionError("the stream ended")


def test_notifications_arrive_live_and_resume_after_a_reconnect(base_url: str) -> None:
    ann, bob = uuid.uuid4(), uuid.uuid4()
    timeout = httpx.Timeout(10.0)
    with httpx.Client(base_url=base_url, timeout=timeout) as client:
        with client.stream("GET", "/notifications/stream", headers=user_token(ann)) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next(lines) == ": connected"
            _send(base_url, bob, "For Bob")
            first = _send(base_url, ann, "Clutch check")
            event = _next_event(lines)
            assert event["id"] == first
            assert event["data"]["title"] == "Clutch check"
            assert event["data"]["read_at"] is None
        missed = [_send(base_url, ann, f"While away {n}") for n in range(2)]
        headers = {**user_token(ann), "Last-Event-ID": first}
        with client.stream("GET", "/notifications/stream", headers=headers) as stream:
            lines = stream.iter_lines()
            assert [_next_event(lines)["id"] for _ in missed] == missed


def test_the_stream_needs_a_user_and_a_valid_last_event_id(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        assert client.get("/notifications/stream").status_code == 401
        assert client.get("/notifications/stream", headers=service_token()).status_code == 403
        headers = {**user_token(uuid.uuid4()), "Last-Event-ID": "nope"}
        refused = client.get("/notifications/stream", headers=headers)
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_user_holds_at_most_five_streams(base_url: str) -> None:
    ann = uuid.uuid4()
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(httpx.Client(base_url=base_url, timeout=10.0))
        readers = []  # kept: a dropped line iterator closes its stream
        for _ in range(5):
            stream = stack.enter_context(
                client.stream("GET", "/notifications/stream", headers=user_token(ann))
            )
            readers.append(stream.iter_lines())
            assert next(readers[-1]) == ": connected"
        deadline = time.monotonic() + 5
        while (
            sixth := client.get("/notifications/stream", headers=user_token(ann))
        ).status_code != 429:
            assert time.monotonic() < deadline, sixth.status_code
            time.sleep(0.05)
        assert sixth.headers["content-type"].startswith("application/problem+json")
        other = uuid.uuid4()
        with client.stream("GET", "/notifications/stream", headers=user_token(other)) as stream:
            assert stream.status_code == 200
