"""Inquiries and views: a buyer's question to the seller about a listing, the seller's
answer, and how often each listing was seen and asked about.

The marketplace relays the messages itself: both sides are named by their organisation, never
by an email address (neither the API nor the events carry one); ``listing.inquiry_received``
and ``listing.inquiry_answered`` let the notifications reach the other side. A listing is
asked about while anyone may see it (available, on hold, sold), never by its own seller; the
seller answers once. A view is counted each time someone other than the seller opens a
listing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Literal, Protocol

import msgspec

from reptidex.domain.audit import snapshot
from reptidex.domain.commerce.audit import CORRESPONDENCE, audit
from reptidex.domain.commerce.events import PRODUCER
from reptidex.domain.commerce.listing_model import Listing
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.ports import Listings
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events import Outbox, new_event

MAX_MESSAGE = 2000
MAX_PAGE = 100
Side = Literal["buyer", "seller"]


@dataclass(frozen=True, slots=True)
class Inquiry:
    """A buyer's question about a listing, and the seller's answer once given."""

    id: uuid.UUID
    listing_id: uuid.UUID
    seller_organisation_id: uuid.UUID
    buyer_organisation_id: uuid.UUID
    message: str
    asked_at: dt.datetime
    answer: str | None = None
    answered_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ListingStats:
    """What a seller sees of a listing's reach."""

    listing_id: uuid.UUID
    views: int
    inquiries: int
    unanswered: int


class Inquiries(Protocol):
    """The inquiries; reads see those the transaction's organisation is party to."""

    async def add(self, inquiry: Inquiry) -> None:
        """Keep a new inquiry."""

    async def get(self, inquiry_id: uuid.UUID) -> Inquiry | None:
        """The inquiry, if the transaction may see it."""

    async def answer(self, inquiry: Inquiry) -> bool:
        """Store the answer of an inquiry not answered yet; ``False`` when it already was."""

    async def of_organisation(
        self,
        organisation_id: uuid.UUID,
        side: Side | None,
        listing_id: uuid.UUID | None,
        answered: bool | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Inquiry], int]:
        """A page of the inquiries the organisation sent (``buyer``), received (``seller``) or
        either, newest first, and the total."""

    async def counts(self, listing_id: uuid.UUID) -> tuple[int, int]:
        """The listing's inquiries, and how many are unanswered."""


class ListingViews(Protocol):
    """The views of listings."""

    async def count(self, listing: Listing, at: dt.datetime) -> None:
        """Count one view of a listing."""

    async def of_listing(self, listing_id: uuid.UUID) -> int:
        """How often the listing was viewed."""


class InquiryUnitOfWork(Protocol):
    """What inquiries and views work with, in one transaction."""

    @property
    def listings(self) -> Listings:
        """The listings."""

    @property
    def inquiries(self) -> Inquiries:
        """The inquiries."""

    @property
    def views(self) -> ListingViews:
        """The views."""

    @property
    def outbox(self) -> Outbox:
        """Where events are staged."""

    async def commit(self) -> None:
        """Make the changes and the staged events durable, together."""


class InquiryEvent(msgspec.Struct, frozen=True):
    """``listing.inquiry_received`` / ``listing.inquiry_answered``: for the notifications of
    the other side (organisations only: no email address)."""

    inquiry_id: str
    listing_id: str
    seller_organisation_id: str
    buyer_organisation_id: str
    message: str
    answer: str | None = None


