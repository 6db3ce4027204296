"""Inquiries about listings (``/marketplace/listings/{id}/inquiries``,
``/marketplace/inquiries``) and a seller's view of a listing's reach
(``/marketplace/seller/listings/{id}/stats``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from reptidex.domain.commerce.inquiries import (
    MAX_MESSAGE,
    Inquiry,
    answer_inquiry,
    ask_about_listing,
    list_inquiries,
    listing_stats,
)
from reptidex.services.commerce.access import READ, SECURITY, WRITE, Browsing, CallerMember
from reptidex.services.commerce.listings import Limit, Offset

Message = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_MESSAGE, pattern=r"\S")]


class InquiryCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A question to the seller."""

    message: Message


class AnswerCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The seller's answer."""

    answer: Message


class InquiryView(msgspec.Struct, frozen=True):
    """An inquiry: the two sides by organisation (never an email address), the question and
    the answer once given."""

    id: uuid.UUID
    listing_id: uuid.UUID
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID
    message: str
    asked_at: dt.datetime
    answer: str | None
    answered_at: dt.datetime | None


class InquiryPage(msgspec.Struct, frozen=True):
    """A page of inquiries."""

    items: list[InquiryView]
    total: int
    limit: int
    offset: int


class ListingStatsView(msgspec.Struct, frozen=True):
    """How often a listing was seen (by others than its seller) and asked about."""

    listing_id: uuid.UUID
    views: int
    inquiries: int
    unanswered: int


def inquiry_view(inquiry: Inquiry) -> InquiryView:
    """The view of an inquiry."""
    return InquiryView(
        inquiry.id,
        inquiry.listing_id,
        inquiry.seller_organisation_id,
        inquiry.buyer_organisation_id,
        inquiry.message,
        inquiry.asked_at,
        inquiry.answer,
        inquiry.answered_at,
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class InquiryController(Controller):
    """Questions to sellers about their listings, and their answers."""

    path = "/marketplace"
    tags = ("marketplace",)
    security = SECURITY

    @post(
        "/listings/{listing_id:uuid}/inquiries",
        guards=WRITE,
        summary="Ask the seller about a listing",
        description="A question to the seller of a listing anyone may see (available, on "
        "hold, sold). The marketplace relays it: the seller sees the buyer's organisation, "
        "never an email address. Emits `listing.inquiry_received`. 404 for a listing the "
        "caller may not see, 422 for its own.",
        responses={404: ResponseSpec(None, description="No such listing")},
    )
    async def ask(
        self,
        member: CallerMember,
        uow: Browsing,
        listing_id: FromPath[uuid.UUID],
        data: JSONBody[InquiryCreate],
    ) -> InquiryView:
        """Ask about a listing."""
        return inquiry_view(await ask_about_listing(uow, member, listing_id, data.message, _now()))

    @get(
        "/inquiries",
        guards=READ,
        summary="List your inquiries",
        description="The inquiries the caller's organisation sent (`side=buyer`), received "
        "(`side=seller`) or either, newest first; `listing_id` and `answered` narrow them.",
    )
    async def list(
        self,
        member: CallerMember,
        uow: Browsing,
        side: Annotated[Literal["buyer", "seller"] | None, QueryParameter()] = None,
        listing_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        answered: Annotated[bool | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> InquiryPage:
        """A page of inquiries."""
        items, total = await list_inquiries(uow, member, side, listing_id, answered, limit, offset)
        return InquiryPage([inquiry_view(i) for i in items], total, limit, offset)

    @post(
        "/inquiries/{inquiry_id:uuid}/answer",
        guards=WRITE,
        status_code=200,
        summary="Answer an inquiry",
        description="The seller answers an inquiry, once (409 a second time); the buyer is "
        "told through `listing.inquiry_answered`. 403 for the buyer, 404 for others.",
        responses={
            403: ResponseSpec(None, description="The buyer's own inquiry"),
            404: ResponseSpec(None, description="No inquiry of the caller's organisation"),
            409: ResponseSpec(None, description="Answered already"),
        },
    )
    async def answer(
        self,
        member: CallerMember,
        uow: Browsing,
        inquiry_id: FromPath[uuid.UUID],
        data: JSONBody[AnswerCreate],
    ) -> InquiryView:
        """Answer an inquiry."""
        return inquiry_view(await answer_inquiry(uow, member, inquiry_id, data.answer, _now()))

    @get(
        "/seller/listings/{listing_id:uuid}/stats",
        guards=READ,
        summary="A listing's views and inquiries",
        description="How often one of the caller's listings was opened by others, how many "
        "inquiries it had and how many wait for an answer. 404 for another's listing.",
    )
    async def stats(
        self, member: CallerMember, uow: Browsing, listing_id: FromPath[uuid.UUID]
    ) -> ListingStatsView:
        """A listing's reach."""
        found = await listing_stats(uow, member, listing_id)
        return ListingStatsView(found.listing_id, found.views, found.inquiries, found.unanswered)
