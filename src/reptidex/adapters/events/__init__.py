"""Event buses behind :class:`~reptidex.domain.events.EventBus`: in-process and Redis Streams."""

from reptidex.adapters.events.memory import DeadLetter, InProcessEventBus

__all__ = ["DeadLetter", "InProcessEventBus"]
