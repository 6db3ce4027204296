"""The ports of the inventory: supplies, reservations, a breeder's listings by state, and the
unit of work that holds them in one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Literal, Protocol

from reptidex.domain.commerce.listing_model import Listing, ListingState
from reptidex.domain.commerce.supply_model import (
    Reservation,
    ReservationStatus,
    Stock,
    StockChange,
    Supply,
    SupplyKind,
)
from reptidex.domain.events import Outbox

Side = Literal["buyer", "seller"]


class Supplies(Protocol):
    """The supplies; anyone reads them (a public catalogue), a seller writes its own."""

    async def get(self, supply_id: uuid.UUID) -> Supply | None:
        """The supply, if there is one."""

    async def add(self, supply: Supply) -> Supply:
        """Store a new supply; :class:`~reptidex.domain.errors.Conflict` when the seller
        already has one with its SKU."""

    async def describe(self, supply: Supply) -> None:
        """Store a supply's name, kind, SKU and unit price (never its counts);
        :class:`~reptidex.domain.errors.Conflict` when the SKU is another's of the seller."""

    async def change_stock(
        self, supply_id: uuid.UUID, change: StockChange
    ) -> tuple[Stock, Stock] | None:
        """Apply ``change`` to the supply's counts as they are at that moment (no reservation
        moves them meanwhile): the counts before and after, or ``None`` when the change may
        not be made (:meth:`~reptidex.domain.commerce.supply_model.SetStock.apply`)."""

    async def remove(self, supply_id: uuid.UUID) -> bool:
        """Delete the supply unless reservations hold some of it (then ``False``)."""

    async def of_organisation(
        self, organisation_id: uuid.UUID, kind: SupplyKind | None, limit: int, offset: int
    ) -> tuple[list[Supply], int]:
        """One page of the organisation's supplies (by name), and the total."""


class Reservations(Protocol):
    """The reservations; the two parties read them."""

    async def hold(self, reservation: Reservation) -> Stock | None:
        """Store a new held reservation and take its units from the supply's available ones,
        atomically: the supply's counts after, or ``None`` (nothing stored) when fewer than
        its quantity are available at that moment."""

    async def settle(
        self,
        reservation: Reservation,
        status: ReservationStatus,
        at: dt.datetime,
        by: uuid.UUID | None,
    ) -> Stock | None:
        """Move a held reservation to ``status`` (its units back to available, or sold when
        confirmed); the supply's counts after, or ``None`` when it was no longer held."""

    async def get(self, reservation_id: uuid.UUID) -> Reservation | None:
        """The reservation, if the transaction may see it."""

    async def of_organisation(
        self,
        organisation_id: uuid.UUID,
        side: Side | None,
        status: ReservationStatus | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Reservation], int]:
        """One page of the reservations the organisation made (``buyer``), received
        (``seller``) or either, newest first, and the total."""


class DueReservations(Protocol):
    """The held reservations past their end (every organisation's: the expiry worker's)."""

    async def due(self, now: dt.datetime, limit: int) -> list[Reservation]:
        """Up to ``limit`` held reservations whose end is at or before ``now``, earliest
        first."""


class BreederListings(Protocol):
    """A breeder's listings by state, for its inventory."""

    async def counts(
        self, organisation_id: uuid.UUID, states: Collection[ListingState], now: dt.datetime
    ) -> dict[ListingState, int]:
        """How many of the organisation's listings are in each of ``states`` (an available
        listing past its end counts as expired)."""

    async def in_state(
        self,
        organisation_id: uuid.UUID,
        state: ListingState,
        now: dt.datetime,
        limit: int,
        offset: int,
    ) -> list[Listing]:
        """One page of the organisation's listings in ``state`` (as :meth:`counts` counts
        them), the most recently changed first."""


class InventoryUnitOfWork(Protocol):
    """What an inventory use case works with, all inside one transaction."""

    @property
    def supplies(self) -> Supplies:
        """The supplies."""

    @property
    def reservations(self) -> Reservations:
        """The reservations."""

    @property
    def breeder_listings(self) -> BreederListings:
        """The breeders' listings by state."""

    @property
    def outbox(self) -> Outbox:
        """Where events are staged."""

    async def commit(self) -> None:
        """Make the changes and the staged events durable, together."""


class ReservationExpiryUnitOfWork(InventoryUnitOfWork, Protocol):
    """A transaction of the reservation expiry worker."""

    @property
    def due_reservations(self) -> DueReservations:
        """The held reservations past their end."""
