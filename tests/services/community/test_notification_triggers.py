"""Notifications the platform's events send, through the app's bus: an order paid (to the
seller's acting members, never its viewers) or handed over (to the buyer's), an inquiry, a
saved listing's price drop (``/community/saved-listings``), a reply in a followed thread;
each event once, however often it arrives; on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from notification_testkit import client_factory, community_database, service_token, user_token

from reptidex.domain.events import DomainEvent, new_event
from reptidex.services.kernel.app import kernel_of

__all__ = ["client_factory", "community_database"]


def _publish(client: Any, *events: DomainEvent) -> None:
    bus = kernel_of(client.app).events.bus
    with client.portal() as portal:
        for event in events:
            portal.call(bus.publish, event)


def _core(kind: str, **payload: Any) -> DomainEvent:
    return new_event(kind, producer="core", payload={k: str(v) for k, v in payload.items()})


def _titles(client: Any, user: uuid.UUID) -> list[str]:
    page = client.get("/notifications", headers=user_token(user)).json()
    return [item["title"] for item in page["items"]]


def _order(kind: str, seller: uuid.UUID, buyer: uuid.UUID) -> DomainEvent:
    return new_event(
        kind,
        producer="commerce",
        payload={
            "order_id": "7f1c",
            "listing_id": str(uuid.uuid4()),
            "seller_organisation_id": str(seller),
            "buyer_organisation_id": str(buyer),
            "state": kind.removeprefix("order."),
            "previous_state": "pending",
            "party": "seller",
            "price_amount": 12000,
            "currency": "EUR",
            "platform_fee_amount": 0,
        },
    )


def test_orders_and_inquiries_notify_the_acting_members(client_factory: Any) -> None:
    client = client_factory()
    seller, buyer = uuid.uuid4(), uuid.uuid4()
    sam, vic, kim, bea = (uuid.uuid4() for _ in range(4))
    _publish(
        client,
        _core("user.organisation_created", organisation_id=seller, name="Scales", owner_id=sam),
        _core("user.joined_organisation", organisation_id=seller, user_id=vic, role="viewer"),
        _core("user.joined_organisation", organisation_id=seller, user_id=kim, role="viewer"),
        _core(
            "user.role_changed",
            organisation_id=seller,
            user_id=kim,
            old_role="viewer",
            new_role="member",
        ),
        _core("user.joined_organisation", organisation_id=buyer, user_id=bea, role="member"),
    )
    paid = _order("order.paid", seller, buyer)
    _publish(client, paid, paid)  # delivered twice: notified once
    assert _titles(client, sam) == _titles(client, kim) == ["Order paid"]
    assert _titles(client, vic) == _titles(client, bea) == []
    body = client.get("/notifications", headers=user_token(sam)).json()["items"][0]
    assert body["body"] == "Order 7f1c was paid: 120.00 EUR. Get the animal ready to ship."
    assert body["link"] == "/orders/7f1c"
    assert body["event_id"] == str(paid.id)

    _publish(client, _order("order.handed_over", seller, buyer))
    assert _titles(client, bea) == ["Order on its way"]
    assert _titles(client, sam) == ["Order paid"]

    _publish(
        client,
        _core(
            "user.left_organisation",
            organisation_id=seller,
            user_id=kim,
            role="member",
            removed_by=kim,
        ),
        _inquiry("listing.inquiry_received", seller, buyer),
    )
    assert _titles(client, sam) == ["New inquiry", "Order paid"]
    assert _titles(client, kim) == ["Order paid"]
    inquiry = client.get("/notifications", headers=user_token(sam)).json()["items"][0]
    assert "Is she eating?" not in inquiry["body"]  # the message stays with commerce

    _publish(client, _inquiry("listing.inquiry_answered", seller, buyer, "Weekly, frozen/thawed."))
    assert _titles(client, bea) == ["Your inquiry was answered", "Order on its way"]
    assert _titles(client, sam) == ["New inquiry", "Order paid"]  # the seller hears nothing
    answered = client.get("/notifications", headers=user_token(bea)).json()["items"][0]
    assert answered["body"] == "The seller answered your inquiry about L-1."
    assert answered["link"] == "/listings/L-1/inquiries"


def _inquiry(
    kind: str, seller: uuid.UUID, buyer: uuid.UUID, answer: str | None = None
) -> DomainEvent:
    return new_event(
        kind,
        producer="commerce",
        payload={
            "inquiry_id": str(uuid.uuid4()),
            "listing_id": "L-1",
            "seller_organisation_id": str(seller),
            "buyer_organisation_id": str(buyer),
            "message": "Is she eating?",
            "answer": answer,
        },
    )


def _price_change(
    listing: uuid.UUID, before: int, after: int, currency: str = "EUR"
) -> DomainEvent:
    return new_event(
        "listing.updated",
        producer="commerce",
        payload={
            "listing_id": str(listing),
            "animal_id": str(uuid.uuid4()),
            "species": "python_regius",
            "state": "available",
            "price_amount": after,
            "currency": currency,
            "changed": ["price"],
            "before": {"price": {"amount": before, "currency": currency}},
            "after": {"price": {"amount": after, "currency": currency}},
        },
    )


def test_a_saved_listing_dropping_in_price_notifies_who_saved_it(client_factory: Any) -> None:
    client = client_factory()
    ann, bob = uuid.uuid4(), uuid.uuid4()
    listing, other = uuid.uuid4(), uuid.uuid4()
    saves = "/community/saved-listings"
    first = client.put(f"{saves}/{listing}", headers=user_token(ann))
    assert first.status_code == 200, first.text
    assert first.json() == {"listing_id": str(listing), "saved": True}
    assert client.put(f"{saves}/{listing}", headers=user_token(ann)).json()["saved"] is False
    assert client.put(f"{saves}/{other}", headers=user_token(bob)).status_code == 200
    page = client.get(saves, headers=user_token(ann)).json()
    assert [i["listing_id"] for i in page["items"]] == [str(listing)]
    assert page["total"] == 1
    assert client.put(f"{saves}/{listing}").status_code == 401
    assert client.put(f"{saves}/{listing}", headers=service_token()).status_code == 403

    _publish(client, _price_change(listing, 20000, 25000))  # up: nothing
    _publish(client, _price_change(listing, 25000, 18000))
    assert _titles(client, ann) == ["Price drop on a saved listing"]
    assert _titles(client, bob) == []
    drop = client.get("/notifications", headers=user_token(ann)).json()["items"][0]
    assert drop["body"] == "A listing you saved dropped from 250.00 EUR to 180.00 EUR."

    assert client.delete(f"{saves}/{listing}", headers=user_token(ann)).status_code == 204
    assert client.delete(f"{saves}/{listing}", headers=user_token(ann)).status_code == 404
    _publish(client, _price_change(listing, 18000, 15000))
    assert _titles(client, ann) == ["Price drop on a saved listing"]


def test_a_reply_notifies_the_threads_followers_but_its_author(client_factory: Any) -> None:
    client = client_factory()
    ann, bob, author = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    thread, post = uuid.uuid4(), uuid.uuid4()
    reply = new_event(
        "community.post_created",
        producer="community",
        payload={
            "thread_id": str(thread),
            "post_id": str(post),
            "author_id": str(author),
            "follower_ids": [str(ann), str(bob), str(author), str(ann)],
        },
    )
    _publish(client, reply, reply)
    assert _titles(client, ann) == _titles(client, bob) == ["New reply"]
    assert _titles(client, author) == []
    link = client.get("/notifications", headers=user_token(bob)).json()["items"][0]["link"]
    assert link == f"/community/threads/{thread}#post-{post}"
