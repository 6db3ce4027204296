"""Animals other organisations may see (``lineage_only`` and ``public``), listed page by page
for other services' read models (repti-media's widgets).

Pages are keyed by id (``after``: the last id of the previous page) so that a listing stays
stable while animals change; ``updated_since`` lists only what changed since a moment, for a
catch-up after a full pass.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from reptidex.domain.animals.model import PossibleHetShare
from reptidex.domain.animals.ports import SharedAnimals
from reptidex.domain.errors import InvalidInput

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class SharedAnimal:
    """An animal's public summary, its parent links and when it last changed; for a public
    animal also what it carries (``hets``, ``possible_hets``), as its public profile shows it
    (``None`` for a lineage-only one: not shown)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    code: str
    name: str | None
    species: str
    sex: str
    phenotype: str
    status: str
    visibility: str
    sire_id: uuid.UUID | None
    dam_id: uuid.UUID | None
    updated_at: dt.datetime
    hets: tuple[str, ...] | None = None
    possible_hets: tuple[PossibleHetShare, ...] | None = None


@dataclass(frozen=True, slots=True)
class SharedPage:
    """One page, and the ``after`` of the next one (``None``: the last page)."""

    items: tuple[SharedAnimal, ...]
    next_after: uuid.UUID | None


async def shared_animals(
    source: SharedAnimals,
    *,
    after: uuid.UUID | None = None,
    limit: int = 200,
    updated_since: dt.datetime | None = None,
    organisation_id: uuid.UUID | None = None,
) -> SharedPage:
    """A page of the animals other organisations may see. Raises :class:`InvalidInput` for a
    ``limit`` outside 1..500 or an ``updated_since`` without a time zone."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_PAGE}.",
            field_errors={"limit": f"between 1 and {MAX_PAGE}"},
        )
    if updated_since is not None and updated_since.utcoffset() is None:
        raise InvalidInput(
            "updated_since needs a time zone (e.g. 2026-01-01T00:00:00Z).",
            field_errors={"updated_since": "with a time zone"},
        )
    items = tuple(
        await source.shared_page(
            after=after,
            limit=limit,
            updated_since=updated_since,
            organisation_id=organisation_id,
        )
    )
    return SharedPage(items, items[-1].id if len(items) == limit else None)
