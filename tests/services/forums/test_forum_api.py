"""``/community/forums`` through HTTP on SQLite and PostgreSQL: categories, threads, posts,
paging, edits, reactions, follows, handles and mentions, and who may do each."""

from __future__ import annotations

import uuid
from typing import Any

from forum_testkit import ForumUser, outbox_events
from litestar import Litestar
from litestar.testing import TestClient

from core_tokens import mint_service_token
from reptidex.domain.forums.posting import MAX_POST_CHARS

Forums = dict[str, dict[str, Any]]


def test_anonymous_readers_see_public_forums_and_users_see_all(
    any_client: TestClient[Litestar], alice: ForumUser, forums: Forums
) -> None:
    anonymous = any_client.get("/community/forums")
    assert anonymous.status_code == 200
    assert [c["slug"] for c in anonymous.json()["items"]] == ["ball-pythons"]
    signed_in = alice.get("/community/forums").json()["items"]
    assert [c["slug"] for c in signed_in] == ["ball-pythons", "breeders-lounge"]
    assert any_client.get("/community/forums/breeders-lounge").status_code == 404
    assert alice.get("/community/forums/breeders-lounge").status_code == 200
    assert any_client.get("/community/forums/no-such-forum").status_code == 404


def test_only_platform_administrators_make_forums(
    any_client: TestClient[Litestar], admin: ForumUser, alice: ForumUser, forums: Forums
) -> None:
    body = {"slug": "hatchlings", "name": "Hatchlings"}
    assert any_client.post("/community/forums", json=body).status_code == 401
    assert alice.post("/community/forums", body).status_code == 403
    assert admin.post("/community/forums", {**body, "slug": "ball-pythons"}).status_code == 409
    assert admin.post("/community/forums", {**body, "slug": "threads"}).status_code == 422
    assert admin.post("/community/forums", {**body, "slug": "Bad Slug"}).status_code == 422
    made = admin.post("/community/forums", body)
    assert made.status_code == 201
    assert made.json()["slug"] == "hatchlings"


def test_writing_needs_a_users_token(
    any_client: TestClient[Litestar], alice: ForumUser, forums: Forums
) -> None:
    body = {"title": "Hello", "body": "First post"}
    assert any_client.post("/community/forums/ball-pythons/threads", json=body).status_code == 401
    service = {"Authorization": f"Bearer {mint_service_token('animal')}"}
    refused = any_client.post("/community/forums/ball-pythons/threads", json=body, headers=service)
    assert refused.status_code == 403
    forged = {"Authorization": "Bearer not-a-token"}
    assert any_client.get("/community/forums", headers=forged).status_code == 401
    thread = alice.start_thread("ball-pythons")["thread"]
    reply = any_client.post(
        f"/community/forums/threads/{thread['id']}/posts", json={"body": "Me too"}
    )
    assert reply.status_code == 401


def test_a_thread_is_read_with_its_posts_paged(
    any_client: TestClient[Litestar], alice: ForumUser, bob: ForumUser, forums: Forums
) -> None:
    started = alice.start_thread("ball-pythons", "Pastel het clown", "**Bold** start")
    thread_id = started["thread"]["id"]
    assert started["post"]["html"] == "<p><strong>Bold</strong> start</p>\n"
    assert started["post"]["source"] == "**Bold** start"
    for n in range(4):
        bob.reply(thread_id, f"reply {n}")
    page = any_client.get(
        f"/community/forums/threads/{thread_id}", params={"limit": 2, "offset": 1}
    ).json()
    assert page["total"] == 5
    assert [p["source"] for p in page["posts"]] == ["reply 0", "reply 1"]
    assert page["category_slug"] == "ball-pythons"
    assert page["following"] is False
    listed = any_client.get("/community/forums/ball-pythons").json()
    assert listed["total"] == 1
    assert listed["items"][0]["post_count"] == 5
    assert listed["category"]["slug"] == "ball-pythons"
    categories = any_client.get("/community/forums").json()["items"]
    assert categories[0]["thread_count"] == 1
    assert any_client.get(f"/community/forums/threads/{uuid.uuid4()}").status_code == 404
    assert any_client.get("/community/forums/ball-pythons", params={"limit": 0}).status_code in (
        400,
        422,
    )


