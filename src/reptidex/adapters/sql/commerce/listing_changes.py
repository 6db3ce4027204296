"""When listings change: PostgreSQL's notices from every process, and this process's own
commits at once.

Migration ``commerce_0013`` makes every statement that writes ``listing`` send a notice on
:data:`CHANNEL` when it commits (read with
:class:`~reptidex.adapters.sql.notices.NoticeListener`). Those reach the process a little after
the commit; a seller searching right after changing a listing must see the change, so
:class:`CommittedListingChanges` hands this process's own commits on the moment they happen,
by SQLAlchemy's session events: rows added, changed or deleted by a flush, and the ``UPDATE``
and ``DELETE`` statements of :class:`~reptidex.adapters.sql.commerce.models.ListingRow`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from reptidex.adapters.sql.commerce.models import ListingRow

CHANNEL = "reptidex_listing_changed"

_PENDING = "reptidex_listings_changed"
_EVENTS = ("after_flush", "do_orm_execute", "after_commit", "after_rollback")


class CommittedListingChanges:
    """Calls ``on_commit`` the moment a transaction of this process that wrote listings
    commits."""

    def __init__(self, on_commit: Callable[[], None]) -> None:
        self._on_commit = on_commit

    def after_flush(self, session: Session, _context: Any) -> None:
        """Note a flush that wrote listing rows."""
        rows = itertools.chain(session.new, session.dirty, session.deleted)
        if any(isinstance(row, ListingRow) for row in rows):
            session.info[_PENDING] = True

    def do_orm_execute(self, state: ORMExecuteState) -> None:
        """Note an ``UPDATE`` or ``DELETE`` statement of listings."""
        mapper = state.bind_mapper
        if (
            (state.is_update or state.is_delete)
            and mapper is not None
            and mapper.class_ is ListingRow
        ):
            state.session.info[_PENDING] = True

    def after_commit(self, session: Session) -> None:
        """Hand the committed change on."""
        if session.info.pop(_PENDING, False):
            self._on_commit()

    def after_rollback(self, session: Session) -> None:
        """Nothing was changed after all."""
        session.info.pop(_PENDING, None)

    def install(self) -> None:
        """Listen to every session of the process (rows of other apps' sessions only ever
        cause a needless drop)."""
        for name in _EVENTS:
            event.listen(Session, name, getattr(self, name))

    def remove(self) -> None:
        """Stop listening."""
        for name in _EVENTS:
            event.remove(Session, name, getattr(self, name))
