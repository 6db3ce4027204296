"""repti-ops' adapters, chosen in one place (the composition root,
:func:`~reptidex.services.ops.app.create_app`, calls :func:`build_ops`): the audit trail on the
kernel's sessions, and the consumer that appends every service's audit records to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.ops.audit_trail import SqlAuditTrail, append_record
from reptidex.domain.audit import AUDIT_EVENT, record_of
from reptidex.domain.audit.ports import AuditTrail
from reptidex.domain.events import DomainEvent
from reptidex.services.kernel.app import Kernel, provide_value


@dataclass(frozen=True, slots=True)
class OpsComponents:
    """What repti-ops' composition root builds."""

    trail: AuditTrail

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependency: ``trail``."""
        return {"trail": provide_value(self.trail)}


async def keep_record(event: DomainEvent, session: AsyncSession) -> None:
    """Append the audit record an ``audit.recorded`` event carries to the chain."""
    await append_record(session, record_of(event))


def build_ops(kernel: Kernel, *, trail: AuditTrail | None = None) -> OpsComponents:
    """repti-ops' adapters on ``kernel``, and its subscription to every service's audit
    records (idempotent: a record delivered twice is stored once)."""
    events = kernel.events
    events.subscribe(AUDIT_EVENT, events.idempotent(keep_record, purpose="audit"))
    return OpsComponents(trail or SqlAuditTrail(kernel.sessions))
