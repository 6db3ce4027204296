"""Spend never passes a budget or the credits left, under many concurrent impressions, on
SQLite and on a real PostgreSQL database: each impression runs in a transaction of its own,
all at once, as the service's requests would. And sightings older than the dedup window are
forgotten."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path

import pytest
from ads_testkit import FakeListings, purchase_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.community.ad_credits_consumer import credit_purchase
from reptidex.adapters.sql.community.ad_workers import SightingPurge
from reptidex.adapters.sql.engine import create_engine
from reptidex.domain.ads.campaigns import BoostKind, CampaignTerms
from reptidex.domain.ads.management import Advertiser, create_campaign
from reptidex.domain.ads.serving import (
    AdContext,
    Outcome,
    Viewer,
    choose_sponsored,
    record_impression,
)
from reptidex.domain.ads.tokens import TicketSigner
from reptidex.domain.commerce.money import Money
from reptidex.services.community.ad_wiring import AdUnitsOfWork
from service_database import migrated_database_url

LATE = dt.datetime(2026, 12, 6, 23, 59, tzinfo=dt.UTC)
"""Late in the day: pacing lets the whole daily budget be spent."""
SIGNER = TicketSigner(b"race-test-key-of-32-bytes-length")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """repti-community's migrated database on SQLite, then on PostgreSQL."""
    return migrated_database_url(request, tmp_path, "community")


async def _campaign(
    units: AdUnitsOfWork, organisation: uuid.UUID, budget_cents: int, cpm: int
) -> uuid.UUID:
    actor = Advertiser(organisation, uuid.uuid4(), may_write=True)
    terms = CampaignTerms(
        name="Race",
        daily_budget=Money.of(budget_cents, "EUR"),
        total_budget=Money.of(budget_cents, "EUR"),
        cpm=cpm,
        starts_on=LATE.date(),
        ends_on=LATE.date(),
    )
    async with units.open(organisation) as uow:
        campaign = await create_campaign(
            uow, actor, BoostKind.BREEDER, (), terms, FakeListings(), LATE
        )
    return campaign.id


async def _credit(
    sessions: async_sessionmaker[AsyncSession], organisation: uuid.UUID, cents: int
) -> None:
    async with sessions() as session, session.begin():
        await credit_purchase(purchase_event(organisation, cents), session)


async def _tokens(units: AdUnitsOfWork) -> dict[uuid.UUID, str]:
    async with units.serving() as serving:
        slots = await choose_sponsored(serving, SIGNER, AdContext(), LATE, slots=5)
    return {slot.campaign_id: slot.impression_token for slot in slots}


async def _impressions(units: AdUnitsOfWork, tokens: list[str]) -> list[Outcome]:
    async def one(token: str) -> Outcome:
        async with units.serving() as serving:
            viewer = Viewer(None, f"user:{uuid.uuid4()}")
            return await record_impression(serving, SIGNER, token, viewer, LATE)

    return list(await asyncio.gather(*(one(t) for t in tokens)))


async def _totals(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    async with sessions() as session:
        spent = await session.scalar(text("SELECT SUM(spent_millis) FROM ad_campaign"))
        days = await session.scalar(text("SELECT SUM(spent_millis) FROM ad_campaign_day"))
        balance = await session.scalar(text("SELECT SUM(balance_millis) FROM ad_credit_account"))
    return int(spent or 0), int(days or 0), int(balance or 0)


def test_concurrent_impressions_never_pass_the_budget(database_url: str) -> None:
    async def race() -> None:
        engine = create_engine(database_url)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        units = AdUnitsOfWork(sessions)
        try:
            organisation = uuid.uuid4()
            campaign = await _campaign(units, organisation, budget_cents=1, cpm=100)  # 10 fit
            await _credit(sessions, organisation, 100)
            token = (await _tokens(units))[campaign]
            outcomes = await _impressions(units, [token] * 40)
            assert outcomes.count(Outcome.COUNTED) == 10
            assert set(outcomes) == {Outcome.COUNTED, Outcome.BUDGET}
            assert await _totals(sessions) == (1000, 1000, 100_000 - 1000)
        finally:
            await engine.dispose()

    asyncio.run(race())


def test_concurrent_impressions_of_two_campaigns_never_pass_the_credits(database_url: str) -> None:
    async def race() -> None:
        engine = create_engine(database_url)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        units = AdUnitsOfWork(sessions)
        try:
            organisation = uuid.uuid4()
            first = await _campaign(units, organisation, budget_cents=10, cpm=1000)
            second = await _campaign(units, organisation, budget_cents=10, cpm=1000)
            await _credit(sessions, organisation, 15)  # 15 impressions of the 20 budgeted
            tokens = await _tokens(units)
            outcomes = await _impressions(units, [tokens[first], tokens[second]] * 15)
            assert outcomes.count(Outcome.COUNTED) == 15
            # one campaign may reach its own budget before the credits run out
            assert Outcome.CREDITS in outcomes
            assert set(outcomes) <= {Outcome.COUNTED, Outcome.CREDITS, Outcome.BUDGET}
            assert await _totals(sessions) == (15_000, 15_000, 0)
            async with sessions() as session:
                each = await session.scalars(text("SELECT spent_millis FROM ad_campaign"))
                assert all(spent <= 10_000 for spent in each)
        finally:
            await engine.dispose()

    asyncio.run(race())


def test_sightings_older_than_the_dedup_window_are_forgotten(database_url: str) -> None:
    async def purge() -> None:
        engine = create_engine(database_url)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        units = AdUnitsOfWork(sessions)
        try:
            organisation = uuid.uuid4()
            campaign = await _campaign(units, organisation, budget_cents=1, cpm=100)
            await _credit(sessions, organisation, 100)
            token = (await _tokens(units))[campaign]
            early = LATE - dt.timedelta(hours=2)
            for at, viewers in ((early, 3), (LATE, 2)):
                for _ in range(viewers):
                    async with units.serving() as serving:
                        viewer = Viewer(None, f"user:{uuid.uuid4()}")
                        await record_impression(serving, SIGNER, token, viewer, at)
            worker = SightingPurge(units.serving, batch_size=2, clock=lambda: LATE)
            assert [await worker.run_once() for _ in range(3)] == [2, 1, 0]
            async with sessions() as session:
                kept = await session.scalar(text("SELECT count(*) FROM ad_sighting"))
            assert kept == 2
        finally:
            await engine.dispose()

    asyncio.run(purge())