def test_members_only_threads_are_hidden_from_anonymous_readers(
    any_client: TestClient[Litestar], alice: ForumUser, forums: Forums
) -> None:
    thread_id = alice.start_thread("breeders-lounge")["thread"]["id"]
    assert any_client.get(f"/community/forums/threads/{thread_id}").status_code == 404
    assert alice.get(f"/community/forums/threads/{thread_id}").status_code == 200


def test_bad_input_is_a_clear_400_and_writes_nothing(
    any_client: TestClient[Litestar], alice: ForumUser, forums: Forums
) -> None:
    url = "/community/forums/ball-pythons/threads"
    for body in (
        {"title": "", "body": "x"},
        {"title": "   ", "body": "x"},
        {"title": "t", "body": ""},
        {"title": "t", "body": "x" * (MAX_POST_CHARS + 1)},
        {"title": "t" * 201, "body": "x"},
        {"title": "t", "body": "x", "extra": 1},
        {"title": "t"},
    ):
        response = alice.post(url, body)
        assert response.status_code in (400, 422), body
        assert response.headers["content-type"].startswith("application/problem+json")
    assert alice.post(url, {"title": "t", "body": "   "}).status_code == 422
    assert any_client.get("/community/forums/ball-pythons").json()["total"] == 0


def test_only_the_author_edits_a_post_and_its_history_is_kept(
    any_client: TestClient[Litestar],
    alice: ForumUser,
    bob: ForumUser,
    admin: ForumUser,
    forums: Forums,
) -> None:
    post = alice.start_thread("ball-pythons", body="first text")["post"]
    url = f"/community/forums/posts/{post['id']}"
    assert bob.patch(url, {"body": "defaced"}).status_code == 403
    assert admin.patch(url, {"body": "defaced"}).status_code == 403
    assert any_client.patch(url, json={"body": "defaced"}).status_code == 401
    edited = alice.patch(url, {"body": "second _text_"})
    assert edited.status_code == 200
    assert edited.json()["html"] == "<p>second <em>text</em></p>\n"
    assert edited.json()["edited_at"] is not None
    alice.patch(url, {"body": "third"})
    history = alice.get(f"{url}/revisions").json()
    assert [r["source"] for r in history] == ["first text", "second _text_"]
    assert admin.get(f"{url}/revisions").status_code == 200
    assert bob.get(f"{url}/revisions").status_code == 403
    assert alice.patch(f"/community/forums/posts/{uuid.uuid4()}", {"body": "x"}).status_code == 404


def test_reactions_are_one_per_user_and_kind_and_counted(
    any_client: TestClient[Litestar], alice: ForumUser, bob: ForumUser, forums: Forums
) -> None:
    started = alice.start_thread("ball-pythons")
    url = f"/community/forums/posts/{started['post']['id']}/reactions"
    assert bob.put(f"{url}/like").json()["reactions"] == {"like": 1}
    assert bob.put(f"{url}/like").json()["reactions"] == {"like": 1}
    assert alice.put(f"{url}/like").json()["reactions"] == {"like": 2}
    assert alice.put(f"{url}/helpful").json()["reactions"] == {"like": 2, "helpful": 1}
    assert bob.delete(f"{url}/like").json()["reactions"] == {"like": 1, "helpful": 1}
    assert bob.put(f"{url}/angry").status_code in (400, 422)
    assert any_client.put(f"{url}/like").status_code == 401
    read = any_client.get(f"/community/forums/threads/{started['thread']['id']}").json()
    assert read["posts"][0]["reactions"] == {"like": 1, "helpful": 1}


def test_authors_and_repliers_follow_and_post_events_name_the_followers(
    any_client: TestClient[Litestar],
    alice: ForumUser,
    bob: ForumUser,
    admin: ForumUser,
    forums: Forums,
) -> None:
    carol = ForumUser(any_client)
    started = alice.start_thread("ball-pythons", "Clutch due", "Eggs!")
    thread_id = started["thread"]["id"]
    follow = f"/community/forums/threads/{thread_id}/follow"
    assert carol.put(follow).json() == {"thread_id": thread_id, "following": True}
    assert alice.get(f"/community/forums/threads/{thread_id}").json()["following"] is True
    bob.reply(thread_id, "Congrats")
    assert carol.delete(follow).json()["following"] is False
    last = alice.reply(thread_id, "Thanks")
    created = [p for kind, p in outbox_events(any_client) if kind == "community.post_created"]
    assert created[0]["first_post"] is True
    assert created[0]["follower_ids"] == []
    assert sorted(created[1]["follower_ids"]) == sorted([str(alice.user_id), str(carol.user_id)])
    assert created[2] == {
        "thread_id": thread_id,
        "post_id": last["id"],
        "author_id": str(alice.user_id),
        "category_id": started["thread"]["category_id"],
        "title": "Clutch due",
        "first_post": False,
        "follower_ids": [str(bob.user_id)],
        "mentioned_ids": [],
    }
    kinds = [kind for kind, _ in outbox_events(any_client)]
    assert kinds.count("community.thread_created") == 1
    assert any_client.put(follow).status_code == 401


