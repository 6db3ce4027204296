"""The ports of the animals context: the repositories of animals, id codes, pairs and clutches,
husbandry logs, transfers and transfer offers, the units of work that hold them in one
transaction, the reads behind a lineage and the shared-animals listing, and the directory of
organisations (repti-core's).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from reptidex.domain.animals.breeding_model import BreedingPair, Clutch, PairStatus
from reptidex.domain.animals.model import Animal, AnimalSex, Status
from reptidex.domain.errors import FeatureUnavailable
from reptidex.domain.events import Outbox

if TYPE_CHECKING:  # these modules' use cases take the ports: importing them here would be a cycle
    from reptidex.domain.animals.husbandry import LogEntry
    from reptidex.domain.animals.lineage import LineageRecord
    from reptidex.domain.animals.shared import SharedAnimal
    from reptidex.domain.animals.stored_het_odds import StoredGeneOdds, StoredHetOdds
    from reptidex.domain.animals.transfer import Transfer
    from reptidex.domain.animals.transfer_offers import OfferStatus, TransferOffer

SortKey = Literal["code", "name", "species", "phenotype", "hatch_date", "created_at", "updated_at"]


@dataclass(frozen=True, slots=True)
class AnimalQuery:
    """Filters, order and page of a collection listing. Every filter narrows (AND).

    ``genes`` lists, per wanted gene, the allele ids it may mean; the animal must carry one of
    each (visually, as het or as possible het). ``traits``
    visual traits it must show; ``text`` matches code, name, morph or notes; ``clutch_id``
    the clutch it hatched from.
    """

    species: str | None = None
    sex: AnimalSex | None = None
    status: Status | None = None
    genes: tuple[tuple[str, ...], ...] = ()
    traits: tuple[str, ...] = ()
    tag: str | None = None
    text: str | None = None
    clutch_id: uuid.UUID | None = None
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

    async def offered_to(self, animal_id: uuid.UUID) -> uuid.UUID | None:
        """The organisation the animal's pending transfer offer is made to, if it has one."""

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


class BreedingRepository(Protocol):
    """Pairs and clutches of one organisation."""

    async def add_pair(self, pair: BreedingPair) -> BreedingPair:
        """Store a new pair."""

    async def get_pair(self, organisation_id: uuid.UUID, pair_id: uuid.UUID) -> BreedingPair | None:
        """The organisation's pair, if any."""

    async def update_pair(self, pair: BreedingPair) -> BreedingPair:
        """Store a changed pair."""

    async def find_pair(
        self, organisation_id: uuid.UUID, sire_id: uuid.UUID, dam_id: uuid.UUID, season: str
    ) -> BreedingPair | None:
        """The pair of these animals in this season, if any."""

    async def list_pairs(
        self, organisation_id: uuid.UUID, *, season: str | None, status: PairStatus | None
    ) -> list[BreedingPair]:
        """The organisation's pairs, newest first."""

    async def add_clutch(self, clutch: Clutch) -> Clutch:
        """Store a new clutch."""

    async def get_clutch(self, organisation_id: uuid.UUID, clutch_id: uuid.UUID) -> Clutch | None:
        """The organisation's clutch, if any."""

    async def update_clutch(self, clutch: Clutch) -> Clutch:
        """Store a changed clutch."""

    async def list_clutches(
        self, organisation_id: uuid.UUID, *, pair_id: uuid.UUID | None = None
    ) -> list[Clutch]:
        """The organisation's clutches (of one pair), newest first."""


class HusbandryLogs(Protocol):
    """Husbandry log entries."""

    async def add(self, entry: LogEntry) -> LogEntry:
        """Store an entry."""

    async def list(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID, kind: str | None
    ) -> list[LogEntry]:
        """An animal's entries, oldest first."""

    async def remove(self, organisation_id: uuid.UUID, entry_id: uuid.UUID) -> bool:
        """Delete an entry; whether it existed."""


class Transfers(Protocol):
    """Moving animals between organisations and the records of it."""

    async def move(self, animal: Animal, to_organisation_id: uuid.UUID, code: str) -> Animal:
        """Give the animal (and its logs) to another organisation under ``code``."""

    async def record(self, transfer: Transfer) -> None:
        """Keep a transfer record."""

    async def involving(self, organisation_id: uuid.UUID) -> list[Transfer]:
        """Transfers from or to the organisation, newest first."""

    async def by_reference(self, reference: str) -> Transfer | None:
        """The transfer made under ``reference``, if the transaction may see it."""


class TransferOffers(Protocol):
    """Transfer offers, as the transaction may see them (its organisation's, sent or received;
    every pending one for the expiry worker)."""

    async def add(self, offer: TransferOffer) -> None:
        """Store a new (pending) offer; :class:`~reptidex.domain.errors.Conflict` when the
        animal has a pending offer already."""

    async def get(self, offer_id: uuid.UUID) -> TransferOffer | None:
        """The offer with this id, if the transaction may see it."""

    async def pending_for(self, animal_id: uuid.UUID) -> TransferOffer | None:
        """The animal's pending offer, if any."""

    async def involving(
        self,
        organisation_id: uuid.UUID,
        *,
        incoming: bool | None = None,
        status: OfferStatus | None = None,
    ) -> list[TransferOffer]:
        """The offers the organisation sent or received (``incoming``: only those it
        received, or only those it sent), newest first."""

    async def settle(self, offer: TransferOffer) -> bool:
        """Store the offer's new status and decision time if it is still pending; whether it
        was (``False``: another answer came first)."""

    async def due(self, now: dt.datetime, limit: int) -> list[TransferOffer]:
        """Up to ``limit`` pending offers whose end is at or before ``now``, earliest first."""


