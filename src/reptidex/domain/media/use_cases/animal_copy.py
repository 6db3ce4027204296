"""Keeping repti-media's copy of animals (what widgets show): from repti-animal's events, and
backfilled from its listing for animals whose events media never received (created before it
first ran, or while it was down).

What an animal carries (hets, possible hets) is kept for public animals only. News that says
nothing of it (an event from before ``animal.*`` carried the genotype, a listing from a
repti-animal that does not list it) keeps what the copy holds.

Each row keeps when its summary and its parent links last changed (an event's time, the
listing's ``updated_at``): events and a pass may interleave in any order, the newer news wins
and a deleted animal stays deleted (see :class:`~reptidex.domain.media.ports.PublicAnimals`).
A pass pages through repti-animal's lineage-only and public animals (by id), each page in one
transaction; a completed pass is recorded with the moment it started, so that the next one asks
only for what changed since.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from fractions import Fraction
from typing import Any

from reptidex.domain.media.embeds import PossibleHet, PublicAnimal
from reptidex.domain.media.ports import (
    BackfillLedger,
    BackfillStore,
    PublicAnimals,
    SharedAnimal,
    SharedAnimalSource,
)

ALL = "all"
"""The scope of a pass over every organisation."""
OVERLAP = dt.timedelta(minutes=5)
"""How far before the previous pass's start a catch-up asks (clock skew, slow commits)."""


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return None if value in (None, "") else uuid.UUID(str(value))
    except ValueError:
        return None


def _hets(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(h for h in value if isinstance(h, str) and h)


def _possible_het(entry: Any) -> PossibleHet | None:
    """``[gene, "2/3"]`` as repti-animal announces it; anything else is ``None``."""
    if not isinstance(entry, list | tuple) or len(entry) != 2:
        return None
    gene, probability = entry
    try:
        value = Fraction(str(probability))
    except (ValueError, ZeroDivisionError):
        return None
    if not isinstance(gene, str) or not gene or not 0 < value < 1:
        return None
    return PossibleHet(gene, value)


def _possible_hets(value: Any) -> tuple[PossibleHet, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(h for h in map(_possible_het, value) if h is not None)


async def _carrying(animals: PublicAnimals, summary: PublicAnimal, *, told: bool) -> PublicAnimal:
    """The summary to store: what it carries as told, or (``told`` false) as the copy holds
    it; nothing for an animal that is not public."""
    if not summary.is_public:
        return replace(summary, hets=(), possible_hets=())
    if told:
        return summary
    known = await animals.get(summary.id)
    if known is None:
        return summary
    return replace(summary, hets=known.hets, possible_hets=known.possible_hets)


async def apply_animal_event(
    animals: PublicAnimals,
    event_type: str,
    payload: Mapping[str, Any],
    organisation_id: uuid.UUID | None,
    occurred_at: dt.datetime | None = None,
) -> None:
    """Update the read model from ``animal.created|updated|deleted|transferred`` or
    ``lineage.changed`` that happened at ``occurred_at`` (news older than what the model holds,
    e.g. from a backfill that read later, is ignored)."""
    animal_id = _uuid(payload.get("animal_id"))
    if animal_id is None:
        return
    if event_type == "animal.deleted":
        await animals.remove(animal_id, occurred_at)
    elif event_type == "animal.transferred":
        # The new owner's summary comes with its next animal.updated; until then the animal is
        # under its new organisation and code, and not listed as available (status unknown).
        current = await animals.get(animal_id)
        to_organisation = _uuid(payload.get("to_organisation_id"))
        if current is not None and to_organisation is not None:
            await animals.upsert_summary(
                replace(
                    current,
                    organisation_id=to_organisation,
                    code=str(payload.get("code") or current.code),
                    status="",
                ),
                occurred_at,
            )
    elif event_type == "lineage.changed":
        await animals.set_parents(
            animal_id, _uuid(payload.get("sire_id")), _uuid(payload.get("dam_id")), occurred_at
        )
    elif event_type in ("animal.created", "animal.updated") and organisation_id is not None:
        summary = PublicAnimal(
            id=animal_id,
            organisation_id=organisation_id,
            code=str(payload.get("code") or ""),
            name=payload.get("name"),
            species=str(payload.get("species") or ""),
            sex=str(payload.get("sex") or "unknown"),
            phenotype=str(payload.get("phenotype") or ""),
            status=str(payload.get("status") or ""),
            visibility=str(payload.get("visibility") or "private"),
            hets=_hets(payload.get("hets")),
            possible_hets=_possible_hets(payload.get("possible_hets")),
        )
        # events since 2026-12-06 carry the genotype; older ones lack both fields
        told = "hets" in payload or "possible_hets" in payload
        await animals.upsert_summary(await _carrying(animals, summary, told=told), occurred_at)


async def apply_page(animals: PublicAnimals, items: Sequence[SharedAnimal]) -> int:
    """Upsert a page (summary and parents, each as of the animal's ``updated_at``); returns
    how many animals changed the read model."""
    changed = 0
    for item in items:
        summary = await _carrying(animals, item.summary, told=item.genetics_listed)
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
