"""Use cases of a seller's supplies: add one, change what it is, its price and its stock,
delete it, show one.

Stock changes never take a supply below its reserved units nor below zero available: the
change is computed on the counts as they are when it is made (no reservation moves them
meanwhile), else it is a :class:`~reptidex.domain.errors.Conflict`. Each change stages its
``inventory.*`` event and its audit record and commits once, at its end.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, fields, replace
from typing import Any

from reptidex.domain.commerce.audit import audit, stock_fields, supply_fields
from reptidex.domain.commerce.events import PRODUCER, SupplyChanged
from reptidex.domain.commerce.inventory_ports import InventoryUnitOfWork
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.money import Money
from reptidex.domain.commerce.supply_model import (
    MAX_STOCK,
    AdjustStock,
    SetStock,
    Stock,
    StockChange,
    Supply,
    SupplyKind,
)
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.domain.events import new_event


class _Same(enum.Enum):
    SAME = "same"


SAME = _Same.SAME
"""A field of :class:`SupplyChanges` left as it is."""


@dataclass(frozen=True, slots=True)
class SupplyDraft:
    """A new supply as the seller enters it, with the units it has on hand."""

    name: str
    kind: SupplyKind
    unit_price: Money
    sku: str | None = None
    stock: int = 0


@dataclass(frozen=True, slots=True)
class SupplyChanges:
    """What a change sets: the described fields (:data:`SAME` keeps one) and the stock."""

    name: str | _Same = SAME
    kind: SupplyKind | _Same = SAME
    sku: str | _Same | None = SAME
    unit_price: Money | _Same = SAME
    stock: StockChange | None = None

    def described(self) -> dict[str, Any]:
        """The described fields this change sets, by name."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "stock" and getattr(self, f.name) is not SAME
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _plain(value: object) -> object:
    if isinstance(value, Money):
        return {"amount": value.amount, "currency": value.currency.code}
    if isinstance(value, enum.Enum):
        return value.value
    return value


def stage_supply_event(
    uow: InventoryUnitOfWork,
    user_id: uuid.UUID | None,
    kind: str,
    supply: Supply,
    before: Supply | None = None,
) -> None:
    """Stage ``kind`` (``inventory.item_*`` or ``inventory.stock_changed``) for ``supply``
    and its audit record in the seller's trail; ``before`` is the supply before a change."""
    changed: list[str] = []
    event_before: dict[str, Any] = {}
    event_after: dict[str, Any] = {}
    if kind == "inventory.stock_changed" and before is not None:
        was, now = stock_fields(before.stock), stock_fields(supply.stock)
        changed = [name for name in was if was[name] != now[name]]
        event_before = {name: was[name] for name in changed}
        event_after = {name: now[name] for name in changed}
    elif before is not None:
        changed = [
            name
            for name in ("name", "kind", "sku", "unit_price")
            if getattr(before, name) != getattr(supply, name)
        ]
        event_before = {name: _plain(getattr(before, name)) for name in changed}
        event_after = {name: _plain(getattr(supply, name)) for name in changed}
    uow.outbox.add(
        new_event(
            kind,
            producer=PRODUCER,
            payload=SupplyChanged(
                supply_id=str(supply.id),
                organisation_id=str(supply.organisation_id),
                name=supply.name,
                kind=supply.kind.value,
                sku=supply.sku,
                unit_price_amount=supply.unit_price.amount,
                currency=supply.unit_price.currency.code,
                available=supply.stock.available,
                reserved=supply.stock.reserved,
                sold=supply.stock.sold,
                changed=changed,
                before=event_before,
                after=event_after,
            ),
            organisation_id=supply.organisation_id,
            actor_id=user_id,
        )
    )
    deleted = kind == "inventory.item_deleted"
    audit(
        uow.outbox,
        "supply",
        supply.id,
        kind.removeprefix("inventory.").removeprefix("item_"),
        organisation_id=supply.organisation_id,
        actor_id=user_id,
        before=supply_fields(before or supply) if before or deleted else None,
        after=None if deleted else supply_fields(supply),
    )


def _check_name(name: str) -> str:
    text = name.strip()
    if not text:
        raise InvalidInput("A supply has a name.", field_errors={"name": "not blank"})
    return text


def _check_price(price: Money) -> None:
    if price.amount <= 0:
        raise InvalidInput(
            "A unit price is more than zero.", field_errors={"unit_price": "above zero"}
        )