def test_handles_resolve_mentions(
    any_client: TestClient[Litestar], alice: ForumUser, bob: ForumUser, forums: Forums
) -> None:
    assert bob.put("/community/forums/members/me", {"handle": "Bob_Breeder"}).json() == {
        "user_id": str(bob.user_id),
        "handle": "bob_breeder",
    }
    assert alice.put("/community/forums/members/me", {"handle": "bob_breeder"}).status_code == 409
    assert alice.put("/community/forums/members/me", {"handle": "x"}).status_code == 422
    assert alice.put("/community/forums/members/me", {"handle": "alice"}).status_code == 200
    post = alice.start_thread("ball-pythons", body="Ask @BOB_breeder, not @nobody_here or @alice")[
        "post"
    ]
    assert post["mentions"] == [str(bob.user_id)]
    created = [p for kind, p in outbox_events(any_client) if kind == "community.post_created"]
    assert created[-1]["mentioned_ids"] == [str(bob.user_id)]


def test_locked_threads_take_no_replies_but_from_moderators_and_pinned_ones_list_first(
    any_client: TestClient[Litestar],
    alice: ForumUser,
    bob: ForumUser,
    admin: ForumUser,
    forums: Forums,
) -> None:
    older = alice.start_thread("ball-pythons", "Older")["thread"]["id"]
    alice.start_thread("ball-pythons", "Newer")
    url = f"/community/forums/threads/{older}"
    assert bob.patch(url, {"pinned": True}).status_code == 403
    assert any_client.patch(url, json={"pinned": True}).status_code == 401
    moderated = admin.patch(url, {"pinned": True, "locked": True})
    assert moderated.status_code == 200
    assert (moderated.json()["pinned"], moderated.json()["locked"]) == (True, True)
    titles = [
        t["thread"]["title"]
        for t in any_client.get("/community/forums/ball-pythons").json()["items"]
    ]
    assert titles == ["Older", "Newer"]
    assert bob.post(f"{url}/posts", {"body": "late"}).status_code == 409
    assert admin.post(f"{url}/posts", {"body": "Locked: see the care sheet"}).status_code == 201
    assert admin.patch(url, {"locked": False}).json() == {
        **moderated.json(),
        "locked": False,
    }
    assert bob.post(f"{url}/posts", {"body": "now"}).status_code == 201
    events = [p for kind, p in outbox_events(any_client) if kind == "community.thread_moderated"]
    assert events[0] == {
        "thread_id": older,
        "moderator_id": str(admin.user_id),
        "pinned": True,
        "locked": True,
    }


def test_every_change_has_an_audit_record(
    any_client: TestClient[Litestar], alice: ForumUser, bob: ForumUser, forums: Forums
) -> None:
    started = alice.start_thread("ball-pythons", body="audited")
    bob.put(f"/community/forums/posts/{started['post']['id']}/reactions/thanks")
    alice.patch(f"/community/forums/posts/{started['post']['id']}", {"body": "changed"})
    records = [p for kind, p in outbox_events(any_client) if kind == "audit.recorded"]
    seen = {(r["resource_kind"], r["action"]) for r in records}
    assert {
        ("forum_category", "created"),
        ("forum_thread", "created"),
        ("forum_post", "created"),
        ("forum_follow", "created"),
        ("forum_reaction", "created"),
        ("forum_post", "edited"),
    } <= seen
    edit = next(r for r in records if r["action"] == "edited")
    assert edit["before"]["source"] == "audited"
    assert edit["after"]["source"] == "changed"
    assert edit["actor_id"] == str(alice.user_id)
    assert all(r["service"] == "community" for r in records)
