"""The audit records the dashboard's business figures count (``domain/audit/figures.py``),
read across every organisation (``reptidex.audit_scope = 'all'`` under row-level security)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.ops.audit_trail import entry_of, scope_session
from reptidex.adapters.sql.ops.models import AuditRecordRow
from reptidex.domain.audit import AuditRecord


class SqlActivityRecords:
    """Audit records of some kinds in a span of time."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def of_kinds(
        self, kinds: tuple[tuple[str, str, str], ...], since: dt.datetime, until: dt.datetime
    ) -> list[AuditRecord]:
        """Every record of ``kinds`` (service, resource kind, action) in [since, until)."""
        wanted = or_(
            *(
                and_(
                    AuditRecordRow.service == service,
                    AuditRecordRow.resource_kind == kind,
                    AuditRecordRow.action == action,
                )
                for service, kind, action in kinds
            )
        )
        statement = select(AuditRecordRow).where(
            AuditRecordRow.occurred_at >= since, AuditRecordRow.occurred_at < until, wanted
        )
        async with self._sessions() as session, session.begin():
            await scope_session(session, None)
            rows = await session.stream_scalars(statement.execution_options(yield_per=1000))
            return [entry_of(row).record async for row in rows]
