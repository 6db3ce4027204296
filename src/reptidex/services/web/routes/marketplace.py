"""The marketplace (repti-commerce): listing an animal for sale, finding listings, a listing's
page, buying, and the breeder's orders."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, QueryParameter

from reptidex.services.web.api import ServiceProblem
from reptidex.services.web.pages import FORM, FormState, QueryText, form_values, page, see_other
from reptidex.services.web.visitor import CurrentVisitor

Text = Annotated[str, msgspec.Meta(max_length=4000)]
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD")
ORDER_NOTICES = {"ordered": "Your order is placed. The seller is told and answers here."}


ZYGOSITIES = (("any", "Any"), ("visual", "Visual"), ("het", "Het"),
              ("possible_het", "Possible het"))  # fmt: skip
SEXES = (("", "Any"), ("male", "Male"), ("female", "Female"), ("unknown", "Unknown"))
SORTS = (("newest", "Newest first"), ("price", "Price, lowest first"),
         ("-price", "Price, highest first"), ("ending_soon", "Ending soon"))  # fmt: skip
BROWSE_FIELDS = {name: name for name in ("q", "species", "gene", "zygosity", "sex",
                                         "min_price", "max_price", "currency", "sort")}  # fmt: skip
"""The browse form's fields, named as commerce's search parameters."""


def browse_params(filters: dict[str, str]) -> tuple[dict[str, str | int], dict[str, str]]:
    """Commerce's search parameters for the browse form's ``filters``, and the errors of the
    prices that are not amounts (the other refusals are commerce's).

    >>> browse_params({"q": " clown ", "min_price": "100", "max_price": "x", "sort": "price"})
    ({'limit': 50, 'q': 'clown', 'sort': 'price', 'min_price': 10000}, \
{'max_price': 'Write the price as an amount, e.g. 350 or 349.99.'})
    """
    params: dict[str, str | int] = {"limit": 50}
    errors: dict[str, str] = {}
    for name in ("q", "species", "gene", "sex", "currency", "sort"):
        value = filters.get(name, "").strip()
        if value:
            params[name] = value
    if params.get("gene") and filters.get("zygosity", "any") not in ("", "any"):
        params["zygosity"] = filters["zygosity"]
    for name in ("min_price", "max_price"):
        typed = filters.get(name, "").strip()
        if typed:
            amount = minor_units(typed)
            if amount is None:
                errors[name] = "Write the price as an amount, e.g. 350 or 349.99."
            else:
                params[name] = amount
    return params, errors


class ListingForm(msgspec.Struct, kw_only=True):
    """Listing an animal for sale."""

    title: Text = ""
    description: Text = ""
    price: Text = ""
    currency: Text = "EUR"
    country: Text = ""
    shipping_available: Text = ""


class BuyForm(msgspec.Struct, kw_only=True):
    """The buy button: the key that makes a repeated click one order."""

    idempotency_key: Text = ""


def minor_units(price: str) -> int | None:
    """A price as typed (``350``, ``349.99``, ``1,200.50``) in cents, or ``None`` if it is
    not a positive amount with at most two decimals.

    >>> minor_units("349.99"), minor_units("1,200"), minor_units("abc"), minor_units("1.234")
    (34999, 120000, None, None)
    """
    try:
        amount = Decimal(price.replace(",", "").strip())
    except InvalidOperation:
        return None
    cents = amount * 100
    if not amount.is_finite() or amount <= 0 or cents != cents.to_integral_value():
        return None
    return int(cents)


class MarketplacePages(Controller):
    """The marketplace pages."""

    path = "/marketplace"
    include_in_schema = False

    @get("/")
    async def search(
        self, visitor: CurrentVisitor, q: QueryText = "", species: QueryText = "",
        gene: QueryText = "", zygosity: QueryText = "any", sex: QueryText = "",
        min_price: QueryText = "", max_price: QueryText = "", currency: QueryText = "",
        sort: QueryText = "newest", offset: Annotated[int, QueryParameter(ge=0, le=100_000)] = 0,
    ) -> Response[Any]:  # fmt: skip
        """Listings on sale, found by words of their title, morph or genes and narrowed by
        species, gene (visual, het or possible het), sex, price and sort (public)."""
        filters = {"q": q, "species": species, "gene": gene, "zygosity": zygosity, "sex": sex,
                   "min_price": min_price, "max_price": max_price, "currency": currency,
                   "sort": sort}  # fmt: skip
        params, errors = browse_params(filters)
        if offset:
            params["offset"] = offset
        found: Any = {"items": [], "total": 0}
        message = None
        if not errors:
            try:
                found = (
                    await visitor.call(
                        "GET", "commerce", "/marketplace/listings", params=params,
                        anonymous=True,
                    )
                ).json()  # fmt: skip
            except ServiceProblem as refused:
                if refused.status >= 500:
                    raise
                form = FormState.refused(filters, refused, BROWSE_FIELDS)
                errors, message = form.errors, form.message
        return page(
            visitor, "marketplace/search.html", status_code=422 if errors or message else 200,
            q=q, filters=filters, listings=found["items"], total=found["total"],
            form=FormState(values=filters, errors=errors, message=message),
            zygosities=ZYGOSITIES, sexes=SEXES, sorts=SORTS, currencies=CURRENCIES,
            offset=offset, per_page=params["limit"],
            base="/marketplace?" + urlencode({k: v for k, v in filters.items() if v}) + "&",
        )  # fmt: skip

    @get("/listings/{listing_id:uuid}")
    async def listing(
        self, visitor: CurrentVisitor, listing_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """A listing's page, with the buy button for signed-in breeders of other organisations."""
        shown = (
            await visitor.call(
                "GET", "commerce", f"/marketplace/listings/{listing_id}", anonymous=True
            )
        ).json()
        return page(
            visitor, "marketplace/listing.html", listing=shown, idempotency_key=uuid.uuid4().hex
        )

    @post("/listings/{listing_id:uuid}/buy", status_code=200)
    async def buy(
        self,
        visitor: CurrentVisitor,
        listing_id: FromPath[uuid.UUID],
        data: Annotated[BuyForm, FORM],
    ) -> Response[Any]:
        """Order the listing (a second click with the same form places no second order)."""
        key = data.idempotency_key or uuid.uuid4().hex
        ordered = (
            await visitor.call(
                "POST", "commerce", "/orders", json={"listing_id": str(listing_id)},
                headers={"Idempotency-Key": key[:200]},
            )
        ).json()  # fmt: skip
        return see_other(visitor, f"/orders/{ordered['id']}?done=ordered")

    @get("/sell/{animal_id:uuid}")
    async def sell_form(
        self, visitor: CurrentVisitor, animal_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """The form listing an animal of the collection for sale."""
        animal = (await visitor.call("GET", "animal", f"/animals/{animal_id}")).json()
        title = " ".join(
            part for part in (animal["genotype"]["phenotype"], animal["sex"]) if part != "unknown"
        )
        form = FormState(values={"title": title, "currency": "EUR"})
        return page(
            visitor, "marketplace/sell.html", animal=animal, form=form, currencies=CURRENCIES
        )

    @post("/sell/{animal_id:uuid}", status_code=200)
    async def sell(
        self,
        visitor: CurrentVisitor,
        animal_id: FromPath[uuid.UUID],
        data: Annotated[ListingForm, FORM],
    ) -> Response[Any]:
        """Publish the listing."""
        amount = minor_units(data.price)
        problem: ServiceProblem | None = None
        if amount is None:
            problem = ServiceProblem(
                422, "Not valid", "The listing is not valid.",
                {"amount": "Write the price as an amount, e.g. 350 or 349.99."},
            )  # fmt: skip
        else:
            body = {
                "animal_id": str(animal_id),
                "title": data.title.strip(),
                "description": data.description.strip(),
                "price": {"amount": amount, "currency": data.currency},
                "country": data.country.strip().upper(),
                "shipping_available": data.shipping_available == "on",
                "publish": True,
            }
            try:
                listed = (
                    await visitor.call("POST", "commerce", "/marketplace/listings", json=body)
                ).json()
            except ServiceProblem as refused:
                problem = refused
        if problem is not None:
            animal = (await visitor.call("GET", "animal", f"/animals/{animal_id}")).json()
            fields = {
                "title": "title", "description": "description", "amount": "price",
                "price": "price", "currency": "currency", "country": "country",
            }  # fmt: skip
            form = FormState.refused(form_values(data), problem, fields)
            return page(
                visitor, "marketplace/sell.html", status_code=problem.status, animal=animal,
                form=form, currencies=CURRENCIES,
            )  # fmt: skip
        return see_other(visitor, f"/marketplace/listings/{listed['id']}")


class OrderPages(Controller):
    """The breeder's orders."""

    path = "/orders"
    include_in_schema = False

    @get("/")
    async def orders(self, visitor: CurrentVisitor) -> Response[Any]:
        """The organisation's orders, bought and sold."""
        listed = (await visitor.call("GET", "commerce", "/orders")).json()
        return page(visitor, "marketplace/orders.html", orders=listed["items"])

    @get("/{order_id:uuid}")
    async def order(
        self, visitor: CurrentVisitor, order_id: FromPath[uuid.UUID], done: QueryText = ""
    ) -> Response[Any]:
        """An order: its listing, price, state and history."""
        shown = (await visitor.call("GET", "commerce", f"/orders/{order_id}")).json()
        listing = (
            await visitor.call(
                "GET", "commerce", f"/marketplace/listings/{shown['listing_id']}", anonymous=True
            )
        ).json()
        return page(
            visitor, "marketplace/order.html", order=shown, listing=listing,
            notice=ORDER_NOTICES.get(done),
        )  # fmt: skip
