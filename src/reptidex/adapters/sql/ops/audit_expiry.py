"""Expiry of old audit records by whole segments, keeping the rest verifiable.

A segment is ``segment_size`` consecutive records (seq 1…N, N+1…2N, …). A segment expires when
its last record was stored before the cut-off; expiry writes a checkpoint holding the seq and
hash of the last expired record, then deletes the expired records, in one transaction. The kept
chain then begins at that checkpoint. It needs DELETE on ``audit_record``, which the service's
role does not have: run it as the database owner (``reptidex audit expire``). The transaction
declares the whole-trail scope, which the owner needs under FORCEd row-level security (the
``audit_record_expiry`` policy).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.ops.audit_trail import scope_session
from reptidex.adapters.sql.ops.models import AuditRecordRow, audit_checkpoint
from reptidex.domain.audit import ChainPoint

SEGMENT_SIZE = 10_000
"""Records per segment: the unit of expiry."""


async def expire_segments(
    session: AsyncSession, cutoff: dt.datetime, *, segment_size: int = SEGMENT_SIZE
) -> ChainPoint | None:
    """Remove the whole segments stored before ``cutoff`` (in ``session``'s transaction, which
    the caller commits); the checkpoint written, or ``None`` when nothing expired."""
    await scope_session(session, None)
    last = await session.scalar(
        select(func.max(AuditRecordRow.seq)).where(
            AuditRecordRow.seq % segment_size == 0, AuditRecordRow.created_at < cutoff
        )
    )
    if last is None:
        return None
    row = (
        await session.execute(
            select(AuditRecordRow.seq, AuditRecordRow.hash).where(AuditRecordRow.seq == last)
        )
    ).one()
    removed = await session.execute(delete(AuditRecordRow).where(AuditRecordRow.seq <= last))
    await session.execute(
        insert(audit_checkpoint).values(
            seq=row.seq,
            hash=row.hash,
            expired=removed.rowcount,  # type: ignore[attr-defined]
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    return ChainPoint(row.seq, row.hash)
