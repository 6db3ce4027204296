"""The ledger in SQL: one row per entry, grouped by posting."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.commerce.models import LedgerEntryRow
from reptidex.domain.commerce.ledger import Account, AccountKind, Entry, Posting, PostingKind
from reptidex.domain.commerce.money import Money


class SqlLedger:
    """The :class:`~reptidex.domain.commerce.ports.LedgerEntries` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def post(self, posting: Posting) -> None:
        """Store every entry of a (balanced) posting, numbered after its order's others."""
        number = 1
        if posting.order_id is not None:
            last = await self.session.scalar(
                select(func.max(LedgerEntryRow.posting_number)).where(
                    LedgerEntryRow.order_id == posting.order_id
                )
            )
            number = (last or 0) + 1
        self.session.add_all(
            LedgerEntryRow(
                posting_id=posting.id,
                posting_kind=posting.kind.value,
                order_id=posting.order_id,
                seller_organisation_id=posting.seller_organisation_id,
                buyer_organisation_id=posting.buyer_organisation_id,
                account_kind=entry.account.kind.value,
                account_organisation_id=entry.account.organisation_id,
                currency=entry.money.currency.code,
                amount=entry.money.amount,
                posting_number=number,
                position=position,
                posted_at=posting.at,
                created_at=posting.at,
                updated_at=posting.at,
            )
            for position, entry in enumerate(posting.entries)
        )
        await self.session.flush()

    async def of_order(self, order_id: uuid.UUID) -> list[Posting]:
        """The order's postings, oldest first."""
        rows = list(
            await self.session.scalars(
                select(LedgerEntryRow)
                .where(LedgerEntryRow.order_id == order_id)
                .order_by(LedgerEntryRow.posting_number, LedgerEntryRow.position)
            )
        )
        return postings_of(rows)


def postings_of(rows: Iterable[LedgerEntryRow]) -> list[Posting]:
    """The postings of ledger rows ordered so that each posting's entries are adjacent."""
    postings = []
    for posting_id, entries in groupby(rows, key=lambda r: r.posting_id):
        group = list(entries)
        first = group[0]
        postings.append(
            Posting(
                id=posting_id,
                kind=PostingKind(first.posting_kind),
                order_id=first.order_id,
                seller_organisation_id=first.seller_organisation_id,
                buyer_organisation_id=first.buyer_organisation_id,
                entries=tuple(
                    Entry(
                        Account(AccountKind(r.account_kind), r.account_organisation_id),
                        Money.of(r.amount, r.currency),
                    )
                    for r in group
                ),
                at=first.posted_at,
            )
        )
    return postings
