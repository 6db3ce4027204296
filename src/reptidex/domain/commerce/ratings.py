"""Ratings: once an order is completed, its buyer rates the seller and its seller rates the
buyer, each once (1 to 5, with an optional comment). A party's second rating of the order is
a :class:`Conflict`; an order the actor is no party to is :class:`NotFound`; an order not
completed yet is a :class:`Conflict`. Each rating stages ``order.rated``."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

import msgspec

from reptidex.domain.audit import snapshot
from reptidex.domain.commerce.audit import audit
from reptidex.domain.commerce.events import PRODUCER
from reptidex.domain.commerce.members import Member
from reptidex.domain.commerce.order_model import OrderState, Party
from reptidex.domain.commerce.ports import Orders
from reptidex.domain.errors import Conflict, InvalidInput, NotFound
from reptidex.domain.events import Outbox, new_event

MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True)
class Rating:
    """One party's rating of the other after an order."""

    order_id: uuid.UUID
    rater_organisation_id: uuid.UUID
    rated_organisation_id: uuid.UUID
    rater_party: Party
    score: int
    comment: str | None
    rated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RatingSummary:
    """The ratings an organisation received in one role: how many, and their mean (exact)."""

    count: int
    total: int

    @property
    def average(self) -> Fraction | None:
        """The mean score, ``None`` without ratings."""
        return Fraction(self.total, self.count) if self.count else None


class Ratings(Protocol):
    """The ratings."""

    async def add(self, rating: Rating) -> None:
        """Keep a rating; :class:`Conflict` when the rater already rated the order."""

    async def summary(self, organisation_id: uuid.UUID, *, as_seller: bool) -> RatingSummary:
        """The ratings the organisation received as the seller (or the buyer) of orders."""


class RatingUnitOfWork(Protocol):
    """What rating an order works with, in one transaction."""

    @property
    def orders(self) -> Orders:
        """The orders."""

    @property
    def ratings(self) -> Ratings:
        """The ratings."""

    @property
    def outbox(self) -> Outbox:
        """Where events are staged."""

    async def commit(self) -> None:
        """Make the changes and the staged events durable, together."""


class OrderRated(msgspec.Struct, frozen=True):
    """``order.rated``."""

    order_id: str
    rater_organisation_id: str
    rated_organisation_id: str
    rater_party: str
    score: int


async def rate_order(
    uow: RatingUnitOfWork,
    actor: Member,
    order_id: uuid.UUID,
    score: int,
    comment: str | None,
    now: dt.datetime,
) -> Rating:
    """Rate the other party of a completed order, once (the ratings refuse a second one,
    even one racing this)."""
    actor.require_writer()
    if not 1 <= score <= 5:
        raise InvalidInput("A score is 1 to 5.", field_errors={"score": "1 to 5"})
    if comment is not None and len(comment) > MAX_COMMENT:
        raise InvalidInput(
            f"A comment is at most {MAX_COMMENT} characters.",
            field_errors={"comment": f"at most {MAX_COMMENT} characters"},
        )
    order = await uow.orders.get(order_id)
    party = None if order is None else order.party_of(actor.organisation_id)
    if order is None or party is None:
        raise NotFound(f"No order {order_id} of yours.")
    if order.status is not OrderState.COMPLETED:
        raise Conflict(f"An order is rated once completed (it is {order.status.value}).")
    rated = order.seller_organisation_id if party is Party.BUYER else order.buyer_organisation_id
    rating = Rating(order.id, actor.organisation_id, rated, party, score, comment, now)
    await uow.ratings.add(rating)
    uow.outbox.add(
        new_event(
            "order.rated",
            producer=PRODUCER,
            payload=OrderRated(
                str(order.id), str(actor.organisation_id), str(rated), party.value, score
            ),
            organisation_id=actor.organisation_id,
            actor_id=actor.user_id,
            occurred_at=now,
        )
    )
    audit(
        uow.outbox,
        "rating",
        order.id,
        "created",
        organisation_id=actor.organisation_id,
        actor_id=actor.user_id,
        after=snapshot(rating),
    )
    await uow.commit()
    return rating
