"""PostgreSQL notices on one channel (``LISTEN``), for copies kept in memory.

:class:`NoticeListener` holds a connection of its own listening on a channel and hands each
notice's payload to ``on_notice``. While it is not connected (before the first connection,
after a lost one) notices may be missed, so ``on_state(False)`` tells the holder of a copy to
stop trusting it; ``on_state(True)`` follows each (re)connection, from which point nothing is
missed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog
from sqlalchemy.engine import make_url

_log = structlog.get_logger("reptidex.sql.notices")


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+asyncpg://...``) as a DSN asyncpg connects to.

    >>> asyncpg_dsn("postgresql+asyncpg://app:s3cret@db:5432/repti_commerce_db")
    'postgresql://app:s3cret@db:5432/repti_commerce_db'
    """
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class NoticeListener:
    """Listens on ``channel``, reconnecting after ``retry`` seconds when the connection is
    lost, until :meth:`run`'s task is cancelled."""

    def __init__(
        self,
        url: str,
        channel: str,
        on_notice: Callable[[str], None],
        on_state: Callable[[bool], None],
        *,
        retry: float = 2.0,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self._channel = channel
        self._on_notice = on_notice
        self._on_state = on_state
        self._retry = retry

    def _notice(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_notice(payload)

    async def run(self) -> None:
        """Listen until cancelled."""
        while True:
            try:
                await self._listen_once()
                _log.warning("lost the connection listening for notices", channel=self._channel)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                _log.warning("cannot listen for notices", channel=self._channel, error=str(exc))
            await asyncio.sleep(self._retry)

    async def _listen_once(self) -> None:
        """Connect, listen, and return when the connection is lost."""
        lost = asyncio.Event()
        connection = await asyncpg.connect(self._dsn, timeout=10)
        try:
            connection.add_termination_listener(lambda _c: lost.set())
            await connection.add_listener(self._channel, self._notice)
            self._on_state(True)
            await lost.wait()
        finally:
            self._on_state(False)
            if not connection.is_closed():
                await connection.close(timeout=2)
