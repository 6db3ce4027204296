"""The commerce unit of work with payments: listings, orders, ledger, idempotency keys,
payments, payout accounts, handled webhook events and the outbox on one session."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.payments import (
    SqlHandledNotices,
    SqlLedgerBook,
    SqlPayments,
    SqlPayoutAccounts,
)
from reptidex.adapters.sql.commerce.unit_of_work import SqlCommerceUnitOfWork


class SqlPaymentUnitOfWork(SqlCommerceUnitOfWork):
    """:class:`~reptidex.domain.commerce.payment_ports.PaymentUnitOfWork` on one session."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.payments = SqlPayments(session)
        self.payout_accounts = SqlPayoutAccounts(session)
        self.notices = SqlHandledNotices(session)
        self.book = SqlLedgerBook(session)

    async def scope(
        self, organisation_id: uuid.UUID | None = None, *, reference: str | None = None
    ) -> None:
        """Scope the transaction to ``organisation_id`` and let it find the payment or payout
        account with ``reference`` (PostgreSQL's row-level security reads both settings;
        a no-op on SQLite)."""
        if organisation_id is not None:
            await self.bind_organisation(organisation_id)
        if reference is not None and self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT set_config('reptidex.provider_reference', :reference, true)"),
                {"reference": reference},
            )
