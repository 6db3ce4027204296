"""Listings' public documents kept beside their rows (migration ``commerce_0020``).

The service gives the adapter its renderer (:class:`~reptidex.domain.commerce.ports.
ListingRenderer`). Every write of a listing through :class:`~.listings.SqlListings` stores the
document of the row as written; a search reads the bytes of a page's rows and renders only
those whose document is missing (a row changed some other way: PostgreSQL's trigger cleared
it) or carries another tag (written by another release of the service). On SQLite, which has
no such trigger, every document is rendered when read.
"""

from __future__ import annotations

import datetime as dt
import types
import uuid
from typing import Any, cast

from reptidex.adapters.sql.commerce.mapping import listing_of
from reptidex.domain.commerce.ports import ListingRenderer


def document_columns(
    renderer: ListingRenderer,
    listing_id: uuid.UUID,
    version: int,
    created_at: dt.datetime | None,
    updated_at: dt.datetime,
    columns: dict[str, Any],
) -> dict[str, Any]:
    """The document columns of a row about to be written with ``columns`` and these keys:
    the listing is read back from exactly those values, as a search would."""
    row = types.SimpleNamespace(
        id=listing_id, version=version, created_at=created_at, updated_at=updated_at, **columns
    )
    return {"document": renderer.render(listing_of(cast(Any, row))), "document_tag": renderer.tag}


def current_document(
    renderer: ListingRenderer, document: bytes | None, tag: str | None
) -> bytes | None:
    """``document`` if ``renderer`` made it, else ``None`` (render it again)."""
    return document if document is not None and tag == renderer.tag else None
