"""Which events a webhook may subscribe to, and which organisations receive one.

Only kinds on the allow-list :data:`WEBHOOK_EVENT_KINDS` are delivered: events about an
organisation's animals, listings and orders. A subscription names exact kinds or a whole
family of the list (``listing.*``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from reptidex.domain.errors import InvalidInput
from reptidex.domain.events import DomainEvent

WEBHOOK_EVENT_KINDS: tuple[str, ...] = (
    "animal.created",
    "animal.updated",
    "animal.deleted",
    "animal.transferred",
    "listing.created",
    "listing.updated",
    "listing.state_changed",
    "listing.deleted",
    "order.placed",
    "order.paid",
    "order.handed_over",
    "order.completed",
    "order.cancelled",
    "order.refunded",
)
"""The event kinds a webhook may subscribe to (``docs/ops.md``)."""

WEBHOOK_FAMILIES: frozenset[str] = frozenset(kind.split(".", 1)[0] for kind in WEBHOOK_EVENT_KINDS)
"""The families of the allow-list: the patterns the event consumer subscribes to."""

MAX_KINDS = 32


def check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """The subscribed kinds, each an allow-listed kind or ``<family>.*`` of an allow-listed
    family; without repeats, sorted.

    >>> check_kinds(["order.*", "animal.updated", "order.*"])
    ('animal.updated', 'order.*')

    Raises:
        InvalidInput: none given, or one not on the allow-list.
    """
    chosen = sorted(set(kinds))
    if not chosen:
        raise InvalidInput(
            "Subscribe to at least one event kind.", field_errors={"event_kinds": "empty"}
        )
    if len(chosen) > MAX_KINDS:
        raise InvalidInput(
            f"At most {MAX_KINDS} event kinds.", field_errors={"event_kinds": "too many"}
        )
    unknown = [
        kind
        for kind in chosen
        if kind not in WEBHOOK_EVENT_KINDS
        and not (kind.endswith(".*") and kind[:-2] in WEBHOOK_FAMILIES)
    ]
    if unknown:
        raise InvalidInput(
            f"Not an event kind webhooks deliver: {', '.join(unknown)}.",
            field_errors={"event_kinds": "use GET /integrations/webhooks/event-kinds"},
        )
    return tuple(chosen)


def wants(kinds: Iterable[str], event_type: str) -> bool:
    """Whether a subscription to ``kinds`` gets an event of ``event_type`` (only allow-listed
    types are ever delivered).

    >>> wants(["listing.*"], "listing.deleted"), wants(["listing.*"], "listing.inquiry_received")
    (True, False)
    """
    if event_type not in WEBHOOK_EVENT_KINDS:
        return False
    family = event_type.partition(".")[0]
    return any(kind in (event_type, f"{family}.*") for kind in kinds)


def _organisation(value: object) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def audience(event: DomainEvent) -> frozenset[uuid.UUID]:
    """The organisations whose webhooks get ``event``: the one it belongs to (its envelope's
    ``organisation_id``), and the other party where the event names one: both parties of an
    order, the receiving organisation of a transferred animal.

    >>> import uuid; from reptidex.domain.events import new_event
    >>> seller, buyer = uuid.uuid4(), uuid.uuid4()
    >>> placed = new_event("order.placed", producer="commerce", organisation_id=buyer,
    ...     payload={"seller_organisation_id": str(seller), "buyer_organisation_id": str(buyer)})
    >>> audience(placed) == {seller, buyer}
    True
    """
    found = {event.organisation_id}
    if event.family == "order":
        found |= {
            _organisation(event.payload.get("seller_organisation_id")),
            _organisation(event.payload.get("buyer_organisation_id")),
        }
    elif event.type == "animal.transferred":
        found.add(_organisation(event.payload.get("to_organisation_id")))
    return frozenset(o for o in found if o is not None)
