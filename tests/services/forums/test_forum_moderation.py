"""Moderation through HTTP on SQLite and PostgreSQL: reports, the queue, hiding and
restoring posts with a reason, and who may do each."""

from __future__ import annotations

from typing import Any

from forum_testkit import ForumUser, outbox_events
from litestar import Litestar
from litestar.testing import TestClient

Forums = dict[str, dict[str, Any]]


def test_a_reported_post_waits_in_the_queue_and_hiding_it_hides_it_from_readers(
    any_client: TestClient[Litestar],
    admin: ForumUser,
    alice: ForumUser,
    bob: ForumUser,
    forums: Forums,
) -> None:
    thread = alice.start_thread("ball-pythons", "Selling", "Fair prices")["thread"]
    spam = bob.reply(thread["id"], "Buy cheap pills")
    post_url = f"/community/forums/posts/{spam['id']}"
    reported = alice.post(f"{post_url}/reports", {"reason": "Spam"})
    assert reported.status_code == 201
    assert reported.json()["status"] == "open"
    assert alice.post(f"{post_url}/reports", {"reason": "Spam again"}).status_code == 409
    assert alice.post(f"{post_url}/reports", {"reason": ""}).status_code in (400, 422)
    assert any_client.post(f"{post_url}/reports", json={"reason": "Spam"}).status_code == 401

    assert alice.get("/community/forums/moderation/reports").status_code == 403
    assert any_client.get("/community/forums/moderation/reports").status_code == 401
    queue = admin.get("/community/forums/moderation/reports").json()
    assert queue["total"] == 1
    assert queue["items"][0]["post"]["id"] == spam["id"]
    assert [r["reason"] for r in queue["items"][0]["reports"]] == ["Spam"]

    assert bob.post(f"{post_url}/hide", {"reason": "Spam"}).status_code == 403
    hidden = admin.post(f"{post_url}/hide", {"reason": "Advertising"})
    assert hidden.status_code == 200
    assert hidden.json()["hidden"]["reason"] == "Advertising"
    assert admin.get("/community/forums/moderation/reports").json()["total"] == 0

    for reader in (any_client, alice, bob):
        read = reader.get(f"/community/forums/threads/{thread['id']}").json()
        assert [p["id"] for p in read["posts"]] == [thread_post_id(read)]
        assert read["total"] == 1
        assert reader.get("/community/forums/ball-pythons").json()["items"][0]["post_count"] == 1
    assert bob.patch(post_url, {"body": "edited"}).status_code == 404
    assert alice.put(f"{post_url}/reactions/like").status_code == 404
    seen = admin.get(f"/community/forums/threads/{thread['id']}").json()
    assert seen["total"] == 2
    assert seen["posts"][1]["hidden"]["reason"] == "Advertising"

    restored = admin.post(f"{post_url}/restore", {"reason": "Appeal accepted"})
    assert restored.status_code == 200
    assert restored.json()["hidden"] is None
    assert any_client.get(f"/community/forums/threads/{thread['id']}").json()["total"] == 2

    events = outbox_events(any_client)
    kinds = [kind for kind, _ in events]
    assert "community.post_reported" in kinds
    hidden_event = next(p for kind, p in events if kind == "community.post_hidden")
    assert hidden_event == {
        "thread_id": thread["id"],
        "post_id": spam["id"],
        "author_id": str(bob.user_id),
        "moderator_id": str(admin.user_id),
        "reason": "Advertising",
        "reports_resolved": 1,
    }
    restored_event = next(p for kind, p in events if kind == "community.post_restored")
    assert restored_event["reason"] == "Appeal accepted"
    records = [p for kind, p in events if kind == "audit.recorded"]
    actions = {(r["resource_kind"], r["action"]) for r in records}
    assert {
        ("forum_report", "created"),
        ("forum_report", "resolved"),
        ("forum_post", "hidden"),
        ("forum_post", "restored"),
    } <= actions


def thread_post_id(read: dict[str, Any]) -> str:
    """The id of the thread's opening post as read."""
    first: str = read["posts"][0]["id"]
    return first


def test_a_thread_whose_opening_post_is_hidden_disappears(
    any_client: TestClient[Litestar], admin: ForumUser, alice: ForumUser, forums: Forums
) -> None:
    started = alice.start_thread("ball-pythons", "Scam", "Send money first")
    admin.post(f"/community/forums/posts/{started['post']['id']}/hide", {"reason": "Fraud"})
    thread_url = f"/community/forums/threads/{started['thread']['id']}"
    assert any_client.get(thread_url).status_code == 404
    assert alice.get(thread_url).status_code == 404
    assert alice.post(f"{thread_url}/posts", {"body": "hello"}).status_code == 404
    assert any_client.get("/community/forums/ball-pythons").json()["total"] == 0
    assert admin.get(thread_url).status_code == 200
    assert admin.get("/community/forums/ball-pythons").json()["total"] == 1


def test_moderating_needs_a_reason_and_an_existing_post(
    any_client: TestClient[Litestar], admin: ForumUser, alice: ForumUser, forums: Forums
) -> None:
    post = alice.start_thread("ball-pythons")["post"]
    url = f"/community/forums/posts/{post['id']}"
    assert admin.post(f"{url}/hide", {"reason": " "}).status_code in (400, 422)
    assert admin.post(f"{url}/hide", {}).status_code in (400, 422)
    missing = "/community/forums/posts/00000000-0000-0000-0000-000000000000/hide"
    assert admin.post(missing, {"reason": "x"}).status_code == 404
    assert any_client.get(f"/community/forums/threads/{post['thread_id']}").json()["total"] == 1
