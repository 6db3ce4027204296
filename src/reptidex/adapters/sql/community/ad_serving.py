"""Serving and recording in SQL: every advertiser's running campaigns, the sightings that
filter duplicates, and the charge of an impression.

A charge is three conditional updates in one transaction, in this order (the same for every
charge, so concurrent ones queue on the campaign's row and never deadlock)::

    UPDATE ad_campaign       SET spent = spent + c  WHERE id = ? AND spent + c <= total
    UPDATE ad_campaign_day   SET spent = spent + c  WHERE ... AND spent + c <= allowed_today
    UPDATE ad_credit_account SET balance = balance - c WHERE ... AND balance >= c

On PostgreSQL each ``UPDATE`` locks its row and re-reads its condition after any concurrent
charge commits (READ COMMITTED), so two charges can never both pass on the same last millis;
SQLite runs one writer at a time. When any update matches no row the transaction rolls back:
no spend, no impression. ``CHECK`` constraints on the tables refuse the same in the database.

On PostgreSQL these transactions set ``reptidex.worker`` to ``ad_server`` (migration
``community_0006``): it reads every organisation's campaigns and writes spend, days, credits
and sightings, and nothing else (a trigger lets spend only grow and credits only shrink).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Date, Integer, Select, Table, bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.community.ad_campaigns import campaign_of, insert_ignoring
from reptidex.adapters.sql.community.ad_models import (
    AdCampaignDayRow,
    AdCampaignRow,
    AdCreditAccountRow,
    AdSightingRow,
)
from reptidex.adapters.sql.driver import DriverStatement, driver_of
from reptidex.domain.ads.campaigns import Campaign, CampaignStatus
from reptidex.domain.ads.ports import Candidate, Charge, Refusal, Sighting

SERVER_WORKER = "ad_server"
"""``reptidex.worker`` of serving and recording transactions."""


def _table(model: type[object]) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


_CAMPAIGN_COLUMNS = tuple(
    column.key for column in _table(AdCampaignRow).columns if column.key != "sa_orm_sentinel"
)


def _candidates_statement() -> Select[Any]:
    """Running campaigns on ``:day`` with budget and credits left, highest bid first, at most
    ``:limit``, with the day's spend (``day_spent``) and the credits left (``credits``)."""
    campaign, days, credits = (
        _table(AdCampaignRow),
        _table(AdCampaignDayRow),
        _table(AdCreditAccountRow),
    )
    day = bindparam("day", type_=Date())
    return (
        select(
            *[campaign.c[name] for name in _CAMPAIGN_COLUMNS],
            days.c.spent_millis.label("day_spent"),
            credits.c.balance_millis.label("credits"),
        )
        .outerjoin(days, (days.c.campaign_id == campaign.c.id) & (days.c.day == day))
        .outerjoin(
            credits,
            (credits.c.organisation_id == campaign.c.organisation_id)
            & (credits.c.currency == campaign.c.currency),
        )
        .where(
            campaign.c.status == CampaignStatus.ACTIVE.value,
            campaign.c.starts_on <= day,
            campaign.c.ends_on >= day,
            campaign.c.spent_millis + campaign.c.cpm <= campaign.c.total_budget_amount * 1000,
            credits.c.balance_millis >= campaign.c.cpm,
        )
        .order_by(campaign.c.cpm.desc(), campaign.c.id)
        .limit(bindparam("limit", type_=Integer()))
    )


_CANDIDATES_STATEMENT = _candidates_statement()
_CANDIDATES = DriverStatement.of(_CANDIDATES_STATEMENT)


