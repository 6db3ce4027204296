"""Ports for events: the outbox a use case writes to, the publisher a relay sends to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from reptidex.domain.events.envelope import DomainEvent

EventHandler = Callable[[DomainEvent], Awaitable[None]]
"""A consumer of one event; it must be safe to call twice with the same event."""


class Outbox(Protocol):
    """Where a use case records its events, inside the transaction of its state change."""

    def add(self, event: DomainEvent) -> None:
        """Record ``event`` to be published once the transaction commits."""


class EventPublisher(Protocol):
    """The bus side: delivers a committed event to its subscribers."""

    async def publish(self, event: DomainEvent) -> None:
        """Deliver ``event``."""
