"""The SQL billing store on SQLite and PostgreSQL: round trips, lookups by gateway reference, and
the unique webhook id that makes a concurrent redelivery a duplicate instead of a second effect."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from billing_testkit import GOOD, FakeGateway, notice
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reptidex.adapters.sql.billing import SqlBillingUnitOfWork, SqlProcessedWebhooks
from reptidex.adapters.sql.engine import create_engine
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.billing import (
    Billing,
    BillingProvider,
    Subscription,
    SubscriptionStatus,
    WebhookOutcome,
)
from reptidex.domain.errors import Conflict
from reptidex.services.kernel.settings import Settings

ORG = uuid.UUID("00000000-0000-4000-8000-00000000000a")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> str:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        url = make_settings(core_database_url=url).database_url("core")
    else:
        url = make_settings().database_url("core")
    upgrade("core", url)
    return url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


async def test_subscriptions_round_trip_and_are_found_by_reference(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    end = dt.datetime(2027, 1, 31, 12, tzinfo=dt.UTC)
    kept = Subscription(
        organisation_id=ORG,
        plan="breeder",
        status=SubscriptionStatus.PAST_DUE,
        provider=BillingProvider.PAYPAL,
        customer_ref="cus_1",
        subscription_ref="sub_1",
        current_period_end=end,
        cancel_at_period_end=True,
    )
    async with SqlBillingUnitOfWork(sessions) as uow:
        await uow.subscriptions.save(kept)
        await uow.commit()
    async with SqlBillingUnitOfWork(sessions) as uow:
        assert await uow.subscriptions.get(ORG) == kept
        assert await uow.subscriptions.find_by_reference(customer_ref="cus_1") == kept
        assert await uow.subscriptions.find_by_reference(subscription_ref="sub_1") == kept
        assert await uow.subscriptions.find_by_reference(subscription_ref="sub_2") is None
        assert await uow.subscriptions.find_by_reference() is None
        await uow.subscriptions.save(kept.evolve(status=SubscriptionStatus.ACTIVE))
        # not committed: rolled back on leaving
    async with SqlBillingUnitOfWork(sessions) as uow:
        found = await uow.subscriptions.get(ORG)
        assert found is not None
        assert found.status is SubscriptionStatus.PAST_DUE
        assert found.provider is BillingProvider.PAYPAL
        assert found.current_period_end == end


async def test_the_same_webhook_id_cannot_commit_twice(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = SqlBillingUnitOfWork(sessions), SqlBillingUnitOfWork(sessions)
    async with first, second:
        assert not await first.webhooks.seen("evt_1")
        assert not await second.webhooks.seen("evt_1")
        await first.webhooks.record("evt_1", "invoice.paid")
        await second.webhooks.record("evt_1", "invoice.paid")
        await first.commit()
        with pytest.raises(Conflict):
            await second.commit()
    async with SqlBillingUnitOfWork(sessions) as uow:
        assert await uow.webhooks.seen("evt_1")


async def test_a_concurrent_redelivery_is_reported_as_a_duplicate(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    billing = Billing([FakeGateway()], lambda: SqlBillingUnitOfWork(sessions))
    body = notice(id="evt_race", kind="checkout_completed", organisation_id=str(ORG), plan="keeper")
    original = SqlProcessedWebhooks.seen
    raced: list[str] = []

    async def seen_then_the_other_delivery_commits(
        self: SqlProcessedWebhooks, event_id: str
    ) -> bool:
        answer = await original(self, event_id)
        if not raced:
            raced.append(event_id)
            async with SqlBillingUnitOfWork(sessions) as other:
                await other.webhooks.record(event_id, "checkout.session.completed")
                await other.commit()
        return answer

    monkeypatch.setattr(SqlProcessedWebhooks, "seen", seen_then_the_other_delivery_commits)
    assert (
        await billing.receive_webhook(BillingProvider.STRIPE, body, GOOD)
        is WebhookOutcome.DUPLICATE
    )
    assert raced == ["evt_race"]
    async with SqlBillingUnitOfWork(sessions) as uow:
        assert await uow.subscriptions.get(ORG) is None  # the loser's change was rolled back


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_url(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> str:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        return make_settings(core_database_url=url).database_url("core")
    return make_settings().database_url("core")


async def test_the_provider_migration_names_stripe_for_every_subscription_it_finds(
    unmigrated_url: str,
) -> None:
    upgrade("core", unmigrated_url, "core_0003")
    rows = sa.table(
        "billing_subscription",
        sa.column("id", GUID()),
        sa.column("organisation_id", GUID()),
        sa.column("plan", sa.String()),
        sa.column("status", sa.String()),
        sa.column("customer_ref", sa.String()),
        sa.column("subscription_ref", sa.String()),
        sa.column("cancel_at_period_end", sa.Boolean()),
        sa.column("created_at", DateTimeUTC()),
        sa.column("updated_at", DateTimeUTC()),
    )
    now = dt.datetime.now(dt.UTC)
    paying, customer, free = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    refs = {paying: ("cus_1", "sub_1"), customer: ("cus_2", None), free: (None, None)}
    engine = create_engine(unmigrated_url)
    try:
        async with engine.begin() as connection:
            for organisation_id, (customer_ref, subscription_ref) in refs.items():
                await connection.execute(
                    rows.insert().values(
                        id=uuid.uuid4(),
                        organisation_id=organisation_id,
                        plan="keeper",
                        status="active",
                        customer_ref=customer_ref,
                        subscription_ref=subscription_ref,
                        cancel_at_period_end=False,
                        created_at=now,
                        updated_at=now,
                    )
                )
        upgrade("core", unmigrated_url)
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with SqlBillingUnitOfWork(sessions) as uow:
            found = {org: await uow.subscriptions.get(org) for org in refs}
    finally:
        await engine.dispose()
    providers = {org: None if row is None else row.provider for org, row in found.items()}
    assert providers == {paying: BillingProvider.STRIPE, customer: None, free: None}
