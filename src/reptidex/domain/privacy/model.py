"""A GDPR request and its progress in each service."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RequestKind(StrEnum):
    """What the user asked for."""

    EXPORT = "export"
    ERASURE = "erasure"


class TaskState(StrEnum):
    """Where one service's part of a request stands."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    """Given up after the last attempt (an operator may ask again with a new request)."""


@dataclass(slots=True)
class ServiceTask:
    """One service's part of a request: its attempts and, once done, its answer (the
    exported data, or the counts of what was erased)."""

    service: str
    status: TaskState = TaskState.PENDING
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None
    completed_at: dt.datetime | None = None
    result: dict[str, Any] | None = None


@dataclass(slots=True)
class PrivacyRequest:
    """A user's export or erasure, asked by the user or a platform administrator.

    ``pseudonym`` replaces the user's id in what an erasure keeps (audit records, orders)."""

    id: uuid.UUID
    kind: RequestKind
    subject_id: uuid.UUID
    requested_by: uuid.UUID
    created_at: dt.datetime
    pseudonym: uuid.UUID | None = None
    tasks: list[ServiceTask] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``pending`` while a service has not answered, ``failed`` when one was given up,
        else ``completed``."""
        states = {task.status for task in self.tasks}
        if TaskState.PENDING in states:
            return "pending"
        return "failed" if TaskState.FAILED in states else "completed"

    @property
    def completed_at(self) -> dt.datetime | None:
        """When the last service answered (``None`` while one has not)."""
        if self.status != "completed":
            return None
        return max((t.completed_at for t in self.tasks if t.completed_at), default=None)
