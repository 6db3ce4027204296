"""The session lifecycle shared by the SQL units of work that are async context managers.

Entering opens one session from the factory and hands it to :meth:`SqlUnitOfWork._open`, where a
subclass builds its repositories and outbox on it; leaving rolls back whatever was not committed
and closes the session.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import ClassVar, Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.domain.errors import Conflict


class SqlUnitOfWork(ABC):
    """One transaction on one session; a subclass names its repositories in :meth:`_open`."""

    conflict_message: ClassVar[str | None] = None
    """When set, a unique rule broken at commit is rolled back and raised as :class:`Conflict`
    with this message; when not, the database's error propagates."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    @abstractmethod
    def _open(self, session: AsyncSession) -> None:
        """Build the repositories on ``session``."""

    async def __aenter__(self) -> Self:
        session = self._sessions()
        self._session = session
        self._open(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    async def commit(self) -> None:
        """Commit the changes and the staged events together (see :attr:`conflict_message`)."""
        assert self._session is not None
        if self.conflict_message is None:
            await self._session.commit()
            return
        try:
            await self._session.commit()
        except IntegrityError as exc:
            await self._session.rollback()
            raise Conflict(self.conflict_message) from exc
