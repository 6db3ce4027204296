"""The ports of GDPR requests: what each service implements for its personal data, and what
repti-ops keeps its requests in."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Protocol

from reptidex.domain.events import Outbox
from reptidex.domain.privacy.model import PrivacyRequest


class HolderUnavailable(Exception):
    """A holder could not be asked now (down, timed out, or answering 5xx): ask again later."""


class PersonalDataHolder(Protocol):
    """A service's personal data about a user.

    ``erase`` removes what the service may drop and anonymises what law or the ledger
    requires it to keep, replacing the user's id by ``pseudonym``; it is idempotent (asked
    twice, the second answer erases nothing more)."""

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """Everything the service holds about the user, as JSON-able data."""
        ...

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Erase or anonymise it; how many items of each kind were changed."""
        ...


class PrivacyRequests(Protocol):
    """repti-ops' stored GDPR requests and their tasks."""

    async def add(self, request: PrivacyRequest) -> None:
        """Store a new request with its tasks."""
        ...

    async def get(self, request_id: uuid.UUID) -> PrivacyRequest | None:
        """A request with its tasks, or ``None``."""
        ...

    async def due(self, now: dt.datetime, limit: int) -> list[PrivacyRequest]:
        """Requests with a pending task whose next attempt is due (those tasks locked for
        this worker until its transaction ends)."""
        ...

    async def save(self, request: PrivacyRequest) -> None:
        """Store the tasks' progress of a request read with :meth:`get` or :meth:`due`."""
        ...


class PrivacyUnitOfWork(Protocol):
    """One transaction over the requests and the outbox (the audit record of a request)."""

    @property
    def requests(self) -> PrivacyRequests:
        """The stored requests."""
        ...

    @property
    def outbox(self) -> Outbox:
        """The outbox of the transaction."""
        ...

    async def commit(self) -> None:
        """Commit the requests' changes and the staged events together."""
        ...


class HoldsNothing:
    """The holder of a service that keeps no personal data about users (repti-animal: its
    records belong to organisations and name no user; what a user did there is in the audit
    trail, which repti-ops exports and pseudonymises)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """Nothing, and why."""
        return {"note": self.reason}

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Nothing to erase."""
        return {}
