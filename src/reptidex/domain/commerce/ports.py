"""The ports of the commerce context: the repositories of listings, orders, ledger postings and
idempotency keys, the unit of work that holds them in one transaction, and the catalogue of the
sellers' animals (repti-animal)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from reptidex.domain.commerce.ledger import Posting
from reptidex.domain.commerce.listing_model import AnimalSnapshot, Listing, ListingState
from reptidex.domain.commerce.order_model import Order, OrderState, OrderStep, Party
from reptidex.domain.errors import FeatureUnavailable
from reptidex.domain.events import Outbox

if TYPE_CHECKING:
    from reptidex.domain.commerce.ownership import OwnershipTransfers
    from reptidex.domain.commerce.pedigree_odds import HetOddsChange, PedigreeOdds

ListingSort = Literal["newest", "price", "-price", "ending_soon"]
Zygosity = Literal["any", "visual", "het", "possible_het"]


@dataclass(frozen=True, slots=True)
class ListingRenderer:
    """How the service renders a listing's public document (the bytes of its JSON), and the
    tag that tells this renderer's documents from another release's."""

    render: Callable[[Listing], bytes]
    tag: str


@dataclass(frozen=True, slots=True)
class ListingQuery:
    """Filters, order and page of the public marketplace. Every filter narrows (AND).

    ``gene`` (a :func:`~reptidex.domain.commerce.listing_model.gene_key`) with ``zygosity``:
    the animal shows the gene (``visual``), certainly carries it (``het``), may carry it
    (``possible_het``) or any of these (``any``). ``text`` matches title or description.
    """

    now: dt.datetime
    species: str | None = None
    gene: str | None = None
    zygosity: Zygosity = "any"
    sex: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    currency: str | None = None
    seller: uuid.UUID | None = None
    country: str | None = None
    shipping_available: bool | None = None
    text: str | None = None
    sort: ListingSort = "newest"
    limit: int = 50
    offset: int = 0


class Listings(Protocol):
    """Listings as stored; reads see what the transaction's organisation may see."""

    async def get(self, listing_id: uuid.UUID) -> Listing | None:
        """The listing with this id, if the transaction may see it."""

    async def add(self, listing: Listing) -> Listing:
        """Store a new listing."""

    async def update(self, listing: Listing) -> Listing:
        """Store a changed listing whose :attr:`~Listing.version` is the stored one's; return it
        with the next version. :class:`~reptidex.domain.errors.Conflict` when the stored
        listing changed since it was read (another order or edit came first)."""

    async def remove(self, listing: Listing) -> None:
        """Delete a listing."""

    async def search(self, query: ListingQuery) -> tuple[list[Listing], int]:
        """One page of the open listings (available, not past their end) matching ``query``,
        and the total count."""

    async def search_documents(
        self, query: ListingQuery, *, counted: bool = True
    ) -> tuple[list[bytes], int | None]:
        """The page of :meth:`search` as each listing's public document (the bytes of its
        JSON, as the service renders it), and the total count (``None`` unless
        ``counted``)."""

    async def prices(
        self, query: ListingQuery, at_most: int
    ) -> list[tuple[int, dt.datetime | None]]:
        """The price and end of every available listing matching ``query``'s filters but its
        price bounds (``query`` has no text), cheapest first, at most ``at_most`` of them:
        what the totals of searches that differ only in their price bounds are counted
        from."""

    async def next_end(self, after: dt.datetime) -> dt.datetime | None:
        """The earliest end after ``after`` of an available listing (``None``: none ends): until
        then, time alone changes no search's results."""

    async def of_seller(
        self,
        organisation_id: uuid.UUID,
        state: ListingState | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Listing], int]:
        """One page of the organisation's own listings (newest first), and the total."""

    async def current_for_animal(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID
    ) -> Listing | None:
        """The organisation's listing of the animal that is neither sold nor expired, if any."""

    async def by_external_refs(
        self, organisation_id: uuid.UUID, refs: Sequence[str]
    ) -> list[Listing]:
        """The organisation's listings imported under any of ``refs`` (in any state)."""


