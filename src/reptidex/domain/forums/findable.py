"""The forums in search: the documents of public categories' threads and posts, kept in the
search index in the forum change's own transaction (``uow.search``).

A thread is one document (kind ``thread``: its title and its opening post's text); each reply
is another (kind ``post``, titled ``Re:`` and the thread's title). Only what an anonymous
reader may read is indexed: a category that is not public keeps its threads out of search, a
hidden post leaves it (and a hidden opening post takes its whole thread out with its replies),
and a restored one returns.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

from reptidex.domain.community.search.documents import POST, THREAD, SearchDocument
from reptidex.domain.community.search.use_cases import index_document, remove_document
from reptidex.domain.forums.model import Category, Post, Thread
from reptidex.domain.forums.ports import ForumUnitOfWork

REPLIES_A_BATCH = 100
"""Replies read at a time when a whole thread enters or leaves search."""


class _TextOf(HTMLParser):
    """Collects the text of an HTML fragment, a space for each element boundary."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")


def plain_text(html: str) -> str:
    """The text a reader sees of a post's sanitised HTML, on one line.

    >>> plain_text("<p><strong>Het clown</strong> &amp; pastel</p>\\n<p>Hatched!</p>")
    'Het clown & pastel Hatched!'
    """
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def thread_link(thread: Thread) -> str:
    """Where a reader reads the thread."""
    return f"/community/forums/threads/{thread.id}"


def thread_document(thread: Thread, opening: Post, at: dt.datetime) -> SearchDocument:
    """The thread as search finds it: its title and its opening post's text."""
    return SearchDocument(
        kind=THREAD,
        source_id=str(thread.id),
        title=thread.title,
        body=plain_text(opening.html),
        link=thread_link(thread),
        changed_at=at,
    )


def post_document(thread: Thread, post: Post, at: dt.datetime) -> SearchDocument:
    """A reply as search finds it: its text, under its thread's title."""
    return SearchDocument(
        kind=POST,
        source_id=str(post.id),
        title=f"Re: {thread.title}",
        body=plain_text(post.html),
        link=f"{thread_link(thread)}#post-{post.id}",
        changed_at=at,
    )


async def post_changed(
    uow: ForumUnitOfWork,
    category: Category,
    thread: Thread,
    post: Post,
    at: dt.datetime,
    *,
    moderated: bool = False,
) -> None:
    """Bring search up to date with ``post`` (written, edited, or hidden or restored when
    ``moderated``) in the unit of work's transaction; hiding or restoring an opening post
    carries its whole thread's replies."""
    if not category.public:
        return
    opening = await uow.posts.first_of(thread.id)
    if opening is None:
        return
    if opening.id == post.id:
        await _thread_changed(uow, thread, opening, at, with_replies=moderated)
    elif opening.hidden or post.hidden:
        await remove_document(uow.search, POST, str(post.id), at)
    else:
        await index_document(uow.search, post_document(thread, post, at))


async def _thread_changed(
    uow: ForumUnitOfWork, thread: Thread, opening: Post, at: dt.datetime, *, with_replies: bool
) -> None:
    if opening.hidden:
        await remove_document(uow.search, THREAD, str(thread.id), at)
    else:
        await index_document(uow.search, thread_document(thread, opening, at))
    if not with_replies:
        return
    offset = 1  # the opening post is the thread's document
    while True:
        replies, _ = await uow.posts.page(
            thread.id, limit=REPLIES_A_BATCH, offset=offset, with_hidden=True
        )
        for reply in replies:
            if opening.hidden or reply.hidden:
                await remove_document(uow.search, POST, str(reply.id), at)
            else:
                await index_document(uow.search, post_document(thread, reply, at))
        if len(replies) < REPLIES_A_BATCH:
            return
        offset += REPLIES_A_BATCH
