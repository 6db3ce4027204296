"""Statements asyncpg runs itself on a SQLAlchemy session's connection.

A hot read (a public search, an audit page) spends more in SQLAlchemy's execution and result
processing than in the database: compiled once per shape, its statement runs on the session's
asyncpg connection directly, and its rows come back as asyncpg decodes them (the dialect's
codecs included, so JSON columns arrive decoded). A statement run this way outside a
transaction of the session's starts none of its own; inside one, it is part of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

ASYNCPG = PGDialect_asyncpg()  # type: ignore[no-untyped-call]  # SQLAlchemy's own
"""The dialect the statements asyncpg runs itself are compiled for."""


@dataclass(frozen=True, slots=True)
class DriverStatement:
    """A statement as asyncpg runs it: PostgreSQL's text with ``$n`` parameters, the names of
    the parameters in their order, and the values the statement itself fixes."""

    text: str
    names: tuple[str, ...]
    fixed: dict[str, Any]

    @classmethod
    def of(cls, statement: Select[Any]) -> DriverStatement:
        """``statement`` compiled for asyncpg."""
        compiled = statement.compile(dialect=ASYNCPG)
        return cls(str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        """The parameters' values, from ``values`` or fixed by the statement."""
        return [values[n] if n in values else self.fixed[n] for n in self.names]


async def driver_of(session: AsyncSession) -> Any:
    """The asyncpg connection under ``session``'s (statements run on it directly start no
    transaction of their own)."""
    connection = await (await session.connection()).get_raw_connection()
    driver = connection.driver_connection
    assert driver is not None, "a pooled connection has its driver's"
    return driver
