"""Compare-and-set of a versioned row: the update that two transactions race for."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.bases import CommerceModel
from reptidex.domain.errors import Conflict


async def compare_and_set(
    session: AsyncSession,
    model: type[CommerceModel],
    row_id: uuid.UUID,
    version: int,
    columns: dict[str, Any],
    what: str,
    *,
    at: dt.datetime | None = None,
) -> int:
    """Write ``columns`` to the row if it is still at ``version``; return the next version.
    ``at``: the row's new ``updated_at`` (now by default).

    On PostgreSQL a transaction that finds the row locked by another waits for it and then
    re-checks the version: of two racing writers, exactly one matches. :class:`Conflict` for
    the other (and for a row the transaction may not see or change).
    """
    statement = (
        update(model)
        .where(model.id == row_id, model.version == version)  # type: ignore[attr-defined]
        .values(**columns, version=version + 1, updated_at=at or dt.datetime.now(dt.UTC))
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"The {what} changed meanwhile (another order or edit came first).")
    return version + 1
