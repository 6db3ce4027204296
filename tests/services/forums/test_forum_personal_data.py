"""The forums' answer to repti-ops' GDPR requests (``/internal/personal-data``) on SQLite and
PostgreSQL: a user's export holds what they wrote and did; an erasure removes what only they
need and pseudonymises what others' conversations keep, idempotently."""

from __future__ import annotations

import uuid
from typing import Any

from forum_testkit import ForumUser
from litestar import Litestar
from litestar.testing import TestClient

from core_tokens import mint_service_token

OPS = {"Authorization": f"Bearer {mint_service_token('ops')}"}


def _port(client: TestClient[Litestar], step: str, body: dict[str, str]) -> dict[str, Any]:
    response = client.post(f"/internal/personal-data/{step}", json=body, headers=OPS)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_export_and_erasure_of_a_users_forum_data(
    any_client: TestClient[Litestar],
    admin: ForumUser,
    alice: ForumUser,
    bob: ForumUser,
    forums: dict[str, Any],
) -> None:
    bob.put("/community/forums/members/me", {"handle": "bob_breeder"})
    alice.put("/community/forums/members/me", {"handle": "alice"})
    started = bob.start_thread("ball-pythons", "My clutch", "Eggs at 31.5 C")
    thread_id, first = started["thread"]["id"], started["post"]["id"]
    bob.patch(f"/community/forums/posts/{first}", {"body": "Eggs at 31 C"})
    reply = alice.reply(thread_id, "Ask @bob_breeder about temps")
    bob.put(f"/community/forums/posts/{reply['id']}/reactions/thanks")
    bob.post(f"/community/forums/posts/{reply['id']}/reports", {"reason": "Off topic"})

    subject = {"user_id": str(bob.user_id)}
    exported = _port(any_client, "export", subject)["data"]["forums"]
    assert exported["member"]["handle"] == "bob_breeder"
    assert [t["title"] for t in exported["threads"]] == ["My clutch"]
    assert [p["source"] for p in exported["posts"]] == ["Eggs at 31 C"]
    assert [r["source"] for r in exported["post_revisions"]] == ["Eggs at 31.5 C"]
    assert exported["reactions"] == [{"post_id": reply["id"], "kind": "thanks"}]
    assert exported["follows"] == [{"thread_id": thread_id}]
    assert [r["reason"] for r in exported["reports"]] == ["Off topic"]

    pseudonym = str(uuid.uuid4())
    answer = _port(any_client, "erase", {**subject, "pseudonym": pseudonym})["erased"]
    erased = {k.removeprefix("forums."): v for k, v in answer.items() if k.startswith("forums.")}
    assert erased == {
        "threads_pseudonymised": 1,
        "posts_pseudonymised": 1,
        "posts_hidden_by_pseudonymised": 0,
        "reports_pseudonymised": 1,
        "reports_resolved_by_pseudonymised": 0,
        "mentions_pseudonymised": 1,
        "post_revisions_removed": 1,
        "reactions_removed": 1,
        "follows_removed": 1,
        "member_removed": 1,
    }
    again = _port(any_client, "erase", {**subject, "pseudonym": pseudonym})["erased"]
    assert set(again.values()) == {0}
    assert _port(any_client, "export", subject)["data"]["forums"] == {
        "member": None,
        "threads": [],
        "posts": [],
        "post_revisions": [],
        "reactions": [],
        "follows": [],
        "reports": [],
    }
    read = any_client.get(f"/community/forums/threads/{thread_id}").json()
    assert read["thread"]["author_id"] == pseudonym
    assert [p["author_id"] for p in read["posts"]] == [pseudonym, str(alice.user_id)]
    assert read["posts"][1]["mentions"] == [pseudonym]
    assert read["posts"][1]["reactions"] == {}
    assert (
        admin.get("/community/forums/moderation/reports").json()["items"][0]["reports"][0][
            "reporter_id"
        ]
        == pseudonym
    )
    assert alice.put("/community/forums/members/me", {"handle": "bob_breeder"}).status_code == 200
    assert _port(any_client, "export", {"user_id": str(alice.user_id)})["data"]["forums"]["posts"]


def test_only_repti_ops_asks(any_client: TestClient[Litestar], alice: ForumUser) -> None:
    body = {"user_id": str(alice.user_id)}
    assert any_client.post("/internal/personal-data/export", json=body).status_code == 401
    assert alice.post("/internal/personal-data/export", body).status_code == 403
    other = {"Authorization": f"Bearer {mint_service_token('commerce')}"}
    refused = any_client.post("/internal/personal-data/export", json=body, headers=other)
    assert refused.status_code == 403
