"""Event buses behind :class:`~reptidex.domain.events.EventBus`: in-process and Redis Streams."""

from reptidex.adapters.events.memory import DeadLetter, InProcessEventBus
from reptidex.adapters.events.redis_idempotency import EventInProgress, RedisIdempotency
from reptidex.adapters.events.redis_streams import RedisStreamBus

__all__ = [
    "DeadLetter",
    "EventInProgress",
    "InProcessEventBus",
    "RedisIdempotency",
    "RedisStreamBus",
]
