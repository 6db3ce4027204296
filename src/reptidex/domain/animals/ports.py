"""The ports the animal use cases need: repositories, the id-code counter, the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from reptidex.domain.animals.model import Animal, AnimalSex, Status
from reptidex.domain.events import Outbox

SortKey = Literal["code", "name", "species", "phenotype", "hatch_date", "created_at", "updated_at"]


@dataclass(frozen=True, slots=True)
class AnimalQuery:
    """Filters, order and page of a collection listing. Every filter narrows (AND).

    ``genes`` lists, per wanted gene, the allele ids it may mean; the animal must carry one of
    each (visually, as het or as possible het). ``traits``
    visual traits it must show; ``text`` matches code, name, morph or notes.
    """

    species: str | None = None
    sex: AnimalSex | None = None
    status: Status | None = None
    genes: tuple[tuple[str, ...], ...] = ()
    traits: tuple[str, ...] = ()
    tag: str | None = None
    text: str | None = None
    sort: SortKey = "created_at"
    descending: bool = False
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class BreedingReference:
    """A breeding pair or clutch of the organisation that names an animal (as sire or dam)."""

    kind: Literal["pair", "clutch"]
    id: uuid.UUID
    season: str


class AnimalRepository(Protocol):
    """Animals as stored. Reads and writes are of one organisation unless said otherwise."""

    async def get(self, organisation_id: uuid.UUID, animal_id: uuid.UUID) -> Animal | None:
        """The organisation's animal with this id, if any."""

    async def get_public(self, animal_id: uuid.UUID) -> Animal | None:
        """The animal with this id if its visibility is public, of any organisation."""

    async def breeding_references(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID
    ) -> list[BreedingReference]:
        """The organisation's pairs and clutches with this animal as sire or dam."""

    async def add(self, animal: Animal) -> Animal:
        """Store a new animal (with its timestamps set); :class:`Conflict` on a taken code."""

    async def update(self, animal: Animal) -> Animal:
        """Store a changed animal; :class:`Conflict` on a taken code."""

    async def remove(self, animal: Animal) -> None:
        """Delete an animal."""

    async def search(
        self, organisation_id: uuid.UUID, query: AnimalQuery
    ) -> tuple[list[Animal], int]:
        """One page of the organisation's animals matching ``query``, and the total count."""

    async def get_by_codes(
        self, organisation_id: uuid.UUID, codes: Sequence[str]
    ) -> dict[str, Animal]:
        """The organisation's animals with these codes, by code."""

    async def in_clutches(
        self, organisation_id: uuid.UUID, clutch_ids: Sequence[uuid.UUID]
    ) -> list[Animal]:
        """The organisation's animals hatched from these clutches."""

    async def code_taken(
        self, organisation_id: uuid.UUID, code: str, *, other_than: uuid.UUID | None = None
    ) -> bool:
        """Whether another animal of the organisation already has ``code``."""

    async def has_offspring(self, animal_id: uuid.UUID) -> bool:
        """Whether any animal (of any organisation) has this one as a parent."""

    async def pedigree(
        self, roots: Sequence[uuid.UUID], *, ancestors: int, descendants: int
    ) -> list[Animal]:
        """The roots, their ancestors up to ``ancestors`` generations and descendants up to
        ``descendants`` generations, across organisations (callers hide what is private), in
        ONE query."""


class IdCodes(Protocol):
    """Each organisation's id-code template and its running number."""

    async def template(self, organisation_id: uuid.UUID) -> str | None:
        """The organisation's template, ``None`` for the default."""

    async def set_template(self, organisation_id: uuid.UUID, template: str) -> None:
        """Change the template (the running number carries on)."""

    async def next_number(self, organisation_id: uuid.UUID) -> int:
        """Take the next running number (1, 2, …), atomically."""


class AnimalUnitOfWork(Protocol):
    """What one animal use case works with, all inside one transaction."""

    @property
    def animals(self) -> AnimalRepository:
        """The animals."""

    @property
    def codes(self) -> IdCodes:
        """The id codes."""

    @property
    def outbox(self) -> Outbox:
        """Where events are staged."""

    async def commit(self) -> None:
        """Make the changes and the staged events durable, together. A use case that writes
        commits once, at its end; what it has not committed is rolled back."""
