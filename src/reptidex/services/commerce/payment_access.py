"""What the transaction controllers are given (typed by the domain's ports) and who may
name a payout account."""

from __future__ import annotations

import uuid
from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeAlias

from reptidex.domain.commerce.payment_ports import PaymentUnitOfWork, ProviderChoice
from reptidex.domain.identity.model import Role
from reptidex.services.kernel.app import Injected
from reptidex.services.kernel.auth import requires_role

ADMIN = [requires_role(Role.ADMIN)]
"""Guards of naming where the organisation's money is paid out (admin or owner)."""


class PaymentUnitFactory(Protocol):
    """Opens units of work with payments."""

    def open(
        self, organisation_id: uuid.UUID | None
    ) -> AbstractAsyncContextManager[PaymentUnitOfWork]:
        """A unit of work scoped to ``organisation_id``; rolled back unless committed."""
        ...


PaymentUnitsDependency: TypeAlias = Injected[PaymentUnitFactory]
"""A handler parameter ``payment_units``."""
Providers: TypeAlias = Injected[ProviderChoice]
"""A handler parameter ``providers``: the configured payment providers."""
