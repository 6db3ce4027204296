"""Campaigns and ad credits in SQL, and the unit of work of the advertiser's use cases.

Every transaction is scoped to one organisation for PostgreSQL's row-level security
(``reptidex.organisation_id``, migration ``community_0006``); a purchase is credited in a
transaction that also sets ``reptidex.worker`` to ``ad_credits``, the only one that may raise
a balance."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable

from reptidex.adapters.sql.community.ad_models import (
    AdCampaignDayRow,
    AdCampaignRow,
    AdCreditAccountRow,
    AdCreditPurchaseRow,
)
from reptidex.adapters.sql.outbox_store import SqlOutbox
from reptidex.domain.ads.campaigns import (
    BoostKind,
    Campaign,
    CampaignStatus,
    CampaignTerms,
    Targeting,
)
from reptidex.domain.ads.ports import CampaignDay, CreditBalance
from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import Conflict

CREDITS_WORKER = "ad_credits"
"""``reptidex.worker`` of the transaction that credits a purchase."""


def campaign_of(row: AdCampaignRow) -> Campaign:
    """The domain campaign of a row."""
    return Campaign(
        id=row.id,
        organisation_id=row.organisation_id,
        boost=BoostKind(row.boost),
        listing_ids=tuple(uuid.UUID(i) for i in row.listing_ids),
        terms=CampaignTerms(
            name=row.name,
            daily_budget=Money.of(row.daily_budget_amount, row.currency),
            total_budget=Money.of(row.total_budget_amount, row.currency),
            cpm=row.cpm,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            targeting=Targeting(tuple(row.species), tuple(row.genes), tuple(row.countries)),
        ),
        status=CampaignStatus(row.status),
        spent=row.spent_millis,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


def _terms_columns(campaign: Campaign) -> dict[str, object]:
    terms = campaign.terms
    return {
        "name": terms.name,
        "status": campaign.status.value,
        "daily_budget_amount": terms.daily_budget.amount,
        "total_budget_amount": terms.total_budget.amount,
        "cpm": terms.cpm,
        "starts_on": terms.starts_on,
        "ends_on": terms.ends_on,
        "species": list(terms.targeting.species),
        "genes": list(terms.targeting.genes),
        "countries": list(terms.targeting.countries),
    }


class SqlCampaigns:
    """:class:`~reptidex.domain.ads.ports.Campaigns` on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, campaign: Campaign) -> None:
        """Stage a new campaign."""
        self.session.add(
            AdCampaignRow(
                id=campaign.id,
                organisation_id=campaign.organisation_id,
                boost=campaign.boost.value,
                listing_ids=[str(i) for i in campaign.listing_ids],
                currency=campaign.currency,
                spent_millis=campaign.spent,
                version=campaign.version,
                created_by=campaign.created_by,
                created_at=campaign.created_at,
                updated_at=campaign.updated_at,
                **_terms_columns(campaign),
            )
        )
        await self.session.flush()

    async def get(self, organisation_id: uuid.UUID, campaign_id: uuid.UUID) -> Campaign | None:
        """The organisation's campaign, or ``None``."""
        row = await self.session.scalar(
            select(AdCampaignRow).where(
                AdCampaignRow.id == campaign_id, AdCampaignRow.organisation_id == organisation_id
            )
        )
        return None if row is None else campaign_of(row)

    async def page(
        self, organisation_id: uuid.UUID, status: CampaignStatus | None, limit: int, offset: int
    ) -> tuple[list[Campaign], int]:
        """A page of the organisation's campaigns, newest first, and the total."""
        where = [AdCampaignRow.organisation_id == organisation_id]
        if status is not None:
            where.append(AdCampaignRow.status == status.value)
        total = await self.session.scalar(
            select(func.count()).select_from(AdCampaignRow).where(*where)
        )
        rows = await self.session.scalars(
            select(AdCampaignRow)
            .where(*where)
            .order_by(AdCampaignRow.created_at.desc(), AdCampaignRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [campaign_of(r) for r in rows], int(total or 0)

    async def save(self, campaign: Campaign, expected_version: int) -> None:
        """Write the campaign's terms and status if nobody changed it since it was read."""
        result = await self.session.execute(
            update(AdCampaignRow)
            .where(
                AdCampaignRow.id == campaign.id,
                AdCampaignRow.organisation_id == campaign.organisation_id,
                AdCampaignRow.version == expected_version,
                AdCampaignRow.spent_millis <= campaign.terms.total_budget.amount * 1000,
            )
            .values(
                version=campaign.version,
                updated_at=campaign.updated_at,
                **_terms_columns(campaign),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
            raise Conflict("The campaign changed (or spent) meanwhile; read it again and retry.")

    async def days(
        self, campaign_id: uuid.UUID, since: dt.date, until: dt.date
    ) -> list[CampaignDay]:
        """The campaign's days with activity from ``since`` to ``until``."""
        rows = await self.session.scalars(
            select(AdCampaignDayRow)
            .where(
                AdCampaignDayRow.campaign_id == campaign_id,
                AdCampaignDayRow.day >= since,
                AdCampaignDayRow.day <= until,
            )
            .order_by(AdCampaignDayRow.day)
        )
        return [CampaignDay(r.day, r.impressions, r.clicks, r.spent_millis) for r in rows]


class SqlCredits:
    """:class:`~reptidex.domain.ads.ports.Credits` on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def balances(self, organisation_id: uuid.UUID) -> list[CreditBalance]:
        """The organisation's balances by currency."""
        rows = await self.session.scalars(
            select(AdCreditAccountRow)
            .where(AdCreditAccountRow.organisation_id == organisation_id)
            .order_by(AdCreditAccountRow.currency)
        )
        return [CreditBalance(r.currency, r.balance_millis) for r in rows]

    async def add_purchase(
        self, organisation_id: uuid.UUID, payment_ref: str, amount: int, currency: str
    ) -> int | None:
        """Record the purchase (``None`` when its payment was credited before) and raise the
        balance, made at zero when the organisation has none in ``currency`` yet."""
        try:
            async with self.session.begin_nested():
                self.session.add(
                    AdCreditPurchaseRow(
                        organisation_id=organisation_id,
                        payment_ref=payment_ref,
                        amount=amount,
                        currency=currency,
                    )
                )
                await self.session.flush()
        except IntegrityError:
            return None
        await ensure_account(self.session, organisation_id, currency)
        balance = await self.session.scalar(
            update(AdCreditAccountRow)
            .where(
                AdCreditAccountRow.organisation_id == organisation_id,
                AdCreditAccountRow.currency == currency,
            )
            .values(balance_millis=AdCreditAccountRow.balance_millis + amount * 1000)
            .returning(AdCreditAccountRow.balance_millis)
        )
        return int(balance or 0)


async def ensure_account(session: AsyncSession, organisation_id: uuid.UUID, currency: str) -> None:
    """Make the organisation's account in ``currency`` at zero unless it exists."""
    table = AdCreditAccountRow.__table__
    assert isinstance(table, Table)
    values = {
        "id": uuid.uuid4(),
        "organisation_id": organisation_id,
        "currency": currency,
        "balance_millis": 0,
        "created_at": dt.datetime.now(dt.UTC),
        "updated_at": dt.datetime.now(dt.UTC),
    }
    await session.execute(insert_ignoring(session, table, values, ["organisation_id", "currency"]))


def insert_ignoring(
    session: AsyncSession, table: Table, values: dict[str, object], keys: list[str]
) -> Executable:
    """``INSERT ... ON CONFLICT (keys) DO NOTHING`` in the session's dialect."""
    if session.bind.dialect.name == "postgresql":
        return postgresql.insert(table).values(values).on_conflict_do_nothing(index_elements=keys)
    return sqlite.insert(table).values(values).on_conflict_do_nothing(index_elements=keys)


class SqlAdUnitOfWork:
    """The advertiser's unit of work on one session: the use case commits it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.campaigns = SqlCampaigns(session)
        self.credits = SqlCredits(session)
        self.outbox = SqlOutbox(session, "community")

    async def commit(self) -> None:
        """Commit the changes and the staged events together."""
        try:
            await self.session.commit()
        except IntegrityError:
            await self.session.rollback()
            raise Conflict("Another request changed the same thing first; try again.") from None

    async def bind_organisation(
        self, organisation_id: uuid.UUID, *, worker: str | None = None
    ) -> None:
        """Scope this transaction to ``organisation_id`` (and, when given, act as
        ``worker``) for PostgreSQL's row-level security; a no-op on SQLite."""
        if self.session.bind.dialect.name != "postgresql":
            return
        await self.session.execute(
            text("SELECT set_config('reptidex.organisation_id', :organisation, true)"),
            {"organisation": str(organisation_id)},
        )
        if worker is not None:
            await self.session.execute(
                text("SELECT set_config('reptidex.worker', :worker, true)"), {"worker": worker}
            )
