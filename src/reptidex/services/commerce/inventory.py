"""``/inventory``: a breeder's inventory (public), a seller's supplies and the buyers'
reservations of them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.commerce.inventory import breeder_inventory
from reptidex.domain.commerce.reservations import (
    list_reservations,
    reserve_supply,
    settle_reservation,
    show_reservation,
)
from reptidex.domain.commerce.supplies import (
    SupplyChanges,
    SupplyDraft,
    add_supply,
    change_supply,
    delete_supply,
    show_supply,
)
from reptidex.domain.commerce.supply_model import (
    AdjustStock,
    ReservationStatus,
    SetStock,
    SupplyKind,
)
from reptidex.domain.errors import InvalidInput
from reptidex.services.commerce.access import READ, SECURITY, WRITE, CallerMember, Stockroom
from reptidex.services.commerce.inventory_schemas import (
    InventoryView,
    ReservationCreate,
    ReservationPage,
    ReservationStatusName,
    ReservationView,
    SupplyCreate,
    SupplyKindName,
    SupplyPatch,
    SupplyView,
    inventory_view,
    reservation_view,
    supply_view,
)
from reptidex.services.commerce.listings import Limit, Offset
from reptidex.services.kernel.auth import Principal

Viewer = NamedDependency[Principal | None]
"""A handler parameter ``optional_principal``: the caller when a token was sent."""


def _organisation(principal: Principal | None) -> uuid.UUID | None:
    return None if principal is None else principal.organisation_id


def changes_of(data: SupplyPatch) -> SupplyChanges:
    """The domain changes of a patch request (absent fields kept)."""
    values: dict[str, Any] = {}
    for name in ("name", "sku"):
        if getattr(data, name) is not msgspec.UNSET:
            values[name] = getattr(data, name)
    if data.kind is not msgspec.UNSET:
        values["kind"] = SupplyKind(data.kind)
    if data.unit_price is not msgspec.UNSET:
        values["unit_price"] = data.unit_price.to_domain()
    if data.stock is not msgspec.UNSET and data.stock_change is not msgspec.UNSET:
        raise InvalidInput(
            "Set the stock or change it, not both.",
            field_errors={"stock_change": "not with stock"},
        )
    if data.stock is not msgspec.UNSET:
        values["stock"] = SetStock(data.stock)
    elif data.stock_change is not msgspec.UNSET:
        values["stock"] = AdjustStock(data.stock_change)
    return SupplyChanges(**values)


NOT_YOURS = {404: ResponseSpec(None, description="No such supply of the caller's organisation")}
PARTY_ONLY = {404: ResponseSpec(None, description="No reservation the caller is party to")}


class InventoryController(Controller):
    """Breeders' inventories, supplies and reservations."""

    path = "/inventory"
    tags = ("inventory",)

    @get(
        "/{breeder_id:uuid}",
        summary="A breeder's inventory",
        description="Without a token: the organisation's animals by the state of their "
        "listings (`available`, `on_hold`, `sold`: the count and a page of the listings, last "
        "changed first; an available listing past its end counts as expired) and its supplies "
        "(by name) with their stock: `stock` on hand, `available` to reserve, `reserved`. Its "
        "own members also see the counts of `draft`, `hidden` and `expired` listings and each "
        "supply's `sold` units. `limit` and `offset` page each list; `kind` narrows the "
        "supplies. An organisation with nothing has an empty inventory.",
    )
    async def inventory(
        self,
        uow: Stockroom,
        optional_principal: Viewer,
        breeder_id: FromPath[uuid.UUID],
        kind: Annotated[SupplyKindName | None, QueryParameter(description="Supplies")] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> InventoryView:
        """A breeder's inventory."""
        viewer = _organisation(optional_principal)
        found = await breeder_inventory(
            uow,
            viewer,
            breeder_id,
            kind=SupplyKind(kind) if kind else None,
            limit=limit,
            offset=offset,
        )
        return inventory_view(found, viewer, limit, offset)

    @post(
        "/supplies",
        guards=WRITE,
        security=SECURITY,
        summary="Add a supply",
        description="A stock item of the caller's organisation: `name`, `kind` (feeder, "
        "enclosure, equipment, other), an optional `sku` unique among its supplies (409 "
        "otherwise), `unit_price` in integer minor units of an ISO 4217 currency, and `stock`, "
        "the units on hand. Emits `inventory.item_created`.",
        responses={409: ResponseSpec(None, description="The SKU is taken")},
    )
    async def add(
        self, member: CallerMember, uow: Stockroom, data: JSONBody[SupplyCreate]
    ) -> SupplyView:
        """Add a supply."""
        draft = SupplyDraft(
            name=data.name,
            kind=SupplyKind(data.kind),
            unit_price=data.unit_price.to_domain(),
            sku=data.sku,
            stock=data.stock,
        )
        return supply_view(await add_supply(uow, member, draft), member.organisation_id)

    @get(
        "/supplies/{supply_id:uuid}",
        summary="Show a supply",
        description="Any supply, without a token (the supplies are a public catalogue); its "
        "`sold` units for the seller's members only.",
    )
    async def show(
        self, uow: Stockroom, optional_principal: Viewer, supply_id: FromPath[uuid.UUID]
    ) -> SupplyView:
        """One supply."""
        return supply_view(await show_supply(uow, supply_id), _organisation(optional_principal))

    @patch(
        "/supplies/{supply_id:uuid}",
        guards=WRITE,
        security=SECURITY,
        summary="Change a supply",
        description="Change the given fields of one of the caller's supplies (absent ones "
        "stay): `name`, `kind`, `sku`, `unit_price` (`inventory.item_updated`), and its stock "
        "(`inventory.stock_changed`): `stock` sets the units on hand (never fewer than are "
        "reserved: 409), `stock_change` adds or removes units (never fewer than zero "
        "available: 409); not both (422). 404 for another's supply.",
        responses={**NOT_YOURS, 409: ResponseSpec(None, description="Below the reserved units")},
    )
    async def change(
        self,
        member: CallerMember,
        uow: Stockroom,
        supply_id: FromPath[uuid.UUID],
        data: JSONBody[SupplyPatch],
    ) -> SupplyView:
        """Change a supply."""
        changed = await change_supply(uow, member, supply_id, changes_of(data))
        return supply_view(changed, member.organisation_id)

    @delete(
        "/supplies/{supply_id:uuid}",
        guards=WRITE,
        security=SECURITY,
        summary="Delete a supply",
        description="Remove one of the caller's supplies; 409 while reservations hold some of "
        "it. Emits `inventory.item_deleted`. 404 for another's supply.",
        responses={**NOT_YOURS, 409: ResponseSpec(None, description="Reservations hold it")},
    )
    async def remove(
        self, member: CallerMember, uow: Stockroom, supply_id: FromPath[uuid.UUID]
    ) -> None:
        """Delete a supply."""
        await delete_supply(uow, member, supply_id)

    @post(
        "/supplies/{supply_id:uuid}/reservations",
        guards=WRITE,
        security=SECURITY,
        summary="Reserve units of a supply",
        description="Hold `quantity` units of another organisation's supply for "
        "`hold_minutes` (1 to 10080, default 60). It succeeds only when that many are "
        "available at that moment, taken in one conditional update: buyers racing for the "
        "last units get exactly what there is, the others 409, and the stock never goes below "
        "zero. 422 for one's own supply. Emits `inventory.reserved`.",
        responses={
            404: ResponseSpec(None, description="No such supply"),
            409: ResponseSpec(None, description="Fewer units available"),
        },
    )
    async def reserve(
        self,
        member: CallerMember,
        uow: Stockroom,
        supply_id: FromPath[uuid.UUID],
        data: JSONBody[ReservationCreate],
    ) -> ReservationView:
        """Reserve units of a supply."""
        reservation, _ = await reserve_supply(
            uow, member, supply_id, data.quantity, data.hold_minutes
        )
        return reservation_view(reservation)

    @get(
        "/reservations",
        guards=READ,
        security=SECURITY,
        summary="List your reservations",
        description="The reservations the caller's organisation made (`side=buyer`), "
        "received (`side=seller`) or either, newest first; `status` narrows them.",
    )
    async def reservations(
        self,
        member: CallerMember,
        uow: Stockroom,
        side: Annotated[Literal["buyer", "seller"] | None, QueryParameter()] = None,
        reservation_status: Annotated[
            ReservationStatusName | None, QueryParameter(name="status")
        ] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ReservationPage:
        """A page of reservations."""
        status = ReservationStatus(reservation_status) if reservation_status else None
        items, total = await list_reservations(uow, member, side, status, limit, offset)
        return ReservationPage([reservation_view(r) for r in items], total, limit, offset)

    @get(
        "/reservations/{reservation_id:uuid}",
        guards=READ,
        security=SECURITY,
        summary="Show a reservation",
        description="A reservation the caller's organisation made or received.",
        responses=PARTY_ONLY,
    )
    async def reservation(
        self, member: CallerMember, uow: Stockroom, reservation_id: FromPath[uuid.UUID]
    ) -> ReservationView:
        """One reservation."""
        return reservation_view(await show_reservation(uow, member, reservation_id))

    @post(
        "/reservations/{reservation_id:uuid}/confirm",
        guards=WRITE,
        security=SECURITY,
        status_code=200,
        summary="Confirm a reservation",
        description="The seller confirms a held reservation: its units are sold. 403 for the "
        "buyer, 409 once it is no longer held or its hold has ended. Emits "
        "`inventory.confirmed`.",
        responses={
            **PARTY_ONLY,
            403: ResponseSpec(None, description="The buyer"),
            409: ResponseSpec(None, description="No longer held"),
        },
    )
    async def confirm(
        self, member: CallerMember, uow: Stockroom, reservation_id: FromPath[uuid.UUID]
    ) -> ReservationView:
        """Confirm a reservation."""
        settled, _ = await settle_reservation(
            uow, member, reservation_id, ReservationStatus.CONFIRMED
        )
        return reservation_view(settled)

    @post(
        "/reservations/{reservation_id:uuid}/release",
        guards=WRITE,
        security=SECURITY,
        status_code=200,
        summary="Release a reservation",
        description="Either party releases a held reservation: its units are available again. "
        "409 once it is no longer held. Emits `inventory.released`.",
        responses={**PARTY_ONLY, 409: ResponseSpec(None, description="No longer held")},
    )
    async def release(
        self, member: CallerMember, uow: Stockroom, reservation_id: FromPath[uuid.UUID]
    ) -> ReservationView:
        """Release a reservation."""
        settled, _ = await settle_reservation(
            uow, member, reservation_id, ReservationStatus.RELEASED
        )
        return reservation_view(settled)
