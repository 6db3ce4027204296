"""The animal use cases' unit of work in SQL: the animal repositories and the outbox on one
session."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from reptidex.adapters.sql.animal.animals import SqlAnimalRepository
from reptidex.adapters.sql.animal.breeding import SqlBreeding
from reptidex.adapters.sql.animal.families import SqlFamilies
from reptidex.adapters.sql.animal.het_odds_store import SqlHetOddsStore
from reptidex.adapters.sql.animal.husbandry import SqlHusbandry
from reptidex.adapters.sql.animal.id_codes import SqlIdCodes
from reptidex.adapters.sql.animal.transfer_offers import SqlTransferOffers
from reptidex.adapters.sql.animal.transfers import SqlTransfers
from reptidex.adapters.sql.outbox_store import SqlOutbox


class SqlAnimalUnitOfWork:
    """The animal use cases' unit of work on one session: the use case commits it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.animals = SqlAnimalRepository(session)
        self.codes = SqlIdCodes(session)
        self.outbox = SqlOutbox(session, "animal")
        self.breeding = SqlBreeding(session)
        self.husbandry = SqlHusbandry(session)
        self.transfers = SqlTransfers(session)
        self.transfer_offers = SqlTransferOffers(session)
        self.families = SqlFamilies(session)
        self.het_odds = SqlHetOddsStore(session)

    async def commit(self) -> None:
        """Commit the changes and the staged events together."""
        await self.session.commit()

    async def bind_organisation(self, organisation_id: uuid.UUID) -> None:
        """Scope this transaction to ``organisation_id`` for PostgreSQL's row-level security
        (a transaction-local setting, passed as a bound parameter); a no-op on SQLite."""
        if self.session.bind.dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT set_config('reptidex.organisation_id', :organisation, true)"),
                {"organisation": str(organisation_id)},
            )

    async def act_for(self, organisation_id: uuid.UUID) -> None:
        """Carry on this transaction as ``organisation_id`` (an accepted offer's sender)."""
        await self.bind_organisation(organisation_id)
