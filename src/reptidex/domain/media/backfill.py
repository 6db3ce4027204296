"""Filling repti-media's copy of animals from repti-animal's listing, for animals whose events
media never received (created before it first ran, or while it was down).

A pass pages through repti-animal's lineage-only and public animals (by id) and upserts each
page in one transaction, with the animal's ``updated_at`` as the time of the news: events and
a pass may interleave in any order, the newer news wins and a deleted animal stays deleted
(see :class:`~reptidex.domain.media.embeds.PublicAnimals`). A completed pass is recorded with
the moment it started, so that the next one asks only for what changed since.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from reptidex.domain.media.embeds import PublicAnimal, PublicAnimals

ALL = "all"
"""The scope of a pass over every organisation."""
OVERLAP = dt.timedelta(minutes=5)
"""How far before the previous pass's start a catch-up asks (clock skew, slow commits)."""


@dataclass(frozen=True, slots=True)
class SharedAnimal:
    """An animal of repti-animal's listing: its summary, parents and last change."""

    summary: PublicAnimal
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SharedPage:
    """A page of the listing and the ``after`` of the next (``None``: the last)."""

    items: tuple[SharedAnimal, ...]
    next_after: uuid.UUID | None


class SharedAnimalSource(Protocol):
    """repti-animal's listing of lineage-only and public animals."""

    async def page(
        self,
        *,
        after: uuid.UUID | None,
        updated_since: dt.datetime | None,
        organisation_id: uuid.UUID | None,
    ) -> SharedPage:
        """One page. Raises :class:`~reptidex.domain.media.lineage.LineageUnavailable` when
        repti-animal cannot be asked."""
        ...


class BackfillLedger(Protocol):
    """Completed passes, by scope (``all`` or an organisation's id)."""

    async def completed(self, scope: str) -> dt.datetime | None:
        """When the last completed pass of ``scope`` started."""
        ...

    async def complete(self, scope: str, started_at: dt.datetime, animals: int) -> None:
        """Record a completed pass."""
        ...


class BackfillStore(Protocol):
    """The transaction a page (or the record of a completed pass) is written in."""

    @property
    def animals(self) -> PublicAnimals:
        """The read model."""
        ...

    @property
    def ledger(self) -> BackfillLedger:
        """Completed passes."""
        ...

    async def commit(self) -> None:
        """Make the writes durable."""
        ...


async def apply_page(animals: PublicAnimals, items: Sequence[SharedAnimal]) -> int:
    """Upsert a page (summary and parents, each as of the animal's ``updated_at``); returns
    how many animals changed the read model."""
    changed = 0
    for item in items:
        summary = item.summary
        wrote = await animals.upsert_summary(summary, item.updated_at)
        linked = await animals.set_parents(
            summary.id, summary.sire_id, summary.dam_id, item.updated_at
        )
        changed += wrote or linked
    return changed


async def backfill(
    source: SharedAnimalSource,
    transaction: Callable[[], AbstractAsyncContextManager[BackfillStore]],
    *,
    organisation_id: uuid.UUID | None = None,
    progress: Callable[[int, int], None] | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> int:
    """One pass over every organisation (or one), from where the last completed pass of that
    scope started (less :data:`OVERLAP`); each page in a transaction of its own. Returns how
    many animals were read; ``progress(read, changed)`` is told after each page.
    """
    scope = ALL if organisation_id is None else str(organisation_id)
    started = clock()
    async with transaction() as store:
        since = await store.ledger.completed(scope)
    updated_since = None if since is None else since - OVERLAP
    after: uuid.UUID | None = None
    read = changed = 0
    while True:
        page = await source.page(
            after=after, updated_since=updated_since, organisation_id=organisation_id
        )
        async with transaction() as store:
            changed += await apply_page(store.animals, page.items)
            await store.commit()
        read += len(page.items)
        if progress is not None:
            progress(read, changed)
        if page.next_after is None:
            break
        after = page.next_after
    async with transaction() as store:
        await store.ledger.complete(scope, started, read)
        await store.commit()
    return read


async def needs_backfill(ledger: BackfillLedger, organisation_id: uuid.UUID) -> bool:
    """Whether no completed pass covers the organisation yet."""
    return (
        await ledger.completed(ALL) is None and await ledger.completed(str(organisation_id)) is None
    )
