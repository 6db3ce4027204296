"""The breeder's store (repti-commerce): their listings in every state with their price and
the moves the seller may make (publish, withdraw, put back on sale), and their inventory
(animals by listing state, supplies with their stock, reservations to confirm or release)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, QueryParameter

from reptidex.services.web.api import ServiceProblem
from reptidex.services.web.pages import FORM, FormState, QueryText, form_values, page, see_other
from reptidex.services.web.routes.marketplace import CURRENCIES, minor_units
from reptidex.services.web.visitor import CurrentVisitor, Visitor

Text = Annotated[str, msgspec.Meta(max_length=4000)]
STATES = (("", "Every state"), ("draft", "Draft"), ("available", "On sale"),
          ("on_hold", "On hold"), ("sold", "Sold"), ("hidden", "Withdrawn"),
          ("expired", "Expired"))  # fmt: skip
MOVES = {
    "draft": (("available", "Publish"), ("hidden", "Withdraw")),
    "available": (("hidden", "Withdraw"),),
    "hidden": (("available", "Put back on sale"),),
    "expired": (("available", "Put back on sale"), ("hidden", "Withdraw")),
}
"""The moves a seller makes from each state (commerce's listing state machine allows them;
``on_hold`` and ``sold`` follow the orders)."""
SUPPLY_KINDS = (("feeder", "Feeder"), ("enclosure", "Enclosure"), ("equipment", "Equipment"),
                ("other", "Other"))  # fmt: skip
NOTICES = {
    "price": "The price is changed.",
    "available": "The listing is on sale.",
    "hidden": "The listing is withdrawn from the marketplace.",
    "supply": "The supply is added.",
    "stock": "The stock is changed.",
    "confirmed": "The reservation is confirmed: its units are sold.",
    "released": "The reservation is released: its units are available again.",
    "reserved": "The units are reserved for you; the seller confirms the sale.",
}
PER_PAGE = 50
Offset = Annotated[int, QueryParameter(ge=0, le=100_000)]
StateQuery = Annotated[str, QueryParameter(name="state", max_length=20)]
"""The ``state`` query parameter (Litestar reserves the name ``state`` for itself)."""
PRICE_ERROR = "Write the price as an amount, e.g. 350 or 349.99."


class PriceForm(msgspec.Struct, kw_only=True):
    """A listing's new price."""

    price: Text = ""
    currency: Text = "EUR"


class MoveForm(msgspec.Struct, kw_only=True):
    """A listing's next state (the form's field ``state``)."""

    target: Text = msgspec.field(default="", name="state")


class SupplyForm(msgspec.Struct, kw_only=True):
    """A new supply."""

    name: Text = ""
    kind: Text = "feeder"
    sku: Text = ""
    price: Text = ""
    currency: Text = "EUR"
    stock: Text = "0"


class ReserveForm(msgspec.Struct, kw_only=True):
    """Units of another breeder's supply to hold."""

    quantity: Text = "1"


class StockForm(msgspec.Struct, kw_only=True):
    """Units added to a supply's stock (removed when negative)."""

    stock_change: Text = ""


def _whole(text: str) -> int | None:
    """``text`` as a whole number, or ``None``.

    >>> _whole(" -3 "), _whole("2.5"), _whole("")
    (-3, None, None)
    """
    try:
        return int(text.strip())
    except ValueError:
        return None


def _refusal(field: str, text: str) -> ServiceProblem:
    return ServiceProblem(422, "Not valid", "The form is not valid.", {field: text})


