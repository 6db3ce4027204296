"""Community (repti-community): the global search, the breeder's notifications with the
header's live unread count, and the forums (categories, threads, posts, replies)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, QueryParameter

from reptidex.services.web.api import ServiceProblem, ServiceUnreachable
from reptidex.services.web.pages import (
    FORM,
    FormState,
    QueryText,
    form_values,
    page,
    safe_next,
    see_other,
)
from reptidex.services.web.visitor import CurrentVisitor, Visitor

Text = Annotated[str, msgspec.Meta(max_length=20000)]
Page = Annotated[int, QueryParameter(ge=0, le=1000)]
SEARCH_KINDS = (("", "Everything"), ("listing", "Listings"), ("animal", "Animals"),
                ("breeder", "Breeders"), ("article", "Articles"), ("thread", "Threads"),
                ("post", "Posts"))  # fmt: skip
FACET_LABELS = (
    ("species", "species", "Species"),
    ("genes", "gene", "Genes"),
    ("price_band", "price_band", "Price"),
    ("country", "country", "Country"),
)
"""The search's facets: the answer's name, the query parameter, what the page calls it."""
PER_PAGE = 20
WEB_LINKS = ("/marketplace/listings/", "/marketplace/sellers/", "/community/forums/threads/")
"""Search results whose link is also a page here (the others live on the services)."""


def search_address(q: str, chosen: dict[str, str], **change: str) -> str:
    """The search page's address for ``q`` and the chosen facets, with ``change`` applied
    (an empty value drops a facet).

    >>> search_address("clown", {"kind": "listing", "gene": ""}, gene="clown")
    '/search?q=clown&kind=listing&gene=clown'
    """
    wanted = {"q": q, **chosen, **change}
    return "/search?" + urlencode({name: value for name, value in wanted.items() if value})


def facet_choices(found: Any, q: str, chosen: dict[str, str]) -> list[dict[str, Any]]:
    """Each facet of a search's answer with its values, their counts, and the address that
    narrows the search to a value (or, for the chosen one, widens it again)."""
    facets = []
    for name, param, label in FACET_LABELS:
        values = [
            {"value": f["value"], "count": f["count"], "chosen": chosen[param] == f["value"],
             "href": search_address(q, chosen, **{param: "" if chosen[param] == f["value"]
                                                  else f["value"]})}
            for f in found["facets"].get(name) or ()
        ]  # fmt: skip
        if values:
            facets.append({"label": label, "values": values})
    return facets


class ThreadForm(msgspec.Struct, kw_only=True):
    """Opening a thread."""

    title: Text = ""
    body: Text = ""


class ReplyForm(msgspec.Struct, kw_only=True):
    """Replying to a thread."""

    body: Text = ""


def web_link(link: str | None) -> str | None:
    """``link`` when it is a page of this site, else ``None``.

    >>> web_link("/community/forums/threads/7#post-9"), web_link("/public/animals/1")
    ('/community/forums/threads/7#post-9', None)
    """
    if link and link.startswith(WEB_LINKS):
        return link
    return None


async def _as_reader(visitor: Visitor, path: str, **params: str | int) -> Any:
    """A forum read with the breeder's token when signed in (members-only categories), else
    without one (public categories)."""
    signed_in = visitor.current is not None
    return (
        await visitor.call("GET", "community", path, params=params, anonymous=not signed_in)
    ).json()


class CommunityPages(Controller):
    """The search and notification pages."""

    path = "/"
    include_in_schema = False

    @get("/search")
    async def search(
        self, visitor: CurrentVisitor, q: QueryText = "", kind: QueryText = "",
        species: QueryText = "", gene: QueryText = "", price_band: QueryText = "",
        country: QueryText = "", offset: Page = 0,
    ) -> Response[Any]:  # fmt: skip
        """Search the platform: listings, animals, breeders, articles and forum posts, with
        facets to narrow the results (public)."""
        chosen = {"kind": kind, "species": species, "gene": gene, "price_band": price_band,
                  "country": country}  # fmt: skip
        found: Any = None
        problem: ServiceProblem | None = None
        if q.strip():
            params: dict[str, str | int] = {"q": q.strip(), "limit": PER_PAGE, "offset": offset,
                                            "sponsored": 0}  # fmt: skip
            params.update({name: value for name, value in chosen.items() if value})
            try:
                found = (
                    await visitor.call("GET", "community", "/search", params=params,
                                       anonymous=True)
                ).json()  # fmt: skip
            except ServiceProblem as refused:
                if refused.status >= 500:
                    raise
                problem = refused
        form = FormState.refused({"q": q}, problem, {"q": "q"}) if problem else FormState()
        results = [
            {**item, "web_link": web_link(item.get("link"))}
            for item in (found or {}).get("items", [])
        ]
        return page(
            visitor, "community/search.html", status_code=problem.status if problem else 200,
            q=q, chosen=chosen, found=found, results=results, kinds=SEARCH_KINDS, form=form,
            offset=offset, per_page=PER_PAGE, base=search_address(q, chosen) + "&",
            facets=facet_choices(found, q, chosen) if found else [],
        )  # fmt: skip

    @get("/notifications")
    async def notifications(
        self, visitor: CurrentVisitor, unread: QueryText = "", offset: Page = 0
    ) -> Response[Any]:
        """The breeder's notifications, newest first (all, or the unread ones)."""
        params: dict[str, str | int] = {"limit": PER_PAGE, "offset": offset}
        if unread:
            params["unread"] = "true"
        listed = (await visitor.call("GET", "community", "/notifications", params=params)).json()
        items = [{**n, "web_link": safe_next(n.get("link"), "") or None} for n in listed["items"]]
        return page(
            visitor, "community/notifications.html", listed=listed, items=items,
            unread_only=bool(unread), offset=offset, per_page=PER_PAGE,
        )  # fmt: skip

    @get("/notifications/unread")
    async def unread_count(self, visitor: CurrentVisitor) -> Response[Any]:
        """The header's unread count (a partial the script asks for now and then; empty for
        a visitor who is not signed in)."""
        count = None
        if visitor.current is not None:
            try:
                answered = await visitor.call("GET", "community", "/notifications/unread-count")
                count = answered.json()["unread"]
            except (ServiceProblem, ServiceUnreachable):
                count = None  # the header goes without the count; the page says what is wrong
        return page(visitor, "community/_unread.html", count=count)

    @post("/notifications/{notification_id:uuid}/read", status_code=200)
    async def mark_read(
        self, visitor: CurrentVisitor, notification_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """Mark one notification read."""
        await visitor.call("POST", "community", f"/notifications/{notification_id}/read")
        return see_other(visitor, "/notifications")

    @post("/notifications/read-all", status_code=200)
    async def mark_all_read(self, visitor: CurrentVisitor) -> Response[Any]:
        """Mark every notification read."""
        await visitor.call("POST", "community", "/notifications/read-all")
        return see_other(visitor, "/notifications")


class ForumPages(Controller):
    """The forums."""

    path = "/community/forums"
    include_in_schema = False

    @get("/")
    async def categories(self, visitor: CurrentVisitor) -> Response[Any]:
        """The categories the visitor may read, with their thread counts."""
        listed = await _as_reader(visitor, "/community/forums")
        return page(visitor, "community/forums.html", categories=listed["items"])

    async def _category_page(
        self, visitor: Visitor, slug: str, offset: int, *, status_code: int = 200,
        form: FormState | None = None,
    ) -> Response[Any]:  # fmt: skip
        threads = await _as_reader(
            visitor, f"/community/forums/{slug}", limit=PER_PAGE, offset=offset
        )
        return page(
            visitor, "community/category.html", status_code=status_code, threads=threads,
            offset=offset, per_page=PER_PAGE, form=form or FormState(),
        )  # fmt: skip

    @get("/{slug:str}")
    async def category(
        self, visitor: CurrentVisitor, slug: FromPath[str], offset: Page = 0
    ) -> Response[Any]:
        """A category's threads (pinned first, then by their latest post) and the form to
        open one."""
        return await self._category_page(visitor, slug, offset)

    @post("/{slug:str}/threads", status_code=200)
    async def open_thread(
        self, visitor: CurrentVisitor, slug: FromPath[str], data: Annotated[ThreadForm, FORM]
    ) -> Response[Any]:
        """Open a thread with its first post."""
        try:
            started = (
                await visitor.call(
                    "POST", "community", f"/community/forums/{slug}/threads",
                    json={"title": data.title.strip(), "body": data.body},
                )
            ).json()  # fmt: skip
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("title", "body"))
            return await self._category_page(
                visitor, slug, 0, status_code=problem.status, form=form
            )
        return see_other(visitor, f"/community/forums/threads/{started['thread']['id']}")

    async def _thread_page(
        self, visitor: Visitor, thread_id: uuid.UUID, offset: int, *, status_code: int = 200,
        form: FormState | None = None,
    ) -> Response[Any]:  # fmt: skip
        reading = await _as_reader(
            visitor, f"/community/forums/threads/{thread_id}", limit=PER_PAGE, offset=offset
        )
        return page(
            visitor, "community/thread.html", status_code=status_code, reading=reading,
            offset=offset, per_page=PER_PAGE, form=form or FormState(),
        )  # fmt: skip

    @get("/threads/{thread_id:uuid}")
    async def thread(
        self, visitor: CurrentVisitor, thread_id: FromPath[uuid.UUID], offset: Page = 0
    ) -> Response[Any]:
        """A thread's posts, oldest first, and the reply form."""
        return await self._thread_page(visitor, thread_id, offset)

    @post("/threads/{thread_id:uuid}/posts", status_code=200)
    async def reply(
        self, visitor: CurrentVisitor, thread_id: FromPath[uuid.UUID],
        data: Annotated[ReplyForm, FORM],
    ) -> Response[Any]:  # fmt: skip
        """Reply to the thread."""
        try:
            posted = (
                await visitor.call(
                    "POST", "community", f"/community/forums/threads/{thread_id}/posts",
                    json={"body": data.body},
                )
            ).json()  # fmt: skip
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("body",))
            return await self._thread_page(
                visitor, thread_id, 0, status_code=problem.status, form=form
            )
        # The reply is the thread's newest post: open the page that shows it.
        total = (await _as_reader(visitor, f"/community/forums/threads/{thread_id}", limit=1))[
            "total"
        ]
        last = max(total - 1, 0) // PER_PAGE * PER_PAGE
        where = f"?offset={last}" if last else ""
        return see_other(
            visitor, f"/community/forums/threads/{thread_id}{where}#post-{posted['id']}"
        )