def _check_units(units: int) -> None:
    if not 0 <= units <= MAX_STOCK:
        raise InvalidInput(
            f"Stock is 0 to {MAX_STOCK} units.", field_errors={"stock": f"0 to {MAX_STOCK}"}
        )


async def add_supply(
    uow: InventoryUnitOfWork,
    actor: Member,
    draft: SupplyDraft,
    *,
    now: dt.datetime | None = None,
) -> Supply:
    """Add a supply to the actor's organisation; :class:`Conflict` when its SKU is taken.
    Emits ``inventory.item_created``."""
    actor.require_writer()
    now = now or _now()
    _check_price(draft.unit_price)
    _check_units(draft.stock)
    supply = await uow.supplies.add(
        Supply(
            id=uuid.uuid4(),
            organisation_id=actor.organisation_id,
            name=_check_name(draft.name),
            kind=draft.kind,
            unit_price=draft.unit_price,
            sku=draft.sku,
            stock=Stock(available=draft.stock),
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
    )
    stage_supply_event(uow, actor.user_id, "inventory.item_created", supply)
    await uow.commit()
    return supply


async def _own_supply(uow: InventoryUnitOfWork, actor: Member, supply_id: uuid.UUID) -> Supply:
    supply = await uow.supplies.get(supply_id)
    if supply is None or supply.organisation_id != actor.organisation_id:
        raise NotFound(f"No supply {supply_id} of yours.")
    return supply


def _refusal(change: StockChange, stock: Stock) -> Conflict:
    if isinstance(change, SetStock) and change.units < stock.reserved:
        return Conflict(
            f"{stock.reserved} units are reserved: the stock cannot go below them; "
            "release or confirm reservations first."
        )
    if isinstance(change, AdjustStock) and stock.available + change.delta < 0:
        return Conflict(f"Only {stock.available} units are available to take out of stock.")
    return Conflict(f"A supply holds at most {MAX_STOCK} units.")


async def change_supply(
    uow: InventoryUnitOfWork,
    actor: Member,
    supply_id: uuid.UUID,
    changes: SupplyChanges,
    *,
    now: dt.datetime | None = None,
) -> Supply:
    """Change the seller's supply: its name, kind, SKU and unit price (``inventory.item_updated``)
    and its stock (``inventory.stock_changed``); :class:`Conflict` when the stock would go
    below what is reserved or zero available, or the SKU is another's."""
    actor.require_writer()
    now = now or _now()
    before = await _own_supply(uow, actor, supply_id)
    given = changes.described()
    if "name" in given:
        given["name"] = _check_name(given["name"])
    if "unit_price" in given:
        _check_price(given["unit_price"])
    terms = {name: value for name, value in given.items() if getattr(before, name) != value}
    supply = before
    if terms:
        supply = replace(before, **terms, updated_at=now)
        await uow.supplies.describe(supply)
        stage_supply_event(uow, actor.user_id, "inventory.item_updated", supply, before)
    if changes.stock is not None:
        if isinstance(changes.stock, SetStock):
            _check_units(changes.stock.units)
        moved = await uow.supplies.change_stock(supply.id, changes.stock)
        if moved is None:
            current = await uow.supplies.get(supply.id)
            raise _refusal(changes.stock, (current or supply).stock)
        was, counts = moved
        supply = replace(supply, stock=counts)
        if counts != was:
            stage_supply_event(
                uow,
                actor.user_id,
                "inventory.stock_changed",
                supply,
                replace(supply, stock=was),
            )
    if supply is before:
        return before
    await uow.commit()
    return supply


async def delete_supply(uow: InventoryUnitOfWork, actor: Member, supply_id: uuid.UUID) -> None:
    """Delete the seller's supply; :class:`Conflict` while reservations hold some of it.
    Emits ``inventory.item_deleted``."""
    actor.require_writer()
    supply = await _own_supply(uow, actor, supply_id)
    if not await uow.supplies.remove(supply.id):
        raise Conflict("Reservations hold some of this supply: confirm or release them first.")
    stage_supply_event(uow, actor.user_id, "inventory.item_deleted", supply)
    await uow.commit()


async def show_supply(uow: InventoryUnitOfWork, supply_id: uuid.UUID) -> Supply:
    """A supply (the catalogue of supplies is public)."""
    supply = await uow.supplies.get(supply_id)
    if supply is None:
        raise NotFound(f"No supply {supply_id}.")
    return supply