def _text(value: str, field: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_MESSAGE:
        raise InvalidInput(
            f"The {field} is 1 to {MAX_MESSAGE} characters.",
            field_errors={field: f"1 to {MAX_MESSAGE} characters"},
        )
    return text


def _fields(inquiry: Inquiry) -> dict[str, object]:
    """An inquiry as its audit records show it: what it holds so far."""
    return {k: v for k, v in snapshot(inquiry, drop={"id"}).items() if v is not None}


def _stage(
    uow: InquiryUnitOfWork,
    kind: str,
    inquiry: Inquiry,
    actor: Member,
    before: Inquiry | None = None,
) -> None:
    uow.outbox.add(
        new_event(
            kind,
            producer=PRODUCER,
            payload=InquiryEvent(
                str(inquiry.id),
                str(inquiry.listing_id),
                str(inquiry.seller_organisation_id),
                str(inquiry.buyer_organisation_id),
                inquiry.message,
                inquiry.answer,
            ),
            organisation_id=actor.organisation_id,
            actor_id=actor.user_id,
        )
    )
    audit(
        uow.outbox,
        "inquiry",
        inquiry.id,
        "answered" if before else "created",
        organisation_id=actor.organisation_id,
        actor_id=actor.user_id,
        before=_fields(before) if before else None,
        after=_fields(inquiry),
        withhold=CORRESPONDENCE,
    )


async def ask_about_listing(
    uow: InquiryUnitOfWork,
    actor: Member,
    listing_id: uuid.UUID,
    message: str,
    now: dt.datetime,
) -> Inquiry:
    """Send the seller of a listing a question; stages ``listing.inquiry_received``."""
    actor.require_writer()
    text = _text(message, "message")
    listing = await uow.listings.get(listing_id)
    if listing is None or not listing.is_public():
        raise NotFound(f"No listing {listing_id}.")
    if listing.organisation_id == actor.organisation_id:
        raise InvalidInput("You cannot ask about your own listing.")
    inquiry = Inquiry(
        uuid.uuid4(), listing.id, listing.organisation_id, actor.organisation_id, text, now
    )
    await uow.inquiries.add(inquiry)
    _stage(uow, "listing.inquiry_received", inquiry, actor)
    await uow.commit()
    return inquiry


async def answer_inquiry(
    uow: InquiryUnitOfWork,
    actor: Member,
    inquiry_id: uuid.UUID,
    answer: str,
    now: dt.datetime,
) -> Inquiry:
    """The seller answers an inquiry, once; stages ``listing.inquiry_answered``."""
    actor.require_writer()
    text = _text(answer, "answer")
    inquiry = await uow.inquiries.get(inquiry_id)
    if inquiry is None or actor.organisation_id not in (
        inquiry.seller_organisation_id,
        inquiry.buyer_organisation_id,
    ):
        raise NotFound(f"No inquiry {inquiry_id} of yours.")
    if actor.organisation_id != inquiry.seller_organisation_id:
        raise PermissionDenied("The seller answers an inquiry.")
    answered = replace(inquiry, answer=text, answered_at=now)
    if inquiry.answer is not None or not await uow.inquiries.answer(answered):
        raise Conflict("This inquiry is answered already.")
    _stage(uow, "listing.inquiry_answered", answered, actor, inquiry)
    await uow.commit()
    return answered


async def list_inquiries(
    uow: InquiryUnitOfWork,
    actor: Member,
    side: Side | None,
    listing_id: uuid.UUID | None,
    answered: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[Inquiry], int]:
    """A page of the inquiries the actor's organisation sent or received."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"limit is 1 to {MAX_PAGE}.", field_errors={"limit": f"1 to {MAX_PAGE}"})
    return await uow.inquiries.of_organisation(
        actor.organisation_id, side, listing_id, answered, limit, offset
    )


async def count_view(
    uow: InquiryUnitOfWork, listing: Listing, viewer: uuid.UUID | None, now: dt.datetime
) -> None:
    """Count a view of a listing by anyone but its seller."""
    if viewer == listing.organisation_id:
        return
    await uow.views.count(listing, now)
    await uow.commit()


async def listing_stats(
    uow: InquiryUnitOfWork, actor: Member, listing_id: uuid.UUID
) -> ListingStats:
    """Views and inquiries of one of the actor's listings."""
    listing = await uow.listings.get(listing_id)
    if listing is None or listing.organisation_id != actor.organisation_id:
        raise NotFound(f"No listing {listing_id} of yours.")
    inquiries, unanswered = await uow.inquiries.counts(listing.id)
    return ListingStats(listing.id, await uow.views.of_listing(listing.id), inquiries, unanswered)
