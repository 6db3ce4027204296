"""Partner marketplace feeds in repti-ops' database.

On PostgreSQL row-level security (migration ``ops_0007``) shows a transaction the feeds of the
organisation it sets (``reptidex.organisation_id``), and, to a transaction that sets
``reptidex.feed_token_digest`` (a partner reading its feed), only the feed of that digest."""

from __future__ import annotations

import uuid
from typing import Self

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.ops.marketplace_models import MarketplaceFeedRow
from reptidex.adapters.sql.ops.webhooks import bind_organisation
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.adapters.sql.unit_of_work import SqlUnitOfWork
from reptidex.domain.integrations.marketplaces.model import MarketplaceFeed


def _folded(partner: str) -> str:
    return " ".join(partner.split()).casefold()


def feed_of(row: MarketplaceFeedRow) -> MarketplaceFeed:
    """The feed a row holds."""
    return MarketplaceFeed(
        id=row.id,
        organisation_id=row.organisation_id,
        partner=row.partner,
        token_digest=row.token_digest,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlMarketplaceFeeds:
    """The :class:`~reptidex.domain.integrations.marketplaces.ports.MarketplaceFeeds` port."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, feed: MarketplaceFeed) -> None:
        """Stage a new feed."""
        self._session.add(
            MarketplaceFeedRow(
                id=feed.id,
                organisation_id=feed.organisation_id,
                partner=feed.partner,
                partner_key=_folded(feed.partner),
                token_digest=feed.token_digest,
                created_at=feed.created_at,
                updated_at=feed.updated_at,
            )
        )
        await self._session.flush()

    async def save(self, feed: MarketplaceFeed) -> None:
        """Write a changed feed's token digest."""
        await self._session.execute(
            update(MarketplaceFeedRow)
            .where(
                MarketplaceFeedRow.id == feed.id,
                MarketplaceFeedRow.organisation_id == feed.organisation_id,
            )
            .values(token_digest=feed.token_digest, updated_at=feed.updated_at)
        )

    async def get(self, organisation_id: uuid.UUID, feed_id: uuid.UUID) -> MarketplaceFeed | None:
        """One of the organisation's feeds, or ``None``."""
        row = await self._session.scalar(
            select(MarketplaceFeedRow).where(
                MarketplaceFeedRow.id == feed_id,
                MarketplaceFeedRow.organisation_id == organisation_id,
            )
        )
        return None if row is None else feed_of(row)

    async def by_partner(self, organisation_id: uuid.UUID, partner: str) -> MarketplaceFeed | None:
        """The organisation's feed for ``partner``, or ``None``."""
        row = await self._session.scalar(
            select(MarketplaceFeedRow).where(
                MarketplaceFeedRow.organisation_id == organisation_id,
                MarketplaceFeedRow.partner_key == _folded(partner),
            )
        )
        return None if row is None else feed_of(row)

    async def of(self, organisation_id: uuid.UUID) -> list[MarketplaceFeed]:
        """The organisation's feeds, oldest first."""
        rows = await self._session.scalars(
            select(MarketplaceFeedRow)
            .where(MarketplaceFeedRow.organisation_id == organisation_id)
            .order_by(MarketplaceFeedRow.created_at, MarketplaceFeedRow.id)
        )
        return [feed_of(row) for row in rows]

    async def by_token(self, digest: str) -> MarketplaceFeed | None:
        """The feed whose token has this digest, or ``None``."""
        row = await self._session.scalar(
            select(MarketplaceFeedRow).where(MarketplaceFeedRow.token_digest == digest)
        )
        return None if row is None else feed_of(row)


class SqlFeedUnitOfWork(SqlUnitOfWork):
    """Marketplace feeds and repti-ops' outbox on one transaction, scoped on entry to an
    organisation, or (a partner reading its feed) to a token's digest."""

    conflict_message = "The organisation already has a feed for this partner."

    feeds: SqlMarketplaceFeeds
    outbox: SqlOutbox

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        organisation_id: uuid.UUID | None = None,
        token_digest: str | None = None,
    ) -> None:
        super().__init__(sessions)
        self.organisation_id = organisation_id
        self.token_digest = token_digest

    def _open(self, session: AsyncSession) -> None:
        self.feeds = SqlMarketplaceFeeds(session)
        self.outbox = SqlOutbox(session, "ops")

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        session = self._session
        assert session is not None
        if self.organisation_id is not None:
            await bind_organisation(session, self.organisation_id)
        elif self.token_digest is not None and session.bind.dialect.name == "postgresql":
            await session.execute(
                text("SELECT set_config('reptidex.feed_token_digest', :digest, true)"),
                {"digest": self.token_digest},
            )
        return self