class OrganisationsUnavailable(FeatureUnavailable):
    """The directory of organisations could not answer (HTTP 503): try again shortly."""


class OrganisationDirectory(Protocol):
    """Which organisations exist (repti-core keeps them)."""

    async def exists(self, organisation_id: uuid.UUID) -> bool:
        """Whether the organisation exists; :class:`OrganisationsUnavailable` when that cannot
        be known now."""


class LineageRecords(Protocol):
    """The read behind a lineage."""

    async def lineage_records(
        self,
        organisation_id: uuid.UUID | None,
        animal_id: uuid.UUID,
        *,
        ancestors: int,
        descendants: int,
    ) -> Sequence[LineageRecord]:
        """The animal with its ancestors and descendants to these depths, as the
        organisation may see them (``None``: a caller of no organisation, who sees only
        lineage-only and public animals); one query."""


class Families(Protocol):
    """The read behind het odds: an animal's whole recorded family."""

    async def family(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID, *, limit: int
    ) -> list[Animal]:
        """The animal and every relative connected to it by parent links (through parents
        and offspring, any number of links away) that the organisation may see (its own
        animals, other organisations' lineage-only and public ones; a hidden animal ends the
        walk there), at most ``limit`` animals; one query."""
        ...


class HetOddsStore(Protocol):
    """Every animal's kept het odds (:mod:`reptidex.domain.animals.stored_het_odds`) and the
    requests to compute them again, of the organisation the transaction is bound to (the
    upkeep worker alone sees every organisation's requests)."""

    async def for_animals(
        self, organisation_id: uuid.UUID, animal_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[StoredGeneOdds]]:
        """The kept odds of these animals of the organisation, by animal (an animal with
        none kept is left out), genes in catalog order; one query."""
        ...

    async def state_of(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID
    ) -> StoredHetOdds | None:
        """Everything kept of the animal's het odds (outcome, note, genes, a pending
        request), ``None`` when nothing was ever computed or asked."""
        ...

    async def replace(
        self,
        organisation_id: uuid.UUID,
        results: Sequence[StoredHetOdds],
        *,
        requested_before: dt.datetime,
    ) -> list[StoredHetOdds]:
        """Keep ``results`` (the organisation's animals of one family) instead of what was
        kept of them; clear their requests made at or before ``requested_before`` (a later
        one waits for the next computation). The results whose genes changed."""
        ...

    async def request(
        self, organisation_id: uuid.UUID, animal_ids: Sequence[uuid.UUID], at: dt.datetime
    ) -> None:
        """Ask for the odds of the families of these animals of the organisation to be
        computed again (an animal already asked keeps its earlier time, so repeated changes
        coalesce; ids of animals that no longer exist are skipped)."""
        ...

    async def request_relatives(
        self,
        organisation_id: uuid.UUID,
        animal_ids: Sequence[uuid.UUID],
        at: dt.datetime,
        *,
        limit: int,
    ) -> None:
        """Ask for the odds of the animals of other organisations connected to these
        animals by parent links (walked over every organisation's animals, at most ``limit``
        animals) to be computed again, as :meth:`request` does; it says nothing back, so the
        organisation learns nothing of the others' animals."""
        ...

    async def forget(self, organisation_id: uuid.UUID, animal_ids: Sequence[uuid.UUID]) -> None:
        """Drop what is kept of these animals of the organisation (an animal that left it)."""
        ...

    async def requested(self, before: dt.datetime, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Up to ``limit`` ``(organisation_id, animal_id)`` asked at or before ``before``,
        earliest first (the upkeep worker's read, of every organisation)."""
        ...


class SharedAnimals(Protocol):
    """The read behind the listing of shared (lineage-only and public) animals."""

    async def shared_page(
        self,
        *,
        after: uuid.UUID | None,
        limit: int,
        updated_since: dt.datetime | None,
        organisation_id: uuid.UUID | None,
    ) -> Sequence[SharedAnimal]:
        """Lineage-only and public animals with an id above ``after``, by id."""
        ...


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


class HusbandryUnitOfWork(AnimalUnitOfWork, Protocol):
    """The animal unit of work with husbandry logs."""

    @property
    def husbandry(self) -> HusbandryLogs:
        """The logs."""


class TransferUnitOfWork(HusbandryUnitOfWork, Protocol):
    """The unit of work with transfers."""

    @property
    def transfers(self) -> Transfers:
        """Transfers."""


class TransferOfferUnitOfWork(TransferUnitOfWork, Protocol):
    """The unit of work with transfers and transfer offers."""

    @property
    def transfer_offers(self) -> TransferOffers:
        """Transfer offers."""

    async def act_for(self, organisation_id: uuid.UUID) -> None:
        """Carry on this transaction as ``organisation_id`` (an accepted offer's sender, whose
        animal moves): what it reads and writes from now on is that organisation's."""


class HetOddsUnitOfWork(AnimalUnitOfWork, Protocol):
    """The animal unit of work with the family read of het odds."""

    @property
    def families(self) -> Families:
        """Whole recorded families."""


class StoredHetOddsUnitOfWork(HetOddsUnitOfWork, Protocol):
    """The het odds unit of work with the kept odds."""

    @property
    def het_odds(self) -> HetOddsStore:
        """Kept het odds and the requests to compute them again."""

    async def bind_organisation(self, organisation_id: uuid.UUID) -> None:
        """Carry on this transaction as ``organisation_id`` (the upkeep worker computes one
        organisation's families at a time)."""


class BreedingUnitOfWork(AnimalUnitOfWork, Protocol):
    """The animal unit of work with pairs and clutches."""

    @property
    def breeding(self) -> BreedingRepository:
        """Pairs and clutches."""

    @property
    def transfers(self) -> Transfers:
        """Transfers (where a pair's parent sold since is found)."""
