"""The platform's events that notify people, as requests: which kind, with which
parameters, for whom.

==========================  =======================================  ===========================
event                       kind                                     recipients
==========================  =======================================  ===========================
``order.paid``              ``order.paid``                           the seller organisation's
``order.handed_over``       ``order.shipped``                        the buyer organisation's
``listing.inquiry_received``  ``inquiry.received``                   the seller organisation's
``listing.inquiry_answered``  ``inquiry.answered``                   the buyer organisation's
``listing.updated`` (price  ``listing.price_dropped``                everyone who saved it
lower, same currency)
``community.post_created``  ``thread.reply``                         the thread's followers but
                                                                     the author
==========================  =======================================  ===========================

An organisation's people are its members with the ``member`` role or higher (viewers only
look). Each notification's event id is the triggering event's, so a redelivered event
notifies nobody twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reptidex.domain.commerce.money import Money
from reptidex.domain.notifications.sending import Request


@dataclass(frozen=True, slots=True)
class ForOrganisation:
    """Notify the members of an organisation."""

    organisation_id: uuid.UUID
    request: Request


@dataclass(frozen=True, slots=True)
class ForUsers:
    """Notify these users."""

    user_ids: tuple[uuid.UUID, ...]
    request: Request


@dataclass(frozen=True, slots=True)
class ForSavers:
    """Notify everyone who saved a listing."""

    listing_id: uuid.UUID
    request: Request


Trigger = ForOrganisation | ForUsers | ForSavers


def _price(amount: object, currency: object) -> str:
    return Money.of(int(str(amount)), str(currency)).display()


def order_trigger(
    event_type: str, event_id: uuid.UUID, payload: Mapping[str, Any]
) -> Trigger | None:
    """``order.paid`` for the seller, ``order.handed_over`` for the buyer (else ``None``)."""
    order = str(payload["order_id"])
    link = f"/orders/{order}"
    if event_type == "order.paid":
        price = _price(payload["price_amount"], payload["currency"])
        request = Request("order.paid", {"order_id": order, "price": price}, event_id, link)
        return ForOrganisation(uuid.UUID(str(payload["seller_organisation_id"])), request)
    if event_type == "order.handed_over":
        request = Request("order.shipped", {"order_id": order}, event_id, link)
        return ForOrganisation(uuid.UUID(str(payload["buyer_organisation_id"])), request)
    return None


def inquiry_trigger(
    event_type: str, event_id: uuid.UUID, payload: Mapping[str, Any]
) -> Trigger | None:
    """``listing.inquiry_received``: the seller hears of it; ``listing.inquiry_answered``: the
    buyer hears of the answer (else ``None``). The message and the answer stay in commerce.

    >>> body = {"listing_id": "L-1", "seller_organisation_id": str(uuid.UUID(int=1)),
    ...         "buyer_organisation_id": str(uuid.UUID(int=2))}
    >>> answered = inquiry_trigger("listing.inquiry_answered", uuid.UUID(int=3), body)
    >>> answered.organisation_id.int, answered.request.kind
    (2, 'inquiry.answered')
    """
    kinds = {
        "listing.inquiry_received": ("inquiry.received", "seller_organisation_id"),
        "listing.inquiry_answered": ("inquiry.answered", "buyer_organisation_id"),
    }
    if event_type not in kinds:
        return None
    kind, recipient = kinds[event_type]
    listing = str(payload["listing_id"])
    request = Request(kind, {"listing_id": listing}, event_id, f"/listings/{listing}/inquiries")
    return ForOrganisation(uuid.UUID(str(payload[recipient])), request)


def price_drop_trigger(event_id: uuid.UUID, payload: Mapping[str, Any]) -> Trigger | None:
    """``listing.updated`` whose price went down (in the same currency); else ``None``.

    >>> before = {"price": {"amount": 20000, "currency": "EUR"}}
    >>> after = {"price": {"amount": 15000, "currency": "EUR"}}
    >>> body = {"listing_id": str(uuid.UUID(int=1)), "changed": ["price"], "before": before,
    ...         "after": after}
    >>> price_drop_trigger(uuid.UUID(int=2), body).request.parameters["new_price"]
    '150.00 EUR'
    >>> price_drop_trigger(uuid.UUID(int=2), {**body, "before": after, "after": before}) is None
    True
    """
    if "price" not in payload.get("changed", ()):
        return None
    before, after = payload["before"].get("price"), payload["after"].get("price")
    if not before or not after or before["currency"] != after["currency"]:
        return None
    if int(after["amount"]) >= int(before["amount"]):
        return None
    listing = str(payload["listing_id"])
    request = Request(
        "listing.price_dropped",
        {
            "listing_id": listing,
            "old_price": _price(before["amount"], before["currency"]),
            "new_price": _price(after["amount"], after["currency"]),
        },
        event_id,
        f"/listings/{listing}",
    )
    return ForSavers(uuid.UUID(listing), request)


def reply_trigger(event_id: uuid.UUID, payload: Mapping[str, Any]) -> Trigger | None:
    """``community.post_created`` (see ``docs/community-notifications.md`` for its payload):
    the thread's followers hear of the reply, its author does not."""
    author = uuid.UUID(str(payload["author_id"]))
    followers = tuple(dict.fromkeys(uuid.UUID(str(f)) for f in payload.get("follower_ids", ())))
    recipients = tuple(user for user in followers if user != author)
    if not recipients:
        return None
    thread, post = str(payload["thread_id"]), str(payload["post_id"])
    request = Request(
        "thread.reply",
        {"thread_id": thread},
        event_id,
        f"/community/threads/{thread}#post-{post}",
    )
    return ForUsers(recipients, request)
