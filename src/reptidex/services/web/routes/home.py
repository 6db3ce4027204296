"""``/``: what ReptiDex is for a visitor; the breeder's overview once signed in."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Response, get

from reptidex.services.web.pages import QueryText, page
from reptidex.services.web.visitor import CurrentVisitor

NOTICES = {
    "signed-in": "You are signed in.",
    "signed-out": "You are signed out.",
    "organisation": "Your organisation is created; you now act in it.",
    "switched": "You now act in this organisation.",
}
"""QueryText messages a redirect to ``/?done=<key>`` shows (keys only: no text from the URL)."""


class HomePage(Controller):
    """The front page."""

    path = "/"
    include_in_schema = False

    @get("/", name="home")
    async def home(self, visitor: CurrentVisitor, done: QueryText = "") -> Response[Any]:
        """The landing page, or the signed-in breeder's overview: their collection's newest
        animals and pairs."""
        session = visitor.current
        animals: list[Any] = []
        pairs: list[Any] = []
        if session is not None and session.organisation_id:
            newest, paired = await asyncio.gather(
                visitor.call("GET", "animal", "/animals", params={"limit": 5, "order": "desc"}),
                visitor.call("GET", "animal", "/breeding/pairs"),
            )
            animals, pairs = newest.json()["items"], paired.json()[:5]
        return page(visitor, "home.html", notice=NOTICES.get(done), animals=animals, pairs=pairs)
