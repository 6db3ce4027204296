"""GDPR requests: asking for an export or an erasure, reading its progress, and working on it
(each service's holder asked in turn, one that does not answer retried with backoff)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import structlog

from reptidex.domain.audit import record_access, record_change
from reptidex.domain.errors import NotFound, PermissionDenied
from reptidex.domain.privacy.archive import export_archive
from reptidex.domain.privacy.model import PrivacyRequest, RequestKind, ServiceTask, TaskState
from reptidex.domain.privacy.ports import (
    HolderUnavailable,
    PersonalDataHolder,
    PrivacyRequests,
    PrivacyUnitOfWork,
)

PRODUCER = "ops"
_log = structlog.get_logger("reptidex.privacy")


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks: a user, possibly a platform administrator."""

    user_id: uuid.UUID
    platform_admin: bool = False

    def may_act_for(self, subject_id: uuid.UUID) -> bool:
        """A user acts for themselves; a platform administrator for anyone."""
        return self.platform_admin or self.user_id == subject_id


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a service that does not answer is asked again: after ``first`` seconds, doubling
    up to ``longest``, and given up after ``attempts``."""

    first: float = 2.0
    longest: float = 300.0
    attempts: int = 20

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait after the ``attempts``-th failed attempt.

        >>> [RetryPolicy(first=1, longest=5).delay(n).seconds for n in (1, 2, 3, 4)]
        [1, 2, 4, 5]
        """
        return dt.timedelta(seconds=min(self.longest, self.first * 2 ** (attempts - 1)))


async def request_privacy(
    uow: PrivacyUnitOfWork,
    requester: Requester,
    subject_id: uuid.UUID,
    kind: RequestKind,
    services: Sequence[str],
    now: dt.datetime,
) -> PrivacyRequest:
    """Record a new request for ``subject_id`` with one task per service, and its audit
    record (an erasure's names the user by its pseudonym only), in one commit.

    Raises:
        PermissionDenied: the requester is neither the user nor a platform administrator.
    """
    if not requester.may_act_for(subject_id):
        raise PermissionDenied("Only the user or a platform administrator may ask for this.")
    request = PrivacyRequest(
        id=uuid.uuid4(),
        kind=kind,
        subject_id=subject_id,
        requested_by=requester.user_id,
        created_at=now,
        pseudonym=uuid.uuid4() if kind is RequestKind.ERASURE else None,
        tasks=[ServiceTask(service, next_attempt_at=now) for service in services],
    )
    await uow.requests.add(request)
    shown = request.pseudonym or subject_id
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="gdpr_request",
        resource_id=request.id,
        action=f"{kind.value}_requested",
        actor_id=shown if requester.user_id == subject_id else requester.user_id,
        organisation_id=None,
        after={"kind": kind.value, "subject": str(shown), "services": list(services)},
        occurred_at=now,
    )
    await uow.commit()
    return request


async def read_request(
    requests: PrivacyRequests, requester: Requester, request_id: uuid.UUID
) -> PrivacyRequest:
    """A request, for its requester, its user or a platform administrator.

    Raises:
        NotFound: no such request, or not one the requester may see.
    """
    request = await requests.get(request_id)
    if request is None or not (
        requester.platform_admin or requester.user_id in (request.requested_by, request.subject_id)
    ):
        raise NotFound("No such GDPR request.")
    return request


async def download_export(
    uow: PrivacyUnitOfWork, requester: Requester, request_id: uuid.UUID
) -> tuple[PrivacyRequest, bytes]:
    """A completed export and its archive (:func:`~reptidex.domain.privacy.archive.export_archive`),
    recorded in the audit trail as the requester's access to the user's personal data (one
    ``accessed`` record naming the services whose parts it holds), in one commit.

    Raises:
        NotFound: no such request, or not one the requester may see.
        Conflict: the export is not completed, or its data was erased since.
    """
    request = await read_request(uow.requests, requester, request_id)
    archive = export_archive(request)
    record_access(
        uow.outbox,
        service=PRODUCER,
        resource_kind="user",
        resource_id=request.subject_id,
        actor_id=requester.user_id,
        organisation_id=None,
        read=[task.service for task in request.tasks],
        purpose="gdpr_export",
    )
    await uow.commit()
    return request, archive


async def work_on(
    request: PrivacyRequest,
    holders: Mapping[str, PersonalDataHolder],
    now: dt.datetime,
    retry: RetryPolicy,
) -> int:
    """Ask the holder of each due pending task; how many tasks failed this time.

    A holder that is unavailable is asked again after :meth:`RetryPolicy.delay`; after the
    last attempt its task is given up (``failed``)."""
    failures = 0
    for task in request.tasks:
        if task.status is not TaskState.PENDING or (
            task.next_attempt_at is not None and task.next_attempt_at > now
        ):
            continue
        holder = holders[task.service]
        task.attempts += 1
        try:
            if request.kind is RequestKind.EXPORT:
                task.result = await holder.export(request.subject_id)
            else:
                assert request.pseudonym is not None
                task.result = dict(await holder.erase(request.subject_id, request.pseudonym))
        except HolderUnavailable as exc:
            failures += 1
            task.last_error = str(exc)[:500]
            gave_up = task.attempts >= retry.attempts
            task.status = TaskState.FAILED if gave_up else TaskState.PENDING
            task.next_attempt_at = None if gave_up else now + retry.delay(task.attempts)
            _log.warning(
                "gdpr_task_failed",
                request_id=str(request.id),
                service=task.service,
                attempts=task.attempts,
                gave_up=gave_up,
                error=task.last_error,
            )
            continue
        task.status, task.completed_at, task.last_error = TaskState.DONE, now, None
        task.next_attempt_at = None
    return failures
