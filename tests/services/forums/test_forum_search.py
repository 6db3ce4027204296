"""The forums in search: public threads and replies are found by ``GET /search`` as soon as
they are written (in the forum change's own transaction), edits replace them, hiding takes
them out and restoring brings them back; members-only categories are never indexed. On
SQLite and PostgreSQL (fixtures: conftest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from forum_testkit import ForumUser
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from reptidex.adapters.sql.community.forum_search_sources import SqlForumReplies, SqlForumThreads
from reptidex.adapters.sql.community.search_index import SqlSearchIndex
from reptidex.adapters.sql.engine import create_engine
from reptidex.domain.community.search.documents import SearchDocument
from reptidex.domain.community.search.reindex import reindex
from reptidex.domain.forums.findable import plain_text
from reptidex.services.kernel.app import kernel_of


def found(client: TestClient[Litestar], q: str, **params: str) -> list[dict[str, Any]]:
    """The results of an anonymous search."""
    response = client.get("/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def ids(client: TestClient[Litestar], q: str, kind: str) -> set[str]:
    """The ids of one kind of result."""
    return {item["id"] for item in found(client, q, kind=kind)}


def forum_ids(client: TestClient[Litestar], q: str) -> set[str]:
    """The ids of the threads and posts found."""
    return ids(client, q, "thread") | ids(client, q, "post")


def test_a_public_thread_and_its_replies_are_found(
    any_client: TestClient[Litestar], alice: ForumUser, bob: ForumUser, forums: Any
) -> None:
    started = alice.start_thread(
        "ball-pythons", "Pastel het clown pairing", "**Proven** breeder <script>x</script>"
    )
    thread_id = started["thread"]["id"]
    reply = bob.reply(thread_id, "Mine hatched *lavender* babies")
    [thread_hit] = found(any_client, "pastle clown", kind="thread")
    assert thread_hit["kind"] == "thread"
    assert thread_hit["id"] == thread_id
    assert thread_hit["link"] == f"/community/forums/threads/{thread_id}"
    assert ids(any_client, "proven breeder", "thread") == {thread_id}
    [post_hit] = found(any_client, "lavender", kind="post")
    assert post_hit["kind"] == "post"
    assert post_hit["id"] == reply["id"]
    assert post_hit["title"] == "Re: Pastel het clown pairing"
    assert post_hit["link"].endswith(f"#post-{reply['id']}")
    assert "<mark>lavender</mark>" in post_hit["snippet"]
    assert ids(any_client, "pastle clown", "post") == {reply["id"]}  # by its thread's title
    facets = any_client.get("/search", params={"q": "pastel clown"}).json()["facets"]["kind"]
    assert {"value": "thread", "count": 1} in facets
    assert {"value": "post", "count": 1} in facets


def test_an_edit_replaces_what_is_found(
    any_client: TestClient[Litestar], alice: ForumUser, bob: ForumUser, forums: Any
) -> None:
    thread_id = alice.start_thread("ball-pythons", "Incubation", "Temperature 88F")["thread"]["id"]
    reply = bob.reply(thread_id, "Try perlite")
    opening = alice.get(f"/community/forums/threads/{thread_id}").json()["posts"][0]
    assert alice.patch(f"/community/forums/posts/{opening['id']}", {"body": "Use 31C"}).is_success
    assert bob.patch(
        f"/community/forums/posts/{reply['id']}", {"body": "Try vermiculite"}
    ).is_success
    assert forum_ids(any_client, "perlite") == set()
    assert forum_ids(any_client, "temperature") == set()
    assert ids(any_client, "31c", "thread") == {thread_id}
    assert ids(any_client, "vermiculite", "post") == {reply["id"]}


def test_members_only_categories_are_never_found(
    any_client: TestClient[Litestar], alice: ForumUser, bob: ForumUser, forums: Any
) -> None:
    thread_id = alice.start_thread("breeders-lounge", "Secret pricing", "Wholesale")["thread"]["id"]
    bob.reply(thread_id, "Wholesale too")
    assert forum_ids(any_client, "wholesale") == set()
    assert forum_ids(any_client, "secret") == set()


def test_hiding_takes_out_and_restoring_brings_back(
    any_client: TestClient[Litestar],
    admin: ForumUser,
    alice: ForumUser,
    bob: ForumUser,
    forums: Any,
) -> None:
    thread_id = alice.start_thread("ball-pythons", "Spider wobble", "Neurological")["thread"]["id"]
    reply = bob.reply(thread_id, "Buy my scam pills")
    hide = {"reason": "spam"}
    assert admin.post(f"/community/forums/posts/{reply['id']}/hide", hide).is_success
    assert forum_ids(any_client, "pills") == set()
    assert ids(any_client, "spider", "thread") == {thread_id}
    assert admin.post(f"/community/forums/posts/{reply['id']}/restore", hide).is_success
    assert ids(any_client, "pills", "post") == {reply["id"]}


def test_a_hidden_opening_post_takes_its_thread_and_replies_out(
    any_client: TestClient[Litestar],
    admin: ForumUser,
    alice: ForumUser,
    bob: ForumUser,
    forums: Any,
) -> None:
    thread_id = alice.start_thread("ball-pythons", "Hostile banana", "Spam spam")["thread"]["id"]
    reply = bob.reply(thread_id, "Banana reply")
    hidden = bob.reply(thread_id, "Banana hidden")
    opening = admin.get(f"/community/forums/threads/{thread_id}").json()["posts"][0]["id"]
    why = {"reason": "abuse"}
    assert admin.post(f"/community/forums/posts/{hidden['id']}/hide", why).is_success
    assert admin.post(f"/community/forums/posts/{opening}/hide", why).is_success
    assert forum_ids(any_client, "banana") == set()
    assert admin.post(f"/community/forums/posts/{opening}/restore", why).is_success
    assert ids(any_client, "banana", "thread") == {thread_id}
    assert ids(any_client, "banana", "post") == {reply["id"]}  # the hidden reply stays out


def test_plain_text_is_what_a_reader_sees() -> None:
    assert plain_text('<p>a<a href="https://x.org">link</a>&lt;b&gt;</p><p>c</p>') == "a link <b> c"


def _rebuild(client: TestClient[Litestar], stale: str) -> dict[str, int]:
    """Forget the forums' documents but a ``stale`` thread's, then rebuild them from the
    forum tables; what the rebuild read."""
    url = kernel_of(client.app).resources.database_url

    async def run() -> dict[str, int]:
        engine = create_engine(url)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text("DELETE FROM search_document WHERE kind IN ('thread', 'post')")
                )
            index = SqlSearchIndex(sessions)
            old = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
            await index.upsert([SearchDocument("thread", stale, "Gone banana", "/x", old)])
            report = await reindex(index, [SqlForumThreads(sessions), SqlForumReplies(sessions)])
            return report.documents
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_the_reindex_rebuilds_the_forums_documents(
    any_client: TestClient[Litestar],
    admin: ForumUser,
    alice: ForumUser,
    bob: ForumUser,
    forums: Any,
) -> None:
    shown = alice.start_thread("ball-pythons", "Banana clutch", "Six eggs")["thread"]["id"]
    reply = bob.reply(shown, "Banana congrats")
    hidden = bob.reply(shown, "Banana spam")
    assert admin.post(f"/community/forums/posts/{hidden['id']}/hide", {"reason": "spam"}).is_success
    gone = alice.start_thread("ball-pythons", "Banana trade", "Swap?")["thread"]["id"]
    bob.reply(gone, "Banana offer")
    opening = admin.get(f"/community/forums/threads/{gone}").json()["posts"][0]["id"]
    assert admin.post(f"/community/forums/posts/{opening}/hide", {"reason": "spam"}).is_success
    alice.start_thread("breeders-lounge", "Banana lounge", "Members only")
    stale = str(uuid.uuid4())

    read = _rebuild(any_client, stale)
    assert read["thread"] == 1
    assert read["post"] == 1
    assert ids(any_client, "banana", "thread") == {shown}
    assert ids(any_client, "banana", "post") == {reply["id"]}
