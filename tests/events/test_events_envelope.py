"""The event envelope, the registry of families, subscription patterns and the wire form."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec
import pytest

from reptidex.domain.events import (
    EVENT_FAMILIES,
    UnknownEventType,
    check_pattern,
    decode_event,
    encode_event,
    event_family,
    new_event,
    pattern_families,
    pattern_matches,
)


class ClutchLaid(msgspec.Struct, frozen=True):
    clutch_id: str
    eggs: int


def test_every_registered_family_from_the_architecture_is_known() -> None:
    expected = {
        "user", "auth", "config", "billing", "animal", "lineage", "breeding", "genetics",
        "order", "listing", "seller", "transaction", "inventory", "file", "render", "embed",
        "search", "notification", "community", "audit", "admin", "integration",
    }  # fmt: skip
    assert expected == EVENT_FAMILIES


@pytest.mark.parametrize("event_type", ["pets.created", "Animal.created", "animal", "animal."])
def test_unknown_or_malformed_types_are_refused(event_type: str) -> None:
    with pytest.raises(UnknownEventType):
        event_family(event_type)
    with pytest.raises(UnknownEventType):
        new_event(event_type, producer="core")


def test_new_event_fills_the_envelope_from_a_versioned_payload() -> None:
    organisation = uuid.uuid4()
    event = new_event(
        "breeding.clutch.laid",
        producer="animal",
        payload=ClutchLaid("C-1", 8),
        version=2,
        organisation_id=organisation,
    )
    assert event.family == "breeding"
    assert event.version == 2
    assert event.payload == {"clutch_id": "C-1", "eggs": 8}
    assert event.organisation_id == organisation
    assert event.occurred_at.tzinfo is not None
    assert new_event("user.registered", producer="core").id != event.id


def test_wire_form_round_trips_and_is_checked() -> None:
    event = new_event("animal.created", producer="animal", payload={"name": "Aurora"})
    assert decode_event(encode_event(event)) == event
    with pytest.raises(msgspec.ValidationError):
        decode_event(b'{"type": "animal.created"}')
    forged = msgspec.json.encode(
        {
            "id": str(uuid.uuid4()),
            "type": "pets.created",
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "producer": "x",
        }
    )
    with pytest.raises(UnknownEventType):
        decode_event(forged)


@pytest.mark.parametrize(
    ("pattern", "event_type", "matches"),
    [
        ("animal.*", "animal.created", True),
        ("animal.*", "animal.photo.added", True),
        ("animal.*", "animals.created", False),
        ("animal.*", "lineage.linked", False),
        ("animal.created", "animal.created", True),
        ("animal.created", "animal.created_twice", False),
        ("breeding.clutch.*", "breeding.clutch.laid", True),
        ("breeding.clutch.*", "breeding.pair.made", False),
        ("*", "integration.webhook.received", True),
    ],
)
def test_patterns_match_families_subtrees_and_exact_types(
    pattern: str, event_type: str, matches: bool
) -> None:
    assert check_pattern(pattern) == pattern
    assert pattern_matches(pattern, event_type) is matches


def test_patterns_are_checked_against_the_registry() -> None:
    for bad in ("pets.*", "animal", "*.created", "Animal.*"):
        with pytest.raises(UnknownEventType):
            check_pattern(bad)
    assert pattern_families("lineage.*") == {"lineage"}
    assert pattern_families("*") == EVENT_FAMILIES


TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_an_event_stored_before_trace_context_decodes_without_one() -> None:
    older = msgspec.json.encode(
        {
            "id": str(uuid.uuid4()),
            "type": "animal.created",
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "producer": "animal",
            "payload": {"name": "Aurora"},
        }
    )
    assert decode_event(older).trace_context == {}


def test_the_trace_context_travels_with_the_event() -> None:
    event = msgspec.structs.replace(
        new_event("animal.created", producer="animal"), trace_context={"traceparent": TRACEPARENT}
    )
    assert decode_event(encode_event(event)).trace_context == {"traceparent": TRACEPARENT}
