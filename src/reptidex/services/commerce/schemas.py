"""Request and response bodies of the marketplace and orders."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from reptidex.domain.commerce.ledger import Posting, balances
from reptidex.domain.commerce.listing_fields import Country, Description, Region, Title
from reptidex.domain.commerce.listing_model import AnimalSnapshot, Listing
from reptidex.domain.commerce.money import MAX_AMOUNT, Money
from reptidex.domain.commerce.order_model import Order, OrderStep
from reptidex.domain.commerce.pedigree_odds import (
    PEDIGREE,
    PedigreeOdds,
    het_label,
    shown_hets,
    shown_possible_hets,
)
from reptidex.services.kernel.plausible_dates import PlausibleDateTime

ListingStateName = Literal["draft", "available", "on_hold", "sold", "hidden", "expired"]
OrderStateName = Literal["pending", "paid", "handed_over", "completed", "cancelled", "refunded"]
Amount = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=MAX_AMOUNT,
        description="Integer minor units of the currency (cents for EUR, yen for JPY).",
        examples=[25000],
    ),
]
CurrencyCode = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code", examples=["EUR"])
]
Note = Annotated[str, msgspec.Meta(max_length=2000)]
ExternalRef = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=r"\S",
        description="Where an import takes the listing from (a partner's listing id): one "
        "listing per reference and seller.",
    ),
]


class PriceBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A price: integer minor units and an ISO 4217 currency (never a decimal number)."""

    amount: Amount
    currency: CurrencyCode

    def to_domain(self) -> Money:
        """The domain value (422 for an unsupported currency)."""
        return Money.of(self.amount, self.currency)


class MoneyView(msgspec.Struct, frozen=True):
    """An amount in minor units, its currency and exponent, and how it reads."""

    amount: int
    currency: str
    exponent: int
    display: str


def money_view(money: Money) -> MoneyView:
    """The response body of an amount."""
    return MoneyView(money.amount, money.currency.code, money.currency.exponent, money.display())


class ListingCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new listing of an animal of the seller's collection (a draft unless ``publish``)."""

    animal_id: uuid.UUID
    title: Title
    price: PriceBody
    country: Country
    description: Description = ""
    region: Region | None = None
    shipping_available: bool = False
    pickup_available: bool = True
    expires_at: PlausibleDateTime | None = None
    publish: bool = False
    external_ref: ExternalRef | None = None


class ListingPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The fields to change; absent fields stay, ``null`` clears an optional one. ``state``
    moves the listing (publish, hide, reserve, release, expire)."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    price: PriceBody | msgspec.UnsetType = msgspec.UNSET
    country: Country | msgspec.UnsetType = msgspec.UNSET
    region: Region | msgspec.UnsetType | None = msgspec.UNSET
    shipping_available: bool | msgspec.UnsetType = msgspec.UNSET
    pickup_available: bool | msgspec.UnsetType = msgspec.UNSET
    expires_at: PlausibleDateTime | msgspec.UnsetType | None = msgspec.UNSET
    state: ListingStateName | msgspec.UnsetType = msgspec.UNSET


class PossibleHetView(msgspec.Struct, frozen=True):
    """A gene the animal may carry, with its exact probability, how a breeder reads it
    (``66% het Clown``) and where the odds come from: ``pedigree`` (computed by repti-animal
    from the animal's whole pedigree) or ``seller`` (as the seller typed them)."""

    gene: str
    probability: str
    percent: float
    label: str = ""
    source: Literal["seller", "pedigree"] = "seller"


class PedigreeHetView(msgspec.Struct, frozen=True):
    """One gene of the animal's pedigree carrier odds."""

    locus: str
    gene: str
    probability: str
    percent: float
    proven: bool
    label: str


class PedigreeOddsView(msgspec.Struct, frozen=True):
    """The carrier odds repti-animal computed from the animal's whole pedigree."""

    computed_at: dt.datetime
    genes: list[PedigreeHetView]


class ListedAnimalView(msgspec.Struct, frozen=True):
    """The animal's public data as it was when listed; ``hets`` and ``possible_hets`` show the
    pedigree carrier odds in place of the seller's typed possible hets where there are any."""

    animal_id: uuid.UUID
    name: str | None
    code: str | None
    species: str
    sex: str
    hatch_date: dt.date | None
    morph: str
    phenotype: str
    traits: list[str]
    hets: list[str]
    possible_hets: list[PossibleHetView]
    pedigree_odds: PedigreeOddsView | None = None


def _pedigree_view(odds: PedigreeOdds | None) -> PedigreeOddsView | None:
    if odds is None:
        return None
    return PedigreeOddsView(
        computed_at=odds.computed_at,
        genes=[
            PedigreeHetView(g.locus, g.gene, str(g.probability), g.percent, g.proven, g.label)
            for g in odds.genes
        ],
    )


def animal_view(snapshot: AnimalSnapshot) -> ListedAnimalView:
    """The response body of a listing's animal."""
    return ListedAnimalView(
        animal_id=snapshot.animal_id,
        name=snapshot.name,
        code=snapshot.code,
        species=snapshot.species,
        sex=snapshot.sex,
        hatch_date=snapshot.hatch_date,
        morph=snapshot.morph,
        phenotype=snapshot.phenotype,
        traits=list(snapshot.traits),
        hets=list(shown_hets(snapshot)),
        possible_hets=[
            PossibleHetView(
                h.gene,
                str(h.probability),
                round(float(h.probability * 100), 4),
                het_label(h.gene, h.probability),
                "pedigree" if h.source == PEDIGREE else "seller",
            )
            for h in shown_possible_hets(snapshot)
        ],
        pedigree_odds=_pedigree_view(snapshot.pedigree_odds),
    )


