"""Row-level security of the forum tables on PostgreSQL, as the non-owner application role:
the app works through it, a user cannot write as another or change another's rows, reports
and edit histories stay with their writers and the moderators, and every policy is needed
(each loosened in turn fails these checks)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from forum_testkit import ForumUser, forum_client, make_category
from litestar import Litestar
from litestar.testing import TestClient

from core_tokens import mint_service_token
from reptidex.services.kernel.settings import Settings, load_settings
from rls_mutation import non_owner_database, require_policies_needed
from service_database import assert_row_security_applies, asyncpg_dsn

TABLES = (
    "forum_category",
    "forum_thread",
    "forum_post",
    "forum_post_revision",
    "forum_reaction",
    "forum_follow",
    "forum_report",
    "forum_member",
)


@dataclass
class Forum:
    """The forums as the app role wrote them: alice's thread and post (edited, with a
    reaction and a report of hers), bob's reply."""

    owner_url: str
    role_url: str
    alice: uuid.UUID
    bob: uuid.UUID
    category: str
    thread: str
    alice_post: str
    bob_post: str

    async def checks(self) -> None:
        connection = await asyncpg.connect(asyncpg_dsn(self.role_url))
        try:
            for table in TABLES:
                await assert_row_security_applies(connection, table)
            await _reads(connection, self)
            await _writes_as_another(connection, self)
            await _changes_of_anothers_rows(connection, self)
            await _moderators(connection, self)
        finally:
            await connection.close()


@pytest.fixture(scope="module")
def forum(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forum]:
    """A migrated database, the app on it as a non-owner role, and the forum it wrote."""
    with non_owner_database(postgres_server, "community") as (owner_url, role_url):
        settings = load_settings(
            {
                "REPTIDEX_DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "REPTIDEX_COMMUNITY_DATABASE_URL": role_url,
            }
        )
        yield _written(settings, owner_url, role_url)


def _written(settings: Settings, owner_url: str, role_url: str) -> Forum:
    with forum_client(settings) as client:
        admin = ForumUser(client, admin=True)
        alice, bob = ForumUser(client), ForumUser(client)
        category = make_category(admin, "ball-pythons")
        started = alice.start_thread("ball-pythons", body="mine")
        thread, alice_post = started["thread"]["id"], started["post"]["id"]
        bob_post = bob.reply(thread, "his")["id"]
        assert (
            alice.patch(f"/community/forums/posts/{alice_post}", {"body": "edited"}).status_code
            == 200
        )
        assert alice.put(f"/community/forums/posts/{bob_post}/reactions/like").status_code == 200
        assert (
            alice.post(
                f"/community/forums/posts/{bob_post}/reports", {"reason": "Rude"}
            ).status_code
            == 201
        )
        assert alice.put("/community/forums/members/me", {"handle": "alice"}).status_code == 200
        moderated = admin.patch(f"/community/forums/threads/{thread}", {"pinned": True})
        assert moderated.status_code == 200
        assert (
            admin.post(f"/community/forums/posts/{alice_post}/hide", {"reason": "x"}).status_code
            == 200
        )
        assert (
            admin.post(f"/community/forums/posts/{alice_post}/restore", {"reason": "y"}).status_code
            == 200
        )
        assert admin.get("/community/forums/moderation/reports").json()["total"] == 1
        assert (
            alice.post(f"/community/forums/posts/{bob_post}/reports", {"reason": "x"}).status_code
            == 409
        )
        _erase_a_writer(client, admin, thread)
    return Forum(
        owner_url,
        role_url,
        alice.user_id,
        bob.user_id,
        category["id"],
        thread,
        alice_post,
        bob_post,
    )


def _erase_a_writer(client: TestClient[Litestar], admin: ForumUser, thread: str) -> None:
    """A third user writes, reacts, follows, reports and is erased through the GDPR port, as
    the app role (the platform's own transactions)."""
    carol = ForumUser(client)
    carol.put("/community/forums/members/me", {"handle": "carol"})
    post = carol.reply(thread, "soon gone")
    carol.patch(f"/community/forums/posts/{post['id']}", {"body": "edited"})
    carol.put(f"/community/forums/posts/{post['id']}/reactions/wow")
    carol.post(f"/community/forums/posts/{post['id']}/reports", {"reason": "mine"})
    admin.post(f"/community/forums/posts/{post['id']}/hide", {"reason": "gone"})
    ops = {"Authorization": f"Bearer {mint_service_token('ops')}"}
    body = {"user_id": str(carol.user_id), "pseudonym": str(uuid.uuid4())}
    erased = client.post("/internal/personal-data/erase", json=body, headers=ops)
    assert erased.status_code == 200, erased.text
    assert {k: v for k, v in erased.json()["erased"].items() if v} == {
        "forums.posts_pseudonymised": 1,
        "forums.reports_pseudonymised": 1,
        "forums.post_revisions_removed": 1,
        "forums.reactions_removed": 1,
        "forums.follows_removed": 1,
        "forums.member_removed": 1,
    }