class StorePages(Controller):
    """The store and inventory pages."""

    path = "/store"
    include_in_schema = False

    async def _store_page(
        self, visitor: Visitor, state: str, offset: int = 0, *, status_code: int = 200,
        forms: dict[str, FormState] | None = None, notice: str | None = None,
    ) -> Response[Any]:  # fmt: skip
        params: dict[str, str | int] = {"limit": PER_PAGE}
        if offset:
            params["offset"] = offset
        if state:
            params["state"] = state
        listed = (
            await visitor.call("GET", "commerce", "/marketplace/seller/listings", params=params)
        ).json()
        return page(
            visitor, "store/listings.html", status_code=status_code, listed=listed,
            state=state, states=STATES, moves=MOVES, currencies=CURRENCIES,
            forms=forms or {}, notice=notice, offset=offset, per_page=PER_PAGE,
            base="/store?" + (f"state={state}&" if state else ""),
        )  # fmt: skip

    @get("/")
    async def listings(
        self, visitor: CurrentVisitor, shown: StateQuery = "", done: QueryText = "",
        offset: Offset = 0,
    ) -> Response[Any]:  # fmt: skip
        """The organisation's listings in every state (or one), newest first, a page at a
        time."""
        wanted = shown if shown in {value for value, _ in STATES} else ""
        return await self._store_page(visitor, wanted, offset, notice=NOTICES.get(done))

    @post("/listings/{listing_id:uuid}/price", status_code=200)
    async def change_price(
        self, visitor: CurrentVisitor, listing_id: FromPath[uuid.UUID],
        data: Annotated[PriceForm, FORM],
    ) -> Response[Any]:  # fmt: skip
        """Change a listing's price."""
        amount = minor_units(data.price)
        try:
            if amount is None:
                raise _refusal("price", PRICE_ERROR)
            await visitor.call(
                "PATCH", "commerce", f"/marketplace/listings/{listing_id}",
                json={"price": {"amount": amount, "currency": data.currency}},
            )  # fmt: skip
        except ServiceProblem as problem:
            form = FormState.refused(
                form_values(data), problem,
                {"price": "price", "amount": "price", "currency": "currency"},
            )  # fmt: skip
            return await self._store_page(
                visitor, "", status_code=problem.status, forms={str(listing_id): form}
            )
        return see_other(visitor, "/store?done=price")

    @post("/listings/{listing_id:uuid}/state", status_code=200)
    async def move(
        self, visitor: CurrentVisitor, listing_id: FromPath[uuid.UUID],
        data: Annotated[MoveForm, FORM],
    ) -> Response[Any]:  # fmt: skip
        """Publish, withdraw or put back on sale (commerce refuses a move its state machine
        does not allow)."""
        try:
            await visitor.call(
                "PATCH", "commerce", f"/marketplace/listings/{listing_id}",
                json={"state": data.target},
            )  # fmt: skip
        except ServiceProblem as problem:
            form = FormState(message=problem.detail)
            return await self._store_page(
                visitor, "", status_code=problem.status, forms={str(listing_id): form}
            )
        return see_other(
            visitor, f"/store?done={'hidden' if data.target == 'hidden' else 'available'}"
        )

    async def _inventory_page(
        self, visitor: Visitor, *, status_code: int = 200, form: FormState | None = None,
        stock_forms: dict[str, FormState] | None = None, notice: str | None = None,
    ) -> Response[Any]:  # fmt: skip
        organisation_id = visitor.session.organisation_id
        if organisation_id is None:
            raise ServiceProblem(409, "No organisation", "Create or join an organisation first.")
        inventory, reservations, holding = await asyncio.gather(
            visitor.call("GET", "commerce", f"/inventory/{organisation_id}",
                         params={"limit": 100}),
            visitor.call("GET", "commerce", "/inventory/reservations",
                         params={"side": "seller", "status": "held"}),
            visitor.call("GET", "commerce", "/inventory/reservations",
                         params={"side": "buyer", "status": "held"}),
        )  # fmt: skip
        return page(
            visitor, "store/inventory.html", status_code=status_code,
            inventory=inventory.json(), reservations=reservations.json()["items"],
            holding=holding.json()["items"],
            kinds=SUPPLY_KINDS, currencies=CURRENCIES,
            form=form or FormState(values={"kind": "feeder", "currency": "EUR", "stock": "0"}),
            stock_forms=stock_forms or {}, notice=notice,
        )  # fmt: skip

    @get("/inventory")
    async def inventory(self, visitor: CurrentVisitor, done: QueryText = "") -> Response[Any]:
        """The organisation's animals by listing state, its supplies with their stock, and
        the reservations buyers hold on them."""
        return await self._inventory_page(visitor, notice=NOTICES.get(done))

    @post("/inventory/supplies", status_code=200)
    async def add_supply(
        self, visitor: CurrentVisitor, data: Annotated[SupplyForm, FORM]
    ) -> Response[Any]:
        """Add a supply (a feeder, an enclosure, equipment) with its price and stock."""
        amount = minor_units(data.price)
        stock = _whole(data.stock or "0")
        try:
            if amount is None:
                raise _refusal("price", PRICE_ERROR)
            if stock is None:
                raise _refusal("stock", "Write the units on hand as a whole number, e.g. 12.")
            await visitor.call("POST", "commerce", "/inventory/supplies", json={
                "name": data.name.strip(), "kind": data.kind, "sku": data.sku.strip() or None,
                "unit_price": {"amount": amount, "currency": data.currency}, "stock": stock,
            })  # fmt: skip
        except ServiceProblem as problem:
            fields = {"name": "name", "kind": "kind", "sku": "sku", "price": "price",
                      "unit_price": "price", "amount": "price", "currency": "currency",
                      "stock": "stock"}  # fmt: skip
            form = FormState.refused(form_values(data), problem, fields)
            return await self._inventory_page(visitor, status_code=problem.status, form=form)
        return see_other(visitor, "/store/inventory?done=supply")

    @post("/inventory/supplies/{supply_id:uuid}/stock", status_code=200)
    async def change_stock(
        self, visitor: CurrentVisitor, supply_id: FromPath[uuid.UUID],
        data: Annotated[StockForm, FORM],
    ) -> Response[Any]:  # fmt: skip
        """Add units to a supply's stock, or remove them (a negative number)."""
        change = _whole(data.stock_change)
        try:
            if change is None or change == 0:
                raise _refusal("stock_change", "Write the units to add, or to remove as -3.")
            await visitor.call(
                "PATCH", "commerce", f"/inventory/supplies/{supply_id}",
                json={"stock_change": change},
            )  # fmt: skip
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("stock_change",))
            return await self._inventory_page(
                visitor, status_code=problem.status, stock_forms={str(supply_id): form}
            )
        return see_other(visitor, "/store/inventory?done=stock")

    @post("/inventory/reservations/{reservation_id:uuid}/{action:str}", status_code=200)
    async def settle(
        self, visitor: CurrentVisitor, reservation_id: FromPath[uuid.UUID],
        action: FromPath[str],
    ) -> Response[Any]:  # fmt: skip
        """Confirm a held reservation (its units are sold) or release it."""
        if action not in {"confirm", "release"}:
            raise ServiceProblem(404, "Not found", "There is no such action.")
        try:
            await visitor.call(
                "POST", "commerce", f"/inventory/reservations/{reservation_id}/{action}"
            )
        except ServiceProblem as problem:
            return await self._inventory_page(
                visitor, status_code=problem.status, form=FormState(message=problem.detail)
            )
        return see_other(
            visitor, f"/store/inventory?done={'confirmed' if action == 'confirm' else 'released'}"
        )


