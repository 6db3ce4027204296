"""GDPR requests in repti-ops' database, and the unit of work that records a new one with its
audit record."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.ops.privacy_models import PrivacyRequestRow, PrivacyTaskRow
from reptidex.adapters.sql.outbox_store import SqlOutbox, wake_after_commit
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.privacy.model import PrivacyRequest, RequestKind, ServiceTask, TaskState

PRIVACY_QUEUE = "ops:privacy"
"""The key the commit of a new request wakes (the worker, see ``on_outbox_commit``)."""


def _task(row: PrivacyTaskRow) -> ServiceTask:
    return ServiceTask(
        service=row.service,
        status=TaskState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        completed_at=row.completed_at,
        result=row.result,
    )


def _request(row: PrivacyRequestRow, tasks: list[PrivacyTaskRow]) -> PrivacyRequest:
    return PrivacyRequest(
        id=row.id,
        kind=RequestKind(row.kind),
        subject_id=row.subject_id,
        requested_by=row.requested_by,
        created_at=row.created_at,
        pseudonym=row.pseudonym,
        tasks=[_task(t) for t in sorted(tasks, key=lambda t: t.position)],
    )


class SqlPrivacyRequests:
    """The :class:`~reptidex.domain.privacy.ports.PrivacyRequests` of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, request: PrivacyRequest) -> None:
        """Stage the request and its tasks."""
        now = request.created_at
        self._session.add(
            PrivacyRequestRow(
                id=request.id,
                kind=request.kind.value,
                subject_id=request.subject_id,
                requested_by=request.requested_by,
                pseudonym=request.pseudonym,
                created_at=now,
                updated_at=now,
            )
        )
        await self._session.flush()
        for position, task in enumerate(request.tasks):
            self._session.add(
                PrivacyTaskRow(
                    request_id=request.id,
                    service=task.service,
                    position=position,
                    state=task.status.value,
                    attempts=task.attempts,
                    next_attempt_at=task.next_attempt_at,
                    created_at=now,
                    updated_at=now,
                )
            )
        wake_after_commit(self._session, PRIVACY_QUEUE)

    async def get(self, request_id: uuid.UUID) -> PrivacyRequest | None:
        """The request with all its tasks."""
        row = await self._session.get(PrivacyRequestRow, request_id)
        if row is None:
            return None
        tasks = await self._session.scalars(
            select(PrivacyTaskRow).where(PrivacyTaskRow.request_id == request_id)
        )
        return _request(row, list(tasks))

    async def due(self, now: dt.datetime, limit: int) -> list[PrivacyRequest]:
        """Requests holding only their due pending tasks, locked (``SKIP LOCKED`` on
        PostgreSQL: several workers share the work) until the transaction ends."""
        query = (
            select(PrivacyTaskRow)
            .where(
                PrivacyTaskRow.state == TaskState.PENDING.value,
                PrivacyTaskRow.next_attempt_at <= now,
            )
            .order_by(PrivacyTaskRow.next_attempt_at, PrivacyTaskRow.id)
            .limit(limit)
        )
        if self._session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        tasks = list(await self._session.scalars(query))
        by_request: dict[uuid.UUID, list[PrivacyTaskRow]] = {}
        for task in tasks:
            by_request.setdefault(task.request_id, []).append(task)
        rows = await self._session.scalars(
            select(PrivacyRequestRow).where(PrivacyRequestRow.id.in_(by_request))
        )
        return [_request(row, by_request[row.id]) for row in rows]

    async def lease(self, requests: list[PrivacyRequest], until: dt.datetime) -> None:
        """Hold the tasks of ``requests`` (as :meth:`due` returned them) until ``until``: no
        other worker takes them meanwhile, and a worker that dies leaves them due again."""
        for request in requests:
            await self._session.execute(
                update(PrivacyTaskRow)
                .where(
                    PrivacyTaskRow.request_id == request.id,
                    PrivacyTaskRow.service.in_([t.service for t in request.tasks]),
                )
                .values(next_attempt_at=until)
            )

    async def save(self, request: PrivacyRequest) -> None:
        """Write the progress of the request's tasks."""
        now = dt.datetime.now(dt.UTC)
        for task in request.tasks:
            await self._session.execute(
                update(PrivacyTaskRow)
                .where(
                    PrivacyTaskRow.request_id == request.id,
                    PrivacyTaskRow.service == task.service,
                )
                .values(
                    state=task.status.value,
                    attempts=task.attempts,
                    next_attempt_at=task.next_attempt_at,
                    last_error=task.last_error,
                    completed_at=task.completed_at,
                    result=task.result,
                    updated_at=now,
                )
            )


class SqlPrivacyUnitOfWork(SqlUnitOfWork):
    """GDPR requests and repti-ops' outbox on one transaction."""

    requests: SqlPrivacyRequests
    outbox: SqlOutbox

    def _open(self, session: AsyncSession) -> None:
        self.requests = SqlPrivacyRequests(session)
        self.outbox = SqlOutbox(session, "ops")