async def _outcome(
    connection: asyncpg.Connection,
    user: uuid.UUID | None,
    statement: str,
    *args: Any,
    moderator: bool = False,
    system: bool = False,
) -> Any:
    """What ``statement`` does in a transaction of ``user`` (rolled back): its status
    (``UPDATE 0``), a fetched count for a ``SELECT count``, or ``refused`` by row-level
    security."""
    transaction = connection.transaction()
    await transaction.start()
    try:
        await connection.execute(
            "SELECT set_config('reptidex.user_id', $1, true), "
            "set_config('reptidex.forum_moderator', $2, true), "
            "set_config('reptidex.forum_system', $3, true)",
            "" if user is None else str(user),
            "on" if moderator else "off",
            "on" if system else "off",
        )
        try:
            if statement.startswith("SELECT count"):
                return await connection.fetchval(statement, *args)
            status: str = await connection.execute(statement, *args)
        except asyncpg.InsufficientPrivilegeError as exc:
            return "refused" if "row-level security" in str(exc) else f"denied: {exc}"
        return status
    finally:
        await transaction.rollback()


NOW = "now(), now()"


async def _reads(c: asyncpg.Connection, f: Forum) -> None:
    revisions = "SELECT count(*) FROM forum_post_revision"
    assert await _outcome(c, f.alice, revisions) == 1
    assert await _outcome(c, f.bob, revisions) == 0
    assert await _outcome(c, None, revisions) == 0
    reports = "SELECT count(*) FROM forum_report"
    assert await _outcome(c, f.alice, reports) == 1
    assert await _outcome(c, f.bob, reports) == 0
    assert await _outcome(c, None, "SELECT count(*) FROM forum_post") == 3


async def _writes_as_another(c: asyncpg.Connection, f: Forum) -> None:
    """Bob writing rows that name alice (or no one) as their owner."""
    alice, bob = f.alice, f.bob
    category = uuid.UUID(f.category)
    thread, alice_post, bob_post = (
        uuid.UUID(f.thread),
        uuid.UUID(f.alice_post),
        uuid.UUID(f.bob_post),
    )
    new = (
        "INSERT INTO forum_thread (id, category_id, author_id, title, pinned, locked, "
        f"created_at, updated_at) VALUES (gen_random_uuid(), $1, $2, 't', false, false, {NOW})"
    )
    assert await _outcome(c, bob, new, category, alice) == "refused"
    assert await _outcome(c, bob, new, category, bob) == "INSERT 0 1"
    post = (
        "INSERT INTO forum_post (id, thread_id, author_id, source, html, mentions, created_at, "
        f"updated_at) VALUES (gen_random_uuid(), $1, $2, 's', 'h', '[]', {NOW})"
    )
    assert await _outcome(c, bob, post, thread, alice) == "refused"
    assert await _outcome(c, bob, post, thread, bob) == "INSERT 0 1"
    revision = (
        "INSERT INTO forum_post_revision (id, post_id, editor_id, source, replaced_at, "
        f"created_at, updated_at) VALUES (gen_random_uuid(), $1, $2, 'old', now(), {NOW})"
    )
    assert await _outcome(c, bob, revision, alice_post, bob) == "refused"
    assert await _outcome(c, bob, revision, bob_post, bob) == "INSERT 0 1"
    for table, owner_column, target in (
        ("forum_reaction", "user_id", "post_id, kind) VALUES (gen_random_uuid(), $1, $2, 'wow'"),
        ("forum_follow", "user_id", "thread_id) VALUES (gen_random_uuid(), $1, $2"),
        (
            "forum_report",
            "reporter_id",
            "post_id, reason, state) VALUES (gen_random_uuid(), $1, $2, 'r', 'open'",
        ),
    ):
        statement = f"INSERT INTO {table} (id, {owner_column}, {target}, {NOW})".replace(
            f"{owner_column}, post_id", f"{owner_column}, post_id"
        )
        statement = _insert(table, owner_column, target)
        subject = uuid.uuid4()
        assert await _outcome(c, bob, statement, alice, subject) == "refused", table
        assert await _outcome(c, bob, statement, bob, subject) == "INSERT 0 1", table
    member = (
        "INSERT INTO forum_member (id, user_id, created_at, updated_at) "
        f"VALUES (gen_random_uuid(), $1, {NOW})"
    )
    stranger = uuid.uuid4()
    assert await _outcome(c, bob, member, stranger) == "refused"
    newcomer = uuid.uuid4()
    assert await _outcome(c, newcomer, member, newcomer) == "INSERT 0 1"
    assert await _outcome(c, None, member, stranger, system=True) == "INSERT 0 1"
    categories = (
        "INSERT INTO forum_category (id, slug, name, description, public, position, created_by, "
        f"created_at, updated_at) VALUES (gen_random_uuid(), 'x', 'X', '', true, 0, $1, {NOW})"
    )
    assert await _outcome(c, bob, categories, bob) == "refused"


def _insert(table: str, owner_column: str, target: str) -> str:
    columns, _, values = target.partition(") VALUES (gen_random_uuid(), $1, $2")
    return (
        f"INSERT INTO {table} (id, {owner_column}, {columns}, created_at, updated_at) "
        f"VALUES (gen_random_uuid(), $1, $2{values}, {NOW})"
    )


