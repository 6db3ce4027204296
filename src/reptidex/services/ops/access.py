"""Who reads repti-ops' audit trail and the platform's status, and manages webhooks, lab
integrations and partner marketplaces, and what its controllers are given."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, TypeAlias

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from reptidex.domain.audit.ports import AuditTrail
from reptidex.domain.audit.reading import AuditReader
from reptidex.domain.identity.model import Role
from reptidex.domain.integrations.keys import KeyManagement
from reptidex.domain.integrations.labs.use_cases import LabImport
from reptidex.domain.integrations.marketplaces.use_cases import FeedDesk
from reptidex.domain.integrations.ports import WebhookUnitOfWork
from reptidex.domain.integrations.subscriptions import Destinations, Manager
from reptidex.domain.privacy.ports import PrivacyUnitOfWork
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import Guard, Principal, requires_platform_admin
from reptidex.services.kernel.operations_access import OperationsAccess
from reptidex.services.ops.monitor import Monitoring

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


def manager_of(principal: Principal) -> Manager:
    """The caller as a manager of its active organisation's webhooks (owners and admins)."""
    return Manager(
        organisation_id=principal.require_organisation(),
        user_id=principal.user_id,
        may_manage=principal.has_role(Role.ADMIN) and not principal.is_service,
    )


@dataclass(frozen=True, slots=True)
class WebhookDesk:
    """What the webhook endpoints need: units of work scoped to an organisation, the key
    management that seals secrets, how URLs are checked, and the clock."""

    unit_of_work: Callable[[uuid.UUID], AbstractAsyncContextManager[WebhookUnitOfWork]]
    keys: KeyManagement
    destinations: Destinations
    clock: Callable[[], dt.datetime]


Integrations: TypeAlias = Injected[WebhookDesk]
"""The ``integrations`` dependency."""


@dataclass(frozen=True, slots=True)
class LabDesk:
    """What the lab integration endpoints need: the import's units of work, collection and
    clock, and the key management that seals a lab's API key."""

    imports: LabImport
    keys: KeyManagement


Labs: TypeAlias = Injected[LabDesk]
"""The ``labs`` dependency."""

Marketplaces: TypeAlias = Injected[FeedDesk]
"""The ``marketplaces`` dependency: partner marketplace feeds and imports."""

MonitoringDesk: TypeAlias = Injected[Monitoring]
"""The ``monitoring`` dependency: the platform's status and uptime."""


def operators_or_admins(operators: OperationsAccess) -> Guard:
    """Guard: a caller ``operators`` admits (as ``/health/deep`` does), or else a platform
    administrator's token (401 without a valid token, 403 for anyone else)."""
    admins = requires_platform_admin()

    async def guard(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        if operators.allows(connection):
            return
        await admins(connection, handler)

    return guard
