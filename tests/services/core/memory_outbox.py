"""The outbox of the in-memory units of work: it keeps what a use case stages."""

from __future__ import annotations

from reptidex.domain.events import DomainEvent


class MemoryOutbox:
    def __init__(self) -> None:
        self.staged: list[DomainEvent] = []

    def add(self, event: DomainEvent) -> None:
        self.staged.append(event)