class SellerPages(Controller):
    """A breeder's public storefront: their profile, animals on sale and supplies, with the
    form that reserves units of a supply."""

    path = "/marketplace/sellers"
    include_in_schema = False

    async def _seller_page(
        self, visitor: Visitor, organisation_id: uuid.UUID, *, status_code: int = 200,
        forms: dict[str, FormState] | None = None,
    ) -> Response[Any]:  # fmt: skip
        profile_answer, inventory = await asyncio.gather(
            self._profile(visitor, organisation_id),
            visitor.call("GET", "commerce", f"/inventory/{organisation_id}",
                         params={"limit": 100}, anonymous=True),
        )  # fmt: skip
        return page(
            visitor, "store/seller.html", status_code=status_code, profile=profile_answer,
            seller_id=str(organisation_id), inventory=inventory.json(), forms=forms or {},
        )  # fmt: skip

    @staticmethod
    async def _profile(visitor: Visitor, organisation_id: uuid.UUID) -> Any:
        """The seller's profile, or ``None`` when they have written none."""
        try:
            return (
                await visitor.call("GET", "commerce", f"/marketplace/sellers/{organisation_id}",
                                   anonymous=True)
            ).json()  # fmt: skip
        except ServiceProblem as problem:
            if problem.status == 404:
                return None
            raise

    @get("/{organisation_id:uuid}")
    async def seller(
        self, visitor: CurrentVisitor, organisation_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """The seller's storefront (public)."""
        return await self._seller_page(visitor, organisation_id)

    @post("/{organisation_id:uuid}/supplies/{supply_id:uuid}/reserve", status_code=200)
    async def reserve(
        self, visitor: CurrentVisitor, organisation_id: FromPath[uuid.UUID],
        supply_id: FromPath[uuid.UUID], data: Annotated[ReserveForm, FORM],
    ) -> Response[Any]:  # fmt: skip
        """Hold units of the supply until the seller confirms the sale (commerce never
        reserves more than are available)."""
        quantity = _whole(data.quantity)
        try:
            if quantity is None or quantity < 1:
                raise _refusal("quantity", "Write how many units, e.g. 2.")
            await visitor.call(
                "POST", "commerce", f"/inventory/supplies/{supply_id}/reservations",
                json={"quantity": quantity},
            )  # fmt: skip
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("quantity",))
            return await self._seller_page(
                visitor, organisation_id, status_code=problem.status,
                forms={str(supply_id): form},
            )  # fmt: skip
        return see_other(visitor, "/store/inventory?done=reserved")