class SqlAdServing:
    """:class:`~reptidex.domain.ads.ports.AdServing` on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def bind_server(self) -> None:
        """Act as the ad server in this transaction (PostgreSQL; no-op on SQLite)."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT set_config('reptidex.worker', :worker, true)"),
                {"worker": SERVER_WORKER},
            )

    async def candidates(self, day: dt.date, limit: int) -> list[Candidate]:
        """Running campaigns with budget left, with today's spend and the credits left (every
        search asks: on PostgreSQL one statement compiled once, run by asyncpg)."""
        values = {"day": day, "limit": limit}
        if self.session.bind.dialect.name == "postgresql":
            driver = await driver_of(self.session)
            rows = await driver.fetch(_CANDIDATES.text, *_CANDIDATES.arguments(values))
        else:
            rows = (await self.session.execute(_CANDIDATES_STATEMENT, values)).mappings().all()
        return [
            Candidate(
                campaign_of(AdCampaignRow(**{name: row[name] for name in _CAMPAIGN_COLUMNS})),
                row["day_spent"] or 0,
                row["credits"] or 0,
            )
            for row in rows
        ]

    async def server_candidates(self, day: dt.date, limit: int) -> list[Candidate]:
        """:meth:`candidates` read as the ad server, in the session's transaction."""
        await self.bind_server()
        return await self.candidates(day, limit)

    async def campaign(self, campaign_id: uuid.UUID) -> Campaign | None:
        """A campaign of any organisation."""
        row = await self.session.get(AdCampaignRow, campaign_id)
        return None if row is None else campaign_of(row)

    async def first_sighting(self, sighting: Sighting) -> bool:
        """Insert the sighting unless the same one exists."""
        now = dt.datetime.now(dt.UTC)
        result = await self.session.execute(
            insert_ignoring(
                self.session,
                _table(AdSightingRow),
                {
                    "id": uuid.uuid4(),
                    "campaign_id": sighting.campaign_id,
                    "organisation_id": sighting.organisation_id,
                    "kind": sighting.kind,
                    "slot": sighting.slot,
                    "viewer": sighting.viewer,
                    "bucket": sighting.window,
                    "created_at": now,
                    "updated_at": now,
                },
                ["campaign_id", "kind", "slot", "viewer", "bucket"],
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]  # a CursorResult

    async def _ensure_day(
        self, campaign_id: uuid.UUID, organisation_id: uuid.UUID, day: dt.date
    ) -> None:
        now = dt.datetime.now(dt.UTC)
        await self.session.execute(
            insert_ignoring(
                self.session,
                _table(AdCampaignDayRow),
                {
                    "id": uuid.uuid4(),
                    "campaign_id": campaign_id,
                    "organisation_id": organisation_id,
                    "day": day,
                    "impressions": 0,
                    "clicks": 0,
                    "spent_millis": 0,
                    "created_at": now,
                    "updated_at": now,
                },
                ["campaign_id", "day"],
            )
        )

    async def charge(self, charge: Charge) -> Refusal | None:
        """The three conditional updates; the first refusal rolls all back."""
        c = charge.cost
        # the day's row first: its insert takes no lock the concurrent charges queue on
        await self._ensure_day(charge.campaign_id, charge.organisation_id, charge.day)
        spent = await self.session.execute(
            update(AdCampaignRow)
            .where(
                AdCampaignRow.id == charge.campaign_id,
                AdCampaignRow.status == CampaignStatus.ACTIVE.value,
                AdCampaignRow.spent_millis + c <= charge.total_budget,
                AdCampaignRow.spent_millis + c <= AdCampaignRow.total_budget_amount * 1000,
            )
            .values(spent_millis=AdCampaignRow.spent_millis + c)
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
            return await self._refuse(Refusal.BUDGET)
        paced = await self.session.execute(
            update(AdCampaignDayRow)
            .where(
                AdCampaignDayRow.campaign_id == charge.campaign_id,
                AdCampaignDayRow.day == charge.day,
                AdCampaignDayRow.spent_millis + c <= charge.allowed_today,
            )
            .values(
                spent_millis=AdCampaignDayRow.spent_millis + c,
                impressions=AdCampaignDayRow.impressions + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if paced.rowcount != 1:  # type: ignore[attr-defined]
            return await self._refuse(Refusal.PACING)
        paid = await self.session.execute(
            update(AdCreditAccountRow)
            .where(
                AdCreditAccountRow.organisation_id == charge.organisation_id,
                AdCreditAccountRow.currency == charge.currency,
                AdCreditAccountRow.balance_millis >= c,
            )
            .values(balance_millis=AdCreditAccountRow.balance_millis - c)
            .execution_options(synchronize_session=False)
        )
        if paid.rowcount != 1:  # type: ignore[attr-defined]
            return await self._refuse(Refusal.CREDITS)
        return None

    async def _refuse(self, refusal: Refusal) -> Refusal:
        await self.session.rollback()
        return refusal

    async def count_click(
        self, campaign_id: uuid.UUID, organisation_id: uuid.UUID, day: dt.date
    ) -> None:
        """One more click on the campaign's day."""
        await self._ensure_day(campaign_id, organisation_id, day)
        await self.session.execute(
            update(AdCampaignDayRow)
            .where(AdCampaignDayRow.campaign_id == campaign_id, AdCampaignDayRow.day == day)
            .values(clicks=AdCampaignDayRow.clicks + 1)
            .execution_options(synchronize_session=False)
        )

    async def forget_sightings(self, before_window: int, limit: int) -> int:
        """Delete up to ``limit`` sightings of windows before ``before_window``."""
        oldest = (
            select(AdSightingRow.id)
            .where(AdSightingRow.bucket < before_window)
            .order_by(AdSightingRow.bucket)
            .limit(limit)
        )
        result = await self.session.execute(
            delete(AdSightingRow)
            .where(AdSightingRow.id.in_(oldest.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult

    async def commit(self) -> None:
        """Commit."""
        await self.session.commit()
