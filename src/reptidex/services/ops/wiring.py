"""repti-ops' adapters, chosen in one place (the composition root,
:func:`~reptidex.services.ops.app.create_app`, calls :func:`build_ops`): the audit trail on the
kernel's sessions and the consumer that appends every service's audit records to it; the GDPR
requests, each service's personal data (over HTTP with ops' service token, its own audit
records locally) and the worker that asks them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from litestar import Litestar
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.privacy.http_holder import HttpPersonalData
from reptidex.adapters.sql.ops.audit_personal_data import SqlAuditPersonalData
from reptidex.adapters.sql.ops.audit_trail import SqlAuditTrail, append_record
from reptidex.adapters.sql.ops.privacy_requests import PRIVACY_QUEUE, SqlPrivacyUnitOfWork
from reptidex.adapters.sql.ops.privacy_worker import PrivacyWorker
from reptidex.adapters.sql.outbox_store import on_outbox_commit
from reptidex.domain.audit import AUDIT_EVENT, record_of
from reptidex.domain.audit.ports import AuditTrail
from reptidex.domain.events import DomainEvent
from reptidex.domain.privacy.ports import PersonalDataHolder
from reptidex.domain.privacy.use_cases import RetryPolicy
from reptidex.services.kernel.app import Kernel, provide_value
from reptidex.services.kernel.auth import ServiceTokenClient
from reptidex.services.ops.access import PrivacyDesk

GDPR_SERVICES = ("core", "animal", "media", "commerce", "ops")
"""The services every GDPR request asks (repti-commerce and repti-community do not answer
the port yet: ``docs/ops.md``)."""


@dataclass(frozen=True, slots=True)
class OpsComponents:
    """What repti-ops' composition root builds."""

    trail: AuditTrail
    privacy: PrivacyDesk
    worker: PrivacyWorker
    tokens: ServiceTokenClient

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependencies: ``trail`` and ``privacy``."""
        return {"trail": provide_value(self.trail), "privacy": provide_value(self.privacy)}

    @asynccontextmanager
    async def run_worker(self, app: Litestar) -> AsyncIterator[None]:
        """Run the GDPR worker while the app runs, woken by every new request."""
        unwake = on_outbox_commit(PRIVACY_QUEUE, self.worker.wake)
        task = asyncio.create_task(self.worker.run(), name="reptidex-ops-gdpr")
        try:
            yield
        finally:
            unwake()
            self.worker.stop()
            await asyncio.gather(task, return_exceptions=True)
            await self.tokens.aclose()


async def keep_record(event: DomainEvent, session: AsyncSession) -> None:
    """Append the audit record an ``audit.recorded`` event carries to the chain."""
    await append_record(session, record_of(event))


def build_ops(
    kernel: Kernel,
    *,
    trail: AuditTrail | None = None,
    holders: Mapping[str, PersonalDataHolder] | None = None,
    retry: RetryPolicy | None = None,
    tokens: ServiceTokenClient | None = None,
) -> OpsComponents:
    """repti-ops' adapters on ``kernel``, and its subscription to every service's audit
    records (idempotent: a record delivered twice is stored once). ``holders`` replace
    services' personal data (by name), ``retry`` the GDPR retry policy, ``tokens`` ops'
    service token client."""
    events, sessions = kernel.events, kernel.sessions
    events.subscribe(AUDIT_EVENT, events.idempotent(keep_record, purpose="audit"))
    tokens = tokens or ServiceTokenClient.from_settings(kernel.settings, "ops")
    peers = kernel.resources.peers
    chosen: dict[str, PersonalDataHolder] = {
        service: HttpPersonalData(service, lambda: peers, tokens.headers)
        for service in GDPR_SERVICES
        if service != "ops"
    }
    chosen["ops"] = SqlAuditPersonalData(sessions)
    chosen.update(holders or {})
    desk = PrivacyDesk(lambda: SqlPrivacyUnitOfWork(sessions), GDPR_SERVICES)
    worker = PrivacyWorker(sessions, chosen, retry=retry)
    return OpsComponents(trail or SqlAuditTrail(sessions), desk, worker, tokens)
