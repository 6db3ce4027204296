"""Who reads repti-ops' audit trail, and what its controllers are given."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TypeAlias

from reptidex.domain.audit.ports import AuditTrail
from reptidex.domain.audit.reading import AuditReader
from reptidex.domain.identity.model import Role
from reptidex.domain.privacy.ports import PrivacyUnitOfWork
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import Principal

Trail: TypeAlias = Injected[AuditTrail]
"""The ``trail`` dependency: the stored audit trail."""


def reader_of(principal: Principal) -> AuditReader:
    """The caller as the audit trail's reader (a service's token reads nothing)."""
    return AuditReader(
        user_id=principal.user_id,
        organisation_id=principal.organisation_id,
        owner=principal.role is Role.OWNER and not principal.is_service,
        platform_admin=principal.platform_admin,
    )


@dataclass(frozen=True, slots=True)
class PrivacyDesk:
    """What the GDPR endpoints need: units of work over the requests, and the services every
    request asks."""

    unit_of_work: Callable[[], AbstractAsyncContextManager[PrivacyUnitOfWork]]
    services: tuple[str, ...]


Privacy: TypeAlias = Injected[PrivacyDesk]
"""The ``privacy`` dependency."""