class ListingView(msgspec.Struct, frozen=True):
    """A listing."""

    id: uuid.UUID
    seller_organisation_id: uuid.UUID
    state: ListingStateName
    title: str
    description: str
    price: MoneyView
    country: str
    region: str | None
    shipping_available: bool
    pickup_available: bool
    expires_at: dt.datetime | None
    animal: ListedAnimalView
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    external_ref: str | None = None


def listing_view(listing: Listing) -> ListingView:
    """The response body of a listing."""
    return ListingView(
        id=listing.id,
        seller_organisation_id=listing.organisation_id,
        state=listing.status.value,
        title=listing.title,
        description=listing.description,
        price=money_view(listing.price),
        country=listing.country,
        region=listing.region,
        shipping_available=listing.shipping_available,
        pickup_available=listing.pickup_available,
        expires_at=listing.expires_at,
        animal=animal_view(listing.animal),
        created_at=listing.created_at,
        updated_at=listing.updated_at,
        external_ref=listing.external_ref,
    )


class ListingPage(msgspec.Struct, frozen=True):
    """A page of listings."""

    items: list[ListingView]
    total: int
    limit: int
    offset: int


def listing_page_body(documents: list[bytes], total: int, limit: int, offset: int) -> bytes:
    """The bytes msgspec encodes a :class:`ListingPage` to, made of its listings' encoded
    views (``documents``)."""
    items = b",".join(documents)
    return b'{"items":[%b],"total":%d,"limit":%d,"offset":%d}' % (items, total, limit, offset)


class OrderCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An order of a listing, with a note to the seller."""

    listing_id: uuid.UUID
    note: Note | None = None


class StepNote(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A note kept with a step of the order (a tracking number, a pickup time)."""

    note: Note | None = None


class OrderStepView(msgspec.Struct, frozen=True):
    """A step of an order's history: who did what, when."""

    action: str
    from_state: OrderStateName | None
    to_state: OrderStateName
    party: Literal["buyer", "seller"]
    organisation_id: uuid.UUID
    user_id: uuid.UUID | None
    at: dt.datetime
    note: str | None


def step_view(step: OrderStep) -> OrderStepView:
    """The response body of a step."""
    return OrderStepView(
        action=step.action.value,
        from_state=None if step.from_state is None else step.from_state.value,
        to_state=step.to_state.value,
        party=step.party.value,
        organisation_id=step.organisation_id,
        user_id=step.user_id,
        at=step.at,
        note=step.note,
    )


class OrderView(msgspec.Struct, frozen=True):
    """An order, and its history when shown alone."""

    id: uuid.UUID
    listing_id: uuid.UUID
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID
    buyer_user_id: uuid.UUID | None
    state: OrderStateName
    price: MoneyView
    platform_fee: MoneyView
    placed_at: dt.datetime
    updated_at: dt.datetime
    note: str | None
    history: list[OrderStepView] | None = None


def order_view(order: Order, history: list[OrderStep] | None = None) -> OrderView:
    """The response body of an order."""
    return OrderView(
        id=order.id,
        listing_id=order.listing_id,
        seller_organisation_id=order.seller_organisation_id,
        buyer_organisation_id=order.buyer_organisation_id,
        buyer_user_id=order.buyer_user_id,
        state=order.status.value,
        price=money_view(order.price),
        platform_fee=money_view(order.platform_fee),
        placed_at=order.placed_at,
        updated_at=order.updated_at,
        note=order.note,
        history=None if history is None else [step_view(s) for s in history],
    )


class OrderPage(msgspec.Struct, frozen=True):
    """A page of orders."""

    items: list[OrderView]
    total: int
    limit: int
    offset: int


class EntryView(msgspec.Struct, frozen=True):
    """One entry of a posting: an amount (positive in, negative out) on an account."""

    account: Literal["buyer", "seller", "platform_fees", "payouts"]
    organisation_id: uuid.UUID | None
    amount: int
    currency: str


class PostingView(msgspec.Struct, frozen=True):
    """A balanced posting: one movement of money."""

    id: uuid.UUID
    kind: Literal["payment", "platform_fee", "refund", "fee_refund", "payout"]
    at: dt.datetime
    entries: list[EntryView]


class LedgerView(msgspec.Struct, frozen=True):
    """An order's postings and their sum per currency (always zero)."""

    postings: list[PostingView]
    balances: dict[str, int]


def ledger_view(postings: list[Posting]) -> LedgerView:
    """The response body of an order's ledger."""
    return LedgerView(
        postings=[
            PostingView(
                p.id,
                p.kind.value,
                p.at,
                [
                    EntryView(
                        e.account.kind.value,
                        e.account.organisation_id,
                        e.money.amount,
                        e.money.currency.code,
                    )
                    for e in p.entries
                ],
            )
            for p in postings
        ],
        balances=balances(e for p in postings for e in p.entries),
    )
