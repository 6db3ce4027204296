"""The in-process bus: the embedded default, shared by every service running in one process.

``publish`` returns once every subscribing group has handled the event (or given up on it), so a
relay stamps an outbox row as published only after its in-process consumers ran: if the process
dies first, the row is published again at the next start (at least once, as with Redis).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog

from reptidex.domain.events import (
    DomainEvent,
    EventHandler,
    check_pattern,
    pattern_matches,
)

_log = structlog.get_logger("reptidex.events.memory")


@dataclass(frozen=True, slots=True)
class _Subscription:
    group: str
    pattern: str
    handler: EventHandler


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event a group's handler still failed on after every attempt."""

    group: str
    event: DomainEvent
    error: str
    attempts: int


@dataclass(slots=True)
class _Group:
    subscriptions: list[_Subscription] = field(default_factory=list)
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)


class InProcessEventBus:
    """An :class:`~reptidex.domain.events.EventBus` delivering by direct calls in this process.

    Each group's matching handlers run in turn; groups run concurrently. A handler that raises is
    retried up to ``max_attempts`` times in all, ``retry_delay`` seconds apart (doubling); then
    the event is logged and kept in :attr:`dead_letters` for that group, and the others still get it.
    """

    def __init__(self, *, max_attempts: int = 3, retry_delay: float = 0.05) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.dead_letters: list[DeadLetter] = []
        self._groups: dict[str, _Group] = {}
        self._closed = False

    def subscribe(self, group: str, pattern: str, handler: EventHandler) -> None:
        """Call ``handler`` for events matching ``pattern`` as part of ``group``."""
        check_pattern(pattern)
        self._groups.setdefault(group, _Group()).subscriptions.append(
            _Subscription(group, pattern, handler)
        )

    async def start(self) -> None:
        """Nothing to start: delivery is by direct calls."""
        if self._closed:
            raise RuntimeError("the event bus is closed")

    async def publish(self, event: DomainEvent) -> None:
        """Deliver ``event`` to every group with a matching subscription, and wait for them."""
        if self._closed:
            raise RuntimeError("the event bus is closed")
        deliveries = []
        for name, group in self._groups.items():
            handlers = [s for s in group.subscriptions if pattern_matches(s.pattern, event.type)]
            if handlers:
                task = asyncio.ensure_future(self._deliver(name, handlers, event))
                group.in_flight.add(task)
                task.add_done_callback(group.in_flight.discard)
                deliveries.append(task)
        if deliveries:
            await asyncio.gather(*deliveries)

    async def _deliver(
        self, group: str, subscriptions: list[_Subscription], event: DomainEvent
    ) -> None:
        for subscription in subscriptions:
            await self._call(subscription, event)

    async def _call(self, subscription: _Subscription, event: DomainEvent) -> None:
        delay = self.retry_delay
        for attempt in range(1, self.max_attempts + 1):
            try:
                await subscription.handler(event)
                return
            except Exception as exc:
                last_attempt = attempt == self.max_attempts
                _log.warning(
                    "event handler failed",
                    group=subscription.group,
                    pattern=subscription.pattern,
                    event_id=str(event.id),
                    event_type=event.type,
                    attempt=attempt,
                    giving_up=last_attempt,
                    error=repr(exc),
                )
                if last_attempt:
                    self.dead_letters.append(
                        DeadLetter(subscription.group, event, repr(exc), attempt)
                    )
                    return
            await asyncio.sleep(delay)
            delay *= 2

    async def unsubscribe(self, group: str) -> None:
        """Remove ``group``'s handlers once the deliveries to it in progress have finished."""
        found = self._groups.pop(group, None)
        if found is not None and found.in_flight:
            await asyncio.gather(*found.in_flight, return_exceptions=True)

    async def dead_letter_count(self) -> int:
        """The dead letters this process's bus keeps (:attr:`dead_letters`)."""
        return len(self.dead_letters)

    async def close(self) -> None:
        """Refuse further events and wait for deliveries in progress."""
        self._closed = True
        for name in list(self._groups):
            await self.unsubscribe(name)
