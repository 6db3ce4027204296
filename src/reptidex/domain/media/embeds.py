"""Embeddable widgets: what a third-party page may show, and the read model they show it from.

repti-media keeps its own copy of every animal's public summary and parent links, fed by
repti-animal's ``animal.*`` and ``lineage.changed`` events, so a widget on a breeder's website
never waits on repti-animal and never needs a user's token. Only public data leaves: an animal
that is not public renders as "not public"; a lineage-only ancestor shows its name and code in
a pedigree and nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from reptidex.domain.errors import InvalidInput
from reptidex.domain.pedigree import engine_pedigree
from reptidex.engine import pedigree as ped

WidgetType = Literal["profile", "pedigree", "available"]
WIDGET_TYPES: tuple[WidgetType, ...] = ("profile", "pedigree", "available")
FOR_SALE = "for_sale"
MAX_ALLOWED_DOMAINS = 20
MAX_WIDGET_GENERATIONS = 5


@dataclass(frozen=True, slots=True)
class WidgetOption:
    """One option of a widget, as the catalog documents it."""

    name: str
    description: str
    values: str
    default: str


@dataclass(frozen=True, slots=True)
class WidgetKind:
    """A widget type: what it shows, of what subject, with which options."""

    type: WidgetType
    title: str
    description: str
    subject: Literal["animal", "organisation"]
    options: tuple[WidgetOption, ...]


_LOOK = (
    WidgetOption("theme", "Colours", "light | dark", "light"),
    WidgetOption("accent", "Accent colour", "rrggbb", "2f7d4f"),
)

WIDGETS: Mapping[str, WidgetKind] = {
    "profile": WidgetKind(
        "profile",
        "Profile card",
        "An animal's public profile: photo, name, code, species, sex, morph, status.",
        "animal",
        _LOOK,
    ),
    "pedigree": WidgetKind(
        "pedigree",
        "Pedigree tree",
        "An animal's ancestors with the inbreeding coefficient, stacked to fit a phone.",
        "animal",
        (
            WidgetOption("generations", "Generations shown", f"1-{MAX_WIDGET_GENERATIONS}", "3"),
            *_LOOK,
        ),
    ),
    "available": WidgetKind(
        "available",
        "Available animals",
        "A breeder's public animals marked for sale.",
        "organisation",
        (WidgetOption("limit", "Most animals listed", "1-50", "12"), *_LOOK),
    ),
}
"""The widget catalog."""


@dataclass(frozen=True, slots=True)
class PublicAnimal:
    """repti-media's copy of an animal's summary (from repti-animal's events)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    code: str
    name: str | None
    species: str
    sex: str
    phenotype: str
    status: str
    visibility: str
    sire_id: uuid.UUID | None = None
    dam_id: uuid.UUID | None = None

    @property
    def is_public(self) -> bool:
        """Whether its profile may be shown anywhere."""
        return self.visibility == "public"

    @property
    def in_lineage(self) -> bool:
        """Whether its name may appear in another animal's pedigree."""
        return self.visibility in ("public", "lineage_only")

    @property
    def label(self) -> str:
        """Name, else code."""
        return self.name or self.code


@dataclass(frozen=True, slots=True)
class PedigreeEntry:
    """One position of a widget's pedigree: nothing (unknown), "not public", or the animal
    (``full`` False: a lineage-only ancestor, name and code only)."""

    position: int
    generation: int
    line: str
    repeat_of: int | None
    animal: PublicAnimal | None
    full: bool

    @property
    def hidden(self) -> bool:
        """Whether it shows as "not public"."""
        return self.animal is None


@dataclass(frozen=True, slots=True)
class WidgetPedigree:
    """A public pedigree: positions, and F from the parent links media knows."""

    root: PublicAnimal
    generations: int
    entries: tuple[PedigreeEntry, ...]
    coefficient: float


@dataclass(frozen=True, slots=True)
class EmbedSettings:
    """An organisation's embedding rules: the sites allowed to show its widgets (none: any)."""

    organisation_id: uuid.UUID
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)

    def allows(self, origin: str | None) -> bool:
        """Whether a page of ``origin`` may embed or fetch the widgets.

        >>> rules = EmbedSettings(uuid.UUID(int=1), ("https://example.com", "https://*.reptiles.test"))
        >>> rules.allows("https://example.com"), rules.allows("https://shop.reptiles.test")
        (True, True)
        >>> rules.allows("https://evil.test"), EmbedSettings(uuid.UUID(int=1)).allows("https://x.y")
        (False, True)
        """
        if not self.allowed_origins:
            return True
        if not origin:
            return False
        origin = origin.rstrip("/").lower()
        for allowed in self.allowed_origins:
            if "*." in allowed:
                scheme, _, host = allowed.partition("://*.")
                parts = urlsplit(origin)
                if parts.scheme == scheme and (parts.netloc or "").endswith("." + host):
                    return True
            elif origin == allowed:
                return True
        return False