async def _changes_of_anothers_rows(c: asyncpg.Connection, f: Forum) -> None:
    alice, bob = f.alice, f.bob
    alice_post, bob_post = uuid.UUID(f.alice_post), uuid.UUID(f.bob_post)
    edit = "UPDATE forum_post SET source = 'defaced' WHERE id = $1"
    assert await _outcome(c, bob, edit, alice_post) == "UPDATE 0"
    assert await _outcome(c, alice, edit, alice_post) == "UPDATE 1"
    give_away = "UPDATE forum_post SET author_id = $2 WHERE id = $1"
    assert await _outcome(c, alice, give_away, alice_post, bob) == "refused"
    unlike = "DELETE FROM forum_reaction WHERE post_id = $1"
    assert await _outcome(c, bob, unlike, bob_post) == "DELETE 0"
    assert await _outcome(c, alice, unlike, bob_post) == "DELETE 1"
    unfollow = "DELETE FROM forum_follow WHERE user_id = $1"
    assert await _outcome(c, bob, unfollow, alice) == "DELETE 0"
    assert await _outcome(c, alice, unfollow, alice) == "DELETE 1"
    resolve = "UPDATE forum_report SET state = 'resolved'"
    assert await _outcome(c, bob, resolve) == "UPDATE 0"
    assert await _outcome(c, alice, resolve) == "UPDATE 0"
    rename = "UPDATE forum_member SET handle = 'mallory' WHERE user_id = $1"
    assert await _outcome(c, bob, rename, alice) == "UPDATE 0"
    assert await _outcome(c, alice, rename, alice) == "UPDATE 1"
    assert await _outcome(c, None, rename, alice, system=True) == "UPDATE 1"
    take_over = "UPDATE forum_member SET user_id = $2 WHERE user_id = $1"
    assert await _outcome(c, alice, take_over, alice, uuid.uuid4()) == "refused"
    forget = "DELETE FROM forum_post_revision"
    assert await _outcome(c, alice, forget) == "DELETE 0"
    assert await _outcome(c, None, forget, system=True) == "DELETE 1"
    leave = "DELETE FROM forum_member WHERE user_id = $1"
    assert await _outcome(c, alice, leave, alice) == "DELETE 0"
    assert await _outcome(c, None, leave, alice, system=True) == "DELETE 1"
    assert await _outcome(c, None, unlike, bob_post, system=True) == "DELETE 1"
    assert await _outcome(c, None, unfollow, alice, system=True) == "DELETE 1"
    assert await _outcome(c, None, "UPDATE forum_thread SET title = 'x'", system=True) == "UPDATE 1"
    assert await _outcome(c, None, edit, alice_post, system=True) == "UPDATE 1"
    pin = "UPDATE forum_thread SET pinned = false"
    assert await _outcome(c, alice, pin) == "UPDATE 0"
    rename_forum = "UPDATE forum_category SET name = 'Mine'"
    assert await _outcome(c, alice, rename_forum) == "UPDATE 0"


async def _moderators(c: asyncpg.Connection, f: Forum) -> None:
    moderator = uuid.uuid4()
    bob_post = uuid.UUID(f.bob_post)
    hide = "UPDATE forum_post SET hidden_reason = 'x' WHERE id = $1"
    assert await _outcome(c, moderator, hide, bob_post, moderator=True) == "UPDATE 1"
    assert await _outcome(c, moderator, hide, bob_post) == "UPDATE 0"
    assert await _outcome(c, moderator, "SELECT count(*) FROM forum_report", moderator=True) == 2
    assert (
        await _outcome(c, moderator, "SELECT count(*) FROM forum_post_revision", moderator=True)
        == 1
    )
    assert (
        await _outcome(c, moderator, "UPDATE forum_report SET state = 'open'", moderator=True)
        == "UPDATE 2"
    )
    assert (
        await _outcome(c, moderator, "UPDATE forum_thread SET locked = true", moderator=True)
        == "UPDATE 1"
    )
    category = (
        "INSERT INTO forum_category (id, slug, name, description, public, position, created_by, "
        f"created_at, updated_at) VALUES (gen_random_uuid(), 'x', 'X', '', true, 0, $1, {NOW})"
    )
    assert await _outcome(c, moderator, category, moderator, moderator=True) == "INSERT 0 1"
    assert (
        await _outcome(c, moderator, "UPDATE forum_category SET name = 'N'", moderator=True)
        == "UPDATE 1"
    )


def test_isolation_through_the_api_and_directly(forum: Forum) -> None:
    asyncio.run(forum.checks())


def test_every_policy_is_needed(forum: Forum) -> None:
    result = asyncio.run(require_policies_needed(forum.owner_url, forum.checks, tables=TABLES))
    assert result.survived == []
    assert sorted(result.admitting) == [
        "forum_category_read",
        "forum_follow_read",
        "forum_member_read",
        "forum_post_read",
        "forum_reaction_read",
        "forum_thread_read",
    ]