class Orders(Protocol):
    """Orders and their history; reads see the orders the organisation is party to."""

    async def get(self, order_id: uuid.UUID) -> Order | None:
        """The order, if the transaction may see it."""

    async def add(self, order: Order) -> Order:
        """Store a new order; :class:`~reptidex.domain.errors.Conflict` when the listing
        already has an active order."""

    async def update(self, order: Order) -> Order:
        """Store a changed order (compare-and-set on the version, as for listings)."""

    async def record(self, step: OrderStep) -> None:
        """Keep a step of an order's history."""

    async def history(self, order_id: uuid.UUID) -> list[OrderStep]:
        """The order's steps, oldest first."""

    async def active_for_listing(self, listing_id: uuid.UUID) -> Order | None:
        """The listing's pending, paid or handed-over order, if the transaction sees one."""

    async def of_organisation(
        self,
        organisation_id: uuid.UUID,
        party: Party | None,
        state: OrderState | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Order], int]:
        """One page of the orders the organisation is party to (newest first), and the total."""


class LedgerEntries(Protocol):
    """The ledger's postings."""

    async def post(self, posting: Posting) -> None:
        """Store a balanced posting (all its entries)."""

    async def of_order(self, order_id: uuid.UUID) -> list[Posting]:
        """The order's postings, oldest first."""


@dataclass(frozen=True, slots=True)
class KeptRequest:
    """A request kept under an idempotency key: its fingerprint and the order it made."""

    key: str
    fingerprint: str
    order_id: uuid.UUID


class IdempotencyKeys(Protocol):
    """The ``Idempotency-Key`` of each organisation's order requests."""

    async def get(self, organisation_id: uuid.UUID, key: str) -> KeptRequest | None:
        """The request kept under the organisation's key, if any."""

    async def keep(self, organisation_id: uuid.UUID, request: KeptRequest) -> None:
        """Keep a request; :class:`~reptidex.domain.errors.Conflict` when the key is taken
        (by a request running at the same time)."""


class KeptHetOdds(Protocol):
    """The animals' pedigree carrier odds as repti-animal last announced them, kept per
    animal so that a listing made later shows them too."""

    async def get(self, organisation_id: uuid.UUID, animal_id: uuid.UUID) -> PedigreeOdds | None:
        """The odds kept for the organisation's animal, if any."""
        ...

    async def keep(self, change: HetOddsChange) -> None:
        """Keep the change's odds for its animal, in place of any kept before."""
        ...


class CommerceUnitOfWork(Protocol):
    """What one commerce use case works with, all inside one transaction."""

    @property
    def listings(self) -> Listings:
        """The listings."""

    @property
    def orders(self) -> Orders:
        """The orders."""

    @property
    def ledger(self) -> LedgerEntries:
        """The ledger."""

    @property
    def idempotency(self) -> IdempotencyKeys:
        """The idempotency keys."""

    @property
    def ownership(self) -> OwnershipTransfers:
        """The requests to transfer sold animals to their buyers."""

    @property
    def het_odds(self) -> KeptHetOdds:
        """The animals' pedigree carrier odds."""

    @property
    def outbox(self) -> Outbox:
        """Where events are staged."""

    async def commit(self) -> None:
        """Make the changes and the staged events durable, together."""


@dataclass(frozen=True, slots=True)
class CatalogueAnimal:
    """An animal as the seller's collection holds it: whose it is, its status and snapshot."""

    organisation_id: uuid.UUID
    status: str
    snapshot: AnimalSnapshot


class AnimalCatalogue(Protocol):
    """The sellers' animals (repti-animal's collection)."""

    async def animal(self, animal_id: uuid.UUID, *, credential: str | None) -> CatalogueAnimal:
        """The animal as the holder of ``credential`` (the seller's token) sees it;
        :class:`~reptidex.domain.errors.NotFound` when it is not theirs to see,
        :class:`AnimalsUnavailable` when the collection cannot be reached."""
        ...


class AnimalsUnavailable(FeatureUnavailable):
    """The animal collection could not be read (down, slow, or an unreadable answer): 503."""
