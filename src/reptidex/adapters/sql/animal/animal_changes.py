"""Notices of changed animals and clutches from PostgreSQL (``LISTEN``), for in-memory copies.

Migration ``animal_0007`` makes every change of an ``animal`` row send its id and its parents'
ids, and every change of a ``clutch`` its id, on :data:`CHANNEL` when the change commits;
``animal_0008`` adds ``org:<id>`` for the organisations the row belongs to before and after.
:class:`AnimalChangeListener` holds one connection of its own listening there and hands each
notice to ``on_change`` as an :class:`AnimalChange`. While it is not connected (before the first connection, after
a lost one) notices may be missed, so ``on_state(False)`` tells the holder of a copy to stop
trusting it; ``on_state(True)`` follows each (re)connection, from which point nothing is
missed again, and each emptied table (a fresh start too).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

import asyncpg
import structlog
from sqlalchemy.engine import make_url

CHANNEL = "reptidex_animal_changed"
EVERYTHING = "*"
"""The notice of a whole table emptied (``TRUNCATE``)."""

ORGANISATION = "org:"
"""The prefix of an organisation's id in a notice."""

_log = structlog.get_logger("reptidex.animal.changes")


class AnimalChange(NamedTuple):
    """What one notice (or one of this process's own commits) says changed: the ids of
    animals and clutches, and the organisations the changed rows belong to before and after
    (empty when the notice does not say: a notice of ``animal_0007``)."""

    ids: list[uuid.UUID]
    organisations: list[uuid.UUID]


def change_of(payload: str) -> AnimalChange:
    """The change a notice's payload names (words that are neither are skipped).

    >>> change_of("00000000-0000-0000-0000-000000000001 org:00000000-0000-0000-0000-000000000009")
    AnimalChange(ids=[UUID('00000000-0000-0000-0000-000000000001')], \
organisations=[UUID('00000000-0000-0000-0000-000000000009')])
    """
    organisations = [
        word.removeprefix(ORGANISATION) for word in payload.split() if word.startswith(ORGANISATION)
    ]
    return AnimalChange(ids_of(payload), ids_of(" ".join(organisations)))


def ids_of(payload: str) -> list[uuid.UUID]:
    """The ids of a notice (space-separated; anything that is not a UUID is skipped).

    >>> ids_of("00000000-0000-0000-0000-000000000001 junk")
    [UUID('00000000-0000-0000-0000-000000000001')]
    """
    out = []
    for word in payload.split():
        try:
            out.append(uuid.UUID(word))
        except ValueError:
            continue
    return out


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+asyncpg://...``) as a DSN asyncpg connects to.

    >>> asyncpg_dsn("postgresql+asyncpg://app:s3cret@db:5432/repti_animal_db")
    'postgresql://app:s3cret@db:5432/repti_animal_db'
    """
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class AnimalChangeListener:
    """Listens on :data:`CHANNEL`, reconnecting after ``retry`` seconds when the connection
    is lost, until :meth:`run`'s task is cancelled."""

    def __init__(
        self,
        url: str,
        on_change: Callable[[AnimalChange], None],
        on_state: Callable[[bool], None],
        *,
        retry: float = 2.0,
    ) -> None:
        self._dsn = asyncpg_dsn(url)
        self._on_change = on_change
        self._on_state = on_state
        self._retry = retry

    def _notice(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        if payload.strip() == EVERYTHING:
            self._on_state(True)  # a table was emptied: start afresh, as after a reconnection
            return
        self._on_change(change_of(payload))

    async def run(self) -> None:
        """Listen until cancelled."""
        while True:
            try:
                await self._listen_once()
                _log.warning("lost the connection listening for animal changes; reconnecting")
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                _log.warning("cannot listen for animal changes", error=str(exc))
            await asyncio.sleep(self._retry)

    async def _listen_once(self) -> None:
        """Connect, listen, and return when the connection is lost."""
        lost = asyncio.Event()
        connection = await asyncpg.connect(self._dsn, timeout=10)
        try:
            connection.add_termination_listener(lambda _c: lost.set())
            await connection.add_listener(CHANNEL, self._notice)
            self._on_state(True)
            await lost.wait()
        finally:
            self._on_state(False)
            if not connection.is_closed():
                await connection.close(timeout=2)
