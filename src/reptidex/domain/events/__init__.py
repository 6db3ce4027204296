"""Domain events: the versioned envelope every service publishes, and the registry of their names."""

from reptidex.domain.events.envelope import (
    EVENT_FAMILIES,
    DomainEvent,
    UnknownEventType,
    event_family,
    new_event,
)
from reptidex.domain.events.ports import EventHandler, EventPublisher, Outbox

__all__ = [
    "EVENT_FAMILIES",
    "DomainEvent",
    "EventHandler",
    "EventPublisher",
    "Outbox",
    "UnknownEventType",
    "event_family",
    "new_event",
]
