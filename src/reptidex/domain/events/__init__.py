"""Domain events: the versioned envelope every service publishes, and the registry of their names."""

from reptidex.domain.events.envelope import (
    EVENT_FAMILIES,
    DomainEvent,
    UnknownEventType,
    event_family,
    new_event,
)
from reptidex.domain.events.ports import (
    EventBus,
    EventHandler,
    EventPublisher,
    Outbox,
    OutboxUnitOfWork,
)
from reptidex.domain.events.subscriptions import (
    ANY_EVENT,
    check_pattern,
    decode_event,
    encode_event,
    pattern_families,
    pattern_matches,
)

__all__ = [
    "ANY_EVENT",
    "EVENT_FAMILIES",
    "DomainEvent",
    "EventBus",
    "EventHandler",
    "EventPublisher",
    "Outbox",
    "OutboxUnitOfWork",
    "UnknownEventType",
    "check_pattern",
    "decode_event",
    "encode_event",
    "event_family",
    "new_event",
    "pattern_families",
    "pattern_matches",
]
