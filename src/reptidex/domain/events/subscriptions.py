"""Which events a subscriber wants: patterns over event types, and the wire form of an event."""

from __future__ import annotations

import msgspec

from reptidex.domain.events.envelope import (
    EVENT_FAMILIES,
    DomainEvent,
    UnknownEventType,
    event_family,
)

ANY_EVENT = "*"
"""The pattern that matches every event type of every family."""

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(DomainEvent)


def check_pattern(pattern: str) -> str:
    """Return ``pattern`` when it is a valid subscription pattern.

    A pattern is ``*`` (everything), ``<family>.*`` (a whole family, or ``<family>.<name>.*`` for a
    sub-tree) or an exact event type; its family must be in the registry.

    >>> check_pattern("animal.*")
    'animal.*'
    >>> check_pattern("pets.*")
    Traceback (most recent call last):
    ...
    reptidex.domain.events.envelope.UnknownEventType: unknown event family 'pets' in pattern 'pets.*'

    Raises:
        UnknownEventType: when the pattern is malformed or names no registered family.
    """
    if pattern == ANY_EVENT:
        return pattern
    if not pattern.endswith(".*"):
        event_family(pattern)
        return pattern
    stem = pattern[:-2]
    if "." in stem:
        event_family(stem)
    elif stem not in EVENT_FAMILIES:
        raise UnknownEventType(f"unknown event family {stem!r} in pattern {pattern!r}")
    return pattern


def pattern_matches(pattern: str, event_type: str) -> bool:
    """Whether ``event_type`` is one the subscription ``pattern`` asks for.

    >>> pattern_matches("animal.*", "animal.created"), pattern_matches("animal.*", "lineage.linked")
    (True, False)
    >>> pattern_matches("animal.created", "animal.created"), pattern_matches("*", "user.registered")
    (True, True)
    """
    if pattern == ANY_EVENT:
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def pattern_families(pattern: str) -> frozenset[str]:
    """The event families a pattern can match (every family for ``*``).

    >>> sorted(pattern_families("breeding.clutch.*"))
    ['breeding']
    """
    if pattern == ANY_EVENT:
        return EVENT_FAMILIES
    return frozenset({pattern.split(".", 1)[0]})


def encode_event(event: DomainEvent) -> bytes:
    """The JSON wire form of ``event`` (what a bus carries)."""
    return _encoder.encode(event)


def decode_event(data: bytes | str) -> DomainEvent:
    """Read an event back from its wire form, checking its type against the registry.

    Raises:
        msgspec.ValidationError: when ``data`` is not an event envelope.
        UnknownEventType: when its type names no registered family.
    """
    event = _decoder.decode(data)
    event_family(event.type)
    return event


__all__ = [
    "ANY_EVENT",
    "UnknownEventType",
    "check_pattern",
    "decode_event",
    "encode_event",
    "pattern_families",
    "pattern_matches",
]
