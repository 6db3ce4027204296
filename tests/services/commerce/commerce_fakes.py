"""In-memory fakes of the commerce ports: one unit of work whose repositories hold what was
committed, so that a use case's test needs no database (a failing use case commits nothing)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from reptidex.domain.audit import AUDIT_EVENT, AuditRecord, record_of
from reptidex.domain.commerce.ledger import Posting
from reptidex.domain.commerce.listing_model import Listing, ListingState
from reptidex.domain.commerce.order_model import Order, OrderState, OrderStep, Party
from reptidex.domain.commerce.ownership import OwnershipTransfer, TransferStatus
from reptidex.domain.commerce.pedigree_odds import HetOddsChange, PedigreeOdds
from reptidex.domain.commerce.ports import KeptRequest, ListingQuery
from reptidex.domain.errors import Conflict
from reptidex.domain.events import DomainEvent


@dataclass
class Store:
    """What is committed."""

    listings: dict[uuid.UUID, Listing] = field(default_factory=dict)
    orders: dict[uuid.UUID, Order] = field(default_factory=dict)
    steps: list[OrderStep] = field(default_factory=list)
    postings: list[Posting] = field(default_factory=list)
    keys: dict[tuple[uuid.UUID, str], KeptRequest] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)
    transfers: dict[uuid.UUID, OwnershipTransfer] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    """The audit records staged beside the events (``audit.recorded``), kept apart."""
    het_odds: dict[tuple[uuid.UUID, uuid.UUID], PedigreeOdds] = field(default_factory=dict)

    def copy(self) -> Store:
        return Store(
            dict(self.listings), dict(self.orders), list(self.steps), list(self.postings),
            dict(self.keys), list(self.events), dict(self.transfers), list(self.audit),
            dict(self.het_odds),
        )  # fmt: skip


class FakeListings:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, listing_id: uuid.UUID) -> Listing | None:
        return self.store.listings.get(listing_id)

    async def add(self, listing: Listing) -> Listing:
        self.store.listings[listing.id] = listing
        return listing

    async def update(self, listing: Listing) -> Listing:
        stored = self.store.listings[listing.id]
        if stored.version != listing.version:
            raise Conflict("The listing changed meanwhile.")
        listing = dataclasses.replace(listing, version=listing.version + 1)
        self.store.listings[listing.id] = listing
        return listing

    async def remove(self, listing: Listing) -> None:
        del self.store.listings[listing.id]

    async def search(self, query: ListingQuery) -> tuple[list[Listing], int]:
        found = [x for x in self.store.listings.values() if x.is_open(query.now)]
        return found[query.offset : query.offset + query.limit], len(found)

    async def search_documents(
        self, query: ListingQuery, *, counted: bool = True
    ) -> tuple[list[bytes], int | None]:
        found, total = await self.search(query)
        return [msgspec.json.encode({"id": x.id, "title": x.title}) for x in found], (
            total if counted else None
        )

    async def prices(
        self, query: ListingQuery, at_most: int
    ) -> list[tuple[int, dt.datetime | None]]:
        found = [
            (x.price.amount, x.expires_at)
            for x in self.store.listings.values()
            if x.status is ListingState.AVAILABLE
        ]
        return sorted(found, key=lambda row: row[0])[:at_most]

    async def next_end(self, after: dt.datetime) -> dt.datetime | None:
        ends = [
            x.expires_at
            for x in self.store.listings.values()
            if x.status is ListingState.AVAILABLE and x.expires_at and x.expires_at > after
        ]
        return min(ends, default=None)

    async def of_seller(
        self, organisation_id: uuid.UUID, state: ListingState | None, limit: int, offset: int
    ) -> tuple[list[Listing], int]:
        found = [
            x
            for x in self.store.listings.values()
            if x.organisation_id == organisation_id and state in (None, x.status)
        ]
        return found[offset : offset + limit], len(found)

    async def current_for_animal(
        self, organisation_id: uuid.UUID, animal_id: uuid.UUID
    ) -> Listing | None:
        for x in self.store.listings.values():
            if (x.organisation_id, x.animal.animal_id) == (organisation_id, animal_id) and (
                x.status not in (ListingState.SOLD, ListingState.EXPIRED)
            ):
                return x
        return None

    async def by_external_refs(
        self, organisation_id: uuid.UUID, refs: Sequence[str]
    ) -> list[Listing]:
        wanted = set(refs)
        return [
            x
            for x in self.store.listings.values()
            if x.organisation_id == organisation_id and x.external_ref in wanted
        ]


class FakeOrders:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, order_id: uuid.UUID) -> Order | None:
        return self.store.orders.get(order_id)

    async def add(self, order: Order) -> Order:
        if await self.active_for_listing(order.listing_id):
            raise Conflict("Another order holds this listing.")
        self.store.orders[order.id] = order
        return order

    async def update(self, order: Order) -> Order:
        if self.store.orders[order.id].version != order.version:
            raise Conflict("The order changed meanwhile.")
        order = dataclasses.replace(order, version=order.version + 1)
        self.store.orders[order.id] = order
        return order

    async def record(self, step: OrderStep) -> None:
        self.store.steps.append(step)

    async def history(self, order_id: uuid.UUID) -> list[OrderStep]:
        return [s for s in self.store.steps if s.order_id == order_id]

    async def active_for_listing(self, listing_id: uuid.UUID) -> Order | None:
        for order in self.store.orders.values():
            if order.listing_id == listing_id and order.is_active:
                return order
        return None

    async def of_organisation(
        self,
        organisation_id: uuid.UUID,
        party: Party | None,
        state: OrderState | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Order], int]:
        found = [
            o
            for o in self.store.orders.values()
            if o.party_of(organisation_id) in ({party} if party else {Party.BUYER, Party.SELLER})
            and state in (None, o.status)
        ]
        return found[offset : offset + limit], len(found)


class FakeLedger:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def post(self, posting: Posting) -> None:
        self.store.postings.append(posting)

    async def of_order(self, order_id: uuid.UUID) -> list[Posting]:
        return [p for p in self.store.postings if p.order_id == order_id]


class FakeKeys:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, organisation_id: uuid.UUID, key: str) -> KeptRequest | None:
        return self.store.keys.get((organisation_id, key))

    async def keep(self, organisation_id: uuid.UUID, request: KeptRequest) -> None:
        if (organisation_id, request.key) in self.store.keys:
            raise Conflict("The key is taken.")
        self.store.keys[(organisation_id, request.key)] = request


class FakeOwnership:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, request: OwnershipTransfer) -> None:
        assert request.order_id not in self.store.transfers
        self.store.transfers[request.order_id] = request

    async def get(self, order_id: uuid.UUID) -> OwnershipTransfer | None:
        return self.store.transfers.get(order_id)

    async def due(self, now: dt.datetime, limit: int) -> list[OwnershipTransfer]:
        due = [
            r
            for r in self.store.transfers.values()
            if r.status is TransferStatus.PENDING
            and r.next_attempt_at is not None
            and r.next_attempt_at <= now
        ]
        return sorted(due, key=lambda r: r.requested_at)[:limit]

    async def save(self, request: OwnershipTransfer) -> None:
        self.store.transfers[request.order_id] = request


class FakeHetOdds:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, organisation_id: uuid.UUID, animal_id: uuid.UUID) -> PedigreeOdds | None:
        return self.store.het_odds.get((organisation_id, animal_id))

    async def keep(self, change: HetOddsChange) -> None:
        self.store.het_odds[(change.organisation_id, change.animal_id)] = change.odds


class FakeOutbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, event: DomainEvent) -> None:
        if event.type == AUDIT_EVENT:
            self.store.audit.append(record_of(event))
        else:
            self.store.events.append(event)


class FakeUnitOfWork:
    """A transaction on a copy of the committed store: :meth:`commit` makes it the store."""

    def __init__(self, committed: Store) -> None:
        self.committed = committed
        self.working = committed.copy()
        self.commits = 0
        self.listings = FakeListings(self.working)
        self.orders = FakeOrders(self.working)
        self.ledger = FakeLedger(self.working)
        self.idempotency = FakeKeys(self.working)
        self.ownership = FakeOwnership(self.working)
        self.het_odds = FakeHetOdds(self.working)
        self.outbox = FakeOutbox(self.working)

    async def commit(self) -> None:
        self.commits += 1
        self.committed.__dict__.update(self.working.copy().__dict__)
