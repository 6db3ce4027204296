"""The event envelope: id, type, version, time, producer, organisation, actor and payload."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import msgspec

from reptidex.domain.time_ordered_ids import time_ordered_id

EVENT_FAMILIES: frozenset[str] = frozenset(
    {
        "user", "auth", "config", "billing", "animal", "lineage", "breeding", "genetics",
        "order", "listing", "seller", "transaction", "inventory", "file", "render", "embed",
        "search", "notification", "community", "audit", "admin", "integration",
    }
)  # fmt: skip
"""The registry of event families; an event type is ``<family>.<name>``."""

_EVENT_TYPE = re.compile(r"(?P<family>[a-z]+)\.(?P<name>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)")


class UnknownEventType(ValueError):
    """An event type that is malformed or names no registered family."""


def event_family(event_type: str) -> str:
    """The family of ``event_type``, checked against the registry.

    >>> event_family("animal.created")
    'animal'
    >>> event_family("pets.created")
    Traceback (most recent call last):
    ...
    reptidex.domain.events.envelope.UnknownEventType: unknown event family 'pets' in 'pets.created'

    Raises:
        UnknownEventType: when the type is malformed or its family is not registered.
    """
    match = _EVENT_TYPE.fullmatch(event_type)
    if match is None:
        raise UnknownEventType(
            f"event type {event_type!r} is not of the form family.name (lower case, e.g. user.registered)"
        )
    family = match.group("family")
    if family not in EVENT_FAMILIES:
        raise UnknownEventType(f"unknown event family {family!r} in {event_type!r}")
    return family


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One thing that happened, as every service publishes and consumes it.

    ``version`` is the version of the payload's shape for this ``type``; consumers that know
    only older versions can tell. ``id`` makes handling idempotent. ``trace_context`` holds the
    W3C ``traceparent`` (and ``tracestate``) of the request that produced the event, when that
    request was traced; events without it (tracing off, stored before) decode the same.
    """

    id: uuid.UUID
    type: str
    version: int = 1
    occurred_at: dt.datetime
    producer: str
    organisation_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    payload: dict[str, Any] = msgspec.field(default_factory=dict)
    trace_context: dict[str, str] = msgspec.field(default_factory=dict)

    @property
    def family(self) -> str:
        """The family of this event's type (``user``, ``animal``, …)."""
        return self.type.split(".", 1)[0]


def new_event(
    event_type: str,
    *,
    producer: str,
    payload: msgspec.Struct | dict[str, Any] | None = None,
    version: int = 1,
    organisation_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    occurred_at: dt.datetime | None = None,
) -> DomainEvent:
    """Create an event with a fresh id, checking its type against the registry.

    ``payload`` is a versioned msgspec Struct (preferred) or a plain mapping.

    >>> event = new_event("user.registered", producer="core", payload={"email": "a@b.c"})
    >>> event.family, event.version, event.payload
    ('user', 1, {'email': 'a@b.c'})
    """
    event_family(event_type)
    body: dict[str, Any]
    if payload is None:
        body = {}
    elif isinstance(payload, msgspec.Struct):
        body = msgspec.to_builtins(payload)
    else:
        body = dict(payload)
    return DomainEvent(
        id=time_ordered_id(),
        type=event_type,
        version=version,
        occurred_at=occurred_at or dt.datetime.now(dt.UTC),
        producer=producer,
        organisation_id=organisation_id,
        actor_id=actor_id,
        payload=body,
    )