_ORIGIN = re.compile(
    r"^https?://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$"
)


def checked_origins(values: Sequence[str]) -> tuple[str, ...]:
    """Origins as ``https://host[:port]`` (``*.`` before the host allows its subdomains).

    >>> checked_origins(["https://Example.com/", "http://localhost:8080"])
    ('https://example.com', 'http://localhost:8080')
    >>> checked_origins(["javascript:alert(1)"])
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: 'javascript:alert(1)' is not an origin such as https://example.com
    """
    if len(values) > MAX_ALLOWED_DOMAINS:
        raise InvalidInput(
            f"At most {MAX_ALLOWED_DOMAINS} allowed origins.",
            field_errors={"allowed_origins": f"at most {MAX_ALLOWED_DOMAINS}"},
        )
    found: list[str] = []
    for index, value in enumerate(values):
        origin = value.strip().rstrip("/").lower()
        if not _ORIGIN.match(origin):
            raise InvalidInput(
                f"{value!r} is not an origin such as https://example.com",
                field_errors={f"allowed_origins[{index}]": "expected https://host[:port]"},
            )
        if origin not in found:
            found.append(origin)
    return tuple(found)


class PublicAnimals(Protocol):
    """The read model of animals (fed by events)."""

    async def get(self, animal_id: uuid.UUID) -> PublicAnimal | None:
        """An animal by id."""
        ...

    async def many(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, PublicAnimal]:
        """Animals by id (missing ones absent)."""
        ...

    async def upsert_summary(self, summary: PublicAnimal, at: dt.datetime | None = None) -> bool:
        """Store an animal's summary as of ``at``, keeping its known parents; older news than
        the stored summary, or news of a deleted animal, is ignored (``False``)."""
        ...

    async def set_parents(
        self,
        animal_id: uuid.UUID,
        sire_id: uuid.UUID | None,
        dam_id: uuid.UUID | None,
        at: dt.datetime | None = None,
    ) -> bool:
        """Record an animal's parents as of ``at`` (creating a placeholder row when its
        summary is yet to come); older news is ignored."""
        ...

    async def remove(self, animal_id: uuid.UUID, at: dt.datetime | None = None) -> None:
        """Forget an animal for good (a tombstone: no older news brings it back)."""
        ...

    async def count(self, organisation_id: uuid.UUID) -> int:
        """How many animals of the organisation are known."""
        ...

    async def for_sale(self, organisation_id: uuid.UUID, limit: int) -> list[PublicAnimal]:
        """The organisation's public animals marked for sale, by name."""
        ...


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return None if value in (None, "") else uuid.UUID(str(value))
    except ValueError:
        return None


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
        await animals.upsert_summary(
            PublicAnimal(
                id=animal_id,
                organisation_id=organisation_id,
                code=str(payload.get("code") or ""),
                name=payload.get("name"),
                species=str(payload.get("species") or ""),
                sex=str(payload.get("sex") or "unknown"),
                phenotype=str(payload.get("phenotype") or ""),
                status=str(payload.get("status") or ""),
                visibility=str(payload.get("visibility") or "private"),
            ),
            occurred_at,
        )


async def public_pedigree(
    animals: PublicAnimals, root: PublicAnimal, generations: int
) -> WidgetPedigree:
    """The pedigree of a public animal as a widget may show it."""
    known: dict[uuid.UUID, PublicAnimal] = {root.id: root}
    frontier = [root]
    for _ in range(generations):
        wanted = [
            p for a in frontier for p in (a.sire_id, a.dam_id) if p is not None and p not in known
        ]
        if not wanted:
            break
        found = await animals.many(list(dict.fromkeys(wanted)))
        known.update(found)
        frontier = list(found.values())
    # a parent not found (beyond the depth, or not in this copy) is no position of the tree
    pedigree = engine_pedigree(list(known.values()), unread_parents="unknown")
    tree = ped.pedigree_tree(pedigree, str(root.id), generations)
    coefficient = float(ped.inbreeding(pedigree)[str(root.id)])
    entries = []
    for node in tree.nodes:
        animal = known[uuid.UUID(node.id)]
        shown = animal if animal.in_lineage else None
        entries.append(
            PedigreeEntry(
                node.position,
                node.generation,
                node.line,
                node.repeat_of,
                shown,
                shown is not None and animal.is_public,
            )
        )
    return WidgetPedigree(root, generations, tuple(entries), coefficient)
