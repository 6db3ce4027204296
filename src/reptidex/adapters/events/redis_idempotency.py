"""Idempotent consumers without a database: a Redis key per (group, event id).

For handlers whose effect is not in the service's database (sending a mail, calling a peer,
updating a cache). A handler's effect and its "done" mark cannot share a transaction here, so the
mark has two states:

``processing``
    set with ``SET NX`` and a short lease before the handler runs. A second delivery that finds
    it raises :class:`EventInProgress`, so the entry is not acknowledged and comes back later.
    If the consumer dies, the lease runs out and a redelivery runs the handler again.
``done``
    set after the handler returned, kept for ``ttl`` (longer than any redelivery can take).
    A delivery that finds it does nothing.

A handler that fails clears the mark, so the next delivery runs it again. The window that remains
(the handler finished but the consumer died before writing ``done``) is why such handlers should
themselves tolerate a repeat; handlers that write to the service database should use the SQL
helper instead, which records the event in the same transaction as the effect.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from reptidex.domain.events import DomainEvent, EventHandler

_PROCESSING = b"processing"
_DONE = b"done"


class EventInProgress(RuntimeError):
    """Another delivery of this event to this group is being handled right now."""


class RedisIdempotency:
    """Wraps handlers so an event id already handled by a group has no second effect."""

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        prefix: str = "reptidex:processed",
        ttl: float = 7 * 24 * 3600.0,
        lease: float = 60.0,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_ms = int(ttl * 1000)
        self.lease_ms = int(lease * 1000)

    def key(self, group: str, event: DomainEvent) -> str:
        """The Redis key marking ``event`` for ``group``."""
        return f"{self.prefix}:{group}:{event.id}"

    def wrap(self, group: str, handler: EventHandler) -> EventHandler:
        """``handler``, run at most once to completion per event id within ``group``."""

        async def handle_once(event: DomainEvent) -> None:
            key = self.key(group, event)
            if not await self.redis.set(key, _PROCESSING, nx=True, px=self.lease_ms):
                state = await self.redis.get(key)
                if state in (_DONE, _DONE.decode()):
                    return
                raise EventInProgress(f"event {event.id} is being handled by {group} already")
            try:
                await handler(event)
            except Exception:
                await self.redis.delete(key)
                raise
            await self.redis.set(key, _DONE, px=self.ttl_ms)

        return handle_once
