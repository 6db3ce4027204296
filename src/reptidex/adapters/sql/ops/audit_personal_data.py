"""repti-ops' own personal data about a user (GDPR): the audit records of what they did or of
their account, and earlier exports' archives. An erasure pseudonymises the records (the event
stays, the id becomes the request's pseudonym, contact details go) and drops the archives."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from sqlalchemy import String, cast, func, insert, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.ops.audit_trail import entry_of, scope_session
from reptidex.adapters.sql.ops.models import AuditRecordRow
from reptidex.adapters.sql.ops.privacy_models import (
    PrivacyRequestRow,
    PrivacyTaskRow,
    audit_pseudonymised,
)
from reptidex.domain.audit import AuditRecord, chain_hash
from reptidex.domain.audit.pseudonyms import personal_values, pseudonymised


def _mentions(text: str) -> Any:
    # JSON columns as text: any value equal to (or holding) ``text``
    pattern = f"%{text}%"
    return or_(
        cast(AuditRecordRow.before, String).like(pattern),
        cast(AuditRecordRow.after, String).like(pattern),
    )


class SqlAuditPersonalData:
    """The :class:`~reptidex.domain.privacy.ports.PersonalDataHolder` of repti-ops."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def _records(
        self, session: AsyncSession, user_id: uuid.UUID
    ) -> tuple[list[AuditRecordRow], set[str]]:
        user = str(user_id)
        own = await session.scalars(
            select(AuditRecordRow).where(
                AuditRecordRow.resource_kind == "user", AuditRecordRow.resource_id == user
            )
        )
        details = personal_values([entry_of(row).record for row in own])
        conditions = [
            AuditRecordRow.actor_id == user_id,
            AuditRecordRow.resource_id == user,
            _mentions(user),
            *(_mentions(detail) for detail in sorted(details)),
        ]
        rows = await session.scalars(
            select(AuditRecordRow).where(or_(*conditions)).order_by(AuditRecordRow.seq)
        )
        return list(rows), details

    async def export(self, user_id: uuid.UUID) -> dict[str, Any]:
        """The audit records that name the user (as actor, resource or a changed value)."""
        async with self._sessions() as session, session.begin():
            await scope_session(session, None)
            rows, _ = await self._records(session, user_id)
            return {"audit_records": [msgspec.to_builtins(entry_of(r).record) for r in rows]}

    async def erase(self, user_id: uuid.UUID, pseudonym: uuid.UUID) -> dict[str, int]:
        """Pseudonymise the user's audit records (keeping, for each, the hash of its new
        content) and drop the data of the user's earlier exports."""
        now = dt.datetime.now(dt.UTC)
        async with self._sessions() as session, session.begin():
            await scope_session(session, None)
            rows, details = await self._records(session, user_id)
            request_id = await session.scalar(
                select(PrivacyRequestRow.id).where(PrivacyRequestRow.pseudonym == pseudonym)
            )
            changed = 0
            for row in rows:
                entry = entry_of(row)
                record: AuditRecord = pseudonymised(entry.record, user_id, pseudonym, details)
                if record == entry.record:
                    continue
                await session.execute(
                    update(AuditRecordRow)
                    .where(AuditRecordRow.seq == row.seq)
                    .values(
                        actor_id=record.actor_id,
                        resource_id=record.resource_id,
                        before=record.before,
                        after=record.after,
                    )
                )
                content = chain_hash(record, entry.seq, entry.previous_hash)
                known = await session.scalar(
                    select(func.count())
                    .select_from(audit_pseudonymised)
                    .where(audit_pseudonymised.c.seq == row.seq)
                )
                statement = (
                    update(audit_pseudonymised)
                    .where(audit_pseudonymised.c.seq == row.seq)
                    .values(content_hash=content, request_id=request_id or pseudonym)
                    if known
                    else insert(audit_pseudonymised).values(
                        seq=row.seq,
                        content_hash=content,
                        request_id=request_id or pseudonym,
                        created_at=now,
                    )
                )
                await session.execute(statement)
                changed += 1
            exports = select(PrivacyRequestRow.id).where(
                PrivacyRequestRow.subject_id == user_id, PrivacyRequestRow.kind == "export"
            )
            dropped = await session.execute(
                update(PrivacyTaskRow)
                .where(PrivacyTaskRow.request_id.in_(exports))
                .values(result=null(), updated_at=now)
            )
            return {
                "audit_records_pseudonymised": changed,
                "export_results_dropped": dropped.rowcount or 0,  # type: ignore[attr-defined]
            }
