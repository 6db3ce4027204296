"""The animals and clutches this process's own transactions change, handed on at each commit.

PostgreSQL's change notices (:mod:`~reptidex.adapters.sql.animal.animal_changes`) reach the
in-memory copies of every process a little after a commit; a breeder reloading a pedigree
right after changing it must see the change, so this process's own commits are handed to the
copies the moment they happen, by SQLAlchemy's session events.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from reptidex.adapters.sql.animal.animal_changes import AnimalChange
from reptidex.adapters.sql.animal.models import AnimalRow, ClutchRow

_PENDING = "reptidex_lineage_changes"


class CommittedChanges:
    """The animals and clutches this process's own transactions change (with the
    organisations they belong to, before and after), handed to ``on_commit`` the moment each
    commits: the notices of PostgreSQL arrive a little later, and a breeder reloading a
    pedigree right after changing it must see the change."""

    def __init__(self, on_commit: Callable[[AnimalChange], None]) -> None:
        self._on_commit = on_commit

    def after_flush(self, session: Session, _context: Any) -> None:
        """Collect the ids a flush wrote (with the parents and organisations before and
        after)."""
        ids, organisations = session.info.setdefault(_PENDING, (set(), set()))
        for row in itertools.chain(session.new, session.dirty, session.deleted):
            if isinstance(row, ClutchRow):
                ids.add(row.id)
                organisations.add(row.organisation_id)
            elif isinstance(row, AnimalRow):
                attrs = inspect(row).attrs
                before = [*attrs.sire_id.history.deleted, *attrs.dam_id.history.deleted]
                ids.update(i for i in (row.id, row.sire_id, row.dam_id, *before) if i is not None)
                organisations.update(
                    o
                    for o in (row.organisation_id, *attrs.organisation_id.history.deleted)
                    if o is not None
                )

    def after_commit(self, session: Session) -> None:
        """Hand the committed change on."""
        pending = session.info.pop(_PENDING, None)
        if pending is not None and pending[0]:
            self._on_commit(AnimalChange(list(pending[0]), list(pending[1])))

    def after_rollback(self, session: Session) -> None:
        """Nothing was changed after all."""
        session.info.pop(_PENDING, None)

    def install(self) -> None:
        """Listen to every session of the process (rows of other apps' sessions only ever
        cause a needless drop)."""
        for name in ("after_flush", "after_commit", "after_rollback"):
            event.listen(Session, name, getattr(self, name))

    def remove(self) -> None:
        """Stop listening."""
        for name in ("after_flush", "after_commit", "after_rollback"):
            event.remove(Session, name, getattr(self, name))
