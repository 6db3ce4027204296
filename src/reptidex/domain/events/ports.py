"""Ports for events: the outbox a use case writes to, the bus a relay publishes to and consumers
subscribe on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Protocol, Self

from reptidex.domain.events.envelope import DomainEvent

EventHandler = Callable[[DomainEvent], Awaitable[None]]
"""A consumer of one event; it must be safe to call twice with the same event."""


class Outbox(Protocol):
    """Where a use case records its events, inside the transaction of its state change."""

    def add(self, event: DomainEvent) -> None:
        """Record ``event`` to be published once the transaction commits."""


class OutboxUnitOfWork(Protocol):
    """One transaction with an outbox: a use case's state change and its events commit together.

    A service's unit of work extends this with its repositories. Leaving the ``async with``
    block without :meth:`commit` rolls everything back, events included.
    """

    @property
    def outbox(self) -> Outbox:
        """The outbox, in this transaction."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    async def commit(self) -> None:
        """Commit the changes and the staged events together."""
        ...


class EventPublisher(Protocol):
    """The bus side: delivers a committed event to its subscribers."""

    async def publish(self, event: DomainEvent) -> None:
        """Deliver ``event``."""


class EventBus(EventPublisher, Protocol):
    """A bus: publishers hand it events, subscribing services receive them.

    Subscribers belong to a *group* (the subscribing service's name): each event reaches every
    group once, whatever the number of replicas of that service. Delivery is at least once, so
    handlers must be idempotent (see the idempotent consumer helpers).
    """

    def subscribe(self, group: str, pattern: str, handler: EventHandler) -> None:
        """Call ``handler`` for every event whose type matches ``pattern`` (``animal.*``, an
        exact type, or ``*``), as part of ``group``. Delivery begins once the bus is started."""

    async def start(self) -> None:
        """Begin delivering to the subscriptions made so far (safe to call again after more)."""

    async def unsubscribe(self, group: str) -> None:
        """Stop delivering to ``group``'s handlers, letting the one in progress finish."""

    async def close(self) -> None:
        """Stop every delivery and release the bus's connections."""

    async def dead_letter_count(self) -> int:
        """How many events the bus holds as dead letters (given up after their deliveries)."""
